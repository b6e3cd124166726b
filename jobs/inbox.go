package jobs

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

// InboxPolicy says when an inbox file is complete enough to be taken, and which entries are
// files at all. Zero durations take a file at once (the command line's defaults are in the
// README, "Configuration").
type InboxPolicy struct {
	// Settle is how long a file's size and modification time must stay unchanged before it
	// is taken.
	Settle time.Duration
	// SettleUnterminated is how long a CSV whose last line has no line ending (or an empty
	// file) must stay unchanged: its writer may have paused in the middle of a line.
	SettleUnterminated time.Duration
	// Stale is how long a workbook whose zip is incomplete is held back before it is refused
	// as damaged.
	Stale time.Duration
	// FollowSymlinks takes a symbolic link to a regular file as that file. Links to anything
	// else (and all links, without it) are set aside unopened.
	FollowSymlinks bool
}

// WaitingFile is an inbox entry that was not taken: a file held back until it is complete, or
// an entry that is not a file and is set aside by the next ingest.
type WaitingFile struct {
	Path   string      `json:"file"` // relative to the data folder, e.g. inbox/payouts/x.csv
	Kind   domain.Kind `json:"kind,omitempty"`
	Reason string      `json:"reason"`
	// Since is when the file last changed (or was first seen unchanged).
	Since time.Time `json:"since"`
	// Until is when it will be taken (or refused) if it does not change again; zero when
	// it will not be taken as it is.
	Until time.Time `json:"until,omitzero"`
}

// inboxFile is an entry found in the inbox or in processing/, with the kind its folder gives
// it (empty at the top).
type inboxFile struct {
	path string
	kind domain.Kind
	// info is what Lstat (or Stat, for a followed link) said of it when it was listed.
	info fs.FileInfo
	// odd, when set, says why the entry is not a regular file: it is set aside unopened.
	odd string
	// reject, when set, refuses the file for this reason instead of reading it.
	reject *parsers.FileError
	// marker is the path of the file's ".done" marker, removed once the file is taken.
	marker string
}

// listing is what one look at a folder of the inbox's shape found.
type listing struct {
	files   []inboxFile          // regular files (or followed links to them), path order
	odd     []inboxFile          // entries to set aside, path order
	markers map[string]bool      // paths with a ".done" marker beside them
	temps   map[fileKey]observed // ignored regular files, by device and inode
}

// listFolder lists root and its kind folders with Lstat, without opening anything. A kind
// folder (inbox/payouts) may be a link to a folder; every other folder, link, pipe, socket or
// device is odd. Ignored names (ignored) are left alone. A missing root lists nothing.
func listFolder(root string, follow bool) (listing, error) {
	l := listing{markers: map[string]bool{}, temps: map[fileKey]observed{}}
	top, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("list %s: %w", root, err)
	}
	for _, d := range top {
		path := filepath.Join(root, d.Name())
		if k, isKind := domain.ParseKind(d.Name()); isKind {
			if st, err := os.Stat(path); err == nil && st.IsDir() {
				entries, err := os.ReadDir(path)
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					return l, fmt.Errorf("list %s: %w", path, err)
				}
				for _, e := range entries {
					l.add(filepath.Join(path, e.Name()), k, follow, "a folder inside "+filepath.Base(root)+"/"+string(k)+"/ (files are read from that folder itself, not from folders inside it)")
				}
				continue
			}
		}
		l.add(path, "", follow, "a folder that is not one of the kind folders ("+kindList()+")")
	}
	sort.Slice(l.files, func(i, j int) bool { return l.files[i].path < l.files[j].path })
	sort.Slice(l.odd, func(i, j int) bool { return l.odd[i].path < l.odd[j].path })
	return l, nil
}

// add classifies one entry; dirReason says what a folder there is.
func (l *listing) add(path string, kind domain.Kind, follow bool, dirReason string) {
	name := filepath.Base(path)
	if strings.HasSuffix(strings.ToLower(name), DoneSuffix) && !strings.HasPrefix(name, ".") {
		l.markers[path[:len(path)-len(DoneSuffix)]] = true
		return
	}
	info, err := os.Lstat(path)
	if err != nil {
		return // gone between listing and looking: a rename in progress
	}
	if ignored(name) {
		if key, ok := keyOf(info); ok && info.Mode().IsRegular() {
			l.temps[key] = observed{size: info.Size(), mtime: info.ModTime()}
		}
		return
	}
	f := inboxFile{path: path, kind: kind, info: info}
	switch m := info.Mode(); {
	case m.IsRegular():
		l.files = append(l.files, f)
		return
	case m.IsDir():
		f.odd = dirReason
	case m&fs.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		st, err := os.Stat(path)
		switch {
		case err != nil:
			f.odd = fmt.Sprintf("a symbolic link to %s, which does not exist", target)
		case st.Mode().IsRegular() && follow:
			f.info = st
			l.files = append(l.files, f)
			return
		case st.Mode().IsRegular():
			f.odd = fmt.Sprintf("a symbolic link to %s (links are not followed: copy the file itself into the inbox)", target)
		case st.IsDir():
			f.odd = fmt.Sprintf("a symbolic link to the folder %s", target)
		default:
			f.odd = fmt.Sprintf("a symbolic link to %s, which is %s", target, modeName(st.Mode()))
		}
	default:
		f.odd = modeName(m)
	}
	l.odd = append(l.odd, f)
}

// modeName names what a non-regular file is, for a finance user's note.
func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	}
	return "not a regular file"
}

func kindList() string {
	names := make([]string, len(domain.Kinds))
	for i, k := range domain.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// errNotRegular says an entry is no longer the regular file it was when it was listed.
var errNotRegular = errors.New("not the regular file that was listed")

// openRegular opens path for reading without ever blocking: never through a link (unless
// follow), non-blocking (a FIFO or a device put in its place is not waited on), then checks
// with fstat that what was opened is a regular file and, when want is given, the same file.
func openRegular(path string, want fs.FileInfo, follow bool) (*os.File, fs.FileInfo, error) {
	flags := syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if !follow {
		flags |= syscall.O_NOFOLLOW
	}
	fd, err := syscall.Open(path, flags, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, nil, fmt.Errorf("open %s: %w (a symbolic link)", filepath.Base(path), errNotRegular)
	}
	if err != nil {
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	if !info.Mode().IsRegular() || (want != nil && !os.SameFile(want, info)) {
		f.Close()
		return nil, nil, fmt.Errorf("open %s: %w", filepath.Base(path), errNotRegular)
	}
	return f, info, nil
}

// changed reports whether a file's size or modification time differs between two looks.
func changed(a, b fs.FileInfo) bool {
	return a.Size() != b.Size() || !a.ModTime().Equal(b.ModTime())
}

// shape is what a look at a file's ends says of its completeness.
type shape int

const (
	shapeComplete     shape = iota // nothing says it is unfinished
	shapeEmpty                     // no bytes yet
	shapeUnterminated              // a CSV whose last line has no line ending
	shapeZipCut                    // a zip without a readable end of central directory
)

var (
	zipLocal = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// shapeOf reads a file's first bytes and its end (never more than 64 KiB) to tell whether it
// looks finished, with what is missing when not.
func shapeOf(path string, want fs.FileInfo, follow bool) (shape, string, error) {
	f, info, err := openRegular(path, want, follow)
	if err != nil {
		return shapeComplete, "", err
	}
	defer f.Close()
	size := info.Size()
	if size == 0 {
		return shapeEmpty, "the file is empty (it may still be being written)", nil
	}
	head := make([]byte, 8)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case bytes.HasPrefix(head, oleMagic):
		return shapeComplete, "", nil // an encrypted workbook or an old .xls: the reader says which
	case bytes.HasPrefix(head, zipLocal), (ext == ".xlsx" || ext == ".xlsm") && size < int64(len(zipLocal)):
		if why := zipCut(f, size); why != "" {
			return shapeZipCut, "the workbook is incomplete: " + why, nil
		}
	case ext == ".csv" || ext == ".txt" || ext == ".tsv" || ext == "":
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err != nil {
			return shapeComplete, "", fmt.Errorf("read %s: %w", filepath.Base(path), err)
		}
		if last[0] != '\n' && last[0] != '\r' {
			return shapeUnterminated, "its last line has no line ending (its writer may have stopped in the middle of a line)", nil
		}
	}
	return shapeComplete, "", nil
}

// zipCut says what is missing from a zip file's end, or "" when its end of central directory
// record is there and points at a central directory inside the file.
func zipCut(r io.ReaderAt, size int64) string {
	const eocdLen, maxComment = 22, 65535
	tail := min(size, eocdLen+maxComment)
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && !errors.Is(err, io.EOF) {
		return "its end could not be read"
	}
	at := -1
	for i := len(buf) - eocdLen; i >= 0; i-- {
		if bytes.Equal(buf[i:i+4], []byte("PK\x05\x06")) && i+eocdLen+int(binary.LittleEndian.Uint16(buf[i+20:])) <= len(buf) {
			at = i
			break
		}
	}
	if at < 0 {
		return "its zip has no end-of-central-directory record (it was cut short)"
	}
	eocd := size - tail + int64(at)
	entries := int64(binary.LittleEndian.Uint16(buf[at+10:]))
	dirSize := int64(binary.LittleEndian.Uint32(buf[at+12:]))
	dirAt := int64(binary.LittleEndian.Uint32(buf[at+16:]))
	if entries == 0xFFFF || dirSize == 0xFFFFFFFF || dirAt == 0xFFFFFFFF {
		// Zip64: the locator just before the record gives the zip64 record.
		loc := make([]byte, 20)
		if eocd < 20 {
			return "its zip64 locator is missing"
		}
		if _, err := r.ReadAt(loc, eocd-20); err != nil || !bytes.Equal(loc[:4], []byte("PK\x06\x07")) {
			return "its zip64 locator is missing"
		}
		recAt := int64(binary.LittleEndian.Uint64(loc[8:]))
		rec := make([]byte, 56)
		if recAt < 0 || recAt+56 > eocd {
			return "its zip64 record is outside the file"
		}
		if _, err := r.ReadAt(rec, recAt); err != nil || !bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
			return "its zip64 record is unreadable"
		}
		entries = int64(binary.LittleEndian.Uint64(rec[32:]))
		dirSize = int64(binary.LittleEndian.Uint64(rec[40:]))
		dirAt = int64(binary.LittleEndian.Uint64(rec[48:]))
		eocd = recAt
	}
	if dirAt < 0 || dirSize < 0 || dirAt+dirSize > eocd {
		return "its central directory lies outside the file"
	}
	if entries == 0 {
		return ""
	}
	sig := make([]byte, 4)
	if _, err := r.ReadAt(sig, dirAt); err != nil || !bytes.Equal(sig, []byte("PK\x01\x02")) {
		return "its central directory is unreadable"
	}
	return ""
}

// verdict is what the inbox rules say of one regular file at one moment.
type verdict struct {
	take   bool
	reject *parsers.FileError // taken, to be refused for this reason unread
	// settling is set while the file changed within the settle interval: an ingest may wait
	// for it.
	settling bool
	reason   string    // why it waits
	until    time.Time // when it may be taken if it does not change (zero: not as it is)
}

// judge decides whether the file f, unchanged since since, may be taken now. explicit files
// (a ".done" marker beside them, or renamed into place) are complete by their writer's word.
func (pol InboxPolicy) judge(f inboxFile, since, now time.Time, explicit bool) verdict {
	quiet := now.Sub(since)
	if !explicit && quiet < pol.Settle {
		return verdict{settling: true, until: since.Add(pol.Settle),
			reason: fmt.Sprintf("still being written: it changed %s ago; taken once unchanged for %s", quiet.Round(time.Second), pol.Settle)}
	}
	sh, why, err := shapeOf(f.path, f.info, pol.FollowSymlinks)
	if err != nil {
		return verdict{reason: "could not be looked at: " + err.Error()}
	}
	switch sh {
	case shapeEmpty, shapeUnterminated:
		if explicit || quiet >= pol.SettleUnterminated {
			return verdict{take: true}
		}
		return verdict{until: since.Add(pol.SettleUnterminated),
			reason: fmt.Sprintf("held back: %s; taken once unchanged for %s", why, pol.SettleUnterminated)}
	case shapeZipCut:
		if explicit || pol.Stale <= 0 {
			return verdict{take: true} // the reader refuses it as damaged, with its own words
		}
		if quiet >= pol.Stale {
			return verdict{take: true, reject: &parsers.FileError{File: filepath.Base(f.path), Rule: "damaged_xlsx",
				Message: fmt.Sprintf("%s, and it has not changed for %s: it was cut short while it was saved or copied; save it again from Excel and drop it again", why, quiet.Round(time.Second))}}
		}
		return verdict{until: since.Add(pol.Stale),
			reason: fmt.Sprintf("held back: %s; taken once complete, or refused as damaged if unchanged for %s", why, pol.Stale)}
	}
	return verdict{take: true}
}

// waiting describes a file judge held back.
func waiting(home string, f inboxFile, v verdict, since time.Time) WaitingFile {
	rel, err := filepath.Rel(home, f.path)
	if err != nil {
		rel = f.path
	}
	return WaitingFile{Path: filepath.ToSlash(rel), Kind: f.kind, Reason: v.reason, Since: since, Until: v.until}
}

// oddWaiting describes an entry the next ingest sets aside.
func oddWaiting(home string, f inboxFile) WaitingFile {
	rel, err := filepath.Rel(home, f.path)
	if err != nil {
		rel = f.path
	}
	return WaitingFile{Path: filepath.ToSlash(rel), Kind: f.kind, Since: f.info.ModTime(),
		Reason: "not a file: " + f.odd + "; set aside in rejected/ unopened by the next ingest"}
}

// InboxWaiting lists, without taking or moving anything, what in home's inbox an ingest would
// not take now: files held back (with why and since when) and entries that are not files.
// It judges by modification times, so it can run beside a daemon or before a run.
func InboxWaiting(home string, pol InboxPolicy, now time.Time) ([]WaitingFile, error) {
	var out []WaitingFile
	for _, dir := range []string{dirInbox, dirProcessing} {
		l, err := listFolder(filepath.Join(home, dir), pol.FollowSymlinks)
		if err != nil {
			return nil, err
		}
		for _, f := range l.odd {
			out = append(out, oddWaiting(home, f))
		}
		if dir == dirProcessing {
			continue // taken already: complete when they were taken
		}
		for _, f := range l.files {
			since := f.info.ModTime()
			if since.After(now) {
				since = now
			}
			if v := pol.judge(f, since, now, l.markers[f.path]); !v.take {
				out = append(out, waiting(home, f, v, since))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// ctxReader ends a read with the context's error once the context is done, so that no read of
// a file outlives a stop.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
