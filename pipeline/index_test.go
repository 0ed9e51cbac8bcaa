package pipeline

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"reweigh/model"
)

// TestSortClinicians: the in-place cycle sort gives the stable sort's order, row for row.
func TestSortClinicians(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 100, 1000} {
		cl := make([]model.Clinician, n)
		for i := range cl {
			cl[i] = model.Clinician{Row: i + 1, TIN: fmt.Sprintf("%09d", rng.IntN(5)), NPI: fmt.Sprintf("%010d", rng.IntN(7)), Segment: rng.IntN(3)}
		}
		want := slices.Clone(cl)
		slices.SortStableFunc(want, func(a, b model.Clinician) int { return compareClinicians(&a, &b) })
		sortClinicians(cl)
		if !slices.Equal(cl, want) {
			t.Fatalf("n=%d: sortClinicians differs from a stable sort", n)
		}
		sortClinicians(cl) // already sorted: unchanged
		if !slices.Equal(cl, want) {
			t.Fatalf("n=%d: sorting sorted rows changed them", n)
		}
	}
}

// TestSortCliniciansPacked: with valid NPIs and TINs (the packed-number path) the order is the
// strings' order too.
func TestSortCliniciansPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cl := make([]model.Clinician, 500)
	for i := range cl {
		cl[i] = model.Clinician{Row: i + 1, TIN: fmt.Sprintf("%09d", rng.IntN(40)*24_999_999), NPI: fmt.Sprintf("%010d", rng.IntN(30)*333_333_333), Segment: rng.IntN(3)}
	}
	want := slices.Clone(cl)
	slices.SortStableFunc(want, func(a, b model.Clinician) int { return compareClinicians(&a, &b) })
	sortClinicians(cl)
	if !slices.Equal(cl, want) {
		t.Fatal("sortClinicians (packed keys) differs from a stable sort of the strings")
	}
}
