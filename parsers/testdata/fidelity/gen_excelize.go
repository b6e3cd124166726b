//go:build ignore

// gen_excelize writes excelize_types.xlsx: one payouts sheet whose rows hold, one case a row,
// cells of the types and number formats a person may leave in a workbook. Run by make.sh.
package main

import (
	"log"
	"time"

	"github.com/xuri/excelize/v2"
)

func main() {
	f := excelize.NewFile()
	defer f.Close()
	const sh = "Sheet1"
	style := func(s *excelize.Style) int {
		id, err := f.NewStyle(s)
		if err != nil {
			log.Fatal(err)
		}
		return id
	}
	date := style(&excelize.Style{NumFmt: 14})
	percent := style(&excelize.Style{NumFmt: 9})
	zeros := "000000000000"
	leading := style(&excelize.Style{CustomNumFmt: &zeros})
	twoDecimals := style(&excelize.Style{NumFmt: 4}) // #,##0.00
	rows := [][]any{
		{"Reference", "Beneficiary Name", "Account Number", "IFSC", "Amount", "Mode"},
		{"EXL-0002", "Good Row", "50100234567891", "HDFC0001234", 1500, "NEFT"},        // 2: paid
		{"EXL-0003", "Date Amount", "50100234567892", "HDFC0001234", nil, "NEFT"},      // 3: date in Amount
		{"EXL-0004", "Bool Amount", "50100234567893", "HDFC0001234", true, "NEFT"},     // 4: TRUE in Amount
		{"EXL-0005", "Percent Amount", "50100234567894", "HDFC0001234", 0.5, "NEFT"},   // 5: 50%
		{"EXL-0006", "Leading Zeros", 1405012345, "HDFC0001234", 600, "NEFT"},          // 6: 001405012345
		{"1E3", "Text Reference", "50100234567896", "HDFC0001234", 700, "NEFT"},        // 7: paid as "1E3"
		{"EXL-0008", "Text Amount", "50100234567897", "HDFC0001234", "1e5", "NEFT"},    // 8: text 1e5
		{"EXL-0009", "Long Account", 302145678901, "HDFC0001234", 900, "NEFT"},         // 9: 3.02146E+11
		{"EXL-0010", "Two Decimals", "50100234567899", "HDFC0001234", 1250.75, "NEFT"}, // 10: paid 1,250.75
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			log.Fatal(err)
		}
	}
	must := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	must(f.SetCellValue(sh, "E3", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)))
	must(f.SetCellStyle(sh, "E3", "E3", date))
	must(f.SetCellStyle(sh, "E5", "E5", percent))
	must(f.SetCellStyle(sh, "C6", "C6", leading))
	must(f.SetCellStyle(sh, "E10", "E10", twoDecimals))
	must(f.SaveAs("excelize_types.xlsx"))
}
