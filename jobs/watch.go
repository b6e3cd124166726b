package jobs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DoneSuffix names a file's completion marker: "payouts.csv.done" beside "payouts.csv" says
// the file is complete. The marker is removed once the file is ingested.
const DoneSuffix = ".done"

// Watcher finds the inbox files that are complete. Polling is its source of truth, because
// network shares send no change events. A file is complete when:
//
//   - a "<name>.done" marker stands beside it; or
//   - it arrived by rename from a temporary name (an ignored name the previous scan saw with
//     the same device, inode and size: "x.csv.part", ".x.csv", "~$x.xlsx", "x.tmp"); or
//   - two scans at least half a scan interval apart saw the same size and modification time.
//
// Office lock files, .tmp, .part and hidden files are never taken. A Watcher is safe for
// concurrent use.
type Watcher struct {
	inbox    string
	interval time.Duration
	now      func() time.Time

	mu    sync.Mutex
	seen  map[string]observed  // candidates of the previous scans, by path
	temps map[fileKey]observed // ignored files of the previous scan, by device and inode
}

type fileKey struct{ dev, ino uint64 }

// observed is what a scan saw of one file.
type observed struct {
	size  int64
	mtime time.Time
	since time.Time // when a scan first saw this size and time
}

// NewWatcher watches home's inbox, scanned every interval. now is the clock (nil: time.Now).
func NewWatcher(home string, interval time.Duration, now func() time.Time) *Watcher {
	if now == nil {
		now = time.Now
	}
	return &Watcher{inbox: filepath.Join(home, dirInbox), interval: interval, now: now,
		seen: map[string]observed{}, temps: map[fileKey]observed{}}
}

// Interval is the time between two scans.
func (w *Watcher) Interval() time.Duration { return w.interval }

// Scan looks at the inbox once. It returns the complete files in path order and how many
// other files are still waiting to look complete.
func (w *Watcher) Scan() (ready []string, waiting int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	markers := map[string]bool{}
	candidates := map[string]os.FileInfo{}
	temps := map[fileKey]observed{}
	err = filepath.WalkDir(w.inbox, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path != w.inbox {
				return nil // gone between listing and looking: a rename in progress
			}
			return err
		}
		if d.IsDir() {
			if path != w.inbox && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if strings.HasSuffix(strings.ToLower(name), DoneSuffix) {
			markers[path[:len(path)-len(DoneSuffix)]] = true
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		if ignored(name) {
			if key, ok := keyOf(info); ok {
				temps[key] = observed{size: info.Size(), mtime: info.ModTime()}
			}
			return nil
		}
		candidates[path] = info
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		err = nil // no inbox yet: nothing waiting
	}
	if err != nil {
		return nil, 0, fmt.Errorf("scan inbox: %w", err)
	}
	seen := make(map[string]observed, len(candidates))
	for path, info := range candidates {
		cur := observed{size: info.Size(), mtime: info.ModTime(), since: now}
		prev, known := w.seen[path]
		unchanged := known && prev.size == cur.size && prev.mtime.Equal(cur.mtime)
		if unchanged {
			cur.since = prev.since
		}
		seen[path] = cur
		switch {
		case markers[path]:
			ready = append(ready, path)
		case unchanged && now.Sub(cur.since) >= w.interval/2:
			ready = append(ready, path)
		case !known && w.renamedFromTemp(info):
			ready = append(ready, path)
		default:
			waiting++
		}
	}
	w.seen, w.temps = seen, temps
	sort.Strings(ready)
	return ready, waiting, nil
}

// renamedFromTemp reports whether a file first seen now is a temporary file of the previous
// scan under its final name: same device, inode and size.
func (w *Watcher) renamedFromTemp(info os.FileInfo) bool {
	key, ok := keyOf(info)
	if !ok {
		return false
	}
	t, ok := w.temps[key]
	return ok && t.size == info.Size() && t.mtime.Equal(info.ModTime())
}

// Forget drops what the watcher knows of a path (after it was ingested or moved away).
func (w *Watcher) Forget(path string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.seen, path)
}

func keyOf(info os.FileInfo) (fileKey, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{dev: uint64(st.Dev), ino: st.Ino}, true
}
