package jobs

import (
	"context"
	"errors"
	"testing"

	"enkashbatch/parsers"
)

// TestReadAhead_CancelEndsWithError: rows cut short by cancellation end with an error, so a
// file is never recorded in part.
func TestReadAhead_CancelEndsWithError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endless := func(yield func(parsers.Row, error) bool) {
		for i := 1; ; i++ {
			if !yield(parsers.Row{Line: i}, nil) {
				return
			}
		}
	}
	var n int
	var last error
	for _, err := range readAhead(ctx, endless) {
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

// TestReadAhead_KeepsOrderAndStopsEarly: rows come in order; leaving the loop stops the parser.
func TestReadAhead_KeepsOrderAndStopsEarly(t *testing.T) {
	stopped := make(chan struct{})
	rows := func(yield func(parsers.Row, error) bool) {
		defer close(stopped)
		for i := 1; i <= 100_000; i++ {
			if !yield(parsers.Row{Line: i}, nil) {
				return
			}
		}
	}
	want := 1
	for row, err := range readAhead(context.Background(), rows) {
		if err != nil || row.Line != want {
			t.Fatalf("row %d, %v; want line %d", row.Line, err, want)
		}
		if want++; want > 2000 {
			break
		}
	}
	<-stopped // the parser goroutine has finished: readAhead waited for it
}
