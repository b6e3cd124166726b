package report

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// The fixed sheets of a run workbook.
const (
	sheetSummary    = "Summary"
	sheetExceptions = "Exceptions"
	sheetRejected   = "Rejected rows"
)

// WriteRunWorkbook writes the workbook of run to path, atomically: a temporary file in the
// same folder, renamed into place once complete. Its sheets are Summary (first and active),
// one detail sheet per file kind present ("Payouts"), Exceptions and Rejected rows.
// Run.Items and Run.Exceptions are each read once; an error they yield aborts the write.
func WriteRunWorkbook(path string, run Run) error {
	err := writeAtomic(path, func(out *os.File) error {
		f := excelize.NewFile()
		defer f.Close()
		w := &workbook{f: f, run: run, listed: map[domain.Kind]*domain.Money{}, gaps: enkashGaps{}}
		if err := w.build(); err != nil {
			return err
		}
		if err := f.Write(out); err != nil {
			return fmt.Errorf("write workbook: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write run workbook %s: %w", path, err)
	}
	return nil
}

// workbook is one run workbook being built.
type workbook struct {
	f   *excelize.File
	st  *styles
	run Run

	kinds    *kindSheets
	rejected *tableSheet
	listed   map[domain.Kind]*domain.Money // the items written to a detail or rejected sheet, by kind
	gaps     enkashGaps                    // the bridge from the files' amounts to Enkash's
}

// build writes every sheet. Sheets are created first, in their final order; then the items
// are streamed (one pass, to the kind sheets and Rejected rows at once), then the exceptions,
// then the summary, which also checks the items listed against the tallies.
func (w *workbook) build() error {
	f, info := w.f, w.run.Info
	st, err := startBook(f, info.title(), "Enkash batch run report")
	if err != nil {
		return err
	}
	w.st = st
	kinds := presentKinds(w.run.Files)
	for _, k := range kinds {
		if _, err := f.NewSheet(kindSheetName(k)); err != nil {
			return fmt.Errorf("add sheet for %s: %w", k, err)
		}
	}
	for _, name := range []string{sheetExceptions, sheetRejected} {
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("add sheet %s: %w", name, err)
		}
	}
	w.kinds = &kindSheets{f: f, st: st, head: info.heading(), before: sheetExceptions}
	for _, k := range kinds {
		if _, err := w.kinds.get(k); err != nil {
			return err
		}
	}
	if w.rejected, err = newTableSheet(f, st, info.heading(), sheetRejected, rejectedColumns); err != nil {
		return err
	}
	if err := w.writeItems(); err != nil {
		return err
	}
	if err := w.kinds.close(); err != nil {
		return err
	}
	if err := w.rejected.close(); err != nil {
		return err
	}
	if err := w.writeExceptions(); err != nil {
		return err
	}
	if err := w.writeSummary(); err != nil {
		return err
	}
	if err := printTableTitles(f, st); err != nil {
		return err
	}
	// Summary is the first sheet and, as the new file's Sheet1 renamed, already the active
	// one. SetActiveSheet would parse every streamed sheet back into memory to mark it.
	return nil
}

// presentKinds returns the kinds of files, known kinds first in processing order, then any
// others by name.
func presentKinds(files []domain.FileSummary) []domain.Kind {
	var kinds []domain.Kind
	for _, fs := range files {
		if fs.Kind != "" && !slices.Contains(kinds, fs.Kind) {
			kinds = append(kinds, fs.Kind)
		}
	}
	slices.SortFunc(kinds, domain.CompareKinds)
	return kinds
}

// kindSheets holds the detail sheet of each kind of a workbook, started on demand.
type kindSheets struct {
	f    *excelize.File
	st   *styles
	head heading
	// before is the sheet in front of which the sheet of a kind is placed when it does not
	// exist yet (a kind that no file declared).
	before string
	sheets map[domain.Kind]*itemSheet
}

// get returns the detail sheet of kind k, starting it if needed.
func (ks *kindSheets) get(k domain.Kind) (*itemSheet, error) {
	if s, ok := ks.sheets[k]; ok {
		return s, nil
	}
	name := kindSheetName(k)
	if idx, err := ks.f.GetSheetIndex(name); err != nil {
		return nil, fmt.Errorf("find sheet %s: %w", name, err)
	} else if idx < 0 {
		if _, err := ks.f.NewSheet(name); err != nil {
			return nil, fmt.Errorf("add sheet for %s: %w", k, err)
		}
		if err := ks.f.MoveSheet(name, ks.before); err != nil {
			return nil, fmt.Errorf("place sheet %s: %w", name, err)
		}
	}
	l := layouts[k]
	t, err := newTableSheet(ks.f, ks.st, ks.head, name, itemColumns(l))
	if err != nil {
		return nil, err
	}
	s := &itemSheet{tableSheet: t, layout: l}
	if ks.sheets == nil {
		ks.sheets = make(map[domain.Kind]*itemSheet)
	}
	ks.sheets[k] = s
	return s, nil
}

// close ends every sheet, in sheet order. It runs once every sheet is in place: a filter is
// bound to its sheet's position.
func (ks *kindSheets) close() error {
	kinds := slices.SortedFunc(maps.Keys(ks.sheets), domain.CompareKinds)
	for _, k := range kinds {
		if err := ks.sheets[k].close(); err != nil {
			return err
		}
	}
	return nil
}

// writeItems streams every item: rejected ones to Rejected rows, the others to their kind's
// sheet.
func (w *workbook) writeItems() error {
	if w.run.Items == nil {
		return nil
	}
	for it, err := range withRecords(w.run.Items) {
		if err != nil {
			return fmt.Errorf("read items: %w", err)
		}
		if w.listed[it.Kind] == nil {
			w.listed[it.Kind] = &domain.Money{}
		}
		w.listed[it.Kind].Add(it.Amount)
		w.gaps.add(it.Item)
		if it.Status == domain.StatusRejected {
			if err := writeRejected(w.rejected, it.Item); err != nil {
				return err
			}
			continue
		}
		s, err := w.kinds.get(it.Kind)
		if err != nil {
			return err
		}
		if err := s.write(it); err != nil {
			return err
		}
	}
	return nil
}

// writeExceptions streams the Exceptions sheet.
func (w *workbook) writeExceptions() error {
	t, err := newTableSheet(w.f, w.st, w.run.Info.heading(), sheetExceptions, exceptionColumns)
	if err != nil {
		return err
	}
	if w.run.Exceptions != nil {
		info := w.run.Info
		now := info.FinishedAt
		if now.IsZero() {
			now = time.Now()
		}
		for e, err := range w.run.Exceptions {
			if err != nil {
				return fmt.Errorf("read exceptions: %w", err)
			}
			if _, _, err := writeException(t, ExceptionRow{Exception: e}, now, info.location()); err != nil {
				return err
			}
		}
	}
	return t.close()
}
