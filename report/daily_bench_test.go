package report_test

import (
	"path/filepath"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/report"
)

// BenchmarkWriteDailyWorkbook100k writes the daily workbook of a day of 100k payouts, with
// its twins. Compare it with BenchmarkBareStreamWriter100k, which writes the same detail
// cells with a bare StreamWriter and nothing else.
func BenchmarkWriteDailyWorkbook100k(b *testing.B) {
	run, _ := benchRun(b, benchItems)
	d := report.Daily{Date: at(0, 0), Location: ist, Sandbox: true, GeneratedAt: at(23, 0),
		Kinds: []report.KindSummary{{Kind: domain.KindPayouts, Files: 1, Tally: run.Files[0].Tally}}, Files: run.Files}
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		d.Items = run.Items
		if err := report.WriteDailyWorkbook(filepath.Join(dir, "daily.xlsx"), d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchItems)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
