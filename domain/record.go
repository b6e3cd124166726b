package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
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

// The stored schema of a record, owned here and nowhere else. A record is stored as a JSON
// array of its fields in the order its storedFields method lists them, e.g. a payout as
// ["Ramesh Kumar Sharma","","50100000000000","ICIC0004321","","NEFT","Nov 2026 payout"]:
// positions rather than names, because ingest writes a million of them a night and the names
// were half of each (docs/performance.md). The order is the schema: a field is only ever
// appended, never moved or removed, and the fields left at their zero value at the end are
// left out. The record's item reference and item amount are not stored: the ledger keeps them
// in its reference and amount columns, the one copy of each from the file's cell to the
// workbook's cell, and DecodeRecord puts them back.
//
// Payloads written by earlier versions are JSON objects keyed by the fields' tags, some still
// holding the reference ("reference", "invoice_number") and the amount ("amount",
// "net_amount"): DecodeRecord reads them by the tags, and the columns, written from the same
// values, win. SQL that reads a field of the payload reads both forms (StoredFieldSQL).
// Renaming a tag or moving a field changes the stored schema: the decoding tests of every
// kind's stored forms (record_test.go) fail first.

// storedFields of each record type appends pointers to its stored fields to dst, in their
// stored order.
func (p *Payout) storedFields(dst []any) []any {
	return append(dst, &p.BeneficiaryName, &p.BeneficiaryNameAsWritten, &p.AccountNumber, &p.IFSC, &p.VPA, &p.Mode,
		&p.Remark, &p.RemarkAsWritten, &p.Email, &p.Phone, &p.BeneficiaryID)
}

func (c *Customer) storedFields(dst []any) []any {
	return append(dst, &c.LegalName, &c.GSTIN, &c.PAN, &c.ContactName, &c.Mobile, &c.Email, &c.Address, &c.State, &c.PIN,
		&c.AccountNumber, &c.IFSC)
}

func (i *Invoice) storedFields(dst []any) []any {
	return append(dst, &i.CustomerReference, &i.CustomerID, &i.InvoiceDate, &i.DueDate, &i.BaseAmount, &i.CGST, &i.SGST,
		&i.IGST, &i.TDS, &i.Description, &i.PONumber)
}

func (b *Bill) storedFields(dst []any) []any {
	return append(dst, &b.BillerID, &b.ConsumerNumber, &b.AD1, &b.AD2, &b.DueDate, &b.BillDate, &b.Circle, &b.Remarks)
}

// storable is a pointer to a record type T that lists its stored fields.
type storable[T Record] interface {
	*T
	storedFields(dst []any) []any
}

// schema is one kind's stored form.
type schema struct {
	encode func(Record) ([]byte, error)
	decode func(payload []byte) (Record, error)
	// position is each stored field's place in the array, by the field's JSON tag.
	position map[string]int
}

// schemas are the stored forms of each kind's record.
var schemas = map[Kind]schema{
	KindPayouts:   schemaOf[Payout](),
	KindCustomers: schemaOf[Customer](),
	KindInvoices:  schemaOf[Invoice](),
	KindBills:     schemaOf[Bill](),
}

func schemaOf[T Record, P storable[T]]() schema {
	var v T
	fields := P(&v).storedFields(nil)
	position := make(map[string]int, len(fields))
	rv := reflect.ValueOf(&v).Elem()
	for i := range rv.NumField() {
		name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		addr := rv.Field(i).Addr().Pointer()
		for at, f := range fields {
			if reflect.ValueOf(f).Pointer() == addr {
				position[name] = at
			}
		}
	}
	scratch := sync.Pool{New: func() any { return new(encoding[T]) }}
	encode := func(r Record) ([]byte, error) { return encodeAs[T, P](&scratch, r) }
	return schema{encode: encode, decode: decodeAs[T, P], position: position}
}

// encoding is encodeAs's scratch space for a T, kept between records (a sync.Pool): ingest
// encodes a million records a night, and a copy of each and the list of its fields were a
// quarter of what it allocated.
type encoding[T any] struct {
	v      T
	fields []any
}

// encodeAs writes the stored form of a T: the JSON array encoding/json writes of its stored
// fields (the tests compare them byte for byte), without the zero fields at its end. A string
// or an amount is written here, the rest by encoding/json: ingest encodes a million records a
// night, and encoding/json's lookup of each element's type was a third of the cost.
func encodeAs[T Record, P storable[T]](scratch *sync.Pool, r Record) ([]byte, error) {
	e := scratch.Get().(*encoding[T])
	defer func() {
		var zero T
		e.v = zero
		clear(e.fields)
		scratch.Put(e)
	}()
	e.v = r.(T)
	e.fields = P(&e.v).storedFields(e.fields[:0])
	fields := e.fields
	for len(fields) > 0 && isZeroField(fields[len(fields)-1]) {
		fields = fields[:len(fields)-1]
	}
	b := make([]byte, 0, 128)
	b = append(b, '[')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendField(b, f); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func isZeroField(f any) bool {
	switch v := f.(type) {
	case *string:
		return *v == ""
	case *Paise:
		return *v == 0
	}
	return reflect.ValueOf(f).Elem().IsZero()
}

// appendField appends the JSON of one stored field, as encoding/json writes it.
func appendField(b []byte, f any) ([]byte, error) {
	switch v := f.(type) {
	case *string:
		for i := 0; i < len(*v); i++ {
			// A character encoding/json escapes or checks: it writes the string.
			if c := (*v)[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				j, err := json.Marshal(*v)
				return append(b, j...), err
			}
		}
		b = append(b, '"')
		b = append(b, *v...)
		return append(b, '"'), nil
	case *Paise:
		return strconv.AppendInt(b, int64(*v), 10), nil
	}
	j, err := json.Marshal(f)
	return append(b, j...), err
}

func decodeAs[T Record, P storable[T]](payload []byte) (Record, error) {
	var v T
	if payload[0] != '[' {
		// An earlier version's object keyed by tags.
		if err := json.Unmarshal(payload, &v); err != nil {
			return nil, err
		}
		return v, nil
	}
	fields := P(&v).storedFields(nil)
	want := len(fields)
	if err := json.Unmarshal(payload, &fields); err != nil {
		return nil, err
	}
	if len(fields) > want {
		return nil, fmt.Errorf("%d fields stored, %d known: written by a newer version of batch", len(fields), want)
	}
	return v, nil
}

// StoredFieldSQL returns the SQL expression of the field of kind k's stored record whose JSON
// tag is key, read from the payload column expression payload: the field of either stored form
// (NULL when the record leaves it out). It panics on a field that is not stored: the SQL is
// the program's own.
func StoredFieldSQL(k Kind, key, payload string) string {
	at, ok := schemas[k].position[key]
	if !ok {
		panic(fmt.Sprintf("domain: the %s record stores no field %q", k, key))
	}
	return fmt.Sprintf("coalesce(json_extract(%s, '$[%d]'), json_extract(%s, '$.%s'))", payload, at, payload, key)
}

// HasAmounts reports whether the records of kind k carry an amount: a customer has none, so
// sentences in rupees about customers say nothing and are left out.
func HasAmounts(k Kind) bool { return k != KindCustomers }

// HasRecord reports whether kind k has a record type and its stored schema.
func HasRecord(k Kind) bool { _, ok := schemas[k]; return ok }

// EncodeRecord returns the stored form of r, for the ledger's payload column: r's fields
// without its item reference and amount, which the ledger's columns hold.
func EncodeRecord(r Record) ([]byte, error) {
	if r == nil {
		return nil, errors.New("encode record: no record")
	}
	b, err := schemas[r.Kind()].encode(r)
	if err != nil {
		return nil, fmt.Errorf("encode %s record %s: %w", r.Kind(), r.ItemReference(), err)
	}
	return b, nil
}

// DecodeRecord returns the record of kind k stored as payload, with reference and amount (the
// ledger's reference and amount columns) as its item reference and item amount.
func DecodeRecord(k Kind, payload []byte, reference string, amount Paise) (Record, error) {
	sc, ok := schemas[k]
	if !ok {
		return nil, fmt.Errorf("decode record: kind %q has no record type", k)
	}
	if len(payload) == 0 {
		return nil, fmt.Errorf("decode %s record: no stored record (a rejected row has none)", k)
	}
	r, err := sc.decode(payload)
	if err != nil {
		return nil, fmt.Errorf("decode %s record: %w", k, err)
	}
	return r.withColumns(reference, amount), nil
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
