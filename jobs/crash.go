package jobs

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// Crash points let the crash tests kill the process at the most dangerous moments of a
// submission, the way a power cut would: BATCH_TEST_CRASH_AT=<point>:<n> makes the process
// SIGKILL itself the n-th time it passes <point>. Unset (always, outside those tests), they
// cost one atomic load.
const (
	crashAfterClaim = "after-claim" // the intent is committed; the call is not made
	crashAfterSend  = "after-send"  // Enkash has the batch; the ledger does not know yet
	crashAfterApply = "after-apply" // Enkash's answer is recorded
)

var crashPlan = parseCrashPlan(os.Getenv("BATCH_TEST_CRASH_AT"))

type crashAt struct {
	point string
	n     int64
	seen  atomic.Int64
}

func parseCrashPlan(s string) *crashAt {
	point, n, ok := strings.Cut(s, ":")
	if !ok {
		return nil
	}
	count, err := strconv.ParseInt(n, 10, 64)
	if err != nil || count < 1 {
		return nil
	}
	return &crashAt{point: point, n: count}
}

// crashPoint kills the process here if the crash plan says so.
func crashPoint(point string) {
	if crashPlan == nil || crashPlan.point != point {
		return
	}
	if crashPlan.seen.Add(1) == crashPlan.n {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // never returns: the kernel ends the process
	}
}
