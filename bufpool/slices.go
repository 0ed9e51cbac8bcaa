package bufpool

import (
	"slices"
	"sync"

	"reweigh/prefault"
)

// Slices is a free list of slices of T, safe for concurrent use: a slice handed back (Put) is
// handed out again (Get) for any length it can hold. The determine stage recycles its shards'
// row buffers through one, and a read its sort buffers from table to table. The zero value is
// ready to use; a nil *Slices keeps nothing and hands out new slices.
type Slices[T any] struct {
	mu   sync.Mutex
	free [][]T
}

// Get returns a slice of n elements. A recycled one holds old values (every one must be
// overwritten); a new one has room for a quarter more, so that a slightly longer request
// reuses it, and the pages of its n elements are touched in order (prefault: the read lends
// these slices to radix sorts, which write them in many places at once).
func (p *Slices[T]) Get(n int) []T {
	if p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		for i, s := range p.free {
			if cap(s) >= n {
				p.free = slices.Delete(p.free, i, i+1)
				return s[:n]
			}
		}
	}
	return prefault.MakeCap[T](n, n+n/4)
}

// Put hands a slice back.
func (p *Slices[T]) Put(s []T) {
	if p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.free = append(p.free, s)
	}
}
