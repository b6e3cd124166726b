package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"enkashbatch/domain"
)

// IngestFiles records the given inbox files in the ledger, like Ingest does for the whole
// inbox, for callers that choose which files are complete. Any file an interrupted run left in
// processing/ is taken first. A path that no longer exists is passed over (another process
// took it); an entry that is not a regular file is set aside unopened; a file's "<name>.done"
// marker is removed once the file is taken.
func (p *Pipeline) IngestFiles(ctx context.Context, runID int64, paths []string) ([]FileOutcome, error) {
	if err := EnsureHome(p.cfg.Home); err != nil {
		return nil, err
	}
	inbox := filepath.Join(p.cfg.Home, dirInbox)
	l := listing{markers: map[string]bool{}, temps: map[fileKey]observed{}}
	for _, path := range paths {
		rel, err := filepath.Rel(inbox, path)
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("ingest %s: not in the inbox %s", path, inbox)
		}
		kind, _ := domain.ParseKind(strings.Split(filepath.ToSlash(rel), "/")[0])
		if !strings.Contains(filepath.ToSlash(rel), "/") {
			kind = ""
		}
		l.add(path, kind, p.cfg.Inbox.FollowSymlinks, "a folder")
	}
	for i := range l.files {
		l.files[i].marker = l.files[i].path + DoneSuffix
	}
	return p.ingestScan(ctx, runID, l.files, l.odd)
}
