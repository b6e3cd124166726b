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
// whatever they begin with ("=", "+", "-", "@"); in the CSV twins such text gets a leading
// single quote (csvText).
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

// heading returns what heads every sheet of the run's workbook.
func (i RunInfo) heading() heading { return heading{title: i.title(), sandbox: i.Sandbox} }

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
	var p pendingFiles
	defer func() {
		if err != nil {
			p.abort()
		}
	}()
	tmp, err := p.create(path)
	if err != nil {
		return err
	}
	if err = write(tmp); err != nil {
		return err
	}
	return p.commit()
}

// pendingFiles is a set of files being written as temporary files beside their final paths.
// commit puts them all in place; abort removes whatever is left of them.
type pendingFiles struct {
	files []pendingFile
}

// pendingFile is one temporary file and the path it is renamed to.
type pendingFile struct {
	tmp  *os.File
	path string
}

// create opens a temporary file in the folder of path, to be renamed to path by commit.
func (p *pendingFiles) create(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create temporary file: %w", err)
	}
	p.files = append(p.files, pendingFile{tmp: tmp, path: path})
	return tmp, nil
}

// commit syncs and closes every file, then renames each into place in the order they were
// created, so that the last one's presence says the others are complete. On an error the
// files not yet renamed are left for abort.
func (p *pendingFiles) commit() error {
	for _, pf := range p.files {
		if err := pf.tmp.Chmod(0o644); err != nil {
			return fmt.Errorf("set permissions: %w", err)
		}
		if err := pf.tmp.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", pf.tmp.Name(), err)
		}
		if err := pf.tmp.Close(); err != nil {
			return fmt.Errorf("close %s: %w", pf.tmp.Name(), err)
		}
	}
	dirs := map[string]bool{}
	for len(p.files) > 0 {
		pf := p.files[0]
		if err := os.Rename(pf.tmp.Name(), pf.path); err != nil {
			return fmt.Errorf("rename into place: %w", err)
		}
		p.files = p.files[1:]
		dirs[filepath.Dir(pf.path)] = true
	}
	// Make the renames themselves durable; a folder that cannot be synced is not an error
	// worth losing a finished report over on file systems that refuse it.
	for dir := range dirs {
		if d, err := os.Open(dir); err == nil {
			_ = d.Sync()
			_ = d.Close()
		}
	}
	return nil
}

// abort closes and removes every file not yet renamed into place.
func (p *pendingFiles) abort() {
	for _, pf := range p.files {
		_ = pf.tmp.Close()
		_ = os.Remove(pf.tmp.Name())
	}
	p.files = nil
}
