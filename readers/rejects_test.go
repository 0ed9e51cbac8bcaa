package readers

import (
	"fmt"
	"testing"

	"reweigh/model"
)

const (
	exceptionsHeader  = "application_id,exception_type,level,npi,tin,virtual_group_id,apm_entity_id,categories,status,submitted_at\n"
	goodException     = "A1,pi_hardship,individual," + npiA + ",012345678,,,,approved,2025-03-01\n"
	submissionsHeader = "submission_id,level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id,category\n"
	goodSubmission    = "S1,group,,012345678,,,,quality\n"
	scoresHeader      = "level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id,quality_score,complex_patient_bonus\n"
	costHeader        = "level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id,measure_id,attributed_cases,case_minimum\n"
)

// rejectCase expects exactly one reject: at (table, data row), in column, with code.
type rejectCase struct {
	name    string
	files   map[string]string // file name -> CSV text; clinicians.csv defaults to baseClinicians
	table   string
	row     int // 1-based data row; the CSV line is row+1 (no multi-line records here)
	column  string
	code    string
	warning bool
	parquet bool // also run through Parquet (all-string columns)
}

func clin(extra string) map[string]string {
	return map[string]string{"clinicians.csv": baseClinicians + extra}
}

func with(table, text string) map[string]string {
	return map[string]string{table + ".csv": text}
}

var rejectCases = []rejectCase{
	{name: "required.missing/tin", files: clin(npiD + ",,physician\n"), table: "clinicians", row: 4, column: "tin", code: CodeRequiredMissing, parquet: true},
	{name: "required.missing/npi", files: clin(",012345678,physician\n"), table: "clinicians", row: 4, column: "npi", code: CodeRequiredMissing},
	{name: "npi.format", files: clin("12345,012345678,physician\n"), table: "clinicians", row: 4, column: "npi", code: CodeNPIFormat, parquet: true},
	{name: "npi.format/letters", files: clin("12345678AB,012345678,\n"), table: "clinicians", row: 4, column: "npi", code: CodeNPIFormat},
	{name: "npi.check_digit", files: clin("1234567890,012345678,physician\n"), table: "clinicians", row: 4, column: "npi", code: CodeNPICheckDigit, parquet: true},
	{name: "tin.format/short", files: clin(npiD + ",12345678,physician\n"), table: "clinicians", row: 4, column: "tin", code: CodeTINFormat, parquet: true},
	{name: "tin.format/dash", files: clin(npiD + ",12-3456789,physician\n"), table: "clinicians", row: 4, column: "tin", code: CodeTINFormat},
	{name: "tin.format/subgroup", files: with("subgroups", "subgroup_id,tin,npi\nSG1,0123456789,"+npiA+"\n"), table: "subgroups", row: 1, column: "tin", code: CodeTINFormat},
	{name: "enum.invalid/clinician_type", files: clin(npiD + ",012345678,surgeon\n"), table: "clinicians", row: 4, column: "clinician_type", code: CodeEnumInvalid, parquet: true},
	{name: "bool.invalid", files: map[string]string{"clinicians.csv": "npi,tin,mips_eligible\n" + npiA + ",012345678,Y\n" + npiB + ",012345678,maybe\n"}, table: "clinicians", row: 2, column: "mips_eligible", code: CodeBoolInvalid, parquet: true},
	{name: "enum.invalid/segment", files: map[string]string{"clinicians.csv": "npi,tin,segment\n" + npiA + ",012345678,1\n" + npiA + ",012345678,3\n"}, table: "clinicians", row: 2, column: "segment", code: CodeEnumInvalid},
	{name: "int.invalid", files: map[string]string{"clinicians.csv": "npi,tin,total_services\n" + npiA + ",012345678,12\n" + npiB + ",012345678,1.5\n"}, table: "clinicians", row: 2, column: "total_services", code: CodeIntInvalid, parquet: true},
	{name: "int.negative", files: map[string]string{"clinicians.csv": "npi,tin,total_services,hospital_services\n" + npiA + ",012345678,12,3\n" + npiB + ",012345678,4,-1\n"}, table: "clinicians", row: 2, column: "hospital_services", code: CodeIntNegative, parquet: true},
	{name: "zip.format", files: map[string]string{"clinicians.csv": "npi,tin,practice_zip\n" + npiA + ",012345678,02134-1234\n" + npiB + ",012345678,2134\n"}, table: "clinicians", row: 2, column: "practice_zip", code: CodeZIPFormat, parquet: true},
	{name: "state.format", files: map[string]string{"clinicians.csv": "npi,tin,practice_state\n" + npiA + ",012345678,ma\n" + npiB + ",012345678,Cal\n"}, table: "clinicians", row: 2, column: "practice_state", code: CodeStateFormat},
	{name: "value.invalid_utf8", files: map[string]string{"clinicians.csv": "npi,tin,practice_county\n" + npiA + ",012345678,Suffolk\n" + npiB + ",012345678,Su\xfffolk\n"}, table: "clinicians", row: 2, column: "practice_county", code: CodeInvalidUTF8, parquet: true},
	{name: "row.field_count/long", files: clin(npiD + ",012345678,physician,extra\n"), table: "clinicians", row: 4, code: CodeRowFieldCount},
	{name: "row.field_count/short", files: clin(npiD + ",012345678\n"), table: "clinicians", row: 4, code: CodeRowFieldCount},
	{name: "duplicate_key/clinicians", files: clin(npiB + ",012345678,physician\n"), table: "clinicians", row: 4, column: "npi,tin,segment", code: CodeDuplicateKey, parquet: true},

	{name: "int.invalid/groups", files: with("groups", "tin,clinician_count\n012345678,x\n"), table: "groups", row: 1, column: "clinician_count", code: CodeIntInvalid},
	{name: "duplicate_key/groups", files: with("groups", "tin,clinician_count\n012345678,3\n012345678,4\n"), table: "groups", row: 2, column: "tin", code: CodeDuplicateKey, parquet: true},
	{name: "group.no_clinicians", files: with("groups", "tin\n012345678\n555555555\n"), table: "groups", row: 2, column: "tin", code: CodeGroupNoClinicians, warning: true, parquet: true},

	{name: "duplicate_key/virtual_groups", files: with("virtual_groups", "virtual_group_id,tin\nVG1,012345678\nVG1,987654321\nVG1,012345678\n"), table: "virtual_groups", row: 3, column: "virtual_group_id,tin", code: CodeDuplicateKey},
	{name: "member.no_clinicians/virtual_groups", files: with("virtual_groups", "virtual_group_id,tin\nVG1,012345678\nVG1,555555555\n"), table: "virtual_groups", row: 2, column: "tin", code: CodeMemberNoClinicians, warning: true, parquet: true},
	{name: "required.missing/subgroups", files: with("subgroups", "subgroup_id,tin,npi\nSG1,012345678,\n"), table: "subgroups", row: 1, column: "npi", code: CodeRequiredMissing},
	{name: "duplicate_key/subgroups", files: with("subgroups", "subgroup_id,tin,npi\nSG1,012345678,"+npiA+"\nSG1,012345678,"+npiA+"\n"), table: "subgroups", row: 2, column: "subgroup_id,tin,npi", code: CodeDuplicateKey},
	{name: "member.no_clinicians/subgroups", files: with("subgroups", "subgroup_id,tin,npi\nSG1,012345678,"+npiA+"\nSG1,012345678,"+npiC+"\n"), table: "subgroups", row: 2, column: "npi", code: CodeMemberNoClinicians, warning: true},
	{name: "duplicate_key/apm_entities", files: with("apm_entities", "apm_entity_id,apm_entity_type,tin,npi\nACO1,ssp_aco,012345678,\nACO1,ssp_aco,012345678,\n"), table: "apm_entities", row: 2, column: "apm_entity_id,tin,npi", code: CodeDuplicateKey},
	{name: "member.no_clinicians/apm_tin", files: with("apm_entities", "apm_entity_id,tin,npi\nACO1,012345678,\nACO1,555555555,\n"), table: "apm_entities", row: 2, column: "tin", code: CodeMemberNoClinicians, warning: true},
	{name: "member.no_clinicians/apm_npi", files: with("apm_entities", "apm_entity_id,tin,npi\nACO1,012345678,"+npiA+"\nACO1,987654321,"+npiA+"\n"), table: "apm_entities", row: 2, column: "npi", code: CodeMemberNoClinicians, warning: true, parquet: true},

	{name: "enum.invalid/exception_type", files: with("exceptions", exceptionsHeader+goodException+"A2,hardship,individual,"+npiA+",012345678,,,,approved,\n"), table: "exceptions", row: 2, column: "exception_type", code: CodeEnumInvalid},
	{name: "enum.invalid/level", files: with("exceptions", exceptionsHeader+"A2,euc,team,"+npiA+",012345678,,,pi,approved,\n"), table: "exceptions", row: 1, column: "level", code: CodeEnumInvalid, parquet: true},
	{name: "enum.invalid/status", files: with("exceptions", exceptionsHeader+"A2,euc,group,,012345678,,,pi,pending,\n"), table: "exceptions", row: 1, column: "status", code: CodeEnumInvalid},
	{name: "level.not_allowed", files: with("exceptions", exceptionsHeader+goodException+"A2,euc,subgroup,,012345678,,,pi,approved,\n"), table: "exceptions", row: 2, column: "level", code: CodeLevelNotAllowed, parquet: true},
	{name: "pi_hardship.level_not_allowed", files: with("exceptions", exceptionsHeader+"A2,PI_Hardship,apm_entity,,,,ACO1,,approved,\n"), table: "exceptions", row: 1, column: "level", code: CodePIHardshipLevel, parquet: true},
	{name: "level.ids_missing/exceptions", files: with("exceptions", exceptionsHeader+"A2,pi_hardship,individual,,012345678,,,,approved,\n"), table: "exceptions", row: 1, column: "npi", code: CodeLevelIDsMissing},
	{name: "categories.invalid", files: with("exceptions", exceptionsHeader+"A2,euc,group,,012345678,,,quality; finance,approved,\n"), table: "exceptions", row: 1, column: "categories", code: CodeCategoriesInvalid, parquet: true},
	{name: "euc.no_categories", files: with("exceptions", exceptionsHeader+"A2,euc,group,,012345678,,,,approved,\n"), table: "exceptions", row: 1, column: "categories", code: CodeEUCNoCategories, parquet: true},
	{name: "date.invalid", files: with("exceptions", exceptionsHeader+goodException+"A2,euc,group,,012345678,,,Quality;PI,approved,2025-02-30\n"), table: "exceptions", row: 2, column: "submitted_at", code: CodeDateInvalid, parquet: true},
	{name: "date.invalid/format", files: with("exceptions", exceptionsHeader+"A2,euc,group,,012345678,,,pi,approved,03/01/2025\n"), table: "exceptions", row: 1, column: "submitted_at", code: CodeDateInvalid},
	{name: "duplicate_key/exceptions", files: with("exceptions", exceptionsHeader+goodException+goodException), table: "exceptions", row: 2, column: "application_id", code: CodeDuplicateKey, parquet: true},
	{name: "entity.no_clinicians/individual", files: with("exceptions", exceptionsHeader+"A2,pi_hardship,individual,"+npiC+",012345678,,,,approved,\n"), table: "exceptions", row: 1, column: "npi", code: CodeEntityNoClinicians, parquet: true},
	{name: "entity.no_clinicians/group", files: with("exceptions", exceptionsHeader+"A2,pi_hardship,group,,555555555,,,,approved,\n"), table: "exceptions", row: 1, column: "tin", code: CodeEntityNoClinicians},

	{name: "enum.invalid/category_cost", files: with("submissions", submissionsHeader+goodSubmission+"S2,group,,012345678,,,,cost\n"), table: "submissions", row: 2, column: "category", code: CodeEnumInvalid, parquet: true},
	{name: "enum.invalid/pathway", files: with("submissions", "submission_id,level,tin,pathway,category\nS2,group,012345678,fast,quality\n"), table: "submissions", row: 1, column: "pathway", code: CodeEnumInvalid},
	{name: "level.ids_missing/submissions", files: with("submissions", submissionsHeader+"S2,virtual_group,,,,,,pi\n"), table: "submissions", row: 1, column: "virtual_group_id", code: CodeLevelIDsMissing, parquet: true},
	{name: "duplicate_key/submissions", files: with("submissions", submissionsHeader+goodSubmission+goodSubmission), table: "submissions", row: 2, column: "submission_id", code: CodeDuplicateKey},
	{name: "entity.no_clinicians/virtual_group", files: with("submissions", submissionsHeader+"S2,virtual_group,,,VG9,,,pi\n"), table: "submissions", row: 1, column: "virtual_group_id", code: CodeEntityNoClinicians, parquet: true},
	{name: "entity.no_clinicians/subgroup", files: with("submissions", submissionsHeader+"S2,subgroup,,,,SG9,,pi\n"), table: "submissions", row: 1, column: "subgroup_id", code: CodeEntityNoClinicians},
	{name: "entity.no_clinicians/apm_entity", files: with("submissions", submissionsHeader+"S2,apm_entity,,,,,ACO9,pi\n"), table: "submissions", row: 1, column: "apm_entity_id", code: CodeEntityNoClinicians},

	{name: "measurement.unknown_submission", files: map[string]string{
		"submissions.csv":  submissionsHeader + goodSubmission,
		"measurements.csv": "submission_id,measure_id,numerator,denominator\nS1,001,3,10\nS9,001,3,10\n"},
		table: "measurements", row: 2, column: "submission_id", code: CodeUnknownSubmission, parquet: true},
	{name: "measurement.unknown_submission/no_table", files: with("measurements", "submission_id,measure_id\nS1,001\n"), table: "measurements", row: 1, column: "submission_id", code: CodeUnknownSubmission},

	{name: "number.invalid", files: with("scores", scoresHeader+"group,,012345678,,,,abc,\n"), table: "scores", row: 1, column: "quality_score", code: CodeNumberInvalid, parquet: true},
	{name: "number.invalid/nan", files: with("scores", scoresHeader+"group,,012345678,,,,NaN,\n"), table: "scores", row: 1, column: "quality_score", code: CodeNumberInvalid},
	{name: "number.range/score", files: with("scores", scoresHeader+"group,,012345678,,,,100.5,\n"), table: "scores", row: 1, column: "quality_score", code: CodeNumberRange, parquet: true},
	{name: "number.range/bonus", files: with("scores", scoresHeader+"group,,012345678,,,,80,-1\n"), table: "scores", row: 1, column: "complex_patient_bonus", code: CodeNumberRange},
	{name: "duplicate_key/scores", files: with("scores", scoresHeader+"individual,"+npiA+",012345678,,,,80,\nindividual,"+npiA+",012345678,,,,90,\n"), table: "scores", row: 2, column: "level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id", code: CodeDuplicateKey, parquet: true},
	{name: "entity.no_clinicians/scores", files: with("scores", scoresHeader+"group,,555555555,,,,80,\n"), table: "scores", row: 1, column: "tin", code: CodeEntityNoClinicians},

	{name: "required.missing/cost_measures", files: with("cost_measures", costHeader+"group,,012345678,,,,COST_1,,20\n"), table: "cost_measures", row: 1, column: "attributed_cases", code: CodeRequiredMissing},
	{name: "duplicate_key/cost_measures", files: with("cost_measures", costHeader+"group,,012345678,,,,COST_1,25,20\ngroup,,012345678,,,,COST_1,30,20\n"), table: "cost_measures", row: 2, column: "level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id,measure_id", code: CodeDuplicateKey, parquet: true},
	{name: "entity.no_clinicians/cost_measures", files: with("cost_measures", costHeader+"individual,"+npiD+",012345678,,,,COST_1,25,20\n"), table: "cost_measures", row: 1, column: "npi", code: CodeEntityNoClinicians},

	{name: "required.missing/euc_areas", files: with("euc_areas", "state_code,county_name,zipcode\nFL,Lee,\nFL,,\n"), table: "euc_areas", row: 2, column: "county_name", code: CodeRequiredMissing, parquet: true},
	{name: "zip.format/euc_areas", files: with("euc_areas", "state_code,county_name,zipcode\n,,3390\n"), table: "euc_areas", row: 1, column: "zipcode", code: CodeZIPFormat},
}

func TestRejects(t *testing.T) {
	for _, tc := range rejectCases {
		for _, format := range []string{"csv", "parquet"} {
			if format == "parquet" && !tc.parquet {
				continue
			}
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				files := map[string]string{"clinicians.csv": baseClinicians}
				for k, v := range tc.files {
					files[k] = v
				}
				var dir string
				row := tc.row + 1 // CSV line
				if format == "csv" {
					dir = writeDir(t, files)
				} else {
					dir = writeDirParquet(t, files)
					row = tc.row
				}
				in := read(t, dir)
				if len(in.Rejects) != 1 {
					t.Fatalf("got %d rejects, want 1:\n%s", len(in.Rejects), dumpRejects(in.Rejects))
				}
				r := in.Rejects[0]
				sev := model.SeverityError
				if tc.warning {
					sev = model.SeverityWarning
				}
				ext := "." + format
				if r.Table != tc.table || r.File != tc.table+ext || r.Row != row || r.Column != tc.column || r.Code != tc.code || r.Severity != sev {
					t.Errorf("got %s\nwant table=%s row=%d column=%s code=%s severity=%s", dumpRejects(in.Rejects), tc.table, row, tc.column, tc.code, sev)
				}
				if r.Message == "" {
					t.Error("empty message")
				}
				st := stat(in, tc.table)
				wantRejected := 1
				if tc.warning {
					wantRejected = 0
				}
				if st.RowsRejected != wantRejected {
					t.Errorf("rows_rejected = %d, want %d", st.RowsRejected, wantRejected)
				}
			})
		}
	}
}

// TestEveryCodeTested checks that every row reject code has a case above.
func TestEveryCodeTested(t *testing.T) {
	tested := map[string]bool{}
	for _, tc := range rejectCases {
		tested[tc.code] = true
	}
	for _, code := range []string{
		CodeRequiredMissing, CodeNPIFormat, CodeNPICheckDigit, CodeTINFormat, CodeBoolInvalid,
		CodeIntInvalid, CodeIntNegative, CodeNumberInvalid, CodeNumberRange, CodeDateInvalid,
		CodeEnumInvalid, CodeZIPFormat, CodeStateFormat, CodeCategoriesInvalid, CodeEUCNoCategories,
		CodeLevelNotAllowed, CodePIHardshipLevel, CodeLevelIDsMissing, CodeDuplicateKey,
		CodeRowFieldCount, CodeInvalidUTF8, CodeUnknownSubmission, CodeEntityNoClinicians,
		CodeMemberNoClinicians, CodeGroupNoClinicians,
	} {
		if !tested[code] {
			t.Errorf("no reject case for %s", code)
		}
	}
}

func stat(in *model.Inputs, table string) model.InputStat {
	for _, s := range in.Stats {
		if s.Table == table {
			return s
		}
	}
	return model.InputStat{}
}

func dumpRejects(rs []model.Reject) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprintf("  %+v\n", r)
	}
	return s
}
