package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/report"
)

// packetItem returns a valid payout item of payouts_nov.csv.
func packetItem(t *testing.T, id int64, line int, ref, name, to, mode string, paise domain.Paise) domain.Item {
	t.Helper()
	p := domain.Payout{Reference: ref, BeneficiaryName: name, Mode: mode, Amount: paise}
	if acct, ifsc, ok := strings.Cut(to, "/"); ok {
		p.AccountNumber, p.IFSC = acct, ifsc
	} else {
		p.VPA = to
	}
	payload, err := domain.EncodeRecord(p)
	if err != nil {
		t.Fatal(err)
	}
	return domain.Item{ID: id, FileID: 7, File: "payouts_nov.csv", Kind: domain.KindPayouts, Line: line, Reference: ref, Amount: paise,
		Status: "awaiting_approval", Payload: payload}
}

// packetFixture is the packet of a payouts file of 5 rows, one rejected, written at 21:30 IST
// (after the NEFT cut-off).
func packetFixture(t *testing.T) report.Approval {
	ist := time.FixedZone("IST", 5*3600+1800)
	big := packetItem(t, 1, 2, "PAY-001", "Sharma & Sons Pvt. Ltd.", "50100012345678/HDFC0001234", "IMPS", 1_95_000_00)
	neft := packetItem(t, 2, 3, "PAY-002", "Meena Iyer", "60200098765432/ICIC0000456", "NEFT", 12_50_000_00)
	upi := packetItem(t, 3, 4, "PAY-003", "Ravi Kumar", "9876543210@ybl", "UPI", 1_500_00)
	again := packetItem(t, 4, 5, "PAY-004", "Ravi Kumar", "9876543210@ybl", "UPI", 1_500_00)
	var tally domain.Tally
	for _, p := range []domain.Paise{1_95_000_00, 12_50_000_00, 1_500_00, 1_500_00, 3_00_000_00} {
		tally.In.Add(p)
	}
	tally.Rejected.Add(3_00_000_00)
	for _, p := range []domain.Paise{1_95_000_00, 12_50_000_00, 1_500_00, 1_500_00} {
		tally.Open.Add(p)
	}
	return report.Approval{
		File: domain.FileSummary{ID: 7, Name: "payouts_nov.csv", Kind: domain.KindPayouts, Status: "accepted",
			SHA256:     "9f2c1a7be0d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a",
			ReceivedAt: time.Date(2026, 11, 20, 15, 40, 0, 0, time.UTC), Tally: tally},
		Maker:       "asha",
		GeneratedAt: time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC), // 21:30 IST
		Location:    ist,
		Sandbox:     true,
		Groups: []domain.PacketGroup{{Name: "IMPS", Count: 1, Paise: 1_95_000_00}, {Name: "NEFT", Count: 1, Paise: 12_50_000_00},
			{Name: "UPI", Count: 2, Paise: 3_000_00}},
		Largest:       []domain.Item{neft, big, upi, again},
		NearIMPS:      []domain.Item{big},
		NearIMPSCount: 1,
		FirstTime:     seq([]domain.FirstTimePayee{{First: neft, Count: 1, Paise: 12_50_000_00}, {First: upi, Count: 2, Paise: 3_000_00}}, nil),
		Duplicates: seq([]domain.PossibleDuplicate{
			{Item: big, OtherReference: "OCT-118", OtherFile: "payouts_oct.csv", OtherLine: 9, OtherStatus: domain.StatusSuccess,
				OtherAt: time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC)},
			{Item: again, OtherReference: "PAY-003", OtherFile: "payouts_nov.csv", OtherLine: 4, OtherStatus: "awaiting_approval",
				OtherAt: time.Date(2026, 11, 20, 15, 40, 0, 0, time.UTC), SameFile: true},
		}, nil),
		DuplicateWindow: 30 * 24 * time.Hour,
	}
}

func writePacket(t *testing.T, a report.Approval) *excelize.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), report.ApprovalPacketName(a.File, a.Location))
	if err := report.WriteApprovalPacket(path, a); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// allText returns every cell of every sheet, one line per row.
func allText(t *testing.T, f *excelize.File) string {
	t.Helper()
	var buf bytes.Buffer
	for _, s := range f.GetSheetList() {
		name, _ := json.Marshal(s)
		buf.WriteString("sheet " + string(name) + "\n")
		for _, row := range rawRows(t, f, s) {
			b, err := json.Marshal(row)
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(b)
			buf.WriteByte('\n')
		}
	}
	return buf.String()
}

func TestWriteApprovalPacket(t *testing.T) {
	f := writePacket(t, packetFixture(t))
	text := allText(t, f)

	t.Run("sheets", func(t *testing.T) {
		want := []string{"Summary", "First-time beneficiaries", "Possible duplicates"}
		if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("sheets = %q, want %q", got, want)
		}
	})
	t.Run("accounts and VPAs masked but for the last four", func(t *testing.T) {
		for _, full := range []string{"50100012345678", "60200098765432", "9876543210@ybl"} {
			if strings.Contains(text, full) {
				t.Errorf("the packet shows %s in full", full)
			}
		}
		for _, masked := range []string{"XXXXXXXXXX5678", "XXXXXXXXXX5432", "XXXXXX3210@ybl"} {
			if !strings.Contains(text, masked) {
				t.Errorf("the packet does not show %s", masked)
			}
		}
	})
	t.Run("totals tie to the valid rows", func(t *testing.T) {
		if !strings.Contains(text, "Rows to approve 4, ₹14,48,000.00 = rows in 5 − rejected 1, ₹17,48,000.00 − ₹3,00,000.00 — ties out") {
			t.Errorf("no tie-out line in:\n%s", text)
		}
	})
	t.Run("checks and notes", func(t *testing.T) {
		for _, want := range []string{
			"First-time beneficiaries: 2 accounts or VPAs never paid before (3 rows, ₹12,53,000.00 in this file)",
			"Possible duplicates: 2 rows (₹1,96,500.00)",
			"1 IMPS row is close to it (₹1,80,000.00 or more): PAY-001 (line 2, ₹1,95,000.00)",
			"written at 21:30 IST, outside NEFT hours",
			`"this file"`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("no %q in:\n%s", want, text)
			}
		}
	})
	t.Run("totals that do not tie out say so", func(t *testing.T) {
		a := packetFixture(t)
		a.Groups = a.Groups[:2]
		text := allText(t, writePacket(t, a))
		if !strings.Contains(text, "DOES NOT TIE OUT: the valid rows are 4, ₹14,48,000.00. Do not approve") {
			t.Errorf("no mismatch line in:\n%s", text)
		}
	})
}

func TestApprovalPacketName(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	f := domain.FileSummary{ID: 42, Name: "payouts_nov.csv", ReceivedAt: time.Date(2026, 11, 20, 15, 40, 0, 0, time.UTC)}
	if got, want := report.ApprovalPacketName(f, ist), "approval-0042-payouts_nov-2026-11-20-2110.xlsx"; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
}

func TestWriteApprovalPacket_Golden(t *testing.T) {
	b := []byte(allText(t, writePacket(t, packetFixture(t))))
	checkGolden(t, "approval.golden.txt", b)
}

// TestWriteApprovalPacket_Bills: a bills packet totals by biller, lists the largest bills with
// biller and consumer number, says which bills take the biller's amount, and has no payee
// sheets.
func TestWriteApprovalPacket_Bills(t *testing.T) {
	bill := func(id int64, line int, ref, biller, consumer string, paise domain.Paise) domain.Item {
		payload, err := domain.EncodeRecord(domain.Bill{Reference: ref, BillerID: biller, ConsumerNumber: consumer, DueDate: "2026-11-28", Amount: paise})
		if err != nil {
			t.Fatal(err)
		}
		return domain.Item{ID: id, FileID: 8, Kind: domain.KindBills, Line: line, Reference: ref, Amount: paise, Payload: payload}
	}
	var tally domain.Tally
	for _, p := range []domain.Paise{4_210_00, 0, 18_999_50} {
		tally.In.Add(p)
		tally.Open.Add(p)
	}
	a := report.Approval{
		File:        domain.FileSummary{ID: 8, Name: "bills_nov.xlsx", Kind: domain.KindBills, SHA256: "ab12", ReceivedAt: time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC), Tally: tally},
		GeneratedAt: time.Date(2026, 11, 20, 6, 5, 0, 0, time.UTC),
		Location:    time.UTC,
		Groups:      []domain.PacketGroup{{Name: "101", Count: 2, Paise: 4_210_00, Unpriced: 1}, {Name: "202", Count: 1, Paise: 18_999_50}},
		Largest:     []domain.Item{bill(3, 4, "BILL-3", "202", "CN-77", 18_999_50), bill(1, 2, "BILL-1", "101", "CN-12", 4_210_00), bill(2, 3, "BILL-2", "101", "CN-13", 0)},
	}
	f := writePacket(t, a)
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Summary" {
		t.Fatalf("sheets = %q, want only Summary", got)
	}
	text := allText(t, f)
	for _, want := range []string{
		`["Biller","Rows","Amount ₹"]`, `["101","2","4210"]`, `["202","1","18999.5"]`, `["Total","3","23209.5"]`,
		`["Reference","Biller","Consumer number","Due date","From","Amount ₹"]`, `["BILL-3","202","CN-77"`, `"biller","0"]`,
		"1 bill without an amount in the file: the biller's amount due is fetched and paid", "— ties out",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %s in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "NEFT") || strings.Contains(text, "IMPS") {
		t.Errorf("a bills packet with notes on payout rails:\n%s", text)
	}
}

// TestWriteApprovalPacket_LongListsAreCut: a file of many first-time payees lists the first
// 5,000 and says how many more there are, while the Summary still counts every one.
func TestWriteApprovalPacket_LongListsAreCut(t *testing.T) {
	a := packetFixture(t)
	const payees = 5003
	rows := make([]domain.FirstTimePayee, payees)
	for i := range rows {
		rows[i] = domain.FirstTimePayee{First: packetItem(t, int64(100+i), 10+i, fmt.Sprintf("PAY-%05d", i), "Asha Rao",
			fmt.Sprintf("501000%08d/HDFC0001234", i), "NEFT", 1_000_00), Count: 1, Paise: 1_000_00}
	}
	a.FirstTime = seq(rows, nil)
	f := writePacket(t, a)
	listed := rawRows(t, f, "First-time beneficiaries")
	last := listed[len(listed)-1]
	if !strings.Contains(last[0], "and 3 more not listed here") {
		t.Errorf("last row = %q, want it to say 3 more are not listed", last)
	}
	if data := len(listed) - 3; data != 5000 { // title, header and the "more" row
		t.Errorf("%d payees listed, want 5000", data)
	}
	if !strings.Contains(allText(t, f), "5003 accounts or VPAs") {
		t.Errorf("the Summary does not count all 5003 first-time payees:\n%s", allText(t, f))
	}
}
