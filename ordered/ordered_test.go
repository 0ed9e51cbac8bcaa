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
