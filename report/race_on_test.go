//go:build race

package report_test

// raceEnabled says the tests run under the race detector, which makes them about 30 times
// slower and changes what memory they use.
const raceEnabled = true
