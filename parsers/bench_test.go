package parsers_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"testing"

	"enkashbatch/parsers"
)

func BenchmarkParseAmount(b *testing.B) {
	inputs := []string{"1,23,456.50", "123456.5", "₹ 1,250", "INR 1250.00", "Rs. 1250", "1250/-", "4500"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := parsers.ParseAmount(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPayoutBuild(b *testing.B) {
	c, err := parsers.NewCells(parsers.Payouts, payoutHeader)
	if err != nil {
		b.Fatal(err)
	}
	row := []string{"PAY-20261123-0001", "Ramesh Kumar Sharma", "50100234567891", "HDFC0001234", "", "1,25,000.00",
		"NEFT", "Nov 2026 salary", "ramesh.sharma@example.in", "9876543210", ""}
	b.ReportAllocs()
	for b.Loop() {
		c.Reset(2, row)
		if _, errs := parsers.Payouts.Build(c); errs != nil {
			b.Fatal(errs)
		}
	}
}

func BenchmarkHeaderMatch(b *testing.B) {
	header := []string{"Txn Ref", "Payee Name", "A/c No", "IFSC Code", "UPI ID", "Amount (₹)", "Payment Mode", "Narration", "Email ID", "Mobile", "Branch"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parsers.NewCells(parsers.Payouts, header); err != nil {
			b.Fatal(err)
		}
	}
}

// payoutCSV generates n valid payout rows with a header.
func payoutCSV(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode,Remark,Email,Phone\n")
	for i := range n {
		if i%4 == 3 {
			fmt.Fprintf(&buf, "PAY-20261123-%07d,Arjun Reddy,,,arjun%d@ybl,\"1,%03d.50\",UPI,Team lunch,,9000012345\n", i, i, i%1000)
			continue
		}
		fmt.Fprintf(&buf, "PAY-20261123-%07d,Ramesh Kumar Sharma,50100%09d,HDFC0001234,,\"1,25,%03d.00\",NEFT,Nov 2026 salary,ramesh@example.in,\n", i, i, i%1000)
	}
	return buf.Bytes()
}

func BenchmarkCSVRead(b *testing.B) {
	const n = 100_000
	data := payoutCSV(n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := parsers.Open("payouts.csv", bytes.NewReader(data), nil)
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for row, err := range r.Rows() {
			if err != nil || row.Errors != nil {
				b.Fatal(err, row.Errors)
			}
			rows++
		}
		if rows != n {
			b.Fatalf("%d rows", rows)
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCSVBare is the floor BenchmarkCSVRead is measured against: encoding/csv alone
// over the same rows.
func BenchmarkCSVBare(b *testing.B) {
	const n = 100_000
	data := payoutCSV(n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		cr := csv.NewReader(bytes.NewReader(data))
		rows := -1
		for {
			_, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		if rows != n {
			b.Fatalf("%d rows", rows)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
