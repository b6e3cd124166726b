package jobs

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// DoneSuffix names a file's completion marker: "payouts.csv.done" beside "payouts.csv" says
// the file is complete. The marker is removed once the file is ingested.
const DoneSuffix = ".done"

// Watcher finds the inbox files that are complete. Polling is its source of truth, because
// network shares send no change events. A regular file is complete when:
//
//   - a "<name>.done" marker stands beside it; or
//   - it arrived by rename from a temporary name (an ignored name the previous scan saw with
//     the same device, inode and size: "x.csv.part", ".x.csv", "~$x.xlsx", "x.tmp"); or
//   - its size and modification time stayed the same over the settle interval (by this
//     watcher's own clock: a share's clock may differ), and its content looks finished
//     (InboxPolicy.judge: a CSV's last line ends, a workbook's zip has its end record).
//
// Entries that are not regular files are reported to be set aside, never opened. Office lock
// files, .tmp, .part and hidden files are never taken. A Watcher is safe for concurrent use.
type Watcher struct {
	inbox    string
	home     string
	interval time.Duration
	policy   InboxPolicy
	now      func() time.Time
	// trustMtime counts a file as unchanged since its modification time (a one-shot run has
	// no earlier look to compare with); the daemon's watcher trusts only what it saw.
	trustMtime bool

	mu      sync.Mutex
	seen    map[string]observed  // candidates of the previous scans, by path
	temps   map[fileKey]observed // ignored files of the previous scan, by device and inode
	waiting []WaitingFile        // what the last scan held back
}

type fileKey struct{ dev, ino uint64 }

// observed is what a scan saw of one file.
type observed struct {
	size  int64
	mtime time.Time
	since time.Time // when a scan first saw this size and time
}

// NewWatcher watches home's inbox, scanned every interval, under policy (a zero Settle is
// half the interval). now is the clock (nil: time.Now).
func NewWatcher(home string, interval time.Duration, policy InboxPolicy, now func() time.Time) *Watcher {
	if now == nil {
		now = time.Now
	}
	if policy.Settle <= 0 {
		policy.Settle = interval / 2
	}
	return &Watcher{inbox: filepath.Join(home, dirInbox), home: home, interval: interval, policy: policy, now: now,
		seen: map[string]observed{}, temps: map[fileKey]observed{}}
}

// Interval is the time between two scans.
func (w *Watcher) Interval() time.Duration { return w.interval }

// Waiting returns what the last scan held back or found to set aside.
func (w *Watcher) Waiting() []WaitingFile {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]WaitingFile(nil), w.waiting...)
}

// scanResult is what one scan found.
type scanResult struct {
	ready   []inboxFile   // complete files, path order
	odd     []inboxFile   // entries to set aside
	waiting []WaitingFile // files held back
	// settleBy is the latest time a file that is still settling could be taken (zero: none).
	settleBy time.Time
}

// scan looks at the inbox once.
func (w *Watcher) scan() (scanResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	l, err := listFolder(w.inbox, w.policy.FollowSymlinks)
	if err != nil {
		return scanResult{}, fmt.Errorf("scan inbox: %w", err)
	}
	res := scanResult{odd: l.odd}
	seen := make(map[string]observed, len(l.files))
	for _, f := range l.files {
		cur := observed{size: f.info.Size(), mtime: f.info.ModTime(), since: now}
		prev, known := w.seen[f.path]
		if known && prev.size == cur.size && prev.mtime.Equal(cur.mtime) {
			cur.since = prev.since
		} else if w.trustMtime && cur.mtime.Before(now) {
			cur.since = cur.mtime
		}
		seen[f.path] = cur
		explicit := l.markers[f.path] || (!known && w.renamedFromTemp(f.info))
		v := w.policy.judge(f, cur.since, now, explicit)
		if v.take {
			f.reject = v.reject
			if l.markers[f.path] {
				f.marker = f.path + DoneSuffix
			}
			res.ready = append(res.ready, f)
			continue
		}
		if v.settling && v.until.After(res.settleBy) {
			res.settleBy = v.until
		}
		res.waiting = append(res.waiting, waiting(w.home, f, v, cur.since))
	}
	w.seen, w.temps = seen, l.temps
	w.waiting = append([]WaitingFile(nil), res.waiting...)
	for _, f := range l.odd {
		w.waiting = append(w.waiting, oddWaiting(w.home, f))
	}
	return res, nil
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
