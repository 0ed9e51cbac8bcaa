package query

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"reweigh/model"
	"reweigh/writers"
)

// sample is a small run's output: IDs with leading zeros, nulls and empty strings.
func sample() *writers.Output {
	of := func(v float64) model.OptFloat { return model.OptFloat{V: v, Valid: true} }
	scored := [4]string{"scored", "scored", "scored", "scored"}
	return &writers.Output{
		Determinations: []model.Determination{
			{PerformanceYear: 2025, PaymentYear: 2027, Level: model.LevelIndividual, NPI: "0123456789",
				TIN: "000123456", Pathway: model.PathwayTraditional, MIPSEligible: true, ClinicianCount: 1,
				StatusSource: "derived", Weights: [4]int{55, 15, 30, 0},
				Status:           [4]string{"scored", "scored", "scored", "reweighted"},
				Reason:           [4]string{"", "", "", "status.hospital_based"},
				ScoredCategories: 3, PerformanceThreshold: 75, FinalScore: of(81.25)},
			{PerformanceYear: 2025, PaymentYear: 2027, Level: model.LevelIndividual, NPI: "1234567893",
				TIN: "000123456", Pathway: model.PathwayTraditional, ClinicianCount: 1,
				StatusSource: "derived", Weights: [4]int{30, 30, 15, 25}, Status: scored,
				ScoredCategories: 4, PerformanceThreshold: 75, FinalScore: of(0.0000001)},
			{PerformanceYear: 2025, PaymentYear: 2027, Level: model.LevelGroup, TIN: "000123456",
				Pathway: model.PathwayTraditional, MIPSEligible: true, ClinicianCount: 2,
				HospitalBasedShare: of(0.5), NonPatientFacingShare: of(0), ASCBasedShare: of(0),
				StatusSource: "derived", Weights: [4]int{30, 30, 15, 25}, Status: scored,
				ScoredCategories: 4, PerformanceThreshold: 75, Flags: "weights.no_policy_row"},
		},
		APMParticipants: []model.APMParticipantResult{
			{APMEntityID: "A1", TIN: "000123456", NPI: "0123456789", PIScoreUsed: of(90), InPIAverage: true},
		},
		WriteAPMParticipants: true,
		ClinicianScores: []model.ClinicianScore{
			{NPI: "0123456789", TIN: "000123456", IndividualFinalScore: of(81.25), FinalScore: of(81.25),
				Picked: "individual", PaymentYear: 2027},
		},
		WriteClinicianScores: true,
		Members: []model.Member{
			{Level: model.LevelAPMEntity, APMEntityID: "A1", TIN: "000123456", NPI: "0123456789"},
		},
		WriteMembers: true,
		Rejects: []model.Reject{
			{Severity: "error", Table: "clinicians", File: "clinicians.csv", Row: 4, Column: "npi",
				Value: "0123456780", Code: "npi.check_digit", Message: "bad check digit"},
		},
		Manifest: writers.Manifest{Version: "test", PerformanceYear: 2025},
		Metadata: map[string]string{"reweigh.version": "test", "reweigh.performance_year": "2025"},
	}
}

func writeSample(t *testing.T, format writers.Format) string {
	t.Helper()
	dir := t.TempDir()
	if err := writers.Write(context.Background(), dir, format, sample()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func queryRows(t *testing.T, dir, q string) [][]any {
	t.Helper()
	db, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestViewsBothFormats(t *testing.T) {
	for _, format := range writers.Formats {
		t.Run(string(format), func(t *testing.T) {
			dir := writeSample(t, format)
			check := func(q string, want [][]any) {
				t.Helper()
				if got := queryRows(t, dir, q); !reflect.DeepEqual(got, want) {
					t.Errorf("%s\n got %#v\nwant %#v", q, got, want)
				}
			}
			check("SELECT level, count(*) FROM determinations GROUP BY ALL ORDER BY 1",
				[][]any{{"group", int64(1)}, {"individual", int64(2)}})
			// IDs stay strings with their leading zeros; an empty ID is NULL; an empty reason is ''.
			check("SELECT npi, tin, typeof(npi), typeof(tin), quality_reason, pi_reason FROM determinations ORDER BY npi NULLS LAST",
				[][]any{
					{"0123456789", "000123456", "VARCHAR", "VARCHAR", "", "status.hospital_based"},
					{"1234567893", "000123456", "VARCHAR", "VARCHAR", "", ""},
					{nil, "000123456", "VARCHAR", "VARCHAR", "", ""},
				})
			check("SELECT final_score, hospital_based_share, mips_eligible, pi_weight, flags FROM determinations ORDER BY npi NULLS LAST",
				[][]any{
					{81.25, nil, true, int64(0), ""},
					{0.0000001, nil, false, int64(25), ""},
					{nil, 0.5, true, int64(25), "weights.no_policy_row"},
				})
			check("SELECT (SELECT count(*) FROM apm_participants), (SELECT count(*) FROM clinician_scores), (SELECT count(*) FROM rejects)",
				[][]any{{int64(1), int64(1), int64(1)}})
			check(`SELECT "row", value, "column", picked FROM rejects, clinician_scores`,
				[][]any{{int64(4), "0123456780", "npi", "individual"}})

			// The views have the contract's columns in order, with the writers' types.
			for _, table := range writers.OutputTables {
				if table == writers.TableYearDiff {
					continue // only `reweigh diff` writes it
				}
				var want [][]any
				for _, c := range writers.Schema(table) {
					want = append(want, []any{c.Name, duckType(c.Kind)})
				}
				check("SELECT column_name, column_type FROM (DESCRIBE "+table+")", want)
			}
		})
	}
}

func TestCSVIDsAreStringsWithoutLeadingZeros(t *testing.T) {
	// With no leading zero anywhere, DuckDB's type detection would make npi a BIGINT.
	out := sample()
	for i := range out.Determinations {
		out.Determinations[i].NPI = strings.TrimPrefix(out.Determinations[i].NPI, "0")
		out.Determinations[i].TIN = "123456789"
	}
	dir := t.TempDir()
	if err := writers.Write(context.Background(), dir, writers.FormatCSV, out); err != nil {
		t.Fatal(err)
	}
	got := queryRows(t, dir, "SELECT DISTINCT typeof(npi), typeof(tin) FROM determinations")
	if want := [][]any{{"VARCHAR", "VARCHAR"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestRunFormats(t *testing.T) {
	dir := writeSample(t, writers.FormatParquet)
	const q = `SELECT level, npi, clinician_count AS n, final_score, mips_eligible
		FROM determinations ORDER BY level DESC, npi NULLS LAST`
	cases := map[string]string{
		"table": `level       npi         n  final_score  mips_eligible
----------  ----------  -  -----------  -------------
individual  0123456789  1        81.25  true
individual  1234567893  1    0.0000001  false
group                   2               true
(3 rows)
`,
		"csv": `level,npi,n,final_score,mips_eligible
individual,0123456789,1,81.25,true
individual,1234567893,1,0.0000001,false
group,,2,,true
`,
		"json": `[
  {"level": "individual", "npi": "0123456789", "n": 1, "final_score": 81.25, "mips_eligible": true},
  {"level": "individual", "npi": "1234567893", "n": 1, "final_score": 0.0000001, "mips_eligible": false},
  {"level": "group", "npi": null, "n": 2, "final_score": null, "mips_eligible": true}
]
`,
		"markdown": `| level      | npi        |   n | final_score | mips_eligible |
| ---------- | ---------- | --: | ----------: | ------------- |
| individual | 0123456789 |   1 |       81.25 | true          |
| individual | 1234567893 |   1 |   0.0000001 | false         |
| group      |            |   2 |             | true          |
`,
	}
	for format, want := range cases {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Run(context.Background(), dir, q, format, &buf); err != nil {
				t.Fatal(err)
			}
			if buf.String() != want {
				t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
			}
			if format == "json" {
				var v []map[string]any
				if err := json.Unmarshal(buf.Bytes(), &v); err != nil || len(v) != 3 {
					t.Errorf("not a JSON array of 3 objects: %v", err)
				}
			}
		})
	}
	var buf bytes.Buffer
	if err := Run(context.Background(), dir, q, "", &buf); err != nil || buf.String() != cases["table"] {
		t.Errorf("default format is not table: %v\n%s", err, buf.String())
	}
}

func TestRunNumbersAndEdgeCases(t *testing.T) {
	dir := writeSample(t, writers.FormatCSV)
	cases := []struct{ name, q, format, want string }{
		{"hugeint sum", "SELECT sum(clinician_count) AS total FROM determinations", "table",
			"total\n-----\n    4\n(1 row)\n"},
		{"hugeint json", "SELECT sum(clinician_count) AS total, 12345678901234567890123::HUGEINT AS big FROM determinations", "json",
			"[\n  {\"total\": 4, \"big\": 12345678901234567890123}\n]\n"},
		{"decimal", "SELECT 1.50::DECIMAL(10,2) AS d, -0.05::DECIMAL(10,3) AS e", "csv", "d,e\n1.5,-0.05\n"},
		{"decimal json", "SELECT 1.25::DECIMAL(10,2) AS d", "json", "[\n  {\"d\": 1.25}\n]\n"},
		{"big double", "SELECT 1e20::DOUBLE AS f, 1e-10::DOUBLE AS g", "csv", "f,g\n100000000000000000000,0.0000000001\n"},
		{"empty result", "SELECT level FROM determinations WHERE false", "table", "level\n-----\n(0 rows)\n"},
		{"empty json", "SELECT level FROM determinations WHERE false", "json", "[]\n"},
		{"empty markdown", "SELECT level FROM determinations WHERE false", "markdown", "| level |\n| ----- |\n"},
		{"text escaping", `SELECT 'a|b' AS "x", E'l1\nl2' AS y, '<&>' AS z`, "markdown",
			"| x    | y        | z   |\n| ---- | -------- | --- |\n| a\\|b | l1<br>l2 | <&> |\n"},
		{"html not escaped in json", `SELECT '<&>' AS z, [1, 2] AS l, {'k': 'v'} AS s`, "json",
			"[\n  {\"z\": \"<&>\", \"l\": [1,2], \"s\": {\"k\":\"v\"}}\n]\n"},
		{"date and list in table", `SELECT DATE '2025-01-02' AS d, [1, 2] AS l`, "table",
			"d           l\n----------  -----\n2025-01-02  [1,2]\n(1 row)\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Run(context.Background(), dir, tc.q, tc.format, &buf); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Errorf("got:\n%q\nwant:\n%q", buf.String(), tc.want)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	dir := writeSample(t, writers.FormatParquet)
	var buf bytes.Buffer
	err := Run(context.Background(), dir, "SELEC level FROM determinations", "table", &buf)
	if err == nil || !strings.HasPrefix(err.Error(), "query: ") || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("bad SQL: err = %v", err)
	}
	err = Run(context.Background(), dir, "SELECT * FROM no_such_table", "table", &buf)
	if err == nil || !strings.HasPrefix(err.Error(), "query: ") {
		t.Errorf("unknown table: err = %v", err)
	}
	if err := Run(context.Background(), dir, "SELECT 1", "xml", &buf); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("unknown format: err = %v", err)
	}
	if err := Run(context.Background(), dir, "  ", "table", &buf); err == nil {
		t.Error("empty SQL did not fail")
	}
	empty := t.TempDir()
	for _, d := range []string{empty, filepath.Join(empty, "missing")} {
		err := Run(context.Background(), d, "SELECT 1", "table", &buf)
		want := "no reweigh outputs in " + d + " (run `reweigh run` first)"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("failed runs printed %q", buf.String())
	}
}

func TestPathsAreQuoted(t *testing.T) {
	for _, format := range writers.Formats {
		t.Run(string(format), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "it's here; DROP")
			if err := writers.Write(context.Background(), dir, format, sample()); err != nil {
				t.Fatal(err)
			}
			got := queryRows(t, dir, "SELECT count(*) FROM determinations")
			if !reflect.DeepEqual(got, [][]any{{int64(3)}}) {
				t.Errorf("got %v", got)
			}
		})
	}
}

func TestOnlyTablesPresent(t *testing.T) {
	dir := t.TempDir()
	out := sample()
	out.WriteAPMParticipants, out.WriteClinicianScores, out.WriteMembers = false, false, false
	if err := writers.Write(context.Background(), dir, writers.FormatParquet, out); err != nil {
		t.Fatal(err)
	}
	got := queryRows(t, dir, "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1")
	if want := [][]any{{"determinations"}, {"rejects"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("views %v, want %v", got, want)
	}
}

func TestBothFormatsPresentManifestDecides(t *testing.T) {
	pq, dir := writeSample(t, writers.FormatParquet), writeSample(t, writers.FormatCSV)
	b, err := os.ReadFile(filepath.Join(pq, "determinations.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "determinations.parquet"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	got := queryRows(t, dir, "SELECT sql LIKE '%read_csv(%' FROM duckdb_views() WHERE view_name = 'determinations'")
	if !reflect.DeepEqual(got, [][]any{{true}}) {
		t.Errorf("determinations view is not over the CSV the manifest names: %v", got)
	}
	if err := os.Remove(filepath.Join(dir, writers.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "both determinations.parquet and determinations.csv") {
		t.Errorf("both files without a manifest: err = %v", err)
	}
}

func TestParquetMetadataVisibleToDuckDB(t *testing.T) {
	dir := writeSample(t, writers.FormatParquet)
	path := quoteString(filepath.Join(dir, "determinations.parquet"))
	got := queryRows(t, dir, "SELECT decode(key), decode(value) FROM parquet_kv_metadata("+path+
		") WHERE decode(key) LIKE 'reweigh.%' ORDER BY 1")
	want := [][]any{{"reweigh.performance_year", "2025"}, {"reweigh.version", "test"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
