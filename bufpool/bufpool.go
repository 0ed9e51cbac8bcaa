// Package bufpool is an Arrow memory.Allocator that recycles the buffers Arrow frees.
//
// arrow-go's GoAllocator leaves every freed buffer to the Go collector. Reading ten million
// rows in 64k-row batches and writing two million back allocates about 6 GB of short-lived
// Arrow buffers that way, and on a machine where each fresh page costs a fault, memory that
// is not reused is time. A Pool keeps the buffers that Arrow releases (record batches, column
// builders, page buffers) in free lists by power-of-two size and hands them out again, so a
// reader or writer works in the same few megabytes batch after batch.
//
// A recycled buffer is zeroed before reuse, as the Go allocator's are, so Arrow code that
// relies on fresh buffers being zero sees no difference. Whoever keeps a value read from an
// Arrow buffer past the batch's release must copy it (the readers do): after Free the bytes
// belong to the next batch.
package bufpool

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

const (
	minShift   = 6  // 64 B, Arrow's alignment
	maxShift   = 26 // 64 MiB: larger buffers are left to the collector
	numClasses = maxShift + 1
	alignment  = 64
)

// Pool is a memory.Allocator that recycles freed buffers. It is safe for concurrent use. The
// zero value is not usable: use New.
type Pool struct {
	mu     sync.Mutex
	free   [numClasses][][]byte
	held   int  // bytes in the free lists
	limit  int  // at most this many bytes are kept in the free lists
	poison bool // overwrite freed buffers (NewPoisoning)
}

var _ memory.Allocator = (*Pool)(nil)

// New returns a Pool that keeps at most limit bytes of freed buffers for reuse.
func New(limit int) *Pool { return &Pool{limit: limit} }

// NewPoisoning returns a Pool that also overwrites every buffer freed to it with 0xAA, for
// tests: code that still reads a buffer after releasing it reads the poison.
func NewPoisoning(limit int) *Pool { return &Pool{limit: limit, poison: true} }

// class returns the size class of a buffer of n bytes: the smallest shift s with 1<<s >= n.
func class(n int) int {
	if n <= 1<<minShift {
		return minShift
	}
	return bits.Len(uint(n - 1))
}

// Allocate returns a zeroed, 64-byte aligned buffer of size bytes.
func (p *Pool) Allocate(size int) []byte {
	c := class(size)
	if c > maxShift {
		return alloc(size, size)
	}
	p.mu.Lock()
	if l := p.free[c]; len(l) > 0 {
		b := l[len(l)-1]
		l[len(l)-1] = nil
		p.free[c] = l[:len(l)-1]
		p.held -= cap(b)
		p.mu.Unlock()
		b = b[:size]
		clear(b)
		return b
	}
	p.mu.Unlock()
	return alloc(size, 1<<c)
}

// Reallocate grows or shrinks b to size bytes, keeping its contents; new bytes are zero.
func (p *Pool) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		if n := len(b); size > n {
			b = b[:size]
			clear(b[n:])
			return b
		}
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free returns b to the pool. Buffers that did not come from a size class, or that would take
// the pool over its limit, are left to the collector.
func (p *Pool) Free(b []byte) {
	if p.poison {
		b = b[:cap(b)]
		for i := range b {
			b[i] = 0xAA
		}
	}
	n := cap(b)
	if n < 1<<minShift || n&(n-1) != 0 {
		return
	}
	c := bits.Len(uint(n)) - 1
	if c > maxShift {
		return
	}
	p.mu.Lock()
	if p.held+n <= p.limit {
		p.free[c] = append(p.free[c], b[:0])
		p.held += n
	}
	p.mu.Unlock()
}

// Held returns the bytes kept in the free lists.
func (p *Pool) Held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held
}

// alloc returns a zeroed buffer of length size and capacity capacity, 64-byte aligned.
func alloc(size, capacity int) []byte {
	buf := make([]byte, capacity+alignment)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	shift := int((alignment - addr%alignment) % alignment)
	return buf[shift : shift+size : shift+capacity]
}

// SetLimit changes how many bytes of freed buffers the pool keeps, leaving what it holds
// beyond the new limit to the collector (as Trim).
func (p *Pool) SetLimit(limit int) {
	p.Trim(limit)
	p.mu.Lock()
	p.limit = limit
	p.mu.Unlock()
}

// Trim leaves free buffers to the collector, the largest first, until at most keep bytes are
// held. The pool stays usable. A run trims it when a stage that needed many buffers (the
// read) is over, so the memory they hold can be collected and reused for something else.
func (p *Pool) Trim(keep int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := numClasses - 1; c >= 0 && p.held > keep; c-- {
		for len(p.free[c]) > 0 && p.held > keep {
			l := p.free[c]
			p.held -= cap(l[len(l)-1])
			l[len(l)-1] = nil
			p.free[c] = l[:len(l)-1]
		}
	}
}
