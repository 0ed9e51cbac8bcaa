package readers

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestIDIndex checks the index against a map: IDs given twice (the later position wins, as a
// map's assignment), the empty ID, growth from an index made too small, and lookups, in
// batches and one at a time, of IDs that are and are not in it.
func TestIDIndex(t *testing.T) {
	for _, room := range []int{0, 1, 1000, 100_000} {
		r := rand.New(rand.NewPCG(2, uint64(room)))
		id := func() string { return fmt.Sprintf("SUB-%d", r.IntN(40_000)) }
		ids := make([]string, 30_000)
		for i := range ids {
			ids[i] = id()
		}
		ids[7] = ""
		x := newIDIndex(room)
		x.addAll(ids)
		want := map[string]int32{}
		for i, s := range ids {
			want[s] = int32(i)
		}
		if x.n != len(want) {
			t.Fatalf("room %d: %d IDs, want %d", room, x.n, len(want))
		}
		if x.n*5 > len(x.slots)*4 {
			t.Fatalf("room %d: %d IDs in %d slots, more than 80%% full", room, x.n, len(x.slots))
		}
		probes := make([]string, 0, 2*len(want))
		for s := range want {
			probes = append(probes, s, s+"x", "x"+s)
		}
		got := make([]int32, len(probes))
		x.findAll(probes, got)
		one := []int32{0}
		for i, s := range probes {
			p, ok := want[s]
			if !ok {
				p = -1
			}
			x.findAll(probes[i:i+1], one)
			if got[i] != p || one[0] != p {
				t.Fatalf("room %d: %q at %d (batched) and %d (alone), want %d", room, s, got[i], one[0], p)
			}
		}
	}
	var empty idIndex
	got := []int32{7, 7}
	empty.findAll([]string{"SUB-1", ""}, got)
	if got[0] != -1 || got[1] != -1 {
		t.Fatal("the zero idIndex has IDs")
	}
}

// BenchmarkSubmissionIDs is the cross-table check of the measurements' submissions: a million
// submission IDs indexed, and looked up once per run of measurements.
func BenchmarkSubmissionIDs(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("SUB-%012d", r.Int64N(1e12))
	}
	probes := make([]string, 1<<20)
	for i := range probes {
		probes[i] = ids[r.IntN(n)]
	}
	pos := make([]int32, len(probes))
	b.Run("build/idIndex", func(b *testing.B) {
		for b.Loop() {
			newIDIndex(n).addAll(ids)
		}
	})
	b.Run("build/map", func(b *testing.B) {
		for b.Loop() {
			m := make(map[string]int32, n)
			for i, s := range ids {
				m[s] = int32(i)
			}
		}
	})
	b.Run("find/idIndex", func(b *testing.B) {
		x := newIDIndex(n)
		x.addAll(ids)
		for b.Loop() {
			x.findAll(probes, pos)
		}
	})
	b.Run("find/map", func(b *testing.B) {
		m := make(map[string]int32, n)
		for i, s := range ids {
			m[s] = int32(i)
		}
		for b.Loop() {
			for i, s := range probes {
				pos[i] = m[s]
			}
		}
	})
}
