package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"enkashbatch/domain"
)

// IngestFiles records the given inbox files in the ledger, like Ingest does for the whole
// inbox, for callers that choose which files are complete (the daemon's Watcher). Any file an
// interrupted run left in processing/ is taken first. A path that no longer exists is passed
// over (another process took it); a file's "<name>.done" marker is removed once the file is
// recorded.
func (p *Pipeline) IngestFiles(ctx context.Context, runID int64, paths []string) ([]FileOutcome, error) {
	if err := EnsureHome(p.cfg.Home); err != nil {
		return nil, err
	}
	files, err := p.leftovers()
	if err != nil {
		return nil, err
	}
	inbox := filepath.Join(p.cfg.Home, dirInbox)
	processing := filepath.Join(p.cfg.Home, dirProcessing)
	for _, path := range paths {
		rel, err := filepath.Rel(inbox, path)
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("ingest %s: not in the inbox %s", path, inbox)
		}
		kind, _ := domain.ParseKind(strings.Split(filepath.ToSlash(rel), "/")[0])
		files = append(files, inboxFile{path: path, kind: kind})
	}
	var out []FileOutcome
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return out, stopFor(err)
		}
		if _, err := os.Stat(f.path); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		o, err := p.ingestFile(ctx, runID, f)
		if err != nil {
			return out, err
		}
		out = append(out, o)
		marker := f.path + DoneSuffix
		if rel, err := filepath.Rel(processing, f.path); err == nil && !strings.HasPrefix(rel, "..") {
			marker = filepath.Join(inbox, rel) + DoneSuffix // a leftover's marker stayed in the inbox
		}
		if err := os.Remove(marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return out, fmt.Errorf("remove the marker of %s: %w", filepath.Base(f.path), err)
		}
	}
	return out, nil
}

// leftovers lists the files an interrupted run left in processing/: they were complete when
// it took them, and are ingested before anything new.
func (p *Pipeline) leftovers() ([]inboxFile, error) {
	return kindFiles(filepath.Join(p.cfg.Home, dirProcessing))
}
