package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"reweigh/model"
	"reweigh/writers"
)

// The same inputs under the 2024 and 2025 rules (testdata/years): the clinical social worker
// loses automatic PI reweighting in 2025, and a PI submission with only dates and a CEHRT ID
// voids a PI hardship in 2024 but not in 2025 (rules.md section 4).
func TestDiff2024To2025(t *testing.T) {
	out := t.TempDir()
	s, err := Diff(context.Background(), mustSet(t), DiffOptions{From: 2024, To: 2025, InDir: "../testdata/years", OutDir: out, Format: writers.FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]model.YearDiff{}
	for _, r := range s.Rows {
		got[r.NPI] = r
	}
	if len(s.Rows) != 2 {
		t.Fatalf("%d rows change, want 2: %+v", len(s.Rows), s.Rows)
	}
	csw := got[npiFor(3201)]
	if csw.ReasonsRemoved != "pi:pi.clinician_type" || csw.WeightsFrom != "55/30/15/0" || csw.WeightsTo != "30/30/15/25" || csw.Change != "changed" {
		t.Errorf("clinical social worker: %+v", csw)
	}
	h := got[npiFor(3200)]
	if h.StatusesFrom != "scored/scored/scored/overridden" || h.StatusesTo != "scored/scored/scored/reweighted" ||
		!strings.Contains(h.ReasonsRemoved, "pi:override.data:SUB-9") || h.WeightsTo != "55/30/15/0" {
		t.Errorf("hardship voided in 2024 only: %+v", h)
	}
	b, err := os.ReadFile(filepath.Join(out, "year_diff.csv"))
	if err != nil || !strings.Contains(string(b), "pi:pi.clinician_type") {
		t.Errorf("year_diff.csv: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(out, "determinations.csv")); err == nil {
		t.Error("diff writes year_diff, not determinations")
	}
}

func TestCompareYearsRowsInOneYearOnly(t *testing.T) {
	a := []model.Determination{{Level: model.LevelIndividual, NPI: "1", TIN: "t", Pathway: model.PathwayTraditional, Reason: [4]string{"", "", "", "x"}}}
	b := []model.Determination{{Level: model.LevelGroup, TIN: "t", Pathway: model.PathwayTraditional}}
	rows := CompareYears(2024, 2025, a, b)
	if len(rows) != 2 || rows[0].Change != "only_to" || rows[1].Change != "only_from" || rows[1].ReasonsRemoved != "pi:x" {
		t.Errorf("%+v", rows)
	}
	if rows := CompareYears(2024, 2025, a, a); len(rows) != 0 {
		t.Errorf("identical years differ: %+v", rows)
	}
}
