// Package prefault makes large slices that are about to be written in random order, with their
// memory touched in order first.
//
// A slice the Go allocator takes from memory the process has not used yet is backed by pages
// the kernel maps on first touch. Touched in random order (the slots of a hash table, the
// output of a radix or counting sort), every first touch is a page fault taken in the middle
// of the work; on the 2-core VM the benchmarks run on, a national run's table of a million
// submission IDs took 0.44-0.51 s to build that way and 0.10-0.14 s with its pages touched in
// order first (docs/performance.md). Touching one byte a page costs little when the memory
// turns out to be in use already.
package prefault

import "unsafe"

// pageSize is the smallest page size of the platforms Go supports; touching more often than
// the real page size only costs a few more stores.
const pageSize = 4096

// Make returns a slice of n zero Ts whose pages have been touched in order.
func Make[T any](n int) []T { return MakeCap[T](n, n) }

// MakeCap returns a slice of n zero Ts with capacity c whose first n elements' pages have been
// touched in order (the rest is left untouched, so it takes no memory until used). The stores
// are of zero bytes into zeroed memory, so they change nothing and need no write barrier
// whatever T holds.
func MakeCap[T any](n, c int) []T {
	s := make([]T, n, c)
	if n == 0 {
		return s
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), n*int(unsafe.Sizeof(s[0])))
	for i := 0; i < len(b); i += pageSize {
		b[i] = 0
	}
	return s
}
