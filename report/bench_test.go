package report_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/report"
)

const benchItems = 100_000

// benchRun is a run of one payouts file of n settled items.
func benchRun(b *testing.B, n int) (report.Run, []domain.Item) {
	b.Helper()
	items := make([]domain.Item, n)
	var tally domain.Tally
	for i := range items {
		ref := fmt.Sprintf("PAY-%07d", i)
		amount := domain.Paise(100_00 + i%5_000_000)
		items[i] = domain.Item{FileID: 1, File: "payouts_big.csv", Kind: domain.KindPayouts, Line: i + 2, Reference: ref,
			Amount: amount, Status: domain.StatusSuccess, Payload: payload(b, ref, "Beneficiary "+ref, "IMPS", amount),
			Provider: domain.ProviderState{BatchID: "B-0001", ProviderID: "EKT" + ref[4:], Status: "SUCCESS", Amount: amount, UTR: "UTR" + ref[4:]}}
		tally.In.Add(amount)
		tally.Add(domain.BucketSuccess, amount)
	}
	run := report.Run{
		Info:  report.RunInfo{ID: 1, Sandbox: true, Location: ist},
		Files: []domain.FileSummary{{ID: 1, Name: "payouts_big.csv", Kind: domain.KindPayouts, Status: "accepted", Tally: tally}},
		Items: seq(items, nil),
	}
	return run, items
}

// BenchmarkWriteRunWorkbook100k writes the workbook of a run of 100k items. Compare it with
// BenchmarkBareStreamWriter100k, which writes the same detail cells with a bare StreamWriter.
func BenchmarkWriteRunWorkbook100k(b *testing.B) {
	run, _ := benchRun(b, benchItems)
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if err := report.WriteRunWorkbook(filepath.Join(dir, "run.xlsx"), run); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchItems)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkBareStreamWriter100k is the floor for BenchmarkWriteRunWorkbook100k: the same 100k
// rows of 13 cells, from values already at hand, with one StreamWriter and no styles.
func BenchmarkBareStreamWriter100k(b *testing.B) {
	_, items := benchRun(b, benchItems)
	names := make([]string, len(items)) // the payload's fields, decoded beforehand
	for i, it := range items {
		names[i] = "Beneficiary " + it.Reference
	}
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		row := make([]any, 13)
		for i, it := range items {
			row[0], row[1], row[2], row[3], row[4] = it.File, it.Line, it.Reference, names[i], "IMPS"
			row[5], row[6], row[7], row[8] = it.Amount.Float(), string(it.Status), it.Provider.Status, it.Provider.ProviderID
			row[9], row[10], row[11], row[12] = it.Provider.BatchID, it.Provider.UTR, it.Provider.Amount.Float(), nil
			cell, _ := excelize.CoordinatesToCellName(1, i+3)
			if err := sw.SetRow(cell, row); err != nil {
				b.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.SaveAs(filepath.Join(dir, "bare.xlsx")); err != nil {
			b.Fatal(err)
		}
		_ = f.Close()
	}
	b.ReportMetric(float64(benchItems)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
