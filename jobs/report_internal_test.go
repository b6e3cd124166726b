package jobs

import (
	"testing"
	"time"
)

// TestRunWorkbookName checks that the run workbook's name carries the time in the zone its
// sheets show times in, not the machine's.
func TestRunWorkbookName(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	finished := time.Date(2026, 12, 5, 15, 44, 0, 0, time.UTC)
	if got, want := runWorkbookName(1, finished, ist), "run-0001-2026-12-05-2114.xlsx"; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
	if got, want := runWorkbookName(12, finished.In(ist), time.UTC), "run-0012-2026-12-05-1544.xlsx"; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
}
