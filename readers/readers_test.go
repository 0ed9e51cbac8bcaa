package readers

import (
	"context"
	"encoding/csv"
	"errors"
	"hash/maphash"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"

	"reweigh/model"
)

func TestValidNPI(t *testing.T) {
	for _, s := range []string{"1234567893", "1000000004", "1999999992", "9876543213", "1111111112", "2222222228", "1456789019", "0000000006"} {
		if !ValidNPI(s) {
			t.Errorf("ValidNPI(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"1234567890", "1234567891", "1234567894", "1000000000", "2222222222", "123456789", "12345678933", "12345678a3", "", " 123456789", "１２３４５６７８９３"} {
		if ValidNPI(s) {
			t.Errorf("ValidNPI(%q) = true, want false", s)
		}
	}
	// Exactly one check digit is valid for every 9-digit prefix.
	for _, p := range []string{"123456789", "000000000", "999999999", "104857600"} {
		n := 0
		for d := '0'; d <= '9'; d++ {
			if ValidNPI(p + string(d)) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("prefix %s: %d valid check digits", p, n)
		}
	}
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string)
		file   string
		column string
		code   string
		text   string // in Error()
	}{
		{name: "both_formats", file: "groups.csv", code: CodeFileBothFormats, setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.csv", baseClinicians)
			put(t, dir, "groups.csv", "tin\n")
			put(t, dir, "groups.parquet", "x")
		}},
		{name: "missing_table", file: "clinicians.csv", code: CodeFileMissingTable, setup: func(t *testing.T, dir string) {
			put(t, dir, "groups.csv", "tin\n")
			put(t, dir, "Clinicians.txt", baseClinicians)
		}},
		{name: "empty/csv", file: "clinicians.csv", code: CodeFileEmpty, setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.csv", "")
		}},
		{name: "empty/blank_lines", file: "groups.csv", code: CodeFileEmpty, setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.csv", baseClinicians)
			put(t, dir, "groups.csv", "\uFEFF\n\r\n")
		}},
		{name: "empty/parquet", file: "clinicians.parquet", code: CodeFileEmpty, setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.parquet", "")
		}},
		{name: "missing_column", file: "clinicians.csv", column: "npi", code: CodeFileMissingColumn,
			text: `clinicians.csv: column "npi": missing required column`, setup: func(t *testing.T, dir string) {
				put(t, dir, "clinicians.csv", "tin,clinician_type\n012345678,physician\n")
			}},
		{name: "missing_column/parquet", file: "exceptions.parquet", column: "status", code: CodeFileMissingColumn, setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.csv", baseClinicians)
			writeParquet(t, filepath.Join(dir, "exceptions.parquet"), strCol("application_id", "A1"), strCol("exception_type", "euc"), strCol("level", "group"))
		}},
		{name: "duplicate_column", file: "clinicians.csv", column: "npi", code: CodeFileDuplicateColumn, setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.csv", "npi,tin, NPI \n"+npiA+",012345678,"+npiA+"\n")
		}},
		{name: "unreadable", file: "groups.csv", code: CodeFileUnreadable, setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.csv", baseClinicians)
			if err := os.Mkdir(filepath.Join(dir, "groups.csv"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "corrupt", file: "clinicians.parquet", code: CodeFileCorrupt, setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.parquet", "npi,tin\nthis is not parquet\n")
		}},
		{name: "corrupt/truncated", file: "clinicians.parquet", code: CodeFileCorrupt, setup: func(t *testing.T, dir string) {
			p := filepath.Join(dir, "clinicians.parquet")
			writeParquet(t, p, strCol("npi", npiA, npiB), strCol("tin", "012345678", "012345678"))
			b, _ := os.ReadFile(p)
			put(t, dir, "clinicians.parquet", string(b[:len(b)/2])+string(b[len(b)-20:]))
		}},
		{name: "csv_syntax", file: "clinicians.csv", code: CodeFileCSVSyntax, text: "line 3", setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.csv", "npi,tin\n"+npiA+",012345678\n"+npiB+",01\"2345678\n")
		}},
		{name: "csv_syntax/unterminated", file: "groups.csv", code: CodeFileCSVSyntax, setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.csv", baseClinicians)
			put(t, dir, "groups.csv", "tin\n\"012345678\n")
		}},
		{name: "column_type/int64_tin", file: "clinicians.parquet", column: "tin", code: CodeFileColumnType, setup: func(t *testing.T, dir string) {
			writeParquet(t, filepath.Join(dir, "clinicians.parquet"), strCol("npi", npiA), int64Col("tin", 12345678))
		}},
		{name: "column_type/float_count", file: "clinicians.parquet", column: "total_services", code: CodeFileColumnType, setup: func(t *testing.T, dir string) {
			writeParquet(t, filepath.Join(dir, "clinicians.parquet"), strCol("npi", npiA), strCol("tin", "012345678"), float64Col("total_services", 1.5))
		}},
		{name: "column_type/int_zip", file: "clinicians.parquet", column: "practice_zip", code: CodeFileColumnType, setup: func(t *testing.T, dir string) {
			writeParquet(t, filepath.Join(dir, "clinicians.parquet"), strCol("npi", npiA), strCol("tin", "012345678"), int64Col("practice_zip", 2134))
		}},
		{name: "first_table_wins", file: "clinicians.csv", column: "tin", code: CodeFileMissingColumn, setup: func(t *testing.T, dir string) {
			put(t, dir, "clinicians.csv", "npi\n"+npiA+"\n")
			put(t, dir, "groups.csv", "")
			put(t, dir, "scores.csv", "npi\n")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			for _, workers := range []int{1, 4} {
				_, err := ReadAll(context.Background(), dir, Options{Workers: workers})
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("err = %v, want *FileError", err)
				}
				if fe.File != tc.file || fe.Column != tc.column || fe.Code != tc.code {
					t.Errorf("got File=%q Column=%q Code=%q (%v), want %q %q %q", fe.File, fe.Column, fe.Code, fe, tc.file, tc.column, tc.code)
				}
				if !strings.Contains(fe.Error(), tc.text) || !strings.HasPrefix(fe.Error(), tc.file+": ") {
					t.Errorf("Error() = %q, want it to name %q and contain %q", fe.Error(), tc.file, tc.text)
				}
				if fe.Unwrap() == nil {
					t.Error("Unwrap() = nil")
				}
			}
		})
	}
}

func TestCSVSyntaxWrapsParseError(t *testing.T) {
	dir := writeDir(t, map[string]string{"clinicians.csv": "npi,tin\n" + npiA + ",01\"2\n"})
	fe := fileError(t, dir)
	var pe *csv.ParseError
	if !errors.As(fe, &pe) || pe.Line != 2 || !errors.Is(fe, csv.ErrBareQuote) {
		t.Errorf("error %v does not wrap the csv.ParseError of line 2", fe)
	}
}

func put(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func int64Col(name string, vals ...int64) parquetColumn {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	return parquetColumn{name, b.NewArray()}
}

func float64Col(name string, vals ...float64) parquetColumn {
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	return parquetColumn{name, b.NewArray()}
}

func TestCSVFormats(t *testing.T) {
	t.Run("bom_crlf_quoted", func(t *testing.T) {
		text := "\uFEFF\"NPI\", Tin ,practice_county,Extra\r\n" +
			npiA + ",\"012345678\",\"Prince\r\nGeorge's\",x\r\n" +
			"\r\n" +
			" " + npiB + " ,000000001,\"Saint \"\"Mary\"\"\",\r\n"
		in := read(t, writeDir(t, map[string]string{"clinicians.csv": text}))
		if len(in.Rejects) != 0 {
			t.Fatalf("rejects:\n%s", dumpRejects(in.Rejects))
		}
		want := []model.Clinician{
			{Row: 2, NPI: npiA, TIN: "012345678", MIPSEligible: true, Practice: &model.Practice{County: "Prince\nGeorge's"}},
			{Row: 5, NPI: npiB, TIN: "000000001", MIPSEligible: true, Practice: &model.Practice{County: `Saint "Mary"`}},
		}
		if !reflect.DeepEqual(in.Clinicians, want) {
			t.Errorf("got %+v\nwant %+v", in.Clinicians, want)
		}
	})
	t.Run("header_only", func(t *testing.T) {
		in := read(t, writeDir(t, map[string]string{"clinicians.csv": "npi,tin\n", "groups.csv": "tin",
			"notes.txt": "x", "scores.csv.bak": "", "Groups.CSV": ""}))
		if len(in.Clinicians) != 0 || len(in.Stats) != 2 || in.Stats[1].RowsRead != 0 || !in.Has(model.TableGroups) || in.Has(model.TableScores) {
			t.Errorf("got %+v", in)
		}
	})
}

// TestDecode checks every column of every table is decoded into the model types.
func TestDecode(t *testing.T) {
	files := map[string]string{
		"clinicians.csv": "npi,tin,clinician_type,mips_eligible,segment,total_services,hospital_services,asc_services,patient_facing_encounters,hospital_based,non_patient_facing,asc_based,auto_euc,practice_zip,practice_state,practice_county\n" +
			npiA + ",012345678,Nurse_Practitioner,no,2,100,80,0,50,Y,n,TRUE,0,02134-5678,ma, Suffolk \n" +
			npiB + ",012345678,,,,,,,,,,,,,,\n" +
			npiC + ",987654321,physician,1,1,,,,,,,,,,,\n",
		"groups.csv":         "tin,clinician_count,small_practice\n012345678,12,yes\n",
		"virtual_groups.csv": "virtual_group_id,tin\nVG1,987654321\n",
		"subgroups.csv":      "subgroup_id,tin,npi\nSG1,012345678," + npiA + "\n",
		"apm_entities.csv":   "apm_entity_id,apm_entity_type,tin,npi\nACO1,SSP_ACO,012345678,\nACO1,ssp_aco,987654321," + npiC + "\n",
		"exceptions.csv": "application_id,exception_type,level,npi,tin,virtual_group_id,apm_entity_id,categories,reason,status,submitted_at,decided_at\n" +
			"APP-1,euc,individual," + npiA + ",012345678,,,Quality; PI;,fire,Approved,2025-03-01,2025-04-30\n" +
			"APP-2,pi_hardship,virtual_group,,,VG1,,,,submitted,,\n" +
			"APP-3,euc,apm_entity,,,,ACO1,,,approved,,\n",
		"submissions.csv": "submission_id,level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id,pathway,category,submission_method,performance_start,performance_end,cehrt_id\n" +
			"SUB-1,subgroup," + npiB + ",012345678,,SG1,,MVP,pi,EHR,2025-01-01,2025-06-30,0015H\n" +
			"SUB-2,group,,012345678,,,,,IA,,,,\n",
		"measurements.csv": "submission_id,measure_id,numerator,denominator,value,exclusion\nSUB-1,PI_EP_1,10,20,,false\nSUB-2,IA_EPA_1,,,yes,\n",
		"scores.csv":       "level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id,quality_score,cost_score,ia_score,pi_score,complex_patient_bonus\napm_entity,,,,,ACO1,88.5,,40,100,2.5\n",
		"euc_areas.csv":    "state_code,county_name,zipcode\nfl,Lee,\n,,33901\n",
		"cost_measures.csv": "level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id,measure_id,attributed_cases,case_minimum\n" +
			"individual," + npiA + ",012345678,,,,COST_EPI_1,25,20\n",
	}
	in := read(t, writeDir(t, files))
	if len(in.Rejects) != 0 {
		t.Fatalf("rejects:\n%s", dumpRejects(in.Rejects))
	}
	date := func(s string) model.Date { d, _ := parseDate(s); return d }
	want := &model.Inputs{
		Clinicians: []model.Clinician{
			{Row: 2, NPI: npiA, TIN: "012345678", ClinicianType: "nurse_practitioner", MIPSEligible: false, Segment: 2,
				TotalServices: model.CountOf(model.OptInt{V: 100, Valid: true}), HospitalServices: model.CountOf(model.OptInt{V: 80, Valid: true}),
				ASCServices: model.CountOf(model.OptInt{V: 0, Valid: true}), PatientFacingEncounters: model.CountOf(model.OptInt{V: 50, Valid: true}),
				HospitalBased: model.OptBool{V: true, Valid: true}, NonPatientFacing: model.OptBool{Valid: true},
				ASCBased: model.OptBool{V: true, Valid: true}, AutoEUC: model.OptBool{Valid: true},
				Practice: &model.Practice{ZIP: "02134", State: "MA", County: "Suffolk"}},
			{Row: 3, NPI: npiB, TIN: "012345678", MIPSEligible: true},
			{Row: 4, NPI: npiC, TIN: "987654321", ClinicianType: "physician", MIPSEligible: true, Segment: 1},
		},
		Groups:        []model.Group{{Row: 2, TIN: "012345678", ClinicianCount: model.OptInt{V: 12, Valid: true}, SmallPractice: model.OptBool{V: true, Valid: true}}},
		VirtualGroups: []model.VirtualGroupMember{{Row: 2, VirtualGroupID: "VG1", TIN: "987654321"}},
		Subgroups:     []model.SubgroupMember{{Row: 2, SubgroupID: "SG1", TIN: "012345678", NPI: npiA}},
		APMEntities: []model.APMParticipant{
			{Row: 2, APMEntityID: "ACO1", APMEntityType: "ssp_aco", TIN: "012345678"},
			{Row: 3, APMEntityID: "ACO1", APMEntityType: "ssp_aco", TIN: "987654321", NPI: npiC},
		},
		Exceptions: []model.Exception{
			{Row: 2, ApplicationID: "APP-1", ExceptionType: "euc", Entity: model.IndividualKey(npiA, "012345678"),
				Categories: model.CategorySet(0).With(model.Quality).With(model.PI), Reason: "fire", Status: "approved",
				SubmittedAt: date("2025-03-01"), DecidedAt: date("2025-04-30")},
			{Row: 3, ApplicationID: "APP-2", ExceptionType: "pi_hardship", Entity: model.VirtualGroupKey("VG1"), Status: "submitted"},
			{Row: 4, ApplicationID: "APP-3", ExceptionType: "euc", Entity: model.APMEntityKey("ACO1"), Status: "approved"},
		},
		Submissions: []model.Submission{
			{Row: 2, SubmissionID: "SUB-1", Entity: model.SubgroupKey("SG1", "012345678"),
				Pathway: model.PathwayMVP, Category: model.PI,
				PerformanceStart: date("2025-01-01"), PerformanceEnd: date("2025-06-30"), CEHRT: true},
			{Row: 3, SubmissionID: "SUB-2", Entity: model.GroupKey("012345678"), Pathway: model.PathwayTraditional, Category: model.IA},
		},
		Measurements: model.MeasurementsOf(
			model.Measurement{Row: 2, SubmissionID: "SUB-1", MeasureID: "PI_EP_1", Flags: model.HasNumerator | model.HasDenominator | model.HasExclusion},
			model.Measurement{Row: 3, SubmissionID: "SUB-2", MeasureID: "IA_EPA_1", Flags: model.HasValue | model.ValueYes},
		),
		Scores: []model.Score{{Row: 2, Entity: model.APMEntityKey("ACO1"),
			CategoryScores: model.NewCategoryScores(model.OptFloat{V: 88.5, Valid: true}, model.OptFloat{}, model.OptFloat{V: 40, Valid: true},
				model.OptFloat{V: 100, Valid: true}, model.OptFloat{V: 2.5, Valid: true})}},
		EUCAreas:     []model.EUCArea{{Row: 2, StateCode: "FL", CountyName: "Lee"}, {Row: 3, Zipcode: "33901"}},
		CostMeasures: []model.CostMeasure{{Row: 2, Entity: model.IndividualKey(npiA, "012345678"), MeasureID: "COST_EPI_1", AttributedCases: 25, CaseMinimum: 20}},
	}
	want.Present, want.Stats, want.Rejects = in.Present, in.Stats, in.Rejects
	want.Measurements.SubmissionRows, want.Measurements.SubmissionRowsOf = []int32{0, 1}, 2
	if !reflect.DeepEqual(in, want) {
		for _, f := range reflect.VisibleFields(reflect.TypeOf(*in)) {
			g, w := reflect.ValueOf(*in).FieldByIndex(f.Index).Interface(), reflect.ValueOf(*want).FieldByIndex(f.Index).Interface()
			if !reflect.DeepEqual(g, w) {
				t.Errorf("%s:\n got %+v\nwant %+v", f.Name, g, w)
			}
		}
	}
	if d := date("2025-03-01"); d.Days != 20148 {
		t.Errorf("2025-03-01 = day %d, want 20148", d.Days)
	}
	if len(in.Stats) != len(model.InputTables) {
		t.Errorf("%d stats", len(in.Stats))
	}
	for _, s := range in.Stats {
		if len(s.SHA256) != 64 || !strings.HasSuffix(s.Path, s.Table+".csv") {
			t.Errorf("stat %+v", s)
		}
	}

	// The same tables through Parquet (all-string columns) decode to the same rows.
	pin := read(t, writeDirParquet(t, files))
	for _, f := range reflect.VisibleFields(reflect.TypeOf(*in)) {
		if f.Name == "Stats" {
			continue
		}
		g, w := reflect.ValueOf(*pin).FieldByIndex(f.Index).Interface(), reflect.ValueOf(*in).FieldByIndex(f.Index).Interface()
		if f.Name != "Rejects" && f.Name != "Present" {
			g, w = withoutRows(g), withoutRows(w)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("parquet %s:\n got %+v\nwant %+v", f.Name, g, w)
		}
	}
}

// withoutRows returns a copy of a slice of rows with Row = 0 (CSV lines and Parquet rows differ).
func withoutRows(rows any) any {
	if m, ok := rows.(model.Measurements); ok {
		return renumbered(m, func(int) int { return 0 })
	}
	v := reflect.ValueOf(rows)
	out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	reflect.Copy(out, v)
	for i := 0; i < out.Len(); i++ {
		out.Index(i).FieldByName("Row").SetInt(0)
	}
	return out.Interface()
}

func TestLeadingZerosKept(t *testing.T) {
	in := read(t, writeDir(t, map[string]string{"clinicians.csv": "npi,tin\n0000000006,000000000\n" + npiA + ",000012345\n"}))
	if len(in.Clinicians) != 2 || in.Clinicians[0].NPI != "0000000006" || in.Clinicians[0].TIN != "000000000" || in.Clinicians[1].TIN != "000012345" {
		t.Errorf("got %+v", in.Clinicians)
	}
}

// TestParquetTypes reads typed Parquet columns: dictionary and large strings, integers,
// booleans, date32 and floats.
func TestParquetTypes(t *testing.T) {
	mem := memory.DefaultAllocator
	dict := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	for _, v := range []string{"012345678", "012345678", "987654321"} {
		dict.AppendString(v)
	}
	large := array.NewLargeStringBuilder(mem)
	large.AppendValues([]string{"02134", "", "33901-1234"}, []bool{true, false, true})
	seg := array.NewInt32Builder(mem)
	seg.AppendValues([]int32{1, 0, 2}, []bool{true, false, true})
	svc := array.NewUint16Builder(mem)
	svc.AppendValues([]uint16{400, 0, 7}, nil)
	elig := array.NewBooleanBuilder(mem)
	elig.AppendValues([]bool{false, true, true}, []bool{true, true, false})

	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "clinicians.parquet"),
		strCol("npi", npiA, npiB, npiC), parquetColumn{"tin", dict.NewArray()}, parquetColumn{"practice_zip", large.NewArray()},
		parquetColumn{"segment", seg.NewArray()}, parquetColumn{"total_services", svc.NewArray()},
		parquetColumn{"mips_eligible", elig.NewArray()})

	d32 := array.NewDate32Builder(mem)
	d32.AppendValues([]arrow.Date32{20148, -1}, []bool{true, true})
	writeParquet(t, filepath.Join(dir, "exceptions.parquet"),
		strCol("application_id", "A1", "A2"), strCol("exception_type", "pi_hardship", "pi_hardship"),
		strCol("level", "group", "group"), strCol("tin", "012345678", "987654321"), strCol("status", "approved", "denied"),
		parquetColumn{"submitted_at", d32.NewArray()})

	f32 := array.NewFloat32Builder(mem)
	f32.AppendValues([]float32{87.5}, nil)
	writeParquet(t, filepath.Join(dir, "scores.parquet"),
		strCol("level", "group"), strCol("tin", "012345678"), parquetColumn{"quality_score", f32.NewArray()},
		int64Col("pi_score", 100), float64Col("complex_patient_bonus", 0.25))

	in := read(t, dir)
	if len(in.Rejects) != 0 {
		t.Fatalf("rejects:\n%s", dumpRejects(in.Rejects))
	}
	c := in.Clinicians
	if len(c) != 3 || c[0].TIN != "012345678" || c[2].TIN != "987654321" || zipOf(c[0]) != "02134" || zipOf(c[1]) != "" ||
		zipOf(c[2]) != "33901" || c[0].Segment != 1 || c[1].Segment != 0 || c[2].Segment != 2 ||
		c[0].TotalServices.Opt() != (model.OptInt{V: 400, Valid: true}) || c[0].MIPSEligible || !c[1].MIPSEligible || !c[2].MIPSEligible || c[2].Row != 3 {
		t.Errorf("clinicians %+v", c)
	}
	e := in.Exceptions
	if len(e) != 2 || e[0].SubmittedAt != (model.Date{Days: 20148, Valid: true}) || e[1].SubmittedAt != (model.Date{Days: -1, Valid: true}) {
		t.Errorf("exceptions %+v", e)
	}
	s := in.Scores
	if len(s) != 1 || s[0].Of(model.Quality).V != 87.5 || s[0].Of(model.PI).V != 100 || s[0].ComplexPatientBonus().V != 0.25 {
		t.Errorf("scores %+v", s)
	}
	if st := in.Stats[0]; st.Path != filepath.Join(dir, "clinicians.parquet") || len(st.SHA256) != 64 || st.RowsRead != 3 {
		t.Errorf("stat %+v", st)
	}
}

// TestParquetBatches reads more rows than one record batch and one row group: row numbers run
// on across them.
func TestParquetBatches(t *testing.T) {
	const n = 150_000
	npis, tins := make([]string, n), make([]string, n)
	for i := range npis {
		npis[i] = npiWithCheckDigit(100000000 + i)
		tins[i] = "012345678"
	}
	npis[n-1] = "1234567890" // bad check digit on the last row
	npis[70_000] = npis[1]   // duplicate
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "clinicians.parquet"), strCol("npi", npis...), strCol("tin", tins...))
	in := read(t, dir)
	if len(in.Clinicians) != n-2 || len(in.Rejects) != 2 {
		t.Fatalf("%d clinicians, rejects:\n%s", len(in.Clinicians), dumpRejects(in.Rejects))
	}
	if r := in.Rejects[0]; r.Row != 70_001 || r.Code != CodeDuplicateKey || !strings.Contains(r.Message, "row 2") {
		t.Errorf("reject %+v", r)
	}
	if r := in.Rejects[1]; r.Row != n || r.Code != CodeNPICheckDigit {
		t.Errorf("reject %+v", r)
	}
}

// npiWithCheckDigit returns the valid NPI of a 9-digit prefix.
func npiWithCheckDigit(prefix int) string {
	p := strings.Repeat("0", 9)
	s := []byte(p + "0")
	for i, v := 8, prefix; i >= 0; i, v = i-1, v/10 {
		s[i] = byte('0' + v%10)
	}
	for d := byte('0'); d <= '9'; d++ {
		s[9] = d
		if ValidNPI(string(s)) {
			return string(s)
		}
	}
	panic("no check digit")
}

func TestCrossTable(t *testing.T) {
	files := map[string]string{
		"clinicians.csv": baseClinicians,
		// VG1 has a TIN with clinicians, VG2 none. SG1 has a member, SG2 none. ACO1 has one, ACO2 none.
		"virtual_groups.csv": "virtual_group_id,tin\nVG1,987654321\nVG1,555555555\nVG2,555555555\n",
		"subgroups.csv":      "subgroup_id,tin,npi\nSG1,012345678," + npiA + "\nSG2,987654321," + npiA + "\n",
		"apm_entities.csv":   "apm_entity_id,tin,npi\nACO1,987654321," + npiD + "\nACO2,555555555,\n",
		"submissions.csv": submissionsHeader +
			"S1,virtual_group,,,VG1,,,quality\nS2,virtual_group,,,VG2,,,quality\n" +
			"S3,subgroup,,,,SG1,,quality\nS4,subgroup,,,,SG2,,quality\n" +
			"S5,apm_entity,,,,,ACO1,pi\nS6,apm_entity,,,,,ACO2,pi\n" +
			"S7,individual," + npiC + ",987654321,,,,ia\nS8,individual," + npiC + ",012345678,,,,ia\n",
		"measurements.csv": "submission_id,measure_id\nS1,001\nS2,001\nS8,IA_1\nS7,IA_1\nS99,IA_1\nS7,IA_2\n",
	}
	in := read(t, writeDir(t, files))
	var got []string
	for _, r := range in.Rejects {
		got = append(got, r.Table+":"+strconv.Itoa(r.Row)+":"+r.Code+":"+r.Severity)
	}
	want := []string{
		"virtual_groups:3:member.no_clinicians:warning", "virtual_groups:4:member.no_clinicians:warning",
		"subgroups:3:member.no_clinicians:warning",
		"apm_entities:2:member.no_clinicians:warning", "apm_entities:3:member.no_clinicians:warning",
		"submissions:3:entity.no_clinicians:error", "submissions:5:entity.no_clinicians:error",
		"submissions:7:entity.no_clinicians:error", "submissions:9:entity.no_clinicians:error",
		"measurements:3:measurement.unknown_submission:error", "measurements:4:measurement.unknown_submission:error",
		"measurements:6:measurement.unknown_submission:error",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Where each run of one submission's measurements is among the accepted submissions (S7 was
	// the seventh row read). The runs of S2 and S8, dropped, and S99, never there, are gone
	// with their rows; S7's two runs (S99's between them) stay two.
	m := in.Measurements
	if want := []int32{0, 3, 3}; !reflect.DeepEqual(m.SubmissionRows, want) || m.SubmissionRowsOf != 4 ||
		!reflect.DeepEqual(m.SubmissionIDs, []string{"S1", "S7", "S7"}) {
		t.Errorf("measurement runs %v at submissions %v of %d, want %v of 4", m.SubmissionIDs, m.SubmissionRows, m.SubmissionRowsOf, want)
	}
	var subs []string
	for _, s := range in.Submissions {
		subs = append(subs, s.SubmissionID)
	}
	if strings.Join(subs, ",") != "S1,S3,S5,S7" || len(in.VirtualGroups) != 3 || len(in.APMEntities) != 2 {
		t.Errorf("accepted submissions %v, %d virtual group rows", subs, len(in.VirtualGroups))
	}
	if s := stat(in, model.TableMeasurements); s.RowsRead != 6 || s.RowsAccepted != 3 || s.RowsRejected != 3 {
		t.Errorf("measurements stat %+v", s)
	}
}

// mixedInputs is a data set with rows of every kind and rejects in most tables.
func mixedInputs() map[string]string {
	files := map[string]string{}
	for _, tc := range rejectCases {
		for k, v := range tc.files {
			if _, ok := files[k]; !ok {
				files[k] = v
			} else if k != "clinicians.csv" {
				files[k] += v[strings.Index(v, "\n")+1:]
			}
		}
	}
	files["clinicians.csv"] = baseClinicians + npiD + ",,physician\n" + "1234567890,012345678,physician\n" + npiA + ",012345678,physician\n"
	return files
}

func TestReconcileAndDeterminism(t *testing.T) {
	files := mixedInputs()
	dir := writeDir(t, files)
	var first *model.Inputs
	for _, workers := range []int{1, 2, 3, 16, 0} {
		in, err := ReadAll(context.Background(), dir, Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		checkReconciles(t, in)
		if first == nil {
			first = in
			if len(in.Rejects) < 20 {
				t.Errorf("only %d rejects in the mixed data set", len(in.Rejects))
			}
			continue
		}
		if !reflect.DeepEqual(in, first) {
			t.Errorf("workers=%d: different result", workers)
		}
	}
}

func TestContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ReadAll(ctx, writeDir(t, mixedInputs()), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// duplicates finds every duplicate and only duplicates, each with the first row of its key,
// also when keys share a hash: with every key hashed alike, or half of them, the answers are
// those of a plain map of keys.
func TestDuplicatesHashCollisions(t *testing.T) {
	keys := []string{"a", "b", "a", "c", "b", "d", "c", "a", "e", "d"}
	seed := maphash.MakeSeed()
	for name, hash := range map[string]func(string) uint64{
		"maphash":     func(k string) uint64 { return maphash.String(seed, k) },
		"all collide": func(string) uint64 { return 7 },
		"by length":   func(k string) uint64 { return uint64(len(k) + int(k[0])%2) },
	} {
		hashes := make([]uint64, len(keys))
		for i, k := range keys {
			hashes[i] = hash(k)
		}
		got := duplicates(hashes, func(i, j int) bool { return keys[i] == keys[j] }, nil)
		first := map[string]int{}
		var want []duplicate
		for i, k := range keys {
			if f, ok := first[k]; ok {
				want = append(want, duplicate{at: i, first: f})
			} else {
				first[k] = i
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	// Many rows (the radix sort, not the small-input sort) with a few duplicates.
	many := make([]uint64, 100_000)
	for i := range many {
		many[i] = uint64(i) * 2654435761
	}
	many[70_000], many[99_999] = many[3], many[3]
	got := duplicates(many, func(i, j int) bool { return many[i] == many[j] }, &itemBuffers{})
	if want := []duplicate{{70_000, 3}, {99_999, 3}}; !slices.Equal(got, want) {
		t.Errorf("100,000 rows: got %v, want %v", got, want)
	}
}

// The rows reserved up front for a row count a file announces (or that its size suggests) are
// bounded: a corrupt footer of a large file cannot ask for more than maxReservedBytes of rows,
// for any table; a national table is still reserved whole.
func TestGrowBounded(t *testing.T) {
	defer func(b int) { maxReservedBytes = b }(maxReservedBytes)
	if n := reservable(1_650_426, int(unsafe.Sizeof(model.Clinician{}))); n != 1_650_426 {
		t.Errorf("a national clinicians table: %d rows reserved", n)
	}
	maxReservedBytes = 1 << 20
	in := &model.Inputs{}
	keyed := 0
	for _, table := range model.InputTables {
		h := newHandler(table, in)
		h.grow(1 << 40)
		// The key hashes of the duplicate check are bounded alike.
		if k, ok := h.(interface{ hashBytes() int }); ok && k.hashBytes() > 0 {
			keyed++
			if b := k.hashBytes(); b > maxReservedBytes+maxReservedBytes/8 {
				t.Errorf("%s: %d bytes of key hashes reserved for 2^40 rows, want at most about %d", table, b, maxReservedBytes)
			}
		}
	}
	if keyed == 0 {
		t.Error("no table reserved room for key hashes")
	}
	for name, bytes := range map[string]int{
		model.TableClinicians:    cap(in.Clinicians) * int(unsafe.Sizeof(model.Clinician{})),
		model.TableGroups:        cap(in.Groups) * int(unsafe.Sizeof(model.Group{})),
		model.TableVirtualGroups: cap(in.VirtualGroups) * int(unsafe.Sizeof(model.VirtualGroupMember{})),
		model.TableSubgroups:     cap(in.Subgroups) * int(unsafe.Sizeof(model.SubgroupMember{})),
		model.TableAPMEntities:   cap(in.APMEntities) * int(unsafe.Sizeof(model.APMParticipant{})),
		model.TableExceptions:    cap(in.Exceptions) * int(unsafe.Sizeof(model.Exception{})),
		model.TableSubmissions:   cap(in.Submissions) * int(unsafe.Sizeof(model.Submission{})),
		model.TableMeasurements:  cap(in.Measurements.Flags) * 5,
		model.TableScores:        cap(in.Scores) * int(unsafe.Sizeof(model.Score{})),
		model.TableEUCAreas:      cap(in.EUCAreas) * int(unsafe.Sizeof(model.EUCArea{})),
		model.TableCostMeasures:  cap(in.CostMeasures) * int(unsafe.Sizeof(model.CostMeasure{})),
	} {
		// slices.Grow may round up to its size class: an eighth more at most.
		if bytes < maxReservedBytes/2 || bytes > maxReservedBytes+maxReservedBytes/8 {
			t.Errorf("%s: %d bytes reserved for 2^40 rows, want about %d", name, bytes, maxReservedBytes)
		}
	}
}

// TestMeasurementsDictionary: measure IDs read from a dictionary-encoded Parquet column (their
// measure remembered by dictionary value) give the measurements and rejects of the same rows
// read from CSV: a value is remembered only once a row with it is accepted, so a bad value is
// rejected in every row that has it.
func TestMeasurementsDictionary(t *testing.T) {
	files := map[string]string{
		"clinicians.csv":  "npi,tin\n" + npiA + ",012345678\n",
		"submissions.csv": submissionsHeader + goodSubmission,
		"measurements.csv": "submission_id,measure_id,numerator,denominator\n" +
			"S1,M1,3,10\nS1, M2 ,1,2\nS1,M1,-1,10\nS1,M1,4,10\nS1,,1,1\nS1,M\xff,1,1\nS1,M2,,\nS1,M\xff,2,2\nS1,M3,1,1\nS1,M1,1,1\n" +
			// Enough repeated values that the writer keeps the column dictionary-encoded.
			strings.Repeat("S1,M1,1,1\nS1,M2,2,2\nS1,M3,3,3\n", 200),
	}
	// A CSV row is numbered by its line (the header is line 1), a Parquet row from 1.
	fromCSV := read(t, writeDir(t, files))
	fromCSV.Measurements = renumbered(fromCSV.Measurements, func(r int) int { return r - 1 })
	for i := range fromCSV.Rejects {
		fromCSV.Rejects[i].Row--
	}
	dir := writeDirParquet(t, files)
	writeParquetWith(t, filepath.Join(dir, "measurements.parquet"), parquet.NewWriterProperties(parquet.WithDictionaryDefault(true)),
		csvColumns(t, files["measurements.csv"])...)
	if f, err := os.Open(filepath.Join(dir, "measurements.parquet")); err != nil {
		t.Fatal(err)
	} else if pf, err := file.NewParquetReader(f); err != nil {
		t.Fatal(err)
	} else if cols := dictionaryColumns(pf); !slices.Contains(cols, 1) {
		t.Fatalf("measure_id is not dictionary-encoded in the test file (dictionary columns %v)", cols)
	} else {
		pf.Close()
	}
	fromParquet := read(t, dir)
	m := fromParquet.Measurements
	if !reflect.DeepEqual(m, fromCSV.Measurements) {
		t.Errorf("measurements from Parquet %+v, from CSV %+v", m, fromCSV.Measurements)
	}
	if want := []string{"M1", "M2", "M3"}; !slices.Equal(m.MeasureIDs, want) || m.Len() != 606 {
		t.Errorf("measure IDs %v, %d rows; want %v, 606 rows", m.MeasureIDs, m.Len(), want)
	}
	codes := func(in *model.Inputs) (out []string) {
		for _, r := range in.Rejects {
			out = append(out, strconv.Itoa(r.Row)+":"+r.Column+":"+r.Code)
		}
		return out
	}
	if got, want := codes(fromParquet), codes(fromCSV); !slices.Equal(got, want) || len(got) != 4 {
		t.Errorf("rejects from Parquet %v, from CSV %v (want 4)", got, want)
	}
}

// TestPracticeShared: the rows of one practice address share one model.Practice (the readers
// intern them, so that a row holds a pointer instead of three strings), however the cells are
// written (ZIP+4, a lower-case state); another address has its own; a row that gives none has
// nil; a row with only a county has a Practice of it alone.
func TestPracticeShared(t *testing.T) {
	dir := writeDir(t, map[string]string{"clinicians.csv": "npi,tin,practice_zip,practice_state,practice_county\n" +
		npiA + ",012345678,02134,MA,Suffolk\n" +
		npiB + ",012345678,,,\n" +
		npiC + ",987654321,02134-0001,ma,Suffolk\n" +
		npiD + ",987654321,33901,FL,Lee\n" +
		npiA + ",987654321,,,Lee\n"})
	in := read(t, dir)
	if len(in.Rejects) != 0 {
		t.Fatalf("rejects:\n%s", dumpRejects(in.Rejects))
	}
	c := in.Clinicians
	if len(c) != 5 {
		t.Fatalf("%d clinicians rows, want 5", len(c))
	}
	want := []*model.Practice{{ZIP: "02134", State: "MA", County: "Suffolk"}, nil,
		{ZIP: "02134", State: "MA", County: "Suffolk"}, {ZIP: "33901", State: "FL", County: "Lee"}, {County: "Lee"}}
	for i, w := range want {
		if got := c[i].Practice; (got == nil) != (w == nil) || got != nil && *got != *w {
			t.Errorf("row %d: practice %+v, want %+v", c[i].Row, got, w)
		}
	}
	if c[0].Practice != c[2].Practice {
		t.Errorf("rows of one address have two Practices: %p and %p", c[0].Practice, c[2].Practice)
	}
	if c[0].Practice == c[3].Practice {
		t.Errorf("rows of two addresses share one Practice")
	}
}
