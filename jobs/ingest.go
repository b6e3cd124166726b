package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"enkashbatch/domain"
	"enkashbatch/ledger"
	"enkashbatch/parsers"
)

// The data folder's sub-folders (DESIGN.md, "Data folder").
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
}

// inboxFile is a file found in the inbox, with the kind its folder gives it (empty at the top).
type inboxFile struct {
	path string
	kind domain.Kind
}

// Ingest records every file of the inbox in the ledger: first any file an interrupted run left
// in processing/, then the inbox in name order. Accepted files move to archive/, unusable and
// duplicate files to rejected/ with a note beside them.
func (p *Pipeline) Ingest(ctx context.Context, runID int64) ([]FileOutcome, error) {
	if err := EnsureHome(p.cfg.Home); err != nil {
		return nil, err
	}
	pending, err := p.scan()
	if err != nil {
		return nil, err
	}
	var out []FileOutcome
	for _, f := range pending {
		if err := ctx.Err(); err != nil {
			return out, stopFor(err)
		}
		o, err := p.ingestFile(ctx, runID, f)
		if err != nil {
			return out, err
		}
		out = append(out, o)
	}
	return out, nil
}

// scan lists the files waiting: processing/ first (left by an interrupted run), then inbox/.
func (p *Pipeline) scan() ([]inboxFile, error) {
	var files []inboxFile
	for _, dir := range []string{dirProcessing, dirInbox} {
		found, err := kindFiles(filepath.Join(p.cfg.Home, dir))
		if err != nil {
			return nil, err
		}
		files = append(files, found...)
	}
	return files, nil
}

// kindFiles lists the files under root that are not ignored, each with the kind its first
// sub-folder names (none at the top). A missing root holds no files.
func kindFiles(root string) ([]inboxFile, error) {
	var files []inboxFile
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || ignored(d.Name()) {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		kind, _ := domain.ParseKind(strings.Split(filepath.ToSlash(rel), "/")[0])
		files = append(files, inboxFile{path: path, kind: kind})
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	return files, nil
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

// ingestFile moves one file to processing/, records it, and moves it on.
func (p *Pipeline) ingestFile(ctx context.Context, runID int64, f inboxFile) (FileOutcome, error) {
	name := filepath.Base(f.path)
	work := filepath.Join(p.cfg.Home, dirProcessing, string(f.kind), name)
	if f.path != work {
		if err := os.MkdirAll(filepath.Dir(work), 0o755); err != nil {
			return FileOutcome{}, fmt.Errorf("ingest %s: %w", name, err)
		}
		if err := os.Rename(f.path, work); err != nil {
			return FileOutcome{}, fmt.Errorf("ingest %s: move to processing: %w", name, err)
		}
	}
	sum, err := fileSHA256(work)
	if err != nil {
		return FileOutcome{}, fmt.Errorf("ingest %s: %w", name, err)
	}
	summary := domain.FileSummary{Name: name, Kind: f.kind, SHA256: sum}
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
	o, err := p.readFile(ctx, runID, work, summary)
	var fe *parsers.FileError
	if errors.As(err, &fe) {
		return p.rejectFile(ctx, runID, work, summary, fe)
	}
	if err != nil {
		return FileOutcome{}, err
	}
	p.log.Info("file ingested", "file", name, "kind", o.Kind, "rows", o.Rows, "valid", o.Valid)
	return o, p.moveTo(work, dirArchive, "")
}

// readFile parses a file and records all its rows in one transaction.
func (p *Pipeline) readFile(ctx context.Context, runID int64, path string, summary domain.FileSummary) (FileOutcome, error) {
	fh, err := os.Open(path)
	if err != nil {
		return FileOutcome{}, fmt.Errorf("ingest %s: %w", summary.Name, err)
	}
	defer fh.Close()
	var spec *parsers.Spec
	if summary.Kind != "" {
		spec, _ = parsers.SpecFor(summary.Kind)
	}
	r, err := parsers.Open(summary.Name, fh, spec)
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
	for item, err := range readAhead(ctx, newItems(summary.Name, readAhead(ctx, r.Rows()))) {
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return FileOutcome{}, errors.Join(err, in.Abort())
		}
		st, err := in.Add(item)
		if err != nil {
			return FileOutcome{}, errors.Join(err, in.Abort())
		}
		o.Rows++
		if st == domain.StatusValid {
			o.Valid++
		}
	}
	return o, in.Commit()
}

// newItems turns parsed rows into ledger items, their record and cells encoded as JSON.
func newItems(file string, rows iter.Seq2[parsers.Row, error]) iter.Seq2[ledger.NewItem, error] {
	return func(yield func(ledger.NewItem, error) bool) {
		for row, err := range rows {
			if err != nil {
				yield(ledger.NewItem{}, err)
				return
			}
			item := ledger.NewItem{Line: row.Line, Reference: row.Reference, Amount: row.Amount, Errors: row.Errors}
			if item.Raw, err = json.Marshal(row.Raw); err == nil && row.Record != nil {
				item.Payload, err = json.Marshal(row.Record)
			}
			if err != nil {
				yield(ledger.NewItem{}, fmt.Errorf("ingest %s line %d: %w", file, row.Line, err))
				return
			}
			if !yield(item, nil) {
				return
			}
		}
	}
}

// readAheadRows is how many parsed rows may wait for the ledger: enough to keep both busy,
// few enough that memory stays flat whatever the file's size. They are handed over in chunks
// of readAheadChunk rows, so that the two goroutines meet once a chunk and not once a row.
const (
	readAheadRows  = 512
	readAheadChunk = 64
)

// readAhead runs rows (a step of the ingest: parsing, encoding) on a goroutine of its own
// while the caller works on what it yielded, so that a file costs about its slowest step
// rather than the sum of its steps. Stopping the loop early stops the step too.
func readAhead[T any](ctx context.Context, rows iter.Seq2[T, error]) iter.Seq2[T, error] {
	type chunk struct {
		rows []T
		err  error // after the rows
	}
	return func(yield func(T, error) bool) {
		ch := make(chan chunk, readAheadRows/readAheadChunk-1)
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
			c := chunk{rows: make([]T, 0, readAheadChunk)}
			for row, err := range rows {
				if err != nil {
					c.err = err
					send(c)
					return
				}
				if c.rows = append(c.rows, row); len(c.rows) == readAheadChunk {
					if !send(c) {
						return
					}
					c = chunk{rows: make([]T, 0, readAheadChunk)}
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
	for i := 2; ; i++ {
		if _, err := os.Stat(dest); errors.Is(err, os.ErrNotExist) {
			break
		}
		ext := filepath.Ext(path)
		dest = filepath.Join(filepath.Dir(dest), fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(filepath.Base(path), ext), i, ext))
	}
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

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", filepath.Base(path), err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
