package parsers

import (
	"archive/zip"
	"errors"
	"io"
	"sync/atomic"
)

// errCheckStopped ends a sheet check whose file was closed before the check finished.
var errCheckStopped = errors.New("the sheet check was stopped")

// sheetCheck runs the XML check of a sheet (checkXML), and of the shared strings before it,
// on a goroutine of its own while excelize reads the rows. The check costs about a sixth of
// excelize's reading; run beside it, it no longer adds to the file's time. A row is read only
// once the check has passed it (wait), so a broken or hostile sheet is refused before any row
// at or after its fault is read, and excelize, which stops without an error at broken XML,
// never decides alone where a sheet ends.
type sheetCheck struct {
	passed   atomic.Int64  // every row numbered up to passed was checked and holds no formula
	moved    chan struct{} // poked, never blocking, when passed moves
	done     chan struct{} // closed when the check has ended; err and formulas are set before
	stop     chan struct{} // closed to end the check early
	err      error
	formulas map[int][]int // sheet row number -> 0-based columns with a formula and no value
}

// startSheetCheck starts checking the sheet held in part.
func startSheetCheck(zr *zip.Reader, part string) *sheetCheck {
	c := &sheetCheck{moved: make(chan struct{}, 1), done: make(chan struct{}), stop: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.formulas, c.err = c.run(zr, part)
	}()
	return c
}

func (c *sheetCheck) run(zr *zip.Reader, part string) (map[int][]int, error) {
	zf := findPart(zr, part)
	if zf == nil {
		return nil, &FileError{Rule: "damaged_xlsx", Message: "the workbook is damaged: its sheet " + part + " is missing"}
	}
	if sst := findPart(zr, "xl/sharedStrings.xml"); sst != nil {
		if _, err := checkPart(sst, false, c.stop, nil); err != nil {
			return nil, err
		}
	}
	// Rows are passed in order only. From a row numbered out of order, or from the first
	// formula on, rows wait for the end of the check (and of the formula scan).
	last, inOrder := 0, true
	facts, err := checkPart(zf, true, c.stop, func(row int, formulas bool) {
		if inOrder = inOrder && row > last && !formulas; inOrder {
			last = row
			c.passed.Store(int64(row - 1))
			select {
			case c.moved <- struct{}{}:
			default:
			}
		}
	})
	if err != nil || !facts.formulas {
		return nil, err
	}
	return scanFormulas(zf, c.stop)
}

// wait blocks until the check has passed sheet row n or ended. It returns the columns of row
// n that hold a formula with no saved value, or the check's error.
func (c *sheetCheck) wait(n int) ([]int, error) {
	for c.passed.Load() < int64(n) {
		select {
		case <-c.moved:
		case <-c.done:
			if c.err != nil {
				return nil, c.err
			}
			return c.formulas[n], nil
		}
	}
	return nil, nil
}

// result waits for the end of the check and returns its error.
func (c *sheetCheck) result() error {
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
