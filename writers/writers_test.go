package writers

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"reweigh/bufpool"
	"reweigh/model"
)

// The contract's column lists, copied from contract.md "Outputs".
var contractColumns = map[string][]string{
	TableDeterminations: {"performance_year", "payment_year", "level", "npi", "tin",
		"virtual_group_id", "subgroup_id", "apm_entity_id", "pathway", "mips_eligible",
		"clinician_count", "small_practice", "hospital_based", "non_patient_facing", "asc_based",
		"hospital_based_share", "non_patient_facing_share", "asc_based_share", "status_source",
		"quality_weight", "cost_weight", "ia_weight", "pi_weight", "quality_status", "cost_status",
		"ia_status", "pi_status", "quality_reason", "cost_reason", "ia_reason", "pi_reason",
		"scored_categories", "final_score_at_threshold", "performance_threshold", "final_score",
		"pi_average_score", "pi_average_count", "pi_excluded_count", "pi_reweight_share", "flags"},
	TableAPMParticipants: {"apm_entity_id", "tin", "npi", "pi_score_used", "in_pi_average",
		"excluded_reason", "pi_reporting_required"},
	TableClinicianScores: {"npi", "tin", "individual_final_score", "group_final_score",
		"subgroup_final_score", "apm_entity_final_score", "virtual_group_final_score", "final_score",
		"picked", "payment_year"},
	TableMembers: {"level", "virtual_group_id", "subgroup_id", "apm_entity_id", "tin", "npi"},
	TableYearDiff: {"level", "npi", "tin", "virtual_group_id", "subgroup_id", "apm_entity_id", "pathway",
		"from_year", "to_year", "change", "changed", "weights_from", "weights_to", "statuses_from", "statuses_to",
		"reasons_removed", "reasons_added", "final_score_from", "final_score_to"},
	TableRejects: {"severity", "table", "file", "row", "column", "value", "code", "message"},
}

func TestSchemaContractOrder(t *testing.T) {
	if !slices.Equal(OutputTables, []string{"determinations", "apm_participants", "clinician_scores", "members", "year_diff", "rejects"}) {
		t.Errorf("OutputTables = %v", OutputTables)
	}
	for _, table := range OutputTables {
		var names []string
		for _, c := range Schema(table) {
			names = append(names, c.Name)
		}
		if !slices.Equal(names, contractColumns[table]) {
			t.Errorf("Schema(%q) names:\n got %v\nwant %v", table, names, contractColumns[table])
		}
	}
	if Schema("clinicians") != nil {
		t.Error("Schema of an input table is not nil")
	}
	kinds := map[string]Kind{}
	for _, c := range Schema(TableDeterminations) {
		kinds[c.Name] = c.Kind
	}
	for name, want := range map[string]Kind{"performance_year": Int, "npi": String, "mips_eligible": Bool,
		"hospital_based_share": Double, "pi_weight": Int, "pi_average_count": Int, "flags": String} {
		if kinds[name] != want {
			t.Errorf("determinations.%s kind = %v, want %v", name, kinds[name], want)
		}
	}
}

// sample is an Output with every table, IDs with leading zeros, nulls, empty strings and text
// that needs CSV quoting.
func sample() *Output {
	of := func(v float64) model.OptFloat { return model.OptFloat{V: v, Valid: true} }
	oi := func(v int64) model.OptInt { return model.OptInt{V: v, Valid: true} }
	return &Output{
		Determinations: []model.Determination{
			{
				PerformanceYear: 2025, PaymentYear: 2027, Level: model.LevelIndividual,
				NPI: "0123456789", TIN: "000123456", Pathway: model.PathwayTraditional,
				MIPSEligible: true, ClinicianCount: 1, HospitalBased: true, StatusSource: "given",
				Weights:          [4]int{55, 15, 30, 0},
				Status:           [4]string{"scored", "scored", "scored", "reweighted"},
				Reason:           [4]string{"", "", "", "status.hospital_based;pi_hardship:APP-17"},
				ScoredCategories: 3, PerformanceThreshold: 75, FinalScore: of(81.25),
			},
			{
				PerformanceYear: 2025, PaymentYear: 2027, Level: model.LevelGroup,
				TIN: "012345678", Pathway: model.PathwayMVP, MIPSEligible: true, ClinicianCount: 12,
				SmallPractice: true, NonPatientFacing: true, ASCBased: true,
				HospitalBasedShare: of(0.25), NonPatientFacingShare: of(0.8), ASCBasedShare: of(1),
				StatusSource: "mixed", Weights: [4]int{0, 0, 0, 0},
				Status:                [4]string{"reweighted", "reweighted", "overridden", "reweighted"},
				Reason:                [4]string{"euc:APP-1", "euc:APP-1", "override.data:SUB-9", "euc:APP-1"},
				FinalScoreAtThreshold: true, PerformanceThreshold: 75, FinalScore: of(75),
				Flags: "weights.no_policy_row",
			},
			{
				PerformanceYear: 2025, PaymentYear: 2027, Level: model.LevelAPMEntity,
				APMEntityID: "A0001", Pathway: model.PathwayAPP, ClinicianCount: 3,
				HospitalBasedShare: of(0), NonPatientFacingShare: of(1.0 / 3), ASCBasedShare: of(0),
				StatusSource: "derived", Weights: [4]int{50, 0, 20, 30},
				Status:           [4]string{"scored", "reweighted", "scored", "scored"},
				Reason:           [4]string{"", "cost.no_measures", "", ""},
				ScoredCategories: 3, PerformanceThreshold: 75,
				PIAverageScore: of(66.5), PIAverageCount: oi(2), PIExcludedCount: oi(0),
				PIReweightShare: of(0.125), Flags: "apm.euc_pi_share_below_75;weights.no_policy_row",
			},
			{
				PerformanceYear: 2025, PaymentYear: 2027, Level: model.LevelSubgroup,
				TIN: "987654321", SubgroupID: "SG-1", VirtualGroupID: "", Pathway: model.PathwayMVP,
				ClinicianCount: 2, StatusSource: "derived", Weights: [4]int{30, 30, 15, 25},
				Status:           [4]string{"scored", "scored", "scored", "scored"},
				ScoredCategories: 4, PerformanceThreshold: 75, PIExcludedCount: oi(7),
			},
			{
				PerformanceYear: 2025, PaymentYear: 2027, Level: model.LevelVirtualGroup,
				VirtualGroupID: "VG-2025-001", Pathway: model.PathwayTraditional, ClinicianCount: 40,
				MIPSEligible: true, StatusSource: "derived", Weights: [4]int{30, 30, 15, 25},
				Status:           [4]string{"scored", "scored", "scored", "scored"},
				ScoredCategories: 4, PerformanceThreshold: 75, FinalScore: of(1e-7),
			},
		},
		APMParticipants: []model.APMParticipantResult{
			{APMEntityID: "A0001", TIN: "000000001", NPI: "0987654321", PIScoreUsed: of(88), InPIAverage: true,
				PIReportingRequired: model.OptBool{V: true, Valid: true}},
			{APMEntityID: "A0001", TIN: "000000001", NPI: "1234567893", InPIAverage: false,
				ExcludedReason: "pi.reweighted", PIReportingRequired: model.OptBool{V: false, Valid: true}},
			{APMEntityID: "A0002", TIN: "000000002", NPI: "1234567894"},
		},
		WriteAPMParticipants: true,
		ClinicianScores: []model.ClinicianScore{
			{NPI: "0123456789", TIN: "000123456", IndividualFinalScore: of(81.25), GroupFinalScore: of(90),
				FinalScore: of(90), Picked: "group", PaymentYear: 2027},
			{NPI: "1234567893", TIN: "000000001", PaymentYear: 2027},
		},
		WriteClinicianScores: true,
		Members: []model.Member{
			{Level: model.LevelVirtualGroup, VirtualGroupID: "VG-1", TIN: "000000001", NPI: "1234567893"},
			{Level: model.LevelSubgroup, SubgroupID: "SG-1", TIN: "000000001", NPI: "1234567893"},
		},
		WriteMembers: true,
		Rejects: []model.Reject{
			{Severity: "error", Table: "clinicians", File: "in/clinicians.csv", Row: 7, Column: "npi",
				Value: "012345678", Code: "npi.check_digit", Message: `bad check digit, "0" expected`},
			{Severity: "warning", Table: "groups", File: "in/groups.csv", Row: 2, Column: "clinician_count",
				Value: "", Code: "value.empty", Message: "line one\nline two, Zoë"},
			{Severity: "warning", Table: "cost_measures", Code: "table.absent", Message: "cost counts as scored"},
		},
		Manifest: Manifest{
			Version: "test", PerformanceYear: 2025, StartedAt: "2026-01-02T03:04:05Z",
			FinishedAt: "2026-01-02T03:04:06Z", Workers: 4,
			Inputs: []model.InputStat{{Table: "clinicians", Path: "in/clinicians.csv", SHA256: "abc",
				RowsRead: 10, RowsAccepted: 9, RowsRejected: 1}},
			Notes: []string{"cost_measures absent: cost counts as scored"},
		},
		Metadata: map[string]string{"reweigh.version": "test", "reweigh.performance_year": "2025",
			"reweigh.input.clinicians.sha256": "abc"},
	}
}

// Expected cells, built by hand from the contract (independently of the writer's accessors).
// nil is null.
func detCells(d model.Determination) []any {
	id := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	of := func(v model.OptFloat) any {
		if !v.Valid {
			return nil
		}
		return v.V
	}
	oi := func(v model.OptInt) any {
		if !v.Valid {
			return nil
		}
		return v.V
	}
	return []any{int64(d.PerformanceYear), int64(d.PaymentYear), string(d.Level), id(d.NPI), id(d.TIN),
		id(d.VirtualGroupID), id(d.SubgroupID), id(d.APMEntityID), string(d.Pathway), d.MIPSEligible,
		int64(d.ClinicianCount), d.SmallPractice, d.HospitalBased, d.NonPatientFacing, d.ASCBased,
		of(d.HospitalBasedShare), of(d.NonPatientFacingShare), of(d.ASCBasedShare), d.StatusSource,
		int64(d.Weights[0]), int64(d.Weights[1]), int64(d.Weights[2]), int64(d.Weights[3]),
		d.Status[0], d.Status[1], d.Status[2], d.Status[3],
		d.Reason[0], d.Reason[1], d.Reason[2], d.Reason[3],
		int64(d.ScoredCategories), d.FinalScoreAtThreshold, d.PerformanceThreshold, of(d.FinalScore),
		of(d.PIAverageScore), oi(d.PIAverageCount), oi(d.PIExcludedCount), of(d.PIReweightShare), d.Flags}
}

func expectedCells(out *Output) map[string][][]any {
	of := func(v model.OptFloat) any {
		if !v.Valid {
			return nil
		}
		return v.V
	}
	m := map[string][][]any{}
	for _, d := range out.Determinations {
		m[TableDeterminations] = append(m[TableDeterminations], detCells(d))
	}
	for _, p := range out.APMParticipants {
		var req any
		if p.PIReportingRequired.Valid {
			req = p.PIReportingRequired.V
		}
		m[TableAPMParticipants] = append(m[TableAPMParticipants],
			[]any{p.APMEntityID, p.TIN, p.NPI, of(p.PIScoreUsed), p.InPIAverage, p.ExcludedReason, req})
	}
	for _, s := range out.ClinicianScores {
		var picked any
		if s.Picked != "" {
			picked = s.Picked
		}
		m[TableClinicianScores] = append(m[TableClinicianScores], []any{s.NPI, s.TIN,
			of(s.IndividualFinalScore), of(s.GroupFinalScore), of(s.SubgroupFinalScore),
			of(s.APMEntityFinalScore), of(s.VirtualGroupFinalScore), of(s.FinalScore), picked,
			int64(s.PaymentYear)})
	}
	for _, mb := range out.Members {
		nul := func(s string) any {
			if s == "" {
				return nil
			}
			return s
		}
		m[TableMembers] = append(m[TableMembers], []any{string(mb.Level), nul(mb.VirtualGroupID), nul(mb.SubgroupID),
			nul(mb.APMEntityID), nul(mb.TIN), nul(mb.NPI)})
	}
	for _, r := range out.Rejects {
		var row any
		if r.Row > 0 {
			row = int64(r.Row)
		}
		m[TableRejects] = append(m[TableRejects],
			[]any{r.Severity, r.Table, r.File, row, r.Column, r.Value, r.Code, r.Message})
	}
	return m
}

type parquetFile struct {
	schema   *arrow.Schema
	rows     [][]any
	kv       map[string]string
	pqSchema *schema.Schema
	groups   []int64 // rows per row group
	dict     map[string]bool
	created  string
}

func readParquet(t *testing.T, path string) parquetFile {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rdr, err := file.OpenParquetFile(path, false, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	pf := parquetFile{kv: map[string]string{}, dict: map[string]bool{}, pqSchema: rdr.MetaData().Schema,
		created: rdr.MetaData().GetCreatedBy()}
	for _, kv := range rdr.MetaData().KeyValueMetadata() {
		pf.kv[kv.Key] = *kv.Value
	}
	for i := 0; i < rdr.NumRowGroups(); i++ {
		rg := rdr.MetaData().RowGroup(i)
		pf.groups = append(pf.groups, rg.NumRows())
		for c := 0; c < rg.NumColumns(); c++ {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(cc.Encodings(), parquet.Encodings.RLEDict) {
				pf.dict[pf.pqSchema.Column(c).Name()] = true
			}
		}
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1024}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	pf.schema = tbl.Schema()
	pf.rows = make([][]any, tbl.NumRows())
	for i := range pf.rows {
		pf.rows[i] = make([]any, tbl.NumCols())
	}
	for c := 0; c < int(tbl.NumCols()); c++ {
		r := 0
		for _, chunk := range tbl.Column(c).Data().Chunks() {
			for i := 0; i < chunk.Len(); i++ {
				var v any
				if !chunk.IsNull(i) {
					switch a := chunk.(type) {
					case *array.String:
						v = a.Value(i)
					case *array.Int64:
						v = a.Value(i)
					case *array.Boolean:
						v = a.Value(i)
					case *array.Float64:
						v = a.Value(i)
					default:
						t.Fatalf("column %d: unexpected array type %T", c, chunk)
					}
				}
				pf.rows[r][c] = v
				r++
			}
		}
	}
	return pf
}

func TestParquetRoundTrip(t *testing.T) {
	dir := t.TempDir()
	out := sample()
	if err := Write(context.Background(), dir, FormatParquet, out); err != nil {
		t.Fatal(err)
	}
	want := expectedCells(out)
	arrowTypes := map[Kind]arrow.DataType{String: arrow.BinaryTypes.String, Int: arrow.PrimitiveTypes.Int64,
		Bool: arrow.FixedWidthTypes.Boolean, Double: arrow.PrimitiveTypes.Float64}
	physical := map[Kind]parquet.Type{String: parquet.Types.ByteArray, Int: parquet.Types.Int64,
		Bool: parquet.Types.Boolean, Double: parquet.Types.Double}
	lowCardinality := map[string]bool{"level": true, "pathway": true, "quality_status": true, "pi_weight": true, "scored_categories": true,
		"pi_reason": true, "code": true, "severity": true, "table": true, "picked": true}
	for _, table := range OutputTables {
		if table == TableYearDiff {
			continue // written only by `reweigh diff`: TestDiffOnly
		}
		t.Run(table, func(t *testing.T) {
			pf := readParquet(t, filepath.Join(dir, table+".parquet"))
			cols := Schema(table)
			if len(pf.schema.Fields()) != len(cols) {
				t.Fatalf("%d columns, want %d", len(pf.schema.Fields()), len(cols))
			}
			for i, c := range cols {
				f := pf.schema.Field(i)
				if f.Name != contractColumns[table][i] || !arrow.TypeEqual(f.Type, arrowTypes[c.Kind]) || f.Nullable != c.Nullable {
					t.Errorf("column %d = %s %s nullable=%v, want %s %s nullable=%v", i, f.Name, f.Type, f.Nullable,
						contractColumns[table][i], arrowTypes[c.Kind], c.Nullable)
				}
				pc := pf.pqSchema.Column(i)
				if pc.PhysicalType() != physical[c.Kind] {
					t.Errorf("%s: physical type %s", c.Name, pc.PhysicalType())
				}
				if c.Kind == String && !pc.LogicalType().Equals(schema.StringLogicalType{}) {
					t.Errorf("%s: logical type %s, want String", c.Name, pc.LogicalType())
				}
				if lowCardinality[c.Name] && len(pf.rows) > 0 && !pf.dict[c.Name] {
					t.Errorf("%s is not dictionary encoded", c.Name)
				}
				if (c.Name == "npi" || c.Name == "message" || c.Name == "final_score") && pf.dict[c.Name] {
					t.Errorf("%s is dictionary encoded", c.Name)
				}
			}
			if !reflect.DeepEqual(pf.rows, want[table]) {
				t.Errorf("rows:\n got %v\nwant %v", pf.rows, want[table])
			}
			for k, v := range out.Metadata {
				if pf.kv[k] != v {
					t.Errorf("key-value metadata %q = %q, want %q", k, pf.kv[k], v)
				}
			}
			if pf.kv["ARROW:schema"] == "" {
				t.Error("ARROW:schema not stored")
			}
		})
	}
	// Empty strings stay empty strings, empty IDs are null.
	det := readParquet(t, filepath.Join(dir, "determinations.parquet"))
	if det.rows[0][27] != "" || det.rows[0][5] != nil || det.rows[1][3] != nil {
		t.Errorf("empty reason / ID: %#v %#v %#v", det.rows[0][27], det.rows[0][5], det.rows[1][3])
	}
}

func TestParquetRowGroupsAndBatches(t *testing.T) {
	defer func(b, g int) { batchRows, rowGroupRows = b, g }(batchRows, rowGroupRows)
	batchRows, rowGroupRows = 4, 8
	out := &Output{}
	for i := range 21 {
		out.Rejects = append(out.Rejects, model.Reject{Severity: "error", Row: i + 1, Code: "c"})
	}
	dir := t.TempDir()
	if err := Write(context.Background(), dir, FormatParquet, out); err != nil {
		t.Fatal(err)
	}
	pf := readParquet(t, filepath.Join(dir, "rejects.parquet"))
	if !slices.Equal(pf.groups, []int64{8, 8, 5}) {
		t.Errorf("row groups %v, want [8 8 5]", pf.groups)
	}
	for i, r := range pf.rows {
		if r[3] != int64(i+1) {
			t.Fatalf("row %d: row = %v", i, r[3])
		}
	}
	empty := readParquet(t, filepath.Join(dir, "determinations.parquet"))
	if len(empty.rows) != 0 || len(empty.schema.Fields()) != len(contractColumns[TableDeterminations]) {
		t.Errorf("empty determinations: %d rows, %d columns", len(empty.rows), len(empty.schema.Fields()))
	}
}

func TestCSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	out := sample()
	if err := Write(context.Background(), dir, FormatCSV, out); err != nil {
		t.Fatal(err)
	}
	want := expectedCells(out)
	for _, table := range OutputTables {
		if table == TableYearDiff {
			continue // written only by `reweigh diff`: TestDiffOnly
		}
		t.Run(table, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, table+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(recs[0], contractColumns[table]) {
				t.Errorf("header %v", recs[0])
			}
			var wantRecs [][]string
			for _, row := range want[table] {
				rec := make([]string, len(row))
				for i, v := range row {
					switch v := v.(type) {
					case nil:
					case float64:
						rec[i] = strconv.FormatFloat(v, 'f', -1, 64)
					default:
						rec[i] = fmt.Sprint(v)
					}
				}
				wantRecs = append(wantRecs, rec)
			}
			if !reflect.DeepEqual(recs[1:], wantRecs) {
				t.Errorf("records:\n got %q\nwant %q", recs[1:], wantRecs)
			}
		})
	}
	b, err := os.ReadFile(filepath.Join(dir, "determinations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	// No exponent for small floats, IDs keep their zeros, null and "" are empty cells.
	if !strings.Contains(lines[5], ",0.0000001,") || !strings.HasPrefix(lines[1], "2025,2027,individual,0123456789,000123456,,,,traditional,true,1,") {
		t.Errorf("CSV lines:\n%s\n%s", lines[1], lines[5])
	}
	r, err := os.ReadFile(filepath.Join(dir, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "warning,cost_measures,,,,,table.absent,cost counts as scored\n"; !strings.HasSuffix(string(r), want) {
		t.Errorf("rejects.csv does not end with %q:\n%s", want, r)
	}
}

func TestManifest(t *testing.T) {
	dir := t.TempDir()
	out := sample()
	out.WriteClinicianScores = false
	if err := Write(context.Background(), dir, FormatCSV, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, []byte("}\n")) || !bytes.Contains(b, []byte("\n  \"version\": \"test\",\n")) {
		t.Errorf("manifest is not indented JSON with a trailing newline:\n%s", b)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	wantOutputs := []OutputStat{
		{"determinations", "determinations.csv", 5},
		{"apm_participants", "apm_participants.csv", 3},
		{"members", "members.csv", 2},
		{"rejects", "rejects.csv", 3},
	}
	if !reflect.DeepEqual(m.Outputs, wantOutputs) || !reflect.DeepEqual(out.Manifest.Outputs, wantOutputs) {
		t.Errorf("outputs %+v, want %+v", m.Outputs, wantOutputs)
	}
	wantCodes := map[string]int{"npi.check_digit": 1, "value.empty": 1, "table.absent": 1}
	if !reflect.DeepEqual(m.RejectsByCode, wantCodes) {
		t.Errorf("rejects_by_code %v", m.RejectsByCode)
	}
	if m.PerformanceYear != 2025 || m.Workers != 4 || m.StartedAt != "2026-01-02T03:04:05Z" ||
		len(m.Inputs) != 1 || m.Inputs[0].RowsRejected != 1 || len(m.Notes) != 1 {
		t.Errorf("manifest %+v", m)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "performance_year", "started_at", "finished_at", "workers",
		"inputs", "outputs", "rejects_by_code", "notes"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("manifest has no %q", k)
		}
	}

	// Empty lists are [] and {}, never null.
	dir2 := t.TempDir()
	if err := Write(context.Background(), dir2, FormatParquet, &Output{}); err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(filepath.Join(dir2, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("null")) {
		t.Errorf("empty manifest has null:\n%s", b)
	}
}

// snapshot maps every path under dir to its contents ("<dir>" for directories).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			m[rel] = "<dir>"
			return nil
		}
		b, err := os.ReadFile(path)
		m[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFailedWriteLeavesPreviousOutput(t *testing.T) {
	errInjected := errors.New("injected")
	cases := []struct {
		name   string
		format Format
		hook   func(cancel context.CancelFunc) func(string) error
		want   error
	}{
		{"cancelled before", FormatParquet, nil, context.Canceled},
		{"cancelled between tables parquet", FormatParquet, func(cancel context.CancelFunc) func(string) error {
			return func(p string) error {
				if p == "table:determinations" {
					cancel()
				}
				return nil
			}
		}, context.Canceled},
		{"cancelled between tables csv", FormatCSV, func(cancel context.CancelFunc) func(string) error {
			return func(p string) error {
				if p == "table:apm_participants" {
					cancel()
				}
				return nil
			}
		}, context.Canceled},
		{"error after last table", FormatCSV, func(context.CancelFunc) func(string) error {
			return func(p string) error {
				if p == "table:rejects" {
					return errInjected
				}
				return nil
			}
		}, errInjected},
		{"error at commit", FormatParquet, func(context.CancelFunc) func(string) error {
			return func(p string) error {
				if p == "commit" {
					return errInjected
				}
				return nil
			}
		}, errInjected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Write(context.Background(), dir, FormatParquet, sample()); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.hook == nil {
				cancel()
			} else {
				testHook = tc.hook(cancel)
				defer func() { testHook = nil }()
			}
			out := sample()
			out.Determinations = out.Determinations[:2]
			out.WriteClinicianScores = false
			err := Write(ctx, dir, tc.format, out)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Write error = %v, want %v", err, tc.want)
			}
			if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
				t.Errorf("output dir changed by a failed write:\nbefore %d entries, after %d entries: %v",
					len(before), len(after), slices.Sorted(maps.Keys(after)))
			}
		})
	}
}

func TestStaleOutputsRemoved(t *testing.T) {
	dir := t.TempDir()
	if err := Write(context.Background(), dir, FormatParquet, sample()); err != nil {
		t.Fatal(err)
	}
	unrelated := map[string]string{
		"notes.txt":                   "keep",
		"determinations.parquet.bak":  "keep",
		"determinations_old.csv":      "keep",
		".reweigh-tmp-other/x.txt":    "keep", // another run's temporary directory
		"apm_participants.csv/inside": "keep", // a directory with an output's name
	}
	for name, content := range unrelated {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := sample()
	out.WriteAPMParticipants = false
	if err := Write(context.Background(), dir, FormatCSV, out); err != nil {
		t.Fatal(err)
	}
	got := snapshot(t, dir)
	for name := range got {
		if got[name] == "<dir>" {
			delete(got, name)
		}
	}
	var names []string
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{".reweigh-tmp-other/x.txt", "apm_participants.csv/inside", "clinician_scores.csv", "determinations.csv",
		"determinations.parquet.bak", "determinations_old.csv", "manifest.json", "members.csv", "notes.txt", "rejects.csv"}
	if !slices.Equal(names, want) {
		t.Errorf("files after second run:\n got %v\nwant %v", names, want)
	}
	for name, content := range unrelated {
		if got[name] != content {
			t.Errorf("%s changed", name)
		}
	}
}

func TestDeterministicBytes(t *testing.T) {
	for _, format := range Formats {
		t.Run(string(format), func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			if err := Write(context.Background(), a, format, sample()); err != nil {
				t.Fatal(err)
			}
			if err := Write(context.Background(), b, format, sample()); err != nil {
				t.Fatal(err)
			}
			sa, sb := snapshot(t, a), snapshot(t, b)
			if len(sa) != 7 { // ".", 5 tables, manifest
				t.Errorf("%d entries: %v", len(sa), slices.Sorted(maps.Keys(sa)))
			}
			for name := range sa {
				if sa[name] != sb[name] {
					t.Errorf("%s differs between two writes of the same output", name)
				}
			}
		})
	}
}

func TestCheckedAllocatorNoLeak(t *testing.T) {
	defer func(b, g int) { batchRows, rowGroupRows = b, g }(batchRows, rowGroupRows)
	batchRows, rowGroupRows = 2, 4
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	if err := write(context.Background(), t.TempDir(), FormatParquet, sample(), mem); err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0)

	// A write that fails half-way through a table releases everything too.
	ctx, cancel := context.WithCancel(context.Background())
	out := sample()
	out.Determinations = slices.Repeat(out.Determinations, 3)
	cctx := &cancelAfter{Context: ctx, cancel: cancel, after: 3}
	err := write(cctx, t.TempDir(), FormatParquet, out, mem)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	mem.AssertSize(t, 0)
}

// cancelAfter is a context that cancels itself on the after-th call of Err.
type cancelAfter struct {
	context.Context
	cancel context.CancelFunc
	after  int
	n      int
}

func (c *cancelAfter) Err() error {
	c.n++
	if c.n == c.after {
		c.cancel()
	}
	return c.Context.Err()
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": FormatParquet, "parquet": FormatParquet, "CSV": FormatCSV} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("xlsx"); err == nil {
		t.Error("ParseFormat(xlsx) did not fail")
	}
	if err := Write(context.Background(), t.TempDir(), "xlsx", &Output{}); err == nil {
		t.Error("Write with an unknown format did not fail")
	}
}

func benchDeterminations(n int) *Output {
	out := &Output{}
	base := sample().Determinations
	for i := range n {
		d := base[i%len(base)]
		if d.NPI != "" {
			d.NPI = fmt.Sprintf("%010d", i)
		}
		if d.TIN != "" {
			d.TIN = fmt.Sprintf("%09d", i/10)
		}
		d.FinalScore = model.OptFloat{V: float64(i%10000) / 100, Valid: true}
		out.Determinations = append(out.Determinations, d)
	}
	return out
}

func benchmarkWrite(b *testing.B, format Format, workers int) {
	out := benchDeterminations(100_000)
	out.Workers = workers
	dir := b.TempDir()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Write(context.Background(), dir, format, out); err != nil {
			b.Fatal(err)
		}
	}
}

// Parquet with one worker, and with a worker per core as a run writes (columns encoded at once).
func BenchmarkWriteDeterminationsParquet(b *testing.B) { benchmarkWrite(b, FormatParquet, 1) }
func BenchmarkWriteDeterminationsParquetAllCores(b *testing.B) {
	benchmarkWrite(b, FormatParquet, runtime.NumCPU())
}
func BenchmarkWriteDeterminationsCSV(b *testing.B) { benchmarkWrite(b, FormatCSV, 1) }

func ExampleSchema() {
	for _, c := range Schema(TableRejects) {
		fmt.Println(c.Name, c.Kind, c.Nullable)
	}
	// Output:
	// severity string false
	// table string false
	// file string false
	// row int true
	// column string false
	// value string false
	// code string false
	// message string false
}

func TestDiffOnly(t *testing.T) {
	dir := t.TempDir()
	out := &Output{DiffOnly: true, Rejects: sample().Rejects, YearDiff: []model.YearDiff{{
		Level: model.LevelIndividual, NPI: "1234567893", TIN: "000000001", Pathway: model.PathwayTraditional,
		FromYear: 2024, ToYear: 2025, Change: "changed", Changed: "pi_status", WeightsFrom: "55/30/15/0",
		WeightsTo: "30/30/15/25", StatusesFrom: "scored/scored/scored/reweighted", StatusesTo: "scored/scored/scored/scored",
		ReasonsRemoved: "pi:pi.clinician_type",
	}}}
	if err := Write(context.Background(), dir, FormatCSV, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "year_diff.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := "level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id,pathway,from_year,to_year,change,changed,weights_from,weights_to,statuses_from,statuses_to,reasons_removed,reasons_added,final_score_from,final_score_to\n" +
		"individual,1234567893,000000001,,,,traditional,2024,2025,changed,pi_status,55/30/15/0,30/30/15/25,scored/scored/scored/reweighted,scored/scored/scored/scored,pi:pi.clinician_type,,,\n"
	if string(b) != want {
		t.Errorf("year_diff.csv:\n%s\nwant:\n%s", b, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "determinations.csv")); err == nil {
		t.Error("a diff-only write wrote determinations")
	}
}

func TestAbandonedTempDirsRemoved(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, tmpPrefix+"killed")
	fresh := filepath.Join(dir, tmpPrefix+"running")
	for _, d := range []string{old, fresh} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "determinations.csv"), []byte("partial"), 0o644)
	}
	long := time.Now().Add(-2 * abandonedAfter)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), dir, FormatCSV, sample()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("an abandoned temporary directory is still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a recent temporary directory (maybe a run in progress) was removed: %v", err)
	}
}

// With a recycling allocator the Parquet files are the same bytes as with the Go allocator,
// with batches and row groups small enough that every buffer is recycled many times.
func TestRecyclingAllocatorSameBytes(t *testing.T) {
	defer func(b, g int) { batchRows, rowGroupRows = b, g }(batchRows, rowGroupRows)
	batchRows, rowGroupRows = 2, 4
	out := func() *Output {
		o := sample()
		o.Determinations = slices.Repeat(o.Determinations, 5)
		o.Workers = 4
		return o
	}
	a, b := t.TempDir(), t.TempDir()
	if err := write(context.Background(), a, FormatParquet, out(), memory.NewGoAllocator()); err != nil {
		t.Fatal(err)
	}
	pool := bufpool.NewPoisoning(1 << 20)
	if err := write(context.Background(), b, FormatParquet, out(), pool); err != nil {
		t.Fatal(err)
	}
	if pool.Held() == 0 {
		t.Error("the pool holds nothing after the write: no buffer was recycled")
	}
	sa, sb := snapshot(t, a), snapshot(t, b)
	for name := range sa {
		if name != ManifestFile && sa[name] != sb[name] {
			t.Errorf("%s differs between the Go allocator and the recycling pool", name)
		}
	}
}
