package readers

import (
	"fmt"
	"math/rand/v2"
	"reweigh/model"
	"testing"
)

// TestKeySet checks the set against a map: keys added twice, zero and the largest pair number,
// growth from a set made too small, and keys that are not in it (neighbours of those that are,
// which share their first slot's neighbourhood).
func TestKeySet(t *testing.T) {
	for _, room := range []int{0, 1, 1000, 100_000} {
		s := newKeySet(room)
		want := map[uint64]bool{}
		r := rand.New(rand.NewPCG(1, uint64(room)))
		add := func(k uint64) {
			s.add(k)
			want[k] = true
		}
		add(0)
		add(pairNumber("9999999999", "999999999"))
		for range 50_000 {
			k := r.Uint64N(1 << 20) // dense: many keys share a first slot
			if r.IntN(2) == 0 {
				k = r.Uint64N(10_000_000_000) * 1_000_000_000
			}
			add(k)
			if r.IntN(4) == 0 {
				add(k) // again
			}
		}
		if s.n != len(want) {
			t.Fatalf("room %d: len %d, want %d", room, s.n, len(want))
		}
		if full := s.n * 5; full > len(s.slots)*4 {
			t.Fatalf("room %d: %d keys in %d slots, more than 80%% full", room, s.n, len(s.slots))
		}
		for k := range want {
			if !s.has(k) {
				t.Fatalf("room %d: key %d added but not found", room, k)
			}
			for _, near := range []uint64{k + 1, k - 1, k + 1_000_000_000} {
				if s.has(near) != want[near] {
					t.Fatalf("room %d: has(%d) = %v, want %v", room, near, s.has(near), want[near])
				}
			}
		}
	}
	var empty keySet
	if empty.has(0) || empty.has(7) {
		t.Fatal("the zero keySet has keys")
	}
}

// BenchmarkCoverage is the cross-table check's probe of what the clinicians cover: one
// lookup per row naming an NPI/TIN, against 1.6 million pairs.
func BenchmarkCoverage(b *testing.B) {
	const n = 1_600_000
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = r.Uint64N(10_000_000_000)*1_000_000_000 + r.Uint64N(1_000_000_000)
	}
	probes := make([]uint64, 1<<20)
	for i := range probes {
		probes[i] = keys[r.IntN(n)]
	}
	b.Run("keySet", func(b *testing.B) {
		s := newKeySet(n)
		for _, k := range keys {
			s.add(k)
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if !s.has(probes[i&(len(probes)-1)]) {
				b.Fatal("missing")
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		m := make(map[uint64]struct{}, n)
		for _, k := range keys {
			m[k] = struct{}{}
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if _, ok := m[probes[i&(len(probes)-1)]]; !ok {
				b.Fatal("missing")
			}
		}
	})
	b.Run("build/keySet", func(b *testing.B) {
		for b.Loop() {
			s := newKeySet(n)
			for _, k := range keys {
				s.add(k)
			}
		}
	})
	b.Run("build/map", func(b *testing.B) {
		for b.Loop() {
			m := make(map[uint64]struct{}, n)
			for _, k := range keys {
				m[k] = struct{}{}
			}
		}
	})
}

// TestCoveredEach requires the batched lookups of what the clinicians cover to answer as has
// does, row by row, over more rows than a batch and every level, covered or not.
func TestCoveredEach(t *testing.T) {
	var cl []model.Clinician
	r := rand.New(rand.NewPCG(3, 4))
	npi := func() string { return fmt.Sprintf("1%09d", r.IntN(1000)) }
	tin := func() string { return fmt.Sprintf("%09d", r.IntN(300)) }
	for range 500 {
		cl = append(cl, model.Clinician{NPI: npi(), TIN: tin()})
	}
	cv := newCoverage(cl)
	cv.vgs["VG1"], cv.sgs["SG1"], cv.apms["APM1"] = true, true, true
	var keys []model.EntityKey
	for range 1000 {
		switch r.IntN(5) {
		case 0, 1:
			keys = append(keys, model.IndividualKey(npi(), tin()))
		case 2:
			keys = append(keys, model.GroupKey(tin()))
		case 3:
			keys = append(keys, model.VirtualGroupKey(fmt.Sprintf("VG%d", r.IntN(2))))
		default:
			keys = append(keys, model.APMEntityKey(fmt.Sprintf("APM%d", r.IntN(2))),
				model.SubgroupKey(fmt.Sprintf("SG%d", r.IntN(2)), ""))
		}
	}
	got := cv.coveredEach(len(keys), func(i int) *model.EntityKey { return &keys[i] })
	seen := map[bool]int{}
	for i, k := range keys {
		if want := cv.has(k); got[i] != want {
			t.Fatalf("row %d (%+v): covered %v, has %v", i, k, got[i], want)
		}
		seen[got[i]]++
	}
	if seen[true] < 100 || seen[false] < 100 {
		t.Fatalf("covered %d rows and not %d: the test needs both", seen[true], seen[false])
	}
}
