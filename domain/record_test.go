package domain_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
)

// storedForms are payloads of every kind as ledgers hold them, written before the item amount
// and reference left the payload (so they still carry them, under other values than the
// columns'). A renamed JSON tag would leave a field of these blank: this table fails first.
var storedForms = []struct {
	kind      domain.Kind
	payload   string
	reference string       // the ledger's reference column
	amount    domain.Paise // the ledger's amount column
	want      domain.Record
}{
	{domain.KindPayouts, `{"reference":"pay-1 (old copy)","beneficiary_name":"Sharma and Sons Pvt Ltd","beneficiary_name_as_written":"Sharma & Sons Pvt. Ltd.",` +
		`"account_number":"50100234567891","ifsc":"HDFC0001234","vpa":"","amount":1,"mode":"NEFT","remark":"Nov salary","remark_as_written":"Nov salary!",` +
		`"email":"a@b.in","phone":"9876543210","beneficiary_id":"BEN1"}`, "PAY-1", 125050,
		domain.Payout{Reference: "PAY-1", BeneficiaryName: "Sharma and Sons Pvt Ltd", BeneficiaryNameAsWritten: "Sharma & Sons Pvt. Ltd.",
			AccountNumber: "50100234567891", IFSC: "HDFC0001234", Amount: 125050, Mode: "NEFT", Remark: "Nov salary", RemarkAsWritten: "Nov salary!",
			Email: "a@b.in", Phone: "9876543210", BeneficiaryID: "BEN1"}},
	{domain.KindCustomers, `{"reference":"cust-1 (old copy)","legal_name":"Balaji Traders","gstin":"27AAPFU0939F1ZV","pan":"AAPFU0939F","contact_name":"Ravi",` +
		`"mobile":"9876543210","email":"r@b.in","address":"1 MG Road","state":"Maharashtra","pincode":"411001","account_number":"123456789","ifsc":"SBIN0000001"}`, "CUST-1", 0,
		domain.Customer{Reference: "CUST-1", LegalName: "Balaji Traders", GSTIN: "27AAPFU0939F1ZV", PAN: "AAPFU0939F", ContactName: "Ravi",
			Mobile: "9876543210", Email: "r@b.in", Address: "1 MG Road", State: "Maharashtra", PIN: "411001", AccountNumber: "123456789", IFSC: "SBIN0000001"}},
	{domain.KindInvoices, `{"invoice_number":"inv-1 (old copy)","customer_reference":"CUST-1","customer_id":"KC00000000000001","invoice_date":"2026-11-01T00:00:00Z",` +
		`"due_date":"2026-12-01T00:00:00Z","base_amount":100000,"cgst":9000,"sgst":9000,"igst":0,"tds":2000,"net_amount":5,"description":"Nov","po_number":"PO-9"}`, "INV-1", 116000,
		domain.Invoice{InvoiceNumber: "INV-1", CustomerReference: "CUST-1", CustomerID: "KC00000000000001", InvoiceDate: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			DueDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), BaseAmount: 100000, CGST: 9000, SGST: 9000, TDS: 2000, NetAmount: 116000,
			Description: "Nov", PONumber: "PO-9"}},
	{domain.KindBills, `{"reference":"eb-7 (old copy)","biller_id":"77","consumer_number":"K-9981","ad1":"x","ad2":"y","amount":3,"due_date":"2026-12-05",` +
		`"bill_date":"2026-11-20","circle":"Mumbai","remarks":"office"}`, "EB-7", 149900,
		domain.Bill{Reference: "EB-7", BillerID: "77", ConsumerNumber: "K-9981", AD1: "x", AD2: "y", Amount: 149900, DueDate: "2026-12-05",
			BillDate: "2026-11-20", Circle: "Mumbai", Remarks: "office"}},
}

func TestDecodeRecord_StoredForms(t *testing.T) {
	t.Parallel()
	seen := map[domain.Kind]bool{}
	for _, c := range storedForms {
		seen[c.kind] = true
		got, err := domain.DecodeRecord(c.kind, []byte(c.payload), c.reference, c.amount)
		if err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		if !equalRecords(got, c.want) {
			t.Errorf("%s: decoded %+v\nwant %+v", c.kind, got, c.want)
		}
		if got.Kind() != c.kind || got.ItemAmount() != c.amount || got.ItemReference() != c.reference {
			t.Errorf("%s: kind %s, reference %q, amount %d; the columns hold %q and %d", c.kind, got.Kind(), got.ItemReference(), got.ItemAmount(), c.reference, c.amount)
		}
		// Every field of the type is filled by the stored form: no tag was renamed away.
		v := reflect.ValueOf(got)
		for i := range v.NumField() {
			if f := v.Type().Field(i); v.Field(i).IsZero() && f.Name != "VPA" && f.Name != "IGST" {
				t.Errorf("%s: field %s is blank after decoding", c.kind, f.Name)
			}
		}
	}
	for _, k := range domain.Kinds {
		if !seen[k] || !domain.HasRecord(k) {
			t.Errorf("kind %s has no stored form under test or no record type", k)
		}
	}
}

// positionalForms are payloads of every kind as this version stores them: fields by position.
// Moving a field in a storedFields list fails this table.
var positionalForms = []struct {
	kind    domain.Kind
	payload string
	want    domain.Record // with reference "R-1" and amount 4200 from the columns
}{
	{domain.KindPayouts, `["Sharma and Sons Pvt Ltd","Sharma \u0026 Sons Pvt. Ltd.","50100234567891","HDFC0001234","","NEFT","Nov salary","Nov salary!","a@b.in","9876543210","BEN1"]`,
		domain.Payout{Reference: "R-1", BeneficiaryName: "Sharma and Sons Pvt Ltd", BeneficiaryNameAsWritten: "Sharma & Sons Pvt. Ltd.",
			AccountNumber: "50100234567891", IFSC: "HDFC0001234", Amount: 4200, Mode: "NEFT", Remark: "Nov salary", RemarkAsWritten: "Nov salary!",
			Email: "a@b.in", Phone: "9876543210", BeneficiaryID: "BEN1"}},
	{domain.KindPayouts, `["Ravi","","","","ravi@okhdfc","UPI"]`,
		domain.Payout{Reference: "R-1", BeneficiaryName: "Ravi", VPA: "ravi@okhdfc", Mode: "UPI", Amount: 4200}},
	{domain.KindCustomers, `["Balaji Traders","27AAPFU0939F1ZV","AAPFU0939F","Ravi","9876543210","r@b.in","1 MG Road","Maharashtra","411001","123456789","SBIN0000001"]`,
		domain.Customer{Reference: "R-1", LegalName: "Balaji Traders", GSTIN: "27AAPFU0939F1ZV", PAN: "AAPFU0939F", ContactName: "Ravi",
			Mobile: "9876543210", Email: "r@b.in", Address: "1 MG Road", State: "Maharashtra", PIN: "411001", AccountNumber: "123456789", IFSC: "SBIN0000001"}},
	{domain.KindInvoices, `["CUST-1","KC00000000000001","2026-11-01T00:00:00Z","2026-12-01T00:00:00Z",100000,9000,9000,0,2000,"Nov","PO-9"]`,
		domain.Invoice{InvoiceNumber: "R-1", CustomerReference: "CUST-1", CustomerID: "KC00000000000001", InvoiceDate: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			DueDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), BaseAmount: 100000, CGST: 9000, SGST: 9000, TDS: 2000, NetAmount: 4200,
			Description: "Nov", PONumber: "PO-9"}},
	{domain.KindBills, `["77","K-9981","x","y","2026-12-05","2026-11-20","Mumbai","office"]`,
		domain.Bill{Reference: "R-1", BillerID: "77", ConsumerNumber: "K-9981", AD1: "x", AD2: "y", Amount: 4200, DueDate: "2026-12-05",
			BillDate: "2026-11-20", Circle: "Mumbai", Remarks: "office"}},
}

func TestDecodeRecord_PositionalForms(t *testing.T) {
	t.Parallel()
	for _, c := range positionalForms {
		got, err := domain.DecodeRecord(c.kind, []byte(c.payload), "R-1", 4200)
		if err != nil {
			t.Fatalf("%s %s: %v", c.kind, c.payload, err)
		}
		if !equalRecords(got, c.want) {
			t.Errorf("%s: decoded %+v\nwant %+v", c.kind, got, c.want)
		}
		// What this version writes is what it reads: the same bytes.
		b, err := domain.EncodeRecord(c.want)
		if err != nil || string(b) != c.payload {
			t.Errorf("%s: encoded %s, %v\nwant %s", c.kind, b, err, c.payload)
		}
	}
}

func TestEncodeRecord_HoldsNoColumn(t *testing.T) {
	t.Parallel()
	for _, c := range storedForms {
		b, err := domain.EncodeRecord(c.want)
		if err != nil {
			t.Fatal(err)
		}
		if b[0] != '[' {
			t.Errorf("%s: the stored form is not an array of fields: %s", c.kind, b)
		}
		if ref := c.want.ItemReference(); strings.Contains(string(b), ref) {
			t.Errorf("%s: the stored form holds the reference %q, a second copy of the ledger's reference column: %s", c.kind, ref, b)
		}
		if amount := strconv.FormatInt(int64(c.want.ItemAmount()), 10); c.want.ItemAmount() != 0 && strings.Contains(string(b), amount) {
			t.Errorf("%s: the stored form holds the amount %s, a second copy of the ledger's amount column: %s", c.kind, amount, b)
		}
		back, err := domain.DecodeRecord(c.kind, b, c.want.ItemReference(), c.want.ItemAmount())
		if err != nil || !equalRecords(back, c.want) {
			t.Errorf("%s: round trip = %+v, %v; want %+v", c.kind, back, err, c.want)
		}
	}
}

// TestStoredFieldSQL_EveryField checks that every field of every record type is stored (its
// tag has a position), but the item reference and amount, which the ledger's columns hold.
func TestStoredFieldSQL_EveryField(t *testing.T) {
	t.Parallel()
	for _, c := range storedForms {
		typ := reflect.TypeOf(c.want)
		for i := range typ.NumField() {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if tag == "-" || tag == "reference" || tag == "invoice_number" {
				continue
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s field %s (%q) is not stored: %v", c.kind, typ.Field(i).Name, tag, r)
					}
				}()
				sql := domain.StoredFieldSQL(c.kind, tag, "payload")
				if !strings.Contains(sql, "'$.") || !strings.Contains(sql, "'$[") {
					t.Errorf("%s field %s: %s reads only one stored form", c.kind, tag, sql)
				}
			}()
		}
	}
}

func TestDecodeRecord_Refusals(t *testing.T) {
	t.Parallel()
	if _, err := domain.DecodeRecord("refunds", []byte(`{}`), "R-1", 0); err == nil || !strings.Contains(err.Error(), "refunds") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := domain.DecodeRecord(domain.KindPayouts, nil, "PAY-1", 100); err == nil || !strings.Contains(err.Error(), "rejected row") {
		t.Errorf("no payload: %v", err)
	}
	if _, err := domain.DecodeRecord(domain.KindPayouts, []byte(`{"reference":`), "PAY-1", 100); err == nil {
		t.Error("a damaged payload decoded")
	}
	if _, err := domain.DecodeRecord(domain.KindBills, []byte(`["77","K-9981","","","","","","","a field of a newer version"]`), "EB-1", 0); err == nil || !strings.Contains(err.Error(), "newer version") {
		t.Errorf("a stored form with more fields than known: %v", err)
	}
	it := domain.Item{Kind: domain.KindPayouts, File: "p.csv", Line: 3, Reference: "PAY-3", Amount: 100, Payload: []byte(`{"reference":"PAY-3"}`)}
	if _, err := domain.RecordAs[domain.Bill](it); err == nil || !strings.Contains(err.Error(), "PAY-3") || !strings.Contains(err.Error(), "p.csv line 3") {
		t.Errorf("a payout read as a bill: %v", err)
	}
	if p, err := domain.RecordAs[domain.Payout](it); err != nil || p.Amount != 100 || p.Reference != "PAY-3" {
		t.Errorf("RecordAs = %+v, %v", p, err)
	}
}

// equalRecords compares records, times by instant.
func equalRecords(a, b domain.Record) bool {
	ai, aok := a.(domain.Invoice)
	bi, bok := b.(domain.Invoice)
	if aok && bok {
		if !ai.InvoiceDate.Equal(bi.InvoiceDate) || !ai.DueDate.Equal(bi.DueDate) {
			return false
		}
		ai.InvoiceDate, ai.DueDate, bi.InvoiceDate, bi.DueDate = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		return ai == bi
	}
	return a == b
}

func TestTallyByKind(t *testing.T) {
	t.Parallel()
	line := func(in, ok, bad int, paise domain.Paise) domain.Tally {
		var t domain.Tally
		for range in {
			t.In.Add(paise)
		}
		for range ok {
			t.Add(domain.BucketSuccess, paise)
		}
		for range bad {
			t.Add(domain.BucketRejected, paise)
		}
		return t
	}
	files := []domain.FileSummary{
		{Name: "bills.csv", Kind: domain.KindBills, Tally: line(2, 2, 0, 100)},
		{Name: "refunds.csv", Kind: "refunds", Tally: line(1, 1, 0, 5)},
		{Name: "p1.csv", Kind: domain.KindPayouts, Tally: line(3, 2, 1, 1000)},
		{Name: "c.csv", Kind: domain.KindCustomers, Tally: line(1, 1, 0, 0)},
		{Name: "p2.csv", Kind: domain.KindPayouts, Tally: line(2, 1, 0, 1000)}, // one row lost
	}
	got := domain.TallyByKind(files)
	var kinds []string
	for _, k := range got {
		kinds = append(kinds, string(k.Kind))
	}
	if strings.Join(kinds, " ") != "customers payouts bills refunds" {
		t.Fatalf("kinds in order %v", kinds)
	}
	p := got[1]
	if p.Files != 2 || p.Tally.In != (domain.Money{Count: 5, Paise: 5000}) || p.Tally.Success.Count != 3 || p.Tally.Rejected.Count != 1 {
		t.Errorf("payouts = %+v", p)
	}
	if p.Tally.TiesOut() || p.Tally.CountsTieOut() || p.Tally.PaiseTieOut() || p.Tally.Accounted() != (domain.Money{Count: 4, Paise: 4000}) {
		t.Errorf("a lost row ties out: %+v", p.Tally)
	}
	if !got[0].Tally.TiesOut() || !got[2].Tally.TiesOut() {
		t.Error("a complete file does not tie out")
	}
	// Counts may tie out while rupees do not.
	odd := line(1, 1, 0, 100)
	odd.Success.Paise = 90
	if !odd.CountsTieOut() || odd.PaiseTieOut() || odd.TiesOut() {
		t.Errorf("counts tie %v, paise tie %v", odd.CountsTieOut(), odd.PaiseTieOut())
	}
}
