package ordered

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// Do delivers every result in order whatever order the work finishes in, never has more
// than workers+1 results made and not delivered, and stops at the first delivery error or
// cancellation without leaving goroutines blocked.
func TestDo(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		var made, delivered atomic.Int64
		var got []int
		err := Do(context.Background(), workers, 200, func(_ context.Context, i int) int {
			made.Add(1)
			if i%7 == 0 {
				time.Sleep(time.Millisecond) // later shards finish first
			}
			return i * i
		}, func(i, v int) error {
			if ahead := made.Load() - delivered.Load(); ahead > int64(workers)+1 {
				t.Errorf("workers %d: %d results waiting", workers, ahead)
			}
			delivered.Add(1)
			if v != i*i {
				t.Errorf("result %d = %d", i, v)
			}
			got = append(got, i)
			return nil
		}, nil)
		if err != nil || len(got) != 200 {
			t.Fatalf("workers %d: err %v, %d delivered", workers, err, len(got))
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("workers %d: delivered out of order: %v", workers, got[:i+1])
			}
		}
	}

	stop := errors.New("stop")
	n := 0
	var made, discarded atomic.Int64
	err := Do(context.Background(), 4, 1000, func(_ context.Context, i int) int { made.Add(1); return i }, func(i, v int) error {
		n++
		if i == 10 {
			return stop
		}
		return nil
	}, func(int) { discarded.Add(1) })
	if !errors.Is(err, stop) || n != 11 {
		t.Errorf("deliver error: err %v after %d deliveries", err, n)
	}
	// Every result made is delivered or discarded: nothing is left unreleased.
	if m, d := made.Load(), discarded.Load(); m != int64(n)+d || d > 5 {
		t.Errorf("%d made, %d delivered, %d discarded (at most workers+1 = 5 can wait)", m, n, d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = Do(ctx, 2, 1000, func(_ context.Context, i int) int { return i }, func(i, v int) error {
		if n++; n == 5 {
			cancel()
		}
		return nil
	}, nil)
	if !errors.Is(err, context.Canceled) || n > 5+3 {
		t.Errorf("cancelled: err %v after %d deliveries", err, n)
	}
	if err := Do(context.Background(), 2, 0, func(context.Context, int) int { return 0 }, func(int, int) error { return errors.New("called") }, nil); err != nil {
		t.Errorf("no work: %v", err)
	}
}

// Stream delivers every item in piece order and send order, never has more than
// (workers+1)*(ahead+1) items made and not delivered, returns a producer's error after the
// items it sent, and stops at the first delivery error or cancellation, every item made being
// delivered or discarded.
func TestStream(t *testing.T) {
	const pieces, per = 60, 9
	produce := func(made *atomic.Int64) func(ctx context.Context, i int, send func(int) error) error {
		return func(_ context.Context, i int, send func(int) error) error {
			for k := range per {
				if i%7 == 0 && k == 3 {
					time.Sleep(time.Millisecond) // later pieces get ahead
				}
				made.Add(1)
				if err := send(i*per + k); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for _, workers := range []int{1, 2, 8} {
		for _, ahead := range []int{1, 3} {
			var made, delivered atomic.Int64
			var got []int
			err := Stream(context.Background(), workers, pieces, ahead, produce(&made), func(i, v int) error {
				if waiting := made.Load() - delivered.Load(); waiting > int64((workers+1)*(ahead+1)) {
					t.Errorf("workers %d ahead %d: %d items waiting", workers, ahead, waiting)
				}
				delivered.Add(1)
				if v/per != i {
					t.Errorf("item %d delivered as piece %d", v, i)
				}
				got = append(got, v)
				return nil
			}, nil)
			if err != nil || len(got) != pieces*per {
				t.Fatalf("workers %d ahead %d: err %v, %d delivered", workers, ahead, err, len(got))
			}
			for k, v := range got {
				if v != k {
					t.Fatalf("workers %d ahead %d: delivered out of order: %v", workers, ahead, got[:k+1])
				}
			}
		}
	}

	// A producer's error comes after the items it sent, and ends the stream.
	broken := errors.New("broken piece")
	var got []int
	err := Stream(context.Background(), 3, pieces, 2, func(_ context.Context, i int, send func(int) error) error {
		for k := range per {
			if i == 4 && k == 5 {
				return broken
			}
			if err := send(i*per + k); err != nil {
				return err
			}
		}
		return nil
	}, func(_, v int) error { got = append(got, v); return nil }, nil)
	if !errors.Is(err, broken) || len(got) != 4*per+5 {
		t.Errorf("producer error: err %v after %d items, want %d", err, len(got), 4*per+5)
	}

	// A delivery error stops the stream; nothing made is lost.
	stop := errors.New("stop")
	var made, discarded atomic.Int64
	n := 0
	err = Stream(context.Background(), 4, pieces, 2, produce(&made), func(i, v int) error {
		if n++; n == 20 {
			return stop
		}
		return nil
	}, func(int) { discarded.Add(1) })
	if !errors.Is(err, stop) || n != 20 {
		t.Errorf("deliver error: err %v after %d deliveries", err, n)
	}
	if m, d := made.Load(), discarded.Load(); m != int64(n)+d {
		t.Errorf("%d made, %d delivered, %d discarded", m, n, d)
	}

	// Cancellation, including before a piece has begun, returns without blocking.
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = Stream(ctx, 2, pieces, 1, produce(&made), func(i, v int) error {
		if n++; n == 5 {
			cancel()
		}
		return nil
	}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v after %d deliveries", err, n)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := Stream(ctx, 2, pieces, 1, produce(&made), func(int, int) error { return nil }, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the start: %v", err)
	}
	if err := Stream(context.Background(), 2, 0, 1, produce(&made), func(int, int) error { return errors.New("called") }, nil); err != nil {
		t.Errorf("no work: %v", err)
	}
}
