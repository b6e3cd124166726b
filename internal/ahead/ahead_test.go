package ahead_test

import (
	"context"
	"errors"
	"testing"

	"enkashbatch/internal/ahead"
)

// TestSeq_CancelEndsWithError: rows cut short by cancellation end with an error, so a
// file is never recorded in part.
func TestSeq_CancelEndsWithError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endless := func(yield func(int, error) bool) {
		for i := 1; ; i++ {
			if !yield(i, nil) {
				return
			}
		}
	}
	var n int
	var last error
	for _, err := range ahead.Seq(ctx, endless) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 1000 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("after cancellation the rows ended with %v, want context.Canceled", last)
	}
}

// TestSeq_KeepsOrderAndStopsEarly: rows come in order; leaving the loop stops the parser.
func TestSeq_KeepsOrderAndStopsEarly(t *testing.T) {
	stopped := make(chan struct{})
	rows := func(yield func(int, error) bool) {
		defer close(stopped)
		for i := 1; i <= 100_000; i++ {
			if !yield(i, nil) {
				return
			}
		}
	}
	want := 1
	for row, err := range ahead.Seq(context.Background(), rows) {
		if err != nil || row != want {
			t.Fatalf("row %d, %v; want %d", row, err, want)
		}
		if want++; want > 2000 {
			break
		}
	}
	<-stopped // the step's goroutine has finished: Seq waited for it
}
