package domain

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzEncodeRecord checks the stored form against encoding/json's own encoding of the stored
// fields, byte for byte, whatever the text: escapes, non-ASCII, invalid UTF-8.
func FuzzEncodeRecord(f *testing.F) {
	for _, s := range []string{"Ramesh Kumar Sharma", "Sharma & Sons <Pvt>", `a"b\c`, "tab\there", "Zoë", "\u2028", "\xff\xfe", ""} {
		f.Add(s, "50100234567891", int64(125050))
	}
	f.Fuzz(func(t *testing.T, name, account string, paise int64) {
		records := []Record{
			Payout{Reference: "P-1", BeneficiaryName: name, AccountNumber: account, Mode: "NEFT", Remark: name, Amount: Paise(paise)},
			Invoice{InvoiceNumber: "I-1", CustomerReference: name, DueDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), BaseAmount: Paise(paise), Description: account},
		}
		for _, r := range records {
			got, err := EncodeRecord(r)
			if err != nil {
				t.Fatal(err)
			}
			var fields []any
			switch v := r.(type) {
			case Payout:
				fields = v.storedFields(nil)
			case Invoice:
				fields = v.storedFields(nil)
			}
			for len(fields) > 0 && isZeroField(fields[len(fields)-1]) {
				fields = fields[:len(fields)-1]
			}
			want, err := json.Marshal(fields)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("stored form %s\nencoding/json %s", got, want)
			}
			back, err := DecodeRecord(r.Kind(), got, r.ItemReference(), r.ItemAmount())
			if err != nil {
				t.Fatal(err)
			}
			// Text that is not UTF-8 is stored with U+FFFD in place of the bad bytes, as
			// encoding/json does; any other text comes back as it was.
			if utf8.ValidString(name) && utf8.ValidString(account) && !reflect.DeepEqual(back, r) {
				t.Fatalf("decoded %+v\nwant %+v", back, r)
			}
		}
	})
}
