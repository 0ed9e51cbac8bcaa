package pipeline

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// inOrder delivers every result in order whatever order the work finishes in, never has more
// than workers+1 results made and not delivered, and stops at the first delivery error or
// cancellation without leaving goroutines blocked.
func TestInOrder(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		var made, delivered atomic.Int64
		var got []int
		err := inOrder(context.Background(), workers, 200, func(i int) int {
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
		})
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
	err := inOrder(context.Background(), 4, 1000, func(i int) int { return i }, func(i, v int) error {
		n++
		if i == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 11 {
		t.Errorf("deliver error: err %v after %d deliveries", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = inOrder(ctx, 2, 1000, func(i int) int { return i }, func(i, v int) error {
		if n++; n == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > 5+3 {
		t.Errorf("cancelled: err %v after %d deliveries", err, n)
	}
	if err := inOrder(context.Background(), 2, 0, func(int) int { return 0 }, func(int, int) error { return errors.New("called") }); err != nil {
		t.Errorf("no work: %v", err)
	}
}

func TestHasFlag(t *testing.T) {
	for _, c := range []struct {
		flags, f string
		want     bool
	}{
		{"", "a", false}, {"a", "a", true}, {"ab", "a", false}, {"b;a", "a", true}, {"a;b", "b", true},
		{"weights.no_policy_row", "weights.no_policy_row", true}, {"x;weights.no_policy_row:2", "weights.no_policy_row", false},
		{";", "", true}, {"a;;b", "", true}, {"a;b", "", false},
	} {
		if got := hasFlag(c.flags, c.f); got != c.want {
			t.Errorf("hasFlag(%q, %q) = %v", c.flags, c.f, got)
		}
	}
}
