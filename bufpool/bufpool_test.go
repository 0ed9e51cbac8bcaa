package bufpool

import (
	"bytes"
	"testing"
	"unsafe"
)

func aligned(b []byte) bool { return uintptr(unsafe.Pointer(unsafe.SliceData(b)))%alignment == 0 }

func TestAllocateZeroedAlignedSized(t *testing.T) {
	p := New(1 << 20)
	for _, n := range []int{0, 1, 63, 64, 65, 1000, 4096, 100_000} {
		b := p.Allocate(n)
		if len(b) != n || cap(b) < n || !aligned(b) {
			t.Fatalf("Allocate(%d): len %d cap %d aligned %v", n, len(b), cap(b), aligned(b))
		}
		for i := range b {
			b[i] = 0xAA
		}
		p.Free(b)
		c := p.Allocate(n)
		if n > 0 && unsafe.SliceData(c) != unsafe.SliceData(b) {
			t.Errorf("Allocate(%d) after Free did not reuse the buffer", n)
		}
		if !bytes.Equal(c, make([]byte, n)) {
			t.Errorf("Allocate(%d) reused a buffer without zeroing it", n)
		}
		p.Free(c)
	}
}

func TestReallocateKeepsContents(t *testing.T) {
	p := New(1 << 20)
	b := p.Allocate(10)
	copy(b, "0123456789")
	b = p.Reallocate(5, b) // shrink in place
	if string(b) != "01234" {
		t.Fatalf("shrunk to %q", b)
	}
	b = p.Reallocate(8, b) // grow within capacity: new bytes are zero
	if string(b) != "01234\x00\x00\x00" {
		t.Fatalf("grown within capacity to %q", b)
	}
	big := p.Reallocate(1000, b) // grow past capacity: copied, old buffer recycled
	if string(big[:5]) != "01234" || !bytes.Equal(big[5:], make([]byte, 995)) || !aligned(big) {
		t.Fatalf("grown past capacity: %q", big[:10])
	}
	if p.Held() != 64 {
		t.Errorf("held %d bytes after growing, want the 64-byte buffer", p.Held())
	}
}

func TestLimitAndForeignBuffers(t *testing.T) {
	p := New(128)
	a, b, c := p.Allocate(64), p.Allocate(64), p.Allocate(64)
	p.Free(a)
	p.Free(b)
	p.Free(c) // over the limit: left to the collector
	if p.Held() != 128 {
		t.Errorf("held %d, want 128 (the limit)", p.Held())
	}
	p.Free(make([]byte, 100))  // not a size class
	p.Free(make([]byte, 32))   // below the smallest class
	p.Free(make([]byte, 0, 0)) // empty
	if p.Held() != 128 {
		t.Errorf("held %d after freeing foreign buffers, want 128", p.Held())
	}
	huge := p.Allocate(1<<maxShift + 1) // above the largest class: never pooled
	if len(huge) != 1<<maxShift+1 || !aligned(huge) {
		t.Fatalf("huge allocation: len %d aligned %v", len(huge), aligned(huge))
	}
	p.Free(huge)
	if p.Held() != 128 {
		t.Errorf("held %d after freeing a huge buffer, want 128", p.Held())
	}
}

func TestTrim(t *testing.T) {
	p := New(1 << 20)
	bufs := [][]byte{p.Allocate(64), p.Allocate(64), p.Allocate(1024), p.Allocate(4096)}
	for _, b := range bufs {
		p.Free(b)
	}
	if p.Held() != 64+64+1024+4096 {
		t.Fatalf("held %d before Trim", p.Held())
	}
	p.Trim(1200) // the 4096 goes first, then the 1024 still leaves 1152 <= 1200
	if p.Held() != 64+64+1024 {
		t.Errorf("held %d after Trim(1200), want %d (largest dropped first)", p.Held(), 64+64+1024)
	}
	p.Trim(100)
	if p.Held() != 64 {
		t.Errorf("held %d after Trim(100), want 64", p.Held())
	}
	p.Trim(0)
	if p.Held() != 0 {
		t.Errorf("held %d after Trim(0), want 0", p.Held())
	}
	// Still usable: a freed buffer is recycled again.
	b := p.Allocate(64)
	p.Free(b)
	if p.Held() != 64 {
		t.Errorf("held %d after reuse, want 64", p.Held())
	}
	// A lower limit trims what is held and bounds what is kept from then on.
	c, d := p.Allocate(1024), p.Allocate(1024)
	p.Free(c)
	p.SetLimit(1024) // 64 + 1024 held: the 1024 goes
	if p.Held() != 64 {
		t.Errorf("held %d after SetLimit(1024), want 64", p.Held())
	}
	p.Free(d) // would make 1088 > 1024: left to the collector
	if p.Held() != 64 {
		t.Errorf("held %d after freeing past the new limit, want 64", p.Held())
	}
}

func TestConcurrentUse(t *testing.T) {
	p := New(1 << 20)
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 1000; i++ {
				b := p.Allocate(64 + i%500)
				b[0] = byte(g)
				b = p.Reallocate(2000, b)
				if b[0] != byte(g) {
					t.Error("contents lost across Reallocate")
				}
				p.Free(b)
			}
			done <- true
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestPoisoning(t *testing.T) {
	p := NewPoisoning(1 << 20)
	b := p.Allocate(100)
	copy(b, "data")
	p.Free(b)
	if full := b[:cap(b)]; !bytes.Equal(full, bytes.Repeat([]byte{0xAA}, len(full))) {
		t.Error("a freed buffer was not poisoned")
	}
	if c := p.Allocate(100); !bytes.Equal(c, make([]byte, 100)) {
		t.Error("a poisoned buffer was handed out without zeroing")
	}
}

// TestSlices: a slice handed back is handed out again for any length it holds, not for a
// longer one, and not twice; a nil *Slices hands out new slices.
func TestSlices(t *testing.T) {
	var p Slices[int]
	a := p.Get(100)
	if len(a) != 100 || cap(a) < 100 {
		t.Fatalf("Get(100): len %d cap %d", len(a), cap(a))
	}
	p.Put(a)
	if b := p.Get(cap(a) + 1); &b[0] == &a[0] {
		t.Error("a slice was handed out for more than it holds")
	}
	b := p.Get(50)
	if len(b) != 50 || &b[0] != &a[0] {
		t.Error("the slice handed back was not reused")
	}
	if c := p.Get(50); &c[0] == &a[0] {
		t.Error("one slice was handed out twice")
	}
	var none *Slices[int]
	none.Put(b)
	if d := none.Get(10); len(d) != 10 || &d[0] == &b[0] {
		t.Error("a nil *Slices kept a slice")
	}
}
