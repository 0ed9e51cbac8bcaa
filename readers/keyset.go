package readers

import (
	"math/bits"

	"reweigh/prefault"
)

// keySet is a set of uint64 keys: open addressing with linear probing in one slice, at most
// 80% full. It stands in for a map[uint64]struct{} where the keys are many and the probes
// more: what the clinicians cover (1.6 million NPI/TINs at national scale, probed by 3.5
// million rows of the other tables). Built and probed a batch of keys at a time (touch), its
// cache misses overlap, where a map's probes wait for each in turn: nationally the set and its
// probes took about 0.4 s of CPU less than the maps (docs/performance.md). The zero value is
// an empty set that cannot be added to: use newKeySet.
type keySet struct {
	slots []uint64 // key+1, or 0 for an empty slot (a key is never the largest uint64)
	shift uint     // 64 - log2(len(slots))
	n     int      // keys in the set
}

// newKeySet returns a set with room for n keys.
func newKeySet(n int) *keySet {
	size := 8
	for size*4 < n*5 { // at most 80% full
		size *= 2
	}
	return &keySet{slots: prefault.Make[uint64](size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
}

// slot is where the search for k starts: Fibonacci hashing, the top bits of k times 2^64/φ.
func (s *keySet) slot(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> s.shift }

// add adds k.
func (s *keySet) add(k uint64) {
	if (s.n+1)*5 > len(s.slots)*4 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := s.slot(k); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = k + 1
			s.n++
			return
		case k + 1:
			return
		}
	}
}

// has reports whether k is in the set.
func (s *keySet) has(k uint64) bool {
	if s.n == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for i := s.slot(k); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			return false
		case k + 1:
			return true
		}
	}
}

// batch is how many keys addAll and hasAll look up at once (see touch).
const batch = 32

// touch reads the first slot of each key. Each read is a cache miss in a large set, and the
// reads do not depend on one another, so the processor makes them together, where the probes
// of add and has each wait for the one before: probing the keys just after finds their slots
// in the cache. It returns the sum of what it read, and is not inlined, so that the compiler
// keeps the reads.
//
//go:noinline
func (s *keySet) touch(keys []uint64) uint64 {
	var sum uint64
	for _, k := range keys {
		sum += s.slots[s.slot(k)]
	}
	return sum
}

// addAll adds keys, a batch at a time.
func (s *keySet) addAll(keys []uint64) {
	for lo := 0; lo < len(keys); lo += batch {
		b := keys[lo:min(lo+batch, len(keys))]
		s.touch(b)
		for _, k := range b {
			s.add(k)
		}
	}
}

// hasAll sets has[i] to whether keys[i] is in the set, a batch at a time.
func (s *keySet) hasAll(keys []uint64, has []bool) {
	if s.n == 0 {
		clear(has[:len(keys)])
		return
	}
	for lo := 0; lo < len(keys); lo += batch {
		b := keys[lo:min(lo+batch, len(keys))]
		s.touch(b)
		for i, k := range b {
			has[lo+i] = s.has(k)
		}
	}
}

// grow doubles the slots and adds the keys again.
func (s *keySet) grow() {
	old := s.slots
	s.slots = prefault.Make[uint64](2 * len(old))
	s.shift--
	s.n = 0
	for _, v := range old {
		if v != 0 {
			s.add(v - 1)
		}
	}
}
