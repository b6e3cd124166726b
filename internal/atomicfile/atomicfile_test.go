package atomicfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"enkashbatch/internal/atomicfile"
)

func TestWrite_ReplacesWholeOrNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := atomicfile.WriteBytes(path, 0o600, []byte("old")); err != nil {
		t.Fatal(err)
	}
	// A writer that fails halfway leaves the old content and no temporary file behind.
	err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		if _, err := w.Write([]byte("half of the new")); err != nil {
			return err
		}
		return errors.New("disk on fire")
	})
	if err == nil {
		t.Fatal("a failed write was reported as done")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("after a failed write the file holds %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want only the file", len(entries))
	}
	if err := atomicfile.WriteBytes(path, 0o644, []byte("new")); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" || info.Mode().Perm() != 0o644 {
		t.Errorf("file holds %q with mode %v; want %q, 0644", b, info.Mode().Perm(), "new")
	}
}

func TestWrite_MissingFolderFails(t *testing.T) {
	if err := atomicfile.WriteBytes(filepath.Join(t.TempDir(), "no", "such", "file"), 0o644, nil); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}
