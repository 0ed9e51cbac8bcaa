// Package ordered runs numbered pieces of work on a bounded pool of goroutines and hands their
// results on in number order: the readers decode Parquet row groups this way, and the pipeline
// decides shards of entities this way, with the rows still coming out in file and output order.
package ordered

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Do runs work(ctx, 0), ..., work(ctx, n-1) on at most workers goroutines (errgroup +
// SetLimit) and hands each result to deliver in order 0, 1, 2, ..., from the calling
// goroutine, with at most workers+1 results made and not yet delivered. It stops at the first
// error of deliver or of ctx, and returns it; the ctx given to work is then cancelled, and
// results made but never delivered go to discard (when not nil), so they can be released.
// With workers = 1 it is the same code path with a limit of one.
func Do[T any](ctx context.Context, workers, n int, work func(ctx context.Context, i int) T, deliver func(i int, v T) error, discard func(T)) error {
	workers = max(workers, 1)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan T, n)
	for i := range results {
		results[i] = make(chan T, 1)
	}
	tokens := make(chan struct{}, workers+1) // one per result made and not yet delivered
	var g errgroup.Group
	g.SetLimit(workers)
	launched := make(chan struct{})
	go func() {
		defer close(launched)
		for i := range n {
			select {
			case tokens <- struct{}{}:
			case <-wctx.Done():
				return
			}
			if wctx.Err() != nil {
				return
			}
			g.Go(func() error {
				results[i] <- work(wctx, i)
				return nil
			})
		}
	}()
	var err error
	for i := 0; i < n && err == nil; i++ {
		select {
		case v := <-results[i]:
			err = deliver(i, v)
			<-tokens
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	cancel()
	<-launched
	g.Wait()
	if discard != nil {
		for _, ch := range results {
			select {
			case v := <-ch:
				discard(v)
			default:
			}
		}
	}
	if err != nil {
		return err
	}
	return ctx.Err()
}
