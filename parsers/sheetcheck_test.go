package parsers_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/parsers"
)

// bigPayoutSheet returns a workbook of n UPI payout rows, large enough that the sheet check
// and excelize's reading run side by side for a while.
func bigPayoutSheet(t *testing.T, n int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	must(t, err)
	must(t, sw.SetRow("A1", []any{"Reference", "Beneficiary Name", "VPA", "Amount", "Mode"}))
	for i := 2; i <= n+1; i++ {
		must(t, sw.SetRow(fmt.Sprintf("A%d", i), []any{fmt.Sprintf("P%05d", i), "Ramesh", "ramesh@ybl", 100 + i, "UPI"}))
	}
	must(t, sw.Flush())
	return xlsxBytes(t, f)
}

// TestSheetCheck_BrokenLateRefusesBeforeTheFault: the check runs beside excelize, yet a sheet
// broken far down is refused as damaged, and no row at or after the fault is handed on
// (excelize alone would stop there without an error).
func TestSheetCheck_BrokenLateRefusesBeforeTheFault(t *testing.T) {
	t.Parallel()
	const rows, fault = 6000, 5000
	b := replacePart(t, bigPayoutSheet(t, rows), "xl/worksheets/sheet1.xml", func(x []byte) []byte {
		at := []byte(fmt.Sprintf(`<row r="%d">`, fault))
		if !bytes.Contains(x, at) {
			t.Fatalf("no %s in the sheet", at)
		}
		return bytes.Replace(x, at, []byte(fmt.Sprintf(`<row r="%d"><c r="A%d" t="inlineStr"><is><t>P & Q</t></is></c>`, fault, fault)), 1)
	})
	res, err := read(t, "payouts.xlsx", b, nil)
	if err != nil {
		t.Fatalf("open: %v (the fault is far below the header)", err)
	}
	var fe *parsers.FileError
	if !errors.As(res.fatal, &fe) || fe.Rule != "damaged_xlsx" {
		t.Fatalf("rows ended with %v; want a damaged_xlsx *FileError", res.fatal)
	}
	if len(res.rows) == 0 {
		t.Fatal("no row was handed on before the fault")
	}
	if last := res.rows[len(res.rows)-1].Line; last >= fault {
		t.Errorf("row %d was handed on; the sheet is broken at row %d", last, fault)
	}
}

// TestSheetCheck_FormulaLateIsFound: a formula without a saved value far down the sheet is
// reported on its row, though rows before it were handed on while the check was running.
func TestSheetCheck_FormulaLateIsFound(t *testing.T) {
	t.Parallel()
	const rows, at = 6000, 5500
	b := replacePart(t, bigPayoutSheet(t, rows), "xl/worksheets/sheet1.xml", func(x []byte) []byte {
		cell := []byte(fmt.Sprintf(`<c r="D%d"><v>%d</v></c>`, at, 100+at))
		if !bytes.Contains(x, cell) {
			t.Fatalf("no %s in the sheet", cell)
		}
		return bytes.Replace(x, cell, []byte(fmt.Sprintf(`<c r="D%d"><f>D2*2</f></c>`, at)), 1)
	})
	res, err := read(t, "payouts.xlsx", b, nil)
	if err != nil || res.fatal != nil {
		t.Fatalf("read: %v, %v", err, res.fatal)
	}
	if len(res.rows) != rows {
		t.Errorf("%d rows, want %d", len(res.rows), rows)
	}
	if got, want := fmt.Sprint(locs(res.rows)), fmt.Sprint([]loc{{at, "Amount", "formula_without_value"}}); got != want {
		t.Errorf("errors %s; want %s", got, want)
	}
}

// TestSheetCheck_CloseEarlyStopsTheCheck: a reader closed after a few rows stops its check
// and returns; the check's goroutine does not outlive it. Not parallel: it counts the sheet
// checks running in the process.
func TestSheetCheck_CloseEarlyStopsTheCheck(t *testing.T) {
	if n := sheetChecks(); n != 0 {
		t.Fatalf("%d sheet checks running before the test", n)
	}
	b := bigPayoutSheet(t, 20000)
	r, err := parsers.Open("payouts.xlsx", bytes.NewReader(b), nil)
	must(t, err)
	n := 0
	for _, err := range r.Rows() {
		must(t, err)
		if n++; n == 10 {
			break
		}
	}
	if running := sheetChecks(); running != 1 {
		t.Fatalf("%d sheet checks running while the file is read, want 1 (has the check's function been renamed?)", running)
	}
	must(t, r.Close())
	// Close waits for the check to end; its goroutine returns right after.
	deadline := time.Now().Add(2 * time.Second)
	for sheetChecks() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the sheet check's goroutine outlives Close:\n%s", goroutines())
		}
		time.Sleep(time.Millisecond)
	}
}

// sheetChecks counts the goroutines running a sheet's check.
func sheetChecks() int {
	n := 0
	for _, g := range strings.Split(goroutines(), "\n\n") {
		if strings.Contains(g, "xlsxcheck.StartSheetCheck") {
			n++
		}
	}
	return n
}

// goroutines is the stack of every goroutine.
func goroutines() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
