package writers

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestBufferedFileBytes writes pieces of every size, some larger than a buffer, and reads back
// exactly the bytes written, in order.
func TestBufferedFileBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.bin")
	f, err := createFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var want bytes.Buffer
	for want.Len() < 5*fileBufferBytes {
		n := rng.IntN(fileBufferBytes / 3)
		if rng.IntN(10) == 0 {
			n = fileBufferBytes + rng.IntN(fileBufferBytes)
		}
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		if k, err := f.Write(p); err != nil || k != n {
			t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
		}
		want.Write(p)
	}
	if err := f.finish(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("read back %d bytes, not the %d written", len(got), want.Len())
	}
	if err := f.finish(); err == nil {
		t.Fatal("a second finish succeeded")
	}
}

// TestBufferedFileWriteError: a write the system refuses is reported, by a later Write or by
// finish, and the file can still be abandoned without hanging.
func TestBufferedFileWriteError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.bin")
	osf, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644) // writes fail
	if err != nil {
		t.Fatal(err)
	}
	f := newBufferedFile(osf)
	p := make([]byte, fileBufferBytes)
	var werr error
	for range 4 * fileBuffers {
		if _, werr = f.Write(p); werr != nil {
			break
		}
	}
	ferr := f.finish()
	if werr == nil && ferr == nil {
		t.Fatal("writes to a read-only file reported no error")
	}

	osf, err = os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f = newBufferedFile(osf)
	f.Write(p)
	f.Write(p[:10])
	f.abandon() // returns: the goroutine ends
	f.abandon()
}
