package xlsxcheck

import (
	"archive/zip"
	"errors"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"
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

// SheetCheck runs the XML check of a sheet (checkXML), and of the shared strings before it,
// on a goroutine of its own while excelize reads the rows. The check costs about a sixth of
// excelize's reading; run beside it, it no longer adds to the file's time. A row is read only
// once the check has passed it (wait), so a broken or hostile sheet is refused before any row
// at or after its fault is read, and excelize, which stops without an error at broken XML,
// never decides alone where a sheet ends. The check hands the reader the facts of each row
// excelize's values lack (RowFacts: cell types and styles, formulas, hidden rows) and the
// sheet's hidden columns.
type SheetCheck struct {
	mu         sync.Mutex
	queue      []RowFacts // facts of rows passed and not yet taken, in row order
	passed     int        // every row numbered up to passed was checked; its facts are queued
	draining   bool       // the reader takes no more facts: keep none, never wait
	hiddenCols []ColRange

	moved chan struct{} // poked, never blocking, when passed moves
	space chan struct{} // poked, never blocking, when the reader took facts
	done  chan struct{} // closed when the check has ended; err is set before
	stop  chan struct{} // closed to end the check early
	err   error
}

// StartSheetCheck starts checking the sheet held in part.
func StartSheetCheck(zr *zip.Reader, part string) *SheetCheck {
	c := &SheetCheck{moved: make(chan struct{}, 1), space: make(chan struct{}, 1),
		done: make(chan struct{}), stop: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.err = c.run(zr, part)
	}()
	return c
}

func (c *SheetCheck) run(zr *zip.Reader, part string) error {
	zf := FindPart(zr, part)
	if zf == nil {
		return &Problem{Rule: "damaged_xlsx", Message: "the workbook is damaged: its sheet " + part + " is missing"}
	}
	if sst := FindPart(zr, "xl/sharedStrings.xml"); sst != nil {
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
func (c *SheetCheck) rowStarted(row int, done *RowFacts, hiddenCols []ColRange) {
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
func (c *SheetCheck) publish(passed int, done *RowFacts, hiddenCols []ColRange) (full bool) {
	c.mu.Lock()
	if c.hiddenCols == nil && len(hiddenCols) > 0 {
		c.hiddenCols = slices.Clone(hiddenCols)
	}
	if done.Row > 0 && (done.Hidden || len(done.Cells) > 0) && !c.draining {
		c.queue = append(c.queue, RowFacts{Row: done.Row, Hidden: done.Hidden, Cells: slices.Clone(done.Cells)})
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
func (c *SheetCheck) take(n int) RowFacts {
	k := 0
	for k < len(c.queue) && c.queue[k].Row < n {
		k++
	}
	var f RowFacts
	if k < len(c.queue) && c.queue[k].Row == n {
		f = c.queue[k]
		k++
	}
	if k > 0 {
		c.queue = c.queue[k:]
	}
	return f
}

// Wait blocks until the check has passed sheet row n or ended. It returns the facts of row n
// (row 0 when the row holds only text), or the check's error.
func (c *SheetCheck) Wait(n int) (RowFacts, error) {
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
				return RowFacts{}, c.err
			}
		}
	}
}

// HiddenColumns returns the sheet's hidden column ranges, as far as the check has read; once
// the first row has passed, they are all known.
func (c *SheetCheck) HiddenColumns() []ColRange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hiddenCols
}

// Result waits for the end of the check and returns its error. The reader takes no more
// facts after it.
func (c *SheetCheck) Result() error {
	c.mu.Lock()
	c.draining, c.queue = true, nil
	c.mu.Unlock()
	poke(c.space)
	<-c.done
	return c.err
}

// Cancel stops the check and waits for its goroutine to end.
func (c *SheetCheck) Cancel() {
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

// checkPart runs checkXML over one part of the workbook, until stop is closed, calling
// rowStarted as the rows of a sheet start, and words what it finds for a finance user.
func checkPart(zf *zip.File, sheet bool, stop <-chan struct{}, rowStarted func(row int, done *RowFacts, hiddenCols []ColRange)) (xmlFacts, error) {
	rc, err := zf.Open()
	if err != nil {
		return xmlFacts{}, &Problem{Rule: "damaged_xlsx", Message: "the workbook is damaged: " + err.Error()}
	}
	defer rc.Close()
	facts, err := checkXML(stopReader{rc, stop}, sheet, rowStarted)
	if err == nil {
		return facts, nil
	}
	where := "its shared text (xl/sharedStrings.xml)"
	if sheet {
		where = "its sheet"
	}
	var p *xmlProblem
	if !errors.As(err, &p) {
		// A read error: the zip entry is corrupt, or inflates past its declared size.
		return facts, &Problem{Rule: "damaged_xlsx", Message: "the workbook is damaged or incomplete (" + where + ": " + err.Error() + "); save it again from Excel or LibreOffice"}
	}
	after := ""
	if sheet && p.row > 0 {
		after = fmt.Sprintf(" (after row %d)", p.row)
	}
	switch p.rule {
	case "formula_without_value":
		return facts, &Problem{Rule: p.rule, Message: fmt.Sprintf(
			"more than %d cells hold formulas whose results were not saved; open the file in Excel or LibreOffice and save it, or paste values instead", maxFormulaCells)}
	case "too_many_columns":
		col := strconv.Itoa(p.col)
		if name, err := excelize.ColumnNumberToName(p.col); err == nil {
			col = name
		}
		return facts, &Problem{Line: p.row, Rule: p.rule, Message: fmt.Sprintf(
			"row %d has a cell in column %s, beyond the %d columns that are read; delete the columns after the last one you use",
			p.row, col, MaxColumns)}
	case "cell_too_large":
		at := ""
		if sheet && p.row > 0 {
			at = fmt.Sprintf(" at row %d", p.row)
		}
		return facts, &Problem{Line: p.row, Rule: p.rule, Message: fmt.Sprintf(
			"%s holds %s%s; no payment detail is that long: look for text pasted by mistake, delete it and save the file again",
			where, p.detail, at)}
	}
	return facts, &Problem{Rule: "damaged_xlsx", Message: fmt.Sprintf(
		"the workbook is damaged: the XML of %s is broken%s: %s; save it again from Excel or LibreOffice", where, after, p.detail)}
}
