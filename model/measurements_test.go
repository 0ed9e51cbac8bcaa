package model

import (
	"slices"
	"testing"
)

// TestMeasurements: rows added in runs come back as added (At, Row, Run, RunOf), whatever the
// gaps in their row numbers, and KeepRuns drops whole runs, reporting each dropped row's number
// and run in order, with the kept rows' numbers, runs and SubmissionRows unchanged.
func TestMeasurements(t *testing.T) {
	rows := []Measurement{
		{Row: 2, SubmissionID: "S1", MeasureID: "M1", Flags: HasNumerator},
		{Row: 3, SubmissionID: "S1", MeasureID: "M2", Flags: HasValue | ValueYes},
		{Row: 5, SubmissionID: "S2", MeasureID: "M1"}, // row 4 rejected
		{Row: 6, SubmissionID: "S2", MeasureID: "M3", Flags: HasExclusion},
		{Row: 9, SubmissionID: "S2", MeasureID: "M1"}, // a CSV record over three lines before it
		{Row: 10, SubmissionID: "S3", MeasureID: "M2", Flags: HasDenominator},
		{Row: 11, SubmissionID: "S1", MeasureID: "M2"}, // S1 again: a run of its own
		{Row: 13, SubmissionID: "S4", MeasureID: "M3"},
	}
	m := MeasurementsOf(rows...)
	if m.Len() != len(rows) || m.Runs() != 5 || !slices.Equal(m.SubmissionIDs, []string{"S1", "S2", "S3", "S1", "S4"}) ||
		!slices.Equal(m.MeasureIDs, []string{"M1", "M2", "M3"}) {
		t.Fatalf("%d rows, %d runs %v, measures %v", m.Len(), m.Runs(), m.SubmissionIDs, m.MeasureIDs)
	}
	all := func(m *Measurements) (out []Measurement) {
		for i := range m.Len() {
			out = append(out, m.At(i))
		}
		return out
	}
	if got := all(&m); !slices.Equal(got, rows) {
		t.Fatalf("rows\n %+v\nwant\n %+v", got, rows)
	}
	for r, want := range [][2]int{{0, 2}, {2, 5}, {5, 6}, {6, 7}, {7, 8}} {
		if lo, hi := m.Run(r); lo != want[0] || hi != want[1] {
			t.Errorf("Run(%d) = %d, %d; want %v", r, lo, hi, want)
		}
	}

	m.SubmissionRows = []int32{0, -1, 2, 0, -1}
	var dropped []int
	m.KeepRuns(func(r int) bool { return m.SubmissionRows[r] >= 0 }, func(row, r int) {
		dropped = append(dropped, row, r)
	})
	if want := []int{5, 1, 6, 1, 9, 1, 13, 4}; !slices.Equal(dropped, want) {
		t.Errorf("dropped (row, run) %v, want %v", dropped, want)
	}
	want := []Measurement{rows[0], rows[1], rows[5], rows[6]}
	if got := all(&m); !slices.Equal(got, want) {
		t.Errorf("kept\n %+v\nwant\n %+v", got, want)
	}
	if !slices.Equal(m.SubmissionIDs, []string{"S1", "S3", "S1"}) || !slices.Equal(m.RunStarts, []int{0, 2, 3}) ||
		!slices.Equal(m.SubmissionRows, []int32{0, 2, 0}) {
		t.Errorf("runs %v at %v, submission rows %v", m.SubmissionIDs, m.RunStarts, m.SubmissionRows)
	}
	// Rows kept after a drop continue the numbering they had.
	m.StartRun("S5")
	m.Add(14, 0, 0)
	if m.Row(4) != 14 || m.Row(3) != 11 || m.RunOf(4) != 3 {
		t.Errorf("row added after KeepRuns: Row %d, previous %d, run %d", m.Row(4), m.Row(3), m.RunOf(4))
	}

	var empty Measurements
	empty.KeepRuns(func(int) bool { return false }, func(int, int) { t.Error("dropped a row of nothing") })
	if empty.Len() != 0 || empty.Runs() != 0 {
		t.Errorf("empty: %d rows, %d runs", empty.Len(), empty.Runs())
	}
}
