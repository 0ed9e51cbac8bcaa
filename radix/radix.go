// Package radix sorts items by a 64-bit key: a least-significant-digit radix sort, for the
// millions of NPI/TIN references a national run matches against its clinicians. A comparison
// sort of 1.65 million clinicians rows took 0.47 s of CPU; this takes a fifth of that.
package radix

import (
	"cmp"
	"slices"

	"reweigh/prefault"
)

// Item is what is sorted: a key, a tag that orders items of one key, and a position the caller
// gives (usually a row), which orders items of one key and tag as they were given.
type Item struct {
	Key uint64
	Tag int32
	Pos int32
}

// Sort sorts items by key, then tag, stably (items of one key and tag keep their order). It
// takes digits of 16 bits, least significant first (the tag's, then the key's), and skips a
// digit every item shares (the tag's high bits, a key's leading zeros): four passes for a 64-bit
// key, at national scale (three million references) 0.2 s against 0.4 s a byte at a time. A
// few thousand items are sorted by comparison instead.
func Sort(items []Item) {
	SortWith(items, nil)
}

// SortWith is Sort using scratch (when it has room for the items) for the sort's second buffer;
// one it makes has its pages touched in order first (prefault), as each pass writes it to
// 65,536 places at once, not front to back.
func SortWith(items, scratch []Item) {
	n := len(items)
	if n < 1<<12 {
		slices.SortStableFunc(items, func(a, b Item) int { return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Tag, b.Tag)) })
		return
	}
	const (
		bits      = 16
		tagDigits = 32 / bits
		keyDigits = 64 / bits
		mask      = 1<<bits - 1
	)
	// The tag's sign bit flipped, so the unsigned order is the signed one.
	tagOf := func(p *Item) uint64 { return uint64(uint32(p.Tag) ^ 1<<31) }
	counts := make([][1 << bits]int, tagDigits+keyDigits)
	for i := range items {
		p := &items[i]
		t, k := tagOf(p), p.Key
		for d := range tagDigits {
			counts[d][t>>(bits*d)&mask]++
		}
		for d := range keyDigits {
			counts[tagDigits+d][k>>(bits*d)&mask]++
		}
	}
	if cap(scratch) < n {
		scratch = prefault.Make[Item](n)
	}
	src, dst := items, scratch[:n]
	next := new([1 << bits]int)
	for d := range counts {
		c := &counts[d]
		ofTag := d < tagDigits
		shift := bits * d
		first := src[0].Key
		if ofTag {
			first = tagOf(&src[0])
		} else {
			shift = bits * (d - tagDigits)
		}
		if c[first>>shift&mask] == n {
			continue // every item has this digit: the pass would change nothing
		}
		sum := 0
		for v := range next {
			next[v] = sum
			sum += c[v]
		}
		if ofTag {
			for i := range src {
				v := tagOf(&src[i]) >> shift & mask
				dst[next[v]] = src[i]
				next[v]++
			}
		} else {
			for i := range src {
				v := src[i].Key >> shift & mask
				dst[next[v]] = src[i]
				next[v]++
			}
		}
		src, dst = dst, src
	}
	if &src[0] != &items[0] {
		copy(items, src)
	}
}

// PairKey returns the key of an NPI/TIN: the TIN (9 digits) and NPI (10 digits) as one
// number, TIN first, so keys order as the strings (TIN, then NPI) do. ok is false when either
// is not exactly its digits.
func PairKey(npi, tin string) (key uint64, ok bool) {
	t, okT := Digits(tin, 9)
	n, okN := Digits(npi, 10)
	return t*TINScale + n, okT && okN
}

// TINScale is what a PairKey's TIN is multiplied by: key/TINScale is the TIN, key%TINScale the
// NPI.
const TINScale = 10_000_000_000

// Digits parses s when it is exactly n decimal digits (a TIN is 9, an NPI 10).
func Digits(s string, n int) (uint64, bool) {
	if len(s) != n {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		v = v*10 + uint64(d)
	}
	return v, true
}
