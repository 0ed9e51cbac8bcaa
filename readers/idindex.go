package readers

import (
	"hash/maphash"
	"math/bits"

	"reweigh/prefault"
)

// idIndex maps string IDs to positions (the submissions' IDs to their rows): open addressing
// with linear probing in one slice, at most 80% full, like keySet but for strings. It stands
// in for a map[string]int32 of a million submission IDs, looked up once per run of
// measurements: a batch of IDs at a time (addAll, findAll), so that the cache misses of their
// slots, and then of the stored IDs' bytes, overlap where a map's lookups wait for each in
// turn. The zero value is an empty index that cannot be added to: use newIDIndex.
type idIndex struct {
	slots []idSlot
	shift uint // 64 - log2(len(slots))
	n     int  // IDs in the index
	seed  maphash.Seed
}

// idSlot is an ID, its position plus one (0 for an empty slot), and the low bits of its hash:
// a probe compares the IDs' bytes (a cache miss in a large index) only when those match.
type idSlot struct {
	id  string
	pos int32
	tag uint32
}

// newIDIndex returns an index with room for n IDs.
func newIDIndex(n int) *idIndex {
	size := 8
	for size*4 < n*5 { // at most 80% full
		size *= 2
	}
	slots := prefault.Make[idSlot](size)
	return &idIndex{slots: slots, shift: uint(64 - bits.TrailingZeros(uint(size))), seed: maphash.MakeSeed()}
}

// home is the slot where the search for an ID of hash h starts.
func (x *idIndex) home(h uint64) uint64 { return (h * 0x9E3779B97F4A7C15) >> x.shift }

// addFrom maps id to pos (the later position when id is added twice, as a map's assignment
// does), given id's home slot i and tag, with room for id.
func (x *idIndex) addFrom(id string, pos int32, i uint64, tag uint32) {
	mask := uint64(len(x.slots) - 1)
	for ; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.pos == 0 {
			*s = idSlot{id, pos + 1, tag}
			x.n++
			return
		}
		if s.tag == tag && s.id == id {
			s.pos = pos + 1
			return
		}
	}
}

// findFrom returns the position of id, of home slot i and tag, or -1.
func (x *idIndex) findFrom(id string, i uint64, tag uint32) int32 {
	mask := uint64(len(x.slots) - 1)
	for ; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.pos == 0 {
			return -1
		}
		if s.tag == tag && s.id == id {
			return s.pos - 1
		}
	}
}

// touch reads the home slot of each ID (homes[i] for ids[i]), and the first byte of the ID
// stored there: each read is a cache miss in a large index, and these do not depend on one
// another, so the processor makes them together (see keySet.touch). It returns what it read,
// and is not inlined, so that the compiler keeps the reads.
//
//go:noinline
func (x *idIndex) touch(homes []uint64) uint64 {
	var sum uint64
	for _, h := range homes {
		s := &x.slots[h]
		sum += uint64(s.pos)
		if len(s.id) > 0 {
			sum += uint64(s.id[0])
		}
	}
	return sum
}

// locate sets the home slots and tags of the IDs of a batch, and touches the slots.
func (x *idIndex) locate(b []string, homes *[batch]uint64, tags *[batch]uint32) {
	for i, id := range b {
		h := maphash.String(x.seed, id)
		homes[i], tags[i] = x.home(h), uint32(h)
	}
	x.touch(homes[:len(b)])
}

// addAll maps ids[i] to i (the later i for an ID given twice), a batch at a time.
func (x *idIndex) addAll(ids []string) {
	var homes [batch]uint64
	var tags [batch]uint32
	for lo := 0; lo < len(ids); lo += batch {
		b := ids[lo:min(lo+batch, len(ids))]
		for (x.n+len(b))*5 > len(x.slots)*4 {
			x.grow()
		}
		x.locate(b, &homes, &tags)
		for i, id := range b {
			x.addFrom(id, int32(lo+i), homes[i], tags[i])
		}
	}
}

// findAll sets pos[i] to the position of ids[i], or -1, a batch at a time.
func (x *idIndex) findAll(ids []string, pos []int32) {
	if x.n == 0 {
		for i := range ids {
			pos[i] = -1
		}
		return
	}
	var homes [batch]uint64
	var tags [batch]uint32
	for lo := 0; lo < len(ids); lo += batch {
		b := ids[lo:min(lo+batch, len(ids))]
		x.locate(b, &homes, &tags)
		for i, id := range b {
			pos[lo+i] = x.findFrom(id, homes[i], tags[i])
		}
	}
}

// grow doubles the slots and adds the IDs again.
func (x *idIndex) grow() {
	old := x.slots
	x.slots = prefault.Make[idSlot](2 * len(old))
	x.shift--
	x.n = 0
	for _, s := range old {
		if s.pos != 0 {
			h := maphash.String(x.seed, s.id)
			x.addFrom(s.id, s.pos-1, x.home(h), uint32(h))
		}
	}
}
