package jobs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// runWorkbookPath is where run runID's workbook goes: the workbook the run already has, when
// one is in reports/ (`batch report --run N` rewrites it in place rather than beside it), else
// a new name from the time it finished (runWorkbookName).
func (p *Pipeline) runWorkbookPath(runID int64, finished time.Time) string {
	dir := filepath.Join(p.cfg.Home, dirReports)
	pattern := regexp.MustCompile(fmt.Sprintf(`^run-%04d-\d{4}-\d{2}-\d{2}-\d{4}\.xlsx$`, runID))
	if entries, err := os.ReadDir(dir); err == nil {
		var found []string
		for _, e := range entries {
			if e.Type().IsRegular() && pattern.MatchString(e.Name()) {
				found = append(found, e.Name())
			}
		}
		if len(found) > 0 {
			return filepath.Join(dir, found[len(found)-1]) // the latest, should there be several
		}
	}
	return filepath.Join(dir, runWorkbookName(runID, finished, p.cfg.Location))
}

// fixFileExists reports whether a fix-and-redrop file is already at path. Such a file is
// never overwritten: the user may be correcting it. Its rows are the file's rejected rows as
// recorded at ingest, which do not change.
func fixFileExists(path string) (bool, error) {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("look for fix-and-redrop file: %w", err)
}
