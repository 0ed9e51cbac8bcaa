package writers

import (
	"errors"
	"os"
	"sync/atomic"
)

// Sizes of a bufferedFile's buffers and how many it has: one being filled, the others being
// written or free.
const (
	fileBufferBytes = 1 << 20
	fileBuffers     = 3
)

// bufferedFile is a new file written through buffers that a goroutine of its own writes to the
// file, so that whoever fills them never waits on the system's writes: a table's row groups
// are copied into the file by the goroutine that gives the table its rows, and at national
// scale its write calls (the kernel copying 47 MB into the page cache) were about 0.1 s of a
// run with the other core idle, waiting for the rows' next batch. The bytes are written in
// order, as through a bufio.Writer. finish makes the file complete on disk; abandon closes it
// incomplete (the caller removes it).
type bufferedFile struct {
	f       *os.File
	buf     []byte      // being filled
	full    chan []byte // to be written, in order
	free    chan []byte // written, to be filled again
	done    chan struct{}
	err     atomic.Pointer[error] // the first write error: later writes return it
	stopped bool
}

func newBufferedFile(f *os.File) *bufferedFile {
	b := &bufferedFile{f: f, full: make(chan []byte, fileBuffers), free: make(chan []byte, fileBuffers),
		done: make(chan struct{}), buf: make([]byte, 0, fileBufferBytes)}
	for range fileBuffers - 1 {
		b.free <- make([]byte, 0, fileBufferBytes)
	}
	go b.writeOut()
	return b
}

// writeOut writes the full buffers to the file until full is closed; after an error it only
// hands them back.
func (b *bufferedFile) writeOut() {
	defer close(b.done)
	for p := range b.full {
		if b.err.Load() == nil {
			if _, err := b.f.Write(p); err != nil {
				b.err.Store(&err)
			}
		}
		b.free <- p[:0]
	}
}

// Write copies p into the buffers, handing each to the writing goroutine as it fills.
func (b *bufferedFile) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if err := b.err.Load(); err != nil {
			return n, *err
		}
		if len(b.buf) == cap(b.buf) {
			b.full <- b.buf
			b.buf = <-b.free
		}
		k := copy(b.buf[len(b.buf):cap(b.buf)], p)
		b.buf = b.buf[:len(b.buf)+k]
		p, n = p[k:], n+k
	}
	return n, nil
}

// stop writes what is buffered, waits for the writing goroutine to end and returns the first
// write error. Only the first call writes.
func (b *bufferedFile) stop() error {
	if b.stopped {
		return errors.New("writers: file already finished")
	}
	b.stopped = true
	if len(b.buf) > 0 {
		b.full <- b.buf
		b.buf = nil
	}
	close(b.full)
	<-b.done
	if err := b.err.Load(); err != nil {
		return *err
	}
	return nil
}

// finish writes what is buffered, then syncs and closes the file.
func (b *bufferedFile) finish() error {
	err := b.stop()
	if err == nil {
		err = b.f.Sync()
	}
	if cerr := b.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// abandon stops the writing goroutine and closes the file, complete or not.
func (b *bufferedFile) abandon() {
	b.stop()
	b.f.Close()
}
