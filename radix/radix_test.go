package radix

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSort: the radix sort gives the order of a stable comparison sort by key, then tag, for
// keys over the whole 64-bit range, negative tags, and keys that share bytes.
func TestSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	gens := map[string]func() Item{
		"wide":    func() Item { return Item{Key: rng.Uint64(), Tag: rng.Int32N(5) - 2} },
		"narrow":  func() Item { return Item{Key: rng.Uint64N(50) << 40, Tag: rng.Int32N(3)} },
		"one key": func() Item { return Item{Key: 42, Tag: int32(rng.IntN(2) * 1000)} },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 2, 3, 300, 5000, 70_000} {
			items := make([]Item, n)
			for i := range items {
				items[i] = gen()
				items[i].Pos = int32(i)
			}
			want := slices.Clone(items)
			slices.SortStableFunc(want, func(a, b Item) int {
				return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Tag, b.Tag))
			})
			with := slices.Clone(items)
			Sort(items)
			if !slices.Equal(items, want) {
				t.Fatalf("%s, n=%d: Sort differs from a stable sort", name, n)
			}
			SortWith(with, make([]Item, n, n+7))
			if !slices.Equal(with, want) {
				t.Fatalf("%s, n=%d: SortWith differs from a stable sort", name, n)
			}
		}
	}
}

// TestPairKey: keys order as (TIN, NPI) strings do, and only exact digits pack.
func TestPairKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	type pair struct{ npi, tin string }
	ps := make([]pair, 500)
	for i := range ps {
		ps[i] = pair{fmt.Sprintf("%010d", rng.Uint64N(10_000_000_000)), fmt.Sprintf("%09d", rng.Uint64N(1_000_000_000))}
	}
	slices.SortFunc(ps, func(a, b pair) int { return cmp.Or(cmp.Compare(a.tin, b.tin), cmp.Compare(a.npi, b.npi)) })
	prev := uint64(0)
	for i, p := range ps {
		k, ok := PairKey(p.npi, p.tin)
		if !ok || (i > 0 && k < prev) {
			t.Fatalf("PairKey(%s, %s) = %d, %v: not in the strings' order", p.npi, p.tin, k, ok)
		}
		prev = k
	}
	for _, bad := range []pair{{"123456789", "123456789"}, {"1234567890", "12345678"}, {"12345678x0", "123456789"}, {"1234567890", "1234567890"}, {"", ""}} {
		if _, ok := PairKey(bad.npi, bad.tin); ok {
			t.Errorf("PairKey(%q, %q) packed", bad.npi, bad.tin)
		}
	}
	if k, ok := PairKey("9999999999", "999999999"); !ok || k != 9_999_999_999_999_999_999 {
		t.Errorf("the largest pair: %d, %v", k, ok)
	}
}

// BenchmarkSort: three million references with national keys (TIN * 1e10 + NPI), four tags.
func BenchmarkSort(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	items := make([]Item, 3_000_000)
	for i := range items {
		items[i] = Item{Key: rng.Uint64N(1_000_000_000)*10_000_000_000 + 1_000_000_000 + rng.Uint64N(1_000_000_000), Tag: rng.Int32N(4), Pos: int32(i)}
	}
	work := make([]Item, len(items))
	b.ResetTimer()
	for b.Loop() {
		copy(work, items)
		Sort(work)
	}
}
