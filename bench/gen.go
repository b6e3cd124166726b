package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// payoutHeader is the header of every generated payout file: the template's own columns.
var payoutHeader = []string{"Reference", "Beneficiary Name", "Account Number", "IFSC", "VPA", "Amount", "Mode", "Remark", "Email", "Phone"}

// genRow is one generated payout row. Row i is always the same (no randomness): three rows in
// four are bank transfers (NEFT or IMPS, with an account number and IFSC), the fourth is UPI;
// amounts vary; when badEvery > 0, every badEvery-th row has an IFSC that breaks the rule, so
// that the rejected-row path is part of what is measured.
type genRow struct {
	ref, name, account, ifsc, vpa, mode, remark, email, phone string
	paise                                                     int64
}

var names = []string{"Ramesh Kumar Sharma", "Priya Nair", "Arjun Reddy", "Fatima Sheikh", "Gurpreet Singh Bedi",
	"Lakshmi Venkatesan", "Sandeep Mukherjee", "Anjali Deshpande"}

func payoutRow(prefix string, i, badEvery int) genRow {
	r := genRow{
		ref:    fmt.Sprintf("%s-%07d", prefix, i),
		name:   names[i%len(names)],
		remark: "Nov 2026 payout",
		paise:  int64(100_00 + (i*7919)%1_50_000_00),
	}
	switch i % 4 {
	case 3:
		r.vpa, r.mode, r.phone = fmt.Sprintf("payee%d@ybl", i), "UPI", "9876543210"
	case 1:
		r.account, r.ifsc, r.mode = fmt.Sprintf("50100%09d", i), "HDFC0001234", "IMPS"
		r.email = "accounts@example.in"
	default:
		r.account, r.ifsc, r.mode = fmt.Sprintf("50100%09d", i), "ICIC0004321", "NEFT"
	}
	if badEvery > 0 && i%badEvery == badEvery-1 {
		r.account, r.ifsc, r.vpa, r.mode, r.phone = fmt.Sprintf("50100%09d", i), "HDFC001234", "", "NEFT", ""
	}
	return r
}

// indianRupees formats paise as finance teams write it: "1,25,000.50" (lakh grouping).
func indianRupees(p int64) string {
	rupees, paise := p/100, p%100
	s := strconv.FormatInt(rupees, 10)
	if len(s) > 3 {
		head, tail := s[:len(s)-3], s[len(s)-3:]
		grouped := ""
		for len(head) > 2 {
			grouped = "," + head[len(head)-2:] + grouped
			head = head[:len(head)-2]
		}
		s = head + grouped + "," + tail
	}
	return fmt.Sprintf("%s.%02d", s, paise)
}

// writePayoutCSV writes n payout rows to path, deterministically, and returns the number of
// rows meant to be rejected.
func writePayoutCSV(path, prefix string, n, badEvery int) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("generate %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	bad := 0
	fmt.Fprintln(w, "Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode,Remark,Email,Phone")
	for i := range n {
		r := payoutRow(prefix, i, badEvery)
		if badEvery > 0 && i%badEvery == badEvery-1 {
			bad++
		}
		fmt.Fprintf(w, "%s,%s,%s,%s,%s,\"%s\",%s,%s,%s,%s\n", r.ref, r.name, r.account, r.ifsc, r.vpa, indianRupees(r.paise), r.mode, r.remark, r.email, r.phone)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, fmt.Errorf("generate %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("generate %s: %w", path, err)
	}
	return bad, nil
}

// writePayoutXLSX writes n payout rows to path with excelize's StreamWriter, as a finance
// team's workbook holds them: amounts as numbers, account numbers and phones as text.
func writePayoutXLSX(path, prefix string, n, badEvery int) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Payouts"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return 0, fmt.Errorf("generate %s: %w", path, err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return 0, fmt.Errorf("generate %s: %w", path, err)
	}
	header := make([]any, len(payoutHeader))
	for i, h := range payoutHeader {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, fmt.Errorf("generate %s: %w", path, err)
	}
	bad := 0
	row := make([]any, len(payoutHeader))
	for i := range n {
		r := payoutRow(prefix, i, badEvery)
		if badEvery > 0 && i%badEvery == badEvery-1 {
			bad++
		}
		row[0], row[1], row[2], row[3], row[4] = r.ref, r.name, orNil(r.account), orNil(r.ifsc), orNil(r.vpa)
		row[5], row[6], row[7], row[8], row[9] = float64(r.paise)/100, r.mode, r.remark, orNil(r.email), orNil(r.phone)
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return 0, err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return 0, fmt.Errorf("generate %s: %w", path, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, fmt.Errorf("generate %s: %w", path, err)
	}
	if err := f.SaveAs(path); err != nil {
		return 0, fmt.Errorf("generate %s: %w", path, err)
	}
	return bad, nil
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// settledItems returns n successful payout items of one file, as the ledger would hand them
// to the report writer.
func settledItems(n int) ([]domain.Item, domain.Tally, error) {
	items := make([]domain.Item, n)
	var tally domain.Tally
	for i := range items {
		r := payoutRow("PAY-R", i, 0)
		amount := domain.Paise(r.paise)
		payload, err := domain.EncodeRecord(domain.Payout{Reference: r.ref, BeneficiaryName: r.name, AccountNumber: r.account,
			IFSC: r.ifsc, VPA: r.vpa, Amount: amount, Mode: r.mode, Remark: r.remark})
		if err != nil {
			return nil, tally, err
		}
		items[i] = domain.Item{ID: int64(i + 1), FileID: 1, File: "payouts_bench.csv", Kind: domain.KindPayouts, Line: i + 2,
			Reference: r.ref, Amount: amount, Status: domain.StatusSuccess, Payload: payload,
			Provider: domain.ProviderState{BatchID: fmt.Sprintf("BT%018d", i/500), ProviderID: "EKT" + r.ref[6:],
				Status: "SUCCESS", Amount: amount, UTR: "UTR" + r.ref[6:]}}
		tally.In.Add(amount)
		tally.Add(domain.BucketSuccess, amount)
	}
	return items, tally, nil
}
