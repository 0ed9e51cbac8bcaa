package pipeline

import (
	"cmp"
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

// TestRadixSort: the radix sort gives the order of a stable comparison sort by key, then
// segment, for keys over the whole 64-bit range, negative segments, and keys that share bytes.
func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	gens := map[string]func() packed{
		"wide":    func() packed { return packed{key: rng.Uint64(), segment: rng.Int32N(5) - 2} },
		"narrow":  func() packed { return packed{key: rng.Uint64N(50) << 40, segment: rng.Int32N(3)} },
		"one key": func() packed { return packed{key: 42, segment: int32(rng.IntN(2) * 1000)} },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 2, 3, 300, 5000} {
			keys := make([]packed, n)
			for i := range keys {
				keys[i] = gen()
				keys[i].i = int32(i)
			}
			want := slices.Clone(keys)
			slices.SortStableFunc(want, func(a, b packed) int {
				return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.segment, b.segment))
			})
			radixSort(keys)
			if !slices.Equal(keys, want) {
				t.Fatalf("%s, n=%d: radixSort differs from a stable sort", name, n)
			}
		}
	}
}
