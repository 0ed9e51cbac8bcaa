package prefault

import "testing"

// TestMake: the slices are zero, of the length and capacity asked, whatever the element type
// (pointers, sizes that do not divide a page), including empty ones.
func TestMake(t *testing.T) {
	type slot struct {
		id  string
		pos int32
	}
	for _, n := range []int{0, 1, 4095, 4096, 100_000} {
		s := Make[slot](n)
		if len(s) != n || cap(s) != n {
			t.Fatalf("Make(%d): len %d cap %d", n, len(s), cap(s))
		}
		for i := range s {
			if s[i] != (slot{}) {
				t.Fatalf("Make(%d)[%d] = %+v, want zero", n, i, s[i])
			}
		}
		b := MakeCap[byte](n, n+n/4+1)
		if len(b) != n || cap(b) != n+n/4+1 {
			t.Fatalf("MakeCap(%d): len %d cap %d", n, len(b), cap(b))
		}
		for i, v := range b[:cap(b)] {
			if v != 0 {
				t.Fatalf("MakeCap(%d)[%d] = %d, want 0", n, i, v)
			}
		}
	}
}
