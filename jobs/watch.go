package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"enkashbatch/domain"
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

// Arrivals is what one scan of the inbox found: the complete files to take and the entries to
// set aside.
type Arrivals struct{ scan scanResult }

// Scan looks at the inbox once.
func (w *Watcher) Scan() (Arrivals, error) {
	res, err := w.scan()
	return Arrivals{scan: res}, err
}

// Settle is how long a file must stay unchanged before the watcher takes it.
func (w *Watcher) Settle() time.Duration { return w.policy.Settle }

// Now reads the watcher's clock.
func (w *Watcher) Now() time.Time { return w.now() }

// SettleBy is the latest time a file the scan found still settling could be taken (zero:
// none is settling).
func (a Arrivals) SettleBy() time.Time { return a.scan.settleBy }

// OfKinds keeps the entries of the inbox folders of kinds, and those at the top of the inbox
// (whose kind only their content tells); empty kinds keeps everything.
func (a Arrivals) OfKinds(kinds []domain.Kind) Arrivals {
	a.scan.ready, a.scan.odd = filterKinds(a.scan.ready, kinds), filterKinds(a.scan.odd, kinds)
	return a
}

func filterKinds(files []inboxFile, kinds []domain.Kind) []inboxFile {
	if len(kinds) == 0 {
		return files
	}
	var out []inboxFile
	for _, f := range files {
		if f.kind == "" || slices.Contains(kinds, f.kind) {
			out = append(out, f)
		}
	}
	return out
}

// IngestArrived ingests, within run runID, the complete files and odd entries a scan of w
// found (and what an interrupted run left in processing/), and makes w forget the files
// taken. It is the ingest step of the daemon's jobs.
func (p *Pipeline) IngestArrived(ctx context.Context, runID int64, w *Watcher, a Arrivals) ([]FileOutcome, error) {
	return p.withLog(p.log.With("run", runID)).ingestArrived(ctx, runID, w, a)
}

func (p *Pipeline) ingestArrived(ctx context.Context, runID int64, w *Watcher, a Arrivals) ([]FileOutcome, error) {
	out, err := p.ingestScan(ctx, runID, a.scan.ready, a.scan.odd)
	for _, f := range a.scan.ready {
		w.Forget(f.path)
	}
	return out, err
}

// IngestArrivals ingests what a scan of w found under a run of its own ("ingest"), without
// taking the data folder's lock (the daemon holds it). With nothing to take, and nothing left
// in processing/ by a stopped run, it records no run (Outcome is OutcomeNone).
func (p *Pipeline) IngestArrivals(ctx context.Context, w *Watcher, a Arrivals) (IngestResult, error) {
	left, err := listFolder(filepath.Join(p.cfg.Home, dirProcessing), p.cfg.Inbox.FollowSymlinks)
	if err != nil || len(a.scan.ready)+len(a.scan.odd)+len(left.files)+len(left.odd) == 0 {
		return IngestResult{}, err
	}
	r, err := p.start(ctx, string(StepIngest), false)
	if err != nil {
		return IngestResult{}, err
	}
	res := IngestResult{RunID: r.id}
	res.Files, err = r.p.ingestArrived(ctx, r.id, w, a)
	res.Outcome, err = r.finish(ctx, err, filesNeedAttention(res.Files))
	return res, err
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
