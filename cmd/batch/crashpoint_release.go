//go:build !crashtest

package main

import "enkashbatch/jobs"

// crashCheckpoint is the crash tests' hook (crashpoint.go, built with -tags crashtest only):
// a release binary has none.
func crashCheckpoint() func(jobs.Checkpoint) { return nil }
