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
	running := start(wctx, workers, n, tokens, func(i int) { results[i] <- work(wctx, i) })
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
	running.wait()
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

// Stream is Do for work that makes its result a piece at a time: produce(ctx, i, send) sends
// the items of piece i, and deliver gets them in piece order and, within a piece, in the order
// sent. A piece's producer is at most ahead items in front of its delivery (send blocks), and
// at most workers+1 pieces are begun and not wholly delivered, so no more than
// (workers+1)*(ahead+1) items are ever made and not delivered, however large a piece is. The
// readers decode Parquet row groups this way: a row group's record batches reach the rows
// while the rest of it is still being decoded, instead of the whole row group being held.
//
// An error from produce is returned once the items it sent before it are delivered. Stream
// stops at the first error of produce, deliver or ctx; send then returns the ctx error (the
// item not sent goes to discard), and items sent and never delivered go to discard (when not
// nil). With workers = 1 it is the same code path with a limit of one.
func Stream[T any](ctx context.Context, workers, n, ahead int, produce func(ctx context.Context, i int, send func(T) error) error, deliver func(i int, v T) error, discard func(T)) error {
	workers, ahead = max(workers, 1), max(ahead, 1)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type piece struct {
		items chan T
		err   error // produce's, set before items is closed
	}
	pieces := make([]piece, n)
	for i := range pieces {
		pieces[i].items = make(chan T, ahead)
	}
	tokens := make(chan struct{}, workers+1) // one per piece begun and not wholly delivered
	running := start(wctx, workers, n, tokens, func(i int) {
		p := &pieces[i]
		defer close(p.items)
		p.err = produce(wctx, i, func(v T) error {
			select {
			case p.items <- v:
				return nil
			case <-wctx.Done():
				if discard != nil {
					discard(v)
				}
				return wctx.Err()
			}
		})
	})
	var err error
	for i := 0; i < n && err == nil; i++ {
		p := &pieces[i]
		began := false // an item of piece i, or its end, came: its token was taken
		for done := false; !done && err == nil; {
			select {
			case v, ok := <-p.items:
				began = true
				if !ok {
					err, done = p.err, true
					continue
				}
				err = deliver(i, v)
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		if began {
			<-tokens
		}
	}
	cancel()
	running.wait()
	if discard != nil {
		for i := range pieces {
			for drained := false; !drained; {
				select {
				case v, ok := <-pieces[i].items:
					if ok {
						discard(v)
					} else {
						drained = true
					}
				default:
					drained = true
				}
			}
		}
	}
	if err != nil {
		return err
	}
	return ctx.Err()
}

// pool is the pieces of work start has begun.
type pool struct {
	g        errgroup.Group
	launched chan struct{} // closed when no more pieces will begin
}

// start begins run(0), ..., run(n-1), in order, each on a goroutine of its own with at most
// workers running at once (errgroup + SetLimit), and each only once it has put a token in
// tokens (the caller takes one back for each piece it is done with), until ctx ends.
func start(ctx context.Context, workers, n int, tokens chan<- struct{}, run func(i int)) *pool {
	p := &pool{launched: make(chan struct{})}
	p.g.SetLimit(workers)
	go func() {
		defer close(p.launched)
		for i := range n {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			if ctx.Err() != nil {
				return
			}
			p.g.Go(func() error {
				run(i)
				return nil
			})
		}
	}()
	return p
}

// wait waits until no more pieces will begin and those begun have returned.
func (p *pool) wait() {
	<-p.launched
	p.g.Wait()
}
