package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"enkashbatch/domain"
	"enkashbatch/internal/ahead"
	"enkashbatch/ledger"
	"enkashbatch/parsers"
)

// The data folder's sub-folders (README, "Configuration", --home).
const (
	dirInbox      = "inbox"
	dirProcessing = "processing"
	dirArchive    = "archive"
	dirRejected   = "rejected"
	dirReports    = "reports"
)

// EnsureHome creates the data folder and its sub-folders, one inbox folder per kind.
func EnsureHome(home string) error {
	dirs := []string{dirProcessing, dirArchive, dirRejected, dirReports}
	for _, k := range domain.Kinds {
		dirs = append(dirs, filepath.Join(dirInbox, string(k)))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
			return fmt.Errorf("create data folder: %w", err)
		}
	}
	return nil
}

// FileOutcome is what ingest did with one file.
type FileOutcome struct {
	Name   string
	Kind   domain.Kind
	Status string // accepted, rejected or duplicate
	Rows   int
	Valid  int
	Note   string // why a file was rejected or is a duplicate
	Owner  string // the user name owning the file when it was taken: its maker, for approvals
}

// FileHeld is the status of a file put back in the inbox because it changed while it was
// being read: it is taken again once it stops changing.
const FileHeld = "held"

// Ingest records every complete file of the inbox in the ledger: first any file an
// interrupted run left in processing/, then the inbox in name order. A file that changed
// within the settle interval is waited for, once, at most that long; a file that is still
// changing or looks unfinished is held back in the inbox (InboxWaiting lists it). Accepted
// files move to archive/; unusable and duplicate files, and entries that are not regular
// files, to rejected/ with a note beside them.
func (p *Pipeline) Ingest(ctx context.Context, runID int64) ([]FileOutcome, error) {
	if err := EnsureHome(p.cfg.Home); err != nil {
		return nil, err
	}
	// A one-shot look has no earlier scan to compare with: modification times stand in.
	w := NewWatcher(p.cfg.Home, 0, p.cfg.Inbox, time.Now)
	w.trustMtime = true
	res, err := w.scan()
	if err != nil {
		return nil, err
	}
	if !res.settleBy.IsZero() {
		if err := Sleep(ctx, min(time.Until(res.settleBy), p.cfg.Inbox.Settle)); err != nil {
			return nil, stopFor(err)
		}
		if res, err = w.scan(); err != nil {
			return nil, err
		}
	}
	for _, h := range res.waiting {
		p.log.Info("file held back", "file", h.Path, "reason", h.Reason)
	}
	return p.ingestScan(ctx, runID, res.ready, res.odd)
}

// Sleep waits d, or until ctx is done, and returns ctx.Err() when it is.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ingestScan takes, in order, what an interrupted run left in processing/, the entries to set
// aside and the ready files, and removes the ".done" marker of each file taken.
func (p *Pipeline) ingestScan(ctx context.Context, runID int64, ready, odd []inboxFile) ([]FileOutcome, error) {
	if err := p.injected(StepIngest); err != nil {
		return nil, err
	}
	left, err := listFolder(filepath.Join(p.cfg.Home, dirProcessing), p.cfg.Inbox.FollowSymlinks)
	if err != nil {
		return nil, err
	}
	inbox := filepath.Join(p.cfg.Home, dirInbox)
	for i, f := range left.files {
		// A leftover's marker stayed in the inbox.
		left.files[i].marker = filepath.Join(inbox, string(f.kind), filepath.Base(f.path)) + DoneSuffix
	}
	files := slices.Concat(left.odd, left.files, odd, ready)
	var out []FileOutcome
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return out, stopFor(err)
		}
		var o FileOutcome
		if f.odd != "" {
			o, err = p.setAside(ctx, runID, f)
		} else {
			o, err = p.ingestFile(ctx, runID, f)
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return out, stopFor(cerr)
			}
			return out, err
		}
		if f.marker != "" {
			if err := os.Remove(f.marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return out, fmt.Errorf("remove the marker of %s: %w", filepath.Base(f.path), err)
			}
		}
		if o.Name != "" {
			out = append(out, o)
		}
	}
	return out, p.afterIngest(ctx, runID, out)
}

// ignored reports whether a file in the inbox is not (yet) a finance file: hidden files,
// Office lock files, partial downloads, completion markers and our own notes.
func ignored(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") ||
		strings.HasSuffix(lower, ".tmp") || strings.HasSuffix(lower, ".part") ||
		strings.HasSuffix(lower, ".crdownload") || strings.HasSuffix(lower, ".reason.txt") ||
		strings.HasSuffix(lower, ".done") // a completion marker (see Watcher), not a file
}

// errChanged says a file changed while it was being read.
var errChanged = errors.New("the file changed while it was being read")

// setAside moves an entry that is not a regular file to rejected/, unopened, with a note, and
// records it. An entry that cannot be moved is reported and left where it is.
func (p *Pipeline) setAside(ctx context.Context, runID int64, f inboxFile) (FileOutcome, error) {
	name := filepath.Base(f.path)
	kind := f.kind
	if kind == "" {
		kind = guessKind(name)
	}
	note := fmt.Sprintf("%s is %s, not a CSV or XLSX file: it was set aside without being opened. "+
		"Put the file itself (not a link, a folder or a pipe) in the inbox.", name, f.odd)
	o := FileOutcome{Name: name, Kind: kind, Status: ledger.FileRejected, Note: note}
	if err := p.moveTo(f.path, dirRejected, note); err != nil {
		o.Note += " It could not be moved away: " + err.Error()
		p.log.Warn("entry not set aside", "file", name, "reason", f.odd, "err", err)
		return o, nil
	}
	summary := domain.FileSummary{Name: name, Kind: kind, Status: ledger.FileRejected}
	exc := domain.Exception{Category: domain.CategoryRejectedRow, Kind: kind, File: name,
		Expected: "a regular CSV or XLSX file", Actual: f.odd, Detail: note}
	if _, err := p.ledger.RecordUnprocessedFile(ctx, runID, summary, note, exc); err != nil {
		return FileOutcome{}, err
	}
	p.log.Warn("entry set aside", "file", name, "reason", f.odd)
	return o, nil
}

// ingestFile moves one file to processing/, records it, and moves it on. It reads the file
// through one descriptor opened without following links or blocking, and puts the file back
// in the inbox, unrecorded, if its size or time changed since it was listed or while it was
// read.
func (p *Pipeline) ingestFile(ctx context.Context, runID int64, f inboxFile) (FileOutcome, error) {
	name := filepath.Base(f.path)
	work := filepath.Join(p.cfg.Home, dirProcessing, string(f.kind), name)
	home := f.path // where the file goes back to if it is still being written
	if f.path != work {
		if err := os.MkdirAll(filepath.Dir(work), 0o755); err != nil {
			return FileOutcome{}, fmt.Errorf("ingest %s: %w", name, err)
		}
		if err := os.Rename(f.path, work); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return FileOutcome{}, nil // taken by another process, or removed
			}
			return FileOutcome{}, fmt.Errorf("ingest %s: move to processing: %w", name, err)
		}
	} else {
		home = filepath.Join(p.cfg.Home, dirInbox, string(f.kind), name)
	}
	fh, before, err := openRegular(work, f.info, p.cfg.Inbox.FollowSymlinks)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return FileOutcome{}, nil
	case errors.Is(err, errNotRegular):
		f.path, f.odd = work, "no longer the regular file it was when it was listed"
		return p.setAside(ctx, runID, f)
	case err != nil:
		return FileOutcome{}, fmt.Errorf("ingest %s: %w", name, err)
	}
	defer fh.Close()
	unchanged := func() error {
		now, err := fh.Stat()
		if err != nil {
			return fmt.Errorf("ingest %s: %w", name, err)
		}
		if changed(before, now) {
			return errChanged
		}
		return nil
	}
	if f.info != nil && changed(f.info, before) {
		return p.putBack(work, home, f.kind)
	}
	sum, err := hashFile(ctx, fh)
	if err != nil {
		return FileOutcome{}, fmt.Errorf("ingest %s: %w", name, err)
	}
	if err := unchanged(); errors.Is(err, errChanged) {
		return p.putBack(work, home, f.kind)
	} else if err != nil {
		return FileOutcome{}, err
	}
	summary := domain.FileSummary{Name: name, Kind: f.kind, SHA256: sum}
	if f.reject != nil {
		return p.rejectFile(ctx, runID, work, summary, f.reject)
	}
	prior, seen, err := p.ledger.AcceptedFile(ctx, sum)
	if err != nil {
		return FileOutcome{}, err
	}
	if seen && prior.Name == name && f.path == work {
		// Recorded by a run that stopped before moving the file on.
		return FileOutcome{Name: name, Kind: prior.Kind, Status: ledger.FileAccepted, Note: "recorded by an earlier run"}, p.moveTo(work, dirArchive, "")
	}
	if seen {
		summary.Kind, summary.Status = prior.Kind, ledger.FileDuplicate
		note := fmt.Sprintf("This file's content was already processed as %s on %s; it was not processed again.", prior.Name, prior.ReceivedAt.Format("02-01-2006 15:04 MST"))
		exc := domain.Exception{Category: domain.CategoryDuplicateFile, Kind: prior.Kind, File: name, Reference: sum[:12],
			Expected: "new content", Actual: "same as " + prior.Name, Detail: note + " (dropped again at " + p.cfg.Now().UTC().Format("2006-01-02 15:04:05") + " UTC)"}
		if _, err := p.ledger.RecordUnprocessedFile(ctx, runID, summary, note, exc); err != nil {
			return FileOutcome{}, err
		}
		return FileOutcome{Name: name, Kind: prior.Kind, Status: ledger.FileDuplicate, Note: note}, p.moveTo(work, dirRejected, note)
	}
	o, err := p.readFile(ctx, runID, fh, summary, unchanged)
	if errors.Is(err, errChanged) {
		return p.putBack(work, home, f.kind)
	}
	var fe *parsers.FileError
	if errors.As(err, &fe) {
		if errors.Is(unchanged(), errChanged) {
			return p.putBack(work, home, f.kind) // refused for what a writer had not finished
		}
		return p.rejectFile(ctx, runID, work, summary, fe)
	}
	if err != nil {
		return FileOutcome{}, err
	}
	p.log.Info("file ingested", "file", name, "kind", o.Kind, "rows", o.Rows, "valid", o.Valid)
	o.Owner = fileOwner(before)
	return o, p.moveTo(work, dirArchive, "")
}

// putBack returns a file that changed while it was being read from processing/ to the inbox
// (beside whatever took its name meanwhile), unrecorded, to be taken once it stops changing.
func (p *Pipeline) putBack(work, dest string, kind domain.Kind) (FileOutcome, error) {
	name := filepath.Base(work)
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return FileOutcome{}, fmt.Errorf("put %s back in the inbox: %w", name, err)
	}
	dest = freeName(dest)
	if err := os.Rename(work, dest); err != nil {
		return FileOutcome{}, fmt.Errorf("put %s back in the inbox: %w", name, err)
	}
	note := "it changed while it was being read: nothing was recorded, it was put back in the inbox as " +
		filepath.Base(dest) + " and is taken once it stops changing"
	p.log.Warn("file changed while it was read; put back", "file", name)
	return FileOutcome{Name: name, Kind: kind, Status: FileHeld, Note: note}, nil
}

// freeName returns path, or "name (2).ext", "name (3).ext"... if path is taken (by anything,
// a dangling link included).
func freeName(path string) string {
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	dest := path
	for i := 2; ; i++ {
		if _, err := os.Lstat(dest); errors.Is(err, fs.ErrNotExist) {
			return dest
		}
		dest = fmt.Sprintf("%s (%d)%s", stem, i, ext)
	}
}

// readFile parses the open file fh from its start and records all its rows in one
// transaction, committed only if unchanged() still holds after the last row.
func (p *Pipeline) readFile(ctx context.Context, runID int64, fh *os.File, summary domain.FileSummary, unchanged func() error) (FileOutcome, error) {
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return FileOutcome{}, fmt.Errorf("ingest %s: %w", summary.Name, err)
	}
	var spec *parsers.Spec
	if summary.Kind != "" {
		spec, _ = parsers.SpecFor(summary.Kind)
	}
	r, err := parsers.Open(summary.Name, ctxReader{ctx: ctx, r: fh}, spec)
	if err != nil {
		return FileOutcome{}, err
	}
	defer r.Close()
	summary.Kind = r.Kind()
	in, err := p.ledger.BeginIngest(ctx, runID, summary, r.Header(), r.ReferenceColumn())
	if err != nil {
		return FileOutcome{}, err
	}
	o := FileOutcome{Name: summary.Name, Kind: summary.Kind, Status: ledger.FileAccepted}
	if u := r.Unknown(); len(u) > 0 {
		o.Note = "columns not used: " + strings.Join(u, ", ")
	}
	// Three goroutines: parsing, encoding to JSON, and the ledger's writes.
	for item, err := range ahead.Seq(ctx, newItems(summary.Name, ahead.Seq(ctx, r.Rows()))) {
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return FileOutcome{}, errors.Join(err, in.Abort())
		}
		if err := in.Add(item); err != nil {
			return FileOutcome{}, errors.Join(err, in.Abort())
		}
	}
	if err := unchanged(); err != nil {
		return FileOutcome{}, errors.Join(err, in.Abort())
	}
	if err := in.Commit(); err != nil {
		return FileOutcome{}, err
	}
	o.Rows, o.Valid = in.Counts()
	return o, nil
}

// newItems turns parsed rows into ledger items, their record (domain.EncodeRecord) encoded on
// this goroutine.
func newItems(file string, rows iter.Seq2[parsers.Row, error]) iter.Seq2[ledger.NewItem, error] {
	return func(yield func(ledger.NewItem, error) bool) {
		for row, err := range rows {
			if err != nil {
				yield(ledger.NewItem{}, err)
				return
			}
			item, err := ledger.NewItemOf(row.Line, row.Record, row.Raw, row.Errors)
			if err != nil {
				yield(ledger.NewItem{}, fmt.Errorf("ingest %s: %w", file, err))
				return
			}
			if !yield(item, nil) {
				return
			}
		}
	}
}

// rejectFile records an unusable file and moves it to rejected/ with its reason beside it.
func (p *Pipeline) rejectFile(ctx context.Context, runID int64, path string, summary domain.FileSummary, fe *parsers.FileError) (FileOutcome, error) {
	summary.Status = ledger.FileRejected
	if summary.Kind == "" {
		summary.Kind = guessKind(summary.Name)
	}
	exc := domain.Exception{Category: domain.CategoryRejectedRow, Kind: summary.Kind, File: summary.Name, Line: fe.Line,
		Reference: summary.SHA256[:12], Expected: "a usable file", Actual: fe.Rule, Detail: fe.Error()}
	if _, err := p.ledger.RecordUnprocessedFile(ctx, runID, summary, fe.Error(), exc); err != nil {
		return FileOutcome{}, err
	}
	p.log.Warn("file rejected", "file", summary.Name, "reason", fe.Error())
	return FileOutcome{Name: summary.Name, Kind: summary.Kind, Status: ledger.FileRejected, Note: fe.Error()},
		p.moveTo(path, dirRejected, fe.Error()+"\n\nFix the file and drop it in the inbox again.")
}

// guessKind names the kind of a file that could not be read, from its name.
func guessKind(name string) domain.Kind {
	if k, ok := parsers.DetectKind(name, nil); ok {
		return k
	}
	return "unknown"
}

// moveTo moves a file out of processing/ into dir, under a name that does not overwrite an
// earlier file, with a note beside it when there is one.
func (p *Pipeline) moveTo(path, dir, note string) error {
	dest := filepath.Join(p.cfg.Home, dir, p.cfg.Now().Format("2006-01-02"), filepath.Base(path))
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return fmt.Errorf("move %s to %s: %w", filepath.Base(path), dir, err)
	}
	dest = freeName(dest)
	if err := os.Rename(path, dest); err != nil {
		return fmt.Errorf("move %s to %s: %w", filepath.Base(path), dir, err)
	}
	if note == "" {
		return nil
	}
	if err := os.WriteFile(dest+".reason.txt", []byte(note+"\n"), 0o644); err != nil {
		return fmt.Errorf("write note for %s: %w", filepath.Base(dest), err)
	}
	return nil
}

// hashFile returns the SHA-256 of the open file f, read from its start.
func hashFile(ctx context.Context, f *os.File) (string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx: ctx, r: f}); err != nil {
		return "", fmt.Errorf("hash %s: %w", filepath.Base(f.Name()), err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
