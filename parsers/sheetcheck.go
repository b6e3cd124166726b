package parsers

import (
	"archive/zip"
	"errors"
	"io"
	"math"
	"slices"
	"sync"
)

// errCheckStopped ends a sheet check whose file was closed before the check finished.
var errCheckStopped = errors.New("the sheet check was stopped")

// maxQueuedRows bounds the rows whose facts the check holds for the reader: past it the
// check waits for the reader, so that its memory does not grow with the sheet.
const maxQueuedRows = 1024

// sheetCheck runs the XML check of a sheet (checkXML), and of the shared strings before it,
// on a goroutine of its own while excelize reads the rows. The check costs about a sixth of
// excelize's reading; run beside it, it no longer adds to the file's time. A row is read only
// once the check has passed it (wait), so a broken or hostile sheet is refused before any row
// at or after its fault is read, and excelize, which stops without an error at broken XML,
// never decides alone where a sheet ends. The check hands the reader the facts of each row
// excelize's values lack (rowFacts: cell types and styles, formulas, hidden rows) and the
// sheet's hidden columns.
type sheetCheck struct {
	mu         sync.Mutex
	queue      []rowFacts // facts of rows passed and not yet taken, in row order
	passed     int        // every row numbered up to passed was checked; its facts are queued
	draining   bool       // the reader takes no more facts: keep none, never wait
	hiddenCols []colRange

	moved chan struct{} // poked, never blocking, when passed moves
	space chan struct{} // poked, never blocking, when the reader took facts
	done  chan struct{} // closed when the check has ended; err is set before
	stop  chan struct{} // closed to end the check early
	err   error
}

// startSheetCheck starts checking the sheet held in part.
func startSheetCheck(zr *zip.Reader, part string) *sheetCheck {
	c := &sheetCheck{moved: make(chan struct{}, 1), space: make(chan struct{}, 1),
		done: make(chan struct{}), stop: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.err = c.run(zr, part)
	}()
	return c
}

func (c *sheetCheck) run(zr *zip.Reader, part string) error {
	zf := findPart(zr, part)
	if zf == nil {
		return &FileError{Rule: "damaged_xlsx", Message: "the workbook is damaged: its sheet " + part + " is missing"}
	}
	if sst := findPart(zr, "xl/sharedStrings.xml"); sst != nil {
		if _, err := checkPart(sst, false, c.stop, nil); err != nil {
			return err
		}
	}
	facts, err := checkPart(zf, true, c.stop, c.rowStarted)
	if err != nil {
		return err
	}
	c.publish(math.MaxInt, &facts.last, nil)
	return nil
}

// rowStarted hands on the facts of the row before row and waits while the reader is far
// behind.
func (c *sheetCheck) rowStarted(row int, done *rowFacts, hiddenCols []colRange) {
	if !c.publish(row-1, done, hiddenCols) {
		return
	}
	for {
		select {
		case <-c.space:
		case <-c.stop:
			return
		}
		c.mu.Lock()
		full := len(c.queue) >= maxQueuedRows && !c.draining
		c.mu.Unlock()
		if !full {
			return
		}
	}
}

// publish queues the facts of a finished row and moves passed; it reports whether the queue
// is full.
func (c *sheetCheck) publish(passed int, done *rowFacts, hiddenCols []colRange) (full bool) {
	c.mu.Lock()
	if c.hiddenCols == nil && len(hiddenCols) > 0 {
		c.hiddenCols = slices.Clone(hiddenCols)
	}
	if done.row > 0 && (done.hidden || len(done.cells) > 0) && !c.draining {
		c.queue = append(c.queue, rowFacts{row: done.row, hidden: done.hidden, cells: slices.Clone(done.cells)})
	}
	c.passed = passed
	full = len(c.queue) >= maxQueuedRows && !c.draining
	c.mu.Unlock()
	poke(c.moved)
	return full
}

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// take removes from the queue the facts of rows before n and returns those of row n.
// c.mu is held.
func (c *sheetCheck) take(n int) rowFacts {
	k := 0
	for k < len(c.queue) && c.queue[k].row < n {
		k++
	}
	var f rowFacts
	if k < len(c.queue) && c.queue[k].row == n {
		f = c.queue[k]
		k++
	}
	if k > 0 {
		c.queue = c.queue[k:]
	}
	return f
}

// wait blocks until the check has passed sheet row n or ended. It returns the facts of row n
// (row 0 when the row holds only text), or the check's error.
func (c *sheetCheck) wait(n int) (rowFacts, error) {
	for {
		c.mu.Lock()
		f := c.take(n)
		passed := c.passed
		c.mu.Unlock()
		poke(c.space)
		if passed >= n {
			return f, nil
		}
		select {
		case <-c.moved:
		case <-c.done:
			if c.err != nil {
				return rowFacts{}, c.err
			}
		}
	}
}

// hiddenColumns returns the sheet's hidden column ranges, as far as the check has read; once
// the first row has passed, they are all known.
func (c *sheetCheck) hiddenColumns() []colRange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hiddenCols
}

// result waits for the end of the check and returns its error. The reader takes no more
// facts after it.
func (c *sheetCheck) result() error {
	c.mu.Lock()
	c.draining, c.queue = true, nil
	c.mu.Unlock()
	poke(c.space)
	<-c.done
	return c.err
}

// cancel stops the check and waits for its goroutine to end.
func (c *sheetCheck) cancel() {
	close(c.stop)
	<-c.done
}

// stopReader reads r until stop is closed.
type stopReader struct {
	r    io.Reader
	stop <-chan struct{}
}

func (s stopReader) Read(p []byte) (int, error) {
	select {
	case <-s.stop:
		return 0, errCheckStopped
	default:
		return s.r.Read(p)
	}
}
