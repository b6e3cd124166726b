// Package ahead runs a step of a pipeline on a goroutine of its own, a bounded number of
// values ahead of the step that consumes them.
package ahead

import (
	"context"
	"iter"
	"sync"
)

// Rows is how many values may wait for the caller: enough to keep both busy, few enough that
// memory stays flat whatever the input's size. They are handed over in chunks of Chunk
// values, so that the two goroutines meet once a chunk and not once a value.
const (
	Rows  = 512
	Chunk = 64
)

// Seq runs rows (a step of a pipeline: parsing, encoding, decoding) on a goroutine of its own
// while the caller works on what it yielded, so that the whole costs about its slowest step
// rather than the sum of its steps. Stopping the loop early stops the step too, and waits for
// it; a step cut short by ctx's cancellation ends with ctx's error.
func Seq[T any](ctx context.Context, rows iter.Seq2[T, error]) iter.Seq2[T, error] {
	type chunk struct {
		rows []T
		err  error // after the rows
	}
	return func(yield func(T, error) bool) {
		ch := make(chan chunk, Rows/Chunk-1)
		// Chunks the caller is done with go back to the step, which fills them again: the
		// values are copied out as they are yielded, and a chunk is cleared before it returns.
		free := make(chan []T, Rows/Chunk+1)
		fresh := func() []T {
			select {
			case buf := <-free:
				return buf
			default:
				return make([]T, 0, Chunk)
			}
		}
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(ch)
			send := func(c chunk) bool {
				select {
				case ch <- c:
					return true
				case <-done:
				case <-ctx.Done():
				}
				return false
			}
			c := chunk{rows: fresh()}
			for row, err := range rows {
				if err != nil {
					c.err = err
					send(c)
					return
				}
				if c.rows = append(c.rows, row); len(c.rows) == Chunk {
					if !send(c) {
						return
					}
					c = chunk{rows: fresh()}
				}
			}
			send(c)
		}()
		// However the loop ends, the parser is stopped and waited for: the reader it uses is
		// closed by the caller right after.
		defer wg.Wait()
		defer close(done)
		for c := range ch {
			for _, row := range c.rows {
				if !yield(row, nil) {
					return
				}
			}
			clear(c.rows)
			select {
			case free <- c.rows[:0]:
			default:
			}
			if c.err != nil {
				var zero T
				yield(zero, c.err)
				return
			}
		}
		// A parser stopped by cancellation ends the rows early: say so, so that the caller
		// never records part of a file as the whole of it.
		if err := ctx.Err(); err != nil {
			var zero T
			yield(zero, err)
		}
	}
}
