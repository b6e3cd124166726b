//go:build crashtest

package main

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"enkashbatch/jobs"
)

// crashCheckpoint is built only into the binary the e2e crash tests run (go build -tags
// crashtest): BATCH_TEST_CRASH_AT=<checkpoint>:<n> makes the process SIGKILL itself the n-th
// time the pipeline passes <checkpoint> (jobs.CheckpointAfterClaim...), the way a power cut
// would. The variable is read once, here; a release binary has no such hook.
func crashCheckpoint() func(jobs.Checkpoint) {
	point, n, ok := strings.Cut(os.Getenv("BATCH_TEST_CRASH_AT"), ":")
	count, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || count < 1 {
		return nil
	}
	var seen atomic.Int64
	return func(c jobs.Checkpoint) {
		if string(c) != point || seen.Add(1) != count {
			return
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // never returns: the kernel ends the process
	}
}
