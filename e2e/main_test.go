package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// batchBin is the path of the batch binary built once for this test binary.
var batchBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

// buildAndRun builds the real batch command into a temporary folder, runs the tests, and
// removes the folder.
func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "e2e-batch-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: make temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	batchBin = filepath.Join(dir, "batch")
	// -tags crashtest builds in the crash points (cmd/batch/crashpoint.go) crash_test.go uses.
	build := exec.Command("go", "build", "-tags", "crashtest", "-o", batchBin, "enkashbatch/cmd/batch")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build the batch binary:", err)
		return 1
	}
	return m.Run()
}
