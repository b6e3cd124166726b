// Package report writes what accountants and finance users open: the XLSX workbook of a run
// (summary with the conservation line, one detail sheet per file kind, exceptions, rejected
// rows) and the fix-and-redrop files of rejected rows.
//
// It knows nothing of the ledger or of Enkash. It receives domain values and iterators and
// streams them into files with one excelize StreamWriter per sheet, so a run of 100k items
// never needs the memory of 100k items. Every file is written atomically: a temporary file in
// the destination folder, then a rename.
//
// Values that came from an input file are always written as text cells, never as formulas,
// whatever they begin with ("=", "+", "-", "@").
package report

import (
	"fmt"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"enkashbatch/domain"
)

// RunInfo describes the run a workbook reports on.
type RunInfo struct {
	// ID is the run's number in the ledger.
	ID int64
	// StartedAt and FinishedAt bound the run; a zero FinishedAt shows as "not finished".
	StartedAt, FinishedAt time.Time
	// Sandbox marks a run against the built-in Enkash simulator: when true, every sheet and
	// the workbook title say SANDBOX.
	Sandbox bool
	// Endpoint is the Enkash base URL shown in the summary. Any user information or query in
	// it is dropped before it is written.
	Endpoint string
	// Location is the time zone every date and time is shown in; nil means time.Local.
	Location *time.Location
}

// Run is everything a run workbook shows.
type Run struct {
	// Info describes the run.
	Info RunInfo
	// Files holds one conservation line per input file of the run.
	Files []domain.FileSummary
	// Items yields every item of the run's files, in any status (rejected ones too). It is
	// read once, as a stream.
	Items iter.Seq2[domain.Item, error]
	// Exceptions yields the exceptions to show, in the order they are to be listed (open ones
	// first, if the caller wants them so). It is read once, as a stream.
	Exceptions iter.Seq2[domain.Exception, error]
}

// title is the run's name as it heads the workbook and every sheet.
func (i RunInfo) title() string {
	t := fmt.Sprintf("Enkash batch run #%d", i.ID)
	if i.Sandbox {
		t += " — SANDBOX"
	}
	return t
}

// location returns the zone times are shown in.
func (i RunInfo) location() *time.Location {
	if i.Location != nil {
		return i.Location
	}
	return time.Local
}

// safeEndpoint returns u without user information, query or fragment, so that no credential
// written into a URL ever reaches a report.
func safeEndpoint(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparseable URL)"
	}
	p.User, p.RawQuery, p.ForceQuery, p.Fragment, p.RawFragment = nil, "", false, "", ""
	return p.String()
}

// writeAtomic creates path by letting write fill a temporary file in the same folder, syncing
// it and renaming it into place. On any error the temporary file is removed and path is left
// as it was.
func writeAtomic(path string, write func(f *os.File) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("set permissions: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	// Make the rename itself durable; a folder that cannot be synced is not an error worth
	// losing a finished report over on file systems that refuse it.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
