package domain

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Record is one row of a file as its kind's typed value: a Payout, a Customer, an Invoice or a
// Bill. Its reference and amount are read from the value itself, never carried beside it, so
// that the ledger's columns, what Enkash receives and the workbook's cells come from one place.
// Only the types of this package are Records.
type Record interface {
	// Kind is the file kind the record belongs to.
	Kind() Kind
	// ItemReference is the reference the item is known by, unique within its kind (the
	// payout's transactionId, the customer's uniqueRefNo, the invoice number...).
	ItemReference() string
	// ItemAmount is the item's amount in paise: the payout's amount, the invoice's net amount,
	// the bill's amount (0: fetched from the biller), nothing for a customer.
	ItemAmount() Paise
	// withColumns returns the record with its item reference and amount set to ref and p: the
	// ledger's columns (see DecodeRecord).
	withColumns(ref string, p Paise) Record
}

// Kind, ItemReference, ItemAmount and withColumns of each kind's record.
func (Payout) Kind() Kind                                 { return KindPayouts }
func (p Payout) ItemReference() string                    { return p.Reference }
func (p Payout) ItemAmount() Paise                        { return p.Amount }
func (p Payout) withColumns(ref string, a Paise) Record   { p.Reference, p.Amount = ref, a; return p }
func (Customer) Kind() Kind                               { return KindCustomers }
func (c Customer) ItemReference() string                  { return c.Reference }
func (Customer) ItemAmount() Paise                        { return 0 }
func (c Customer) withColumns(ref string, _ Paise) Record { c.Reference = ref; return c }
func (Invoice) Kind() Kind                                { return KindInvoices }
func (i Invoice) ItemReference() string                   { return i.InvoiceNumber }
func (i Invoice) ItemAmount() Paise                       { return i.NetAmount }
func (i Invoice) withColumns(ref string, a Paise) Record {
	i.InvoiceNumber, i.NetAmount = ref, a
	return i
}
func (Bill) Kind() Kind                               { return KindBills }
func (b Bill) ItemReference() string                  { return b.Reference }
func (b Bill) ItemAmount() Paise                      { return b.Amount }
func (b Bill) withColumns(ref string, a Paise) Record { b.Reference, b.Amount = ref, a; return b }

// The stored schema of a record, owned here and nowhere else: the record's JSON by the tags of
// its type, WITHOUT its item reference and item amount. The ledger keeps them in its reference
// and amount columns, the one copy of each from the file's cell to the workbook's cell:
// DecodeRecord puts them back. (The amount field's tag is "-"; the reference's is omitempty,
// and EncodeRecord blanks it.) Payloads written before the amount and the reference left them
// hold the amount under "amount" (payouts, bills) or "net_amount" (invoices) and the reference
// under "reference" or "invoice_number"; the columns, written from the same values, win.
// Renaming a tag changes the stored schema: the decoding test of every kind's stored form
// (record_test.go) fails first.

// decoders decodes the stored form of each kind's record.
var decoders = map[Kind]func(payload []byte) (Record, error){
	KindPayouts:   decodeAs[Payout],
	KindCustomers: decodeAs[Customer],
	KindInvoices:  decodeAs[Invoice],
	KindBills:     decodeAs[Bill],
}

// HasAmounts reports whether the records of kind k carry an amount: a customer has none, so
// sentences in rupees about customers say nothing and are left out.
func HasAmounts(k Kind) bool { return k != KindCustomers }

// HasRecord reports whether kind k has a record type and its stored schema.
func HasRecord(k Kind) bool { _, ok := decoders[k]; return ok }

// EncodeRecord returns the stored form of r, for the ledger's payload column: r without its
// item reference and amount, which the ledger's columns hold.
func EncodeRecord(r Record) ([]byte, error) {
	if r == nil {
		return nil, errors.New("encode record: no record")
	}
	b, err := json.Marshal(r.withColumns("", 0))
	if err != nil {
		return nil, fmt.Errorf("encode %s record %s: %w", r.Kind(), r.ItemReference(), err)
	}
	return b, nil
}

// DecodeRecord returns the record of kind k stored as payload, with reference and amount (the
// ledger's reference and amount columns) as its item reference and item amount.
func DecodeRecord(k Kind, payload []byte, reference string, amount Paise) (Record, error) {
	decode, ok := decoders[k]
	if !ok {
		return nil, fmt.Errorf("decode record: kind %q has no record type", k)
	}
	if len(payload) == 0 {
		return nil, fmt.Errorf("decode %s record: no stored record (a rejected row has none)", k)
	}
	r, err := decode(payload)
	if err != nil {
		return nil, fmt.Errorf("decode %s record: %w", k, err)
	}
	return r.withColumns(reference, amount), nil
}

func decodeAs[T Record](payload []byte) (Record, error) {
	var v T
	if err := json.Unmarshal(payload, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// RecordAs returns the record of item it as a T, decoded by DecodeRecord, or an error naming
// the item when it holds none or one of another type.
func RecordAs[T Record](it Item) (T, error) {
	var zero T
	r, err := it.Record()
	if err != nil {
		return zero, err
	}
	v, ok := r.(T)
	if !ok {
		return zero, fmt.Errorf("item %s (%s line %d): a %s record, not a %s one", it.Reference, it.File, it.Line, r.Kind(), zero.Kind())
	}
	return v, nil
}

// Record returns the item's validated record, decoded from its stored form with the item's
// amount. A rejected item has none.
func (it Item) Record() (Record, error) {
	r, err := DecodeRecord(it.Kind, it.Payload, it.Reference, it.Amount)
	if err != nil {
		return nil, fmt.Errorf("item %s (%s line %d): %w", it.Reference, it.File, it.Line, err)
	}
	return r, nil
}
