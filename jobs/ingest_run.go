package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"enkashbatch/internal/atomicfile"
)

// IngestResult is what an ingest-only run did.
type IngestResult struct {
	RunID   int64
	Files   []FileOutcome
	Outcome Outcome // how the run ended (OutcomeNone: nothing to do, no run recorded)
}

// IngestOnly records every file of the inbox in the ledger under a run of its own ("ingest")
// and sends nothing. It holds the data folder's lock, as Run does, so it never races a run.
// An interrupted ingest leaves its run marked stopped; files it had not finished are picked up
// again by the next ingest or run (they wait in processing/).
func (p *Pipeline) IngestOnly(ctx context.Context) (IngestResult, error) {
	r, err := p.start(ctx, "ingest", true)
	if err != nil {
		return IngestResult{}, err
	}
	res := IngestResult{RunID: r.id}
	res.Files, err = r.p.Ingest(ctx, r.id)
	res.Outcome, err = r.finish(ctx, err, filesNeedAttention(res.Files))
	return res, err
}

// DropInInbox copies the file at src into the top of home's inbox, where the kind is told by
// its name or its header, and returns the copy's path. The copy is written under a hidden
// name and renamed into place, so that a concurrent ingest never reads half a file; an
// existing inbox file of the same name is never overwritten.
func DropInInbox(home, src string) (string, error) {
	if err := EnsureHome(home); err != nil {
		return "", err
	}
	name := filepath.Base(src)
	dest := filepath.Join(home, dirInbox, name)
	if _, err := os.Stat(dest); err == nil {
		return "", fmt.Errorf("drop %s in the inbox: a file of that name is already waiting there", name)
	}
	// Only a regular file is copied: a pipe or a device named here would block the copy, or
	// never end it.
	in, _, err := openRegular(src, nil, true)
	if errors.Is(err, errNotRegular) {
		return "", fmt.Errorf("drop %s in the inbox: it is not a regular file (a folder, pipe, socket or device); name a CSV or XLSX file", name)
	}
	if err != nil {
		return "", fmt.Errorf("drop %s in the inbox: %w", name, err)
	}
	defer in.Close()
	if err := atomicfile.Copy(dest, 0o600, in); err != nil {
		return "", fmt.Errorf("drop %s in the inbox: %w", name, err)
	}
	return dest, nil
}
