// Package e2e holds the end-to-end tests of the never-pay-twice promise (issue 3): they build
// the real batch binary, run it as a child process against a sandbox held by the test process
// (so the sandbox's memory survives the child's crashes), kill it, fault it and signal it, and
// then check two properties after every scenario:
//
//  1. the sandbox's call log shows every reference created exactly once and never refused as a
//     duplicate, and every generated reference reached it;
//  2. `batch status --json` ties out for every file: rows in = rejected + success + failed +
//     reversed + open, in count and in paise, and rows in = rows generated.
//
// The package has no code of its own; everything is in its _test.go files.
package e2e
