package report

import (
	"fmt"
	"iter"
	"math"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// Approval is what the approval packet of one file shows: what a checker reads before
// approving the file (README, "Approvals"). The caller fills it from the ledger; the packet
// lays it out and checks that its totals tie to the file's valid rows.
type Approval struct {
	// File is the file waiting for approval, with its conservation line.
	File domain.FileSummary
	// Maker is who dropped the file; empty when not recorded.
	Maker string
	// GeneratedAt is when the packet was written (the NEFT note compares it with the cut-off).
	GeneratedAt time.Time
	// Location is the time zone every date and time is shown in; nil means time.Local.
	Location *time.Location
	// Sandbox marks a packet of the built-in Enkash simulator: every sheet then says SANDBOX.
	Sandbox bool

	// Groups are the valid rows' count and total by mode (payouts) or by biller (bills).
	Groups []domain.PacketGroup
	// Largest are the valid rows with the largest amounts, largest first (ten of them).
	Largest []domain.Item
	// NearIMPS are IMPS rows close to the IMPS limit (ImpsNearFrom or more), largest first,
	// and NearIMPSCount how many there are in all.
	NearIMPS      []domain.Item
	NearIMPSCount int
	// FirstTime yields the payees never paid before, in the order of their first row. It is
	// read once, as a stream; nil for a kind without payees.
	FirstTime iter.Seq2[domain.FirstTimePayee, error]
	// Duplicates yields the possible duplicate payments, in line order. It is read once, as a
	// stream; nil for a kind without payees.
	Duplicates iter.Seq2[domain.PossibleDuplicate, error]
	// DuplicateWindow is how far back a payment counts as a possible duplicate (30 days).
	DuplicateWindow time.Duration
}

// The IMPS limit, and from where a row is noted as close to it (90% of it). The parser
// rejects IMPS rows above the limit (parsers/payouts.go; docs/enkash.md, "Limits of the rails").
const (
	ImpsLimit    domain.Paise = 2_00_000_00
	ImpsNearFrom domain.Paise = 1_80_000_00
)

// NEFT hours: 01:00 to 18:45 on NEFT working days (docs/enkash.md, "Limits of the rails").
const (
	neftOpensMinute   = 1 * 60
	neftCutOffMinute  = 18*60 + 45
	neftHoursInWords  = "01:00 to 18:45 IST on NEFT working days"
	sheetFirstTime    = "First-time beneficiaries"
	sheetDuplicates   = "Possible duplicates"
	approvalMaxListed = 10 // rows named in a note before "and n more"
)

// ist is Indian Standard Time, the zone of NEFT hours.
var ist = time.FixedZone("IST", 5*3600+1800)

// ApprovalPacketName returns the file name of the approval packet of file f, received at
// f.ReceivedAt: "approval-0042-payouts_nov-2026-11-20-1530.xlsx", the file's number in the
// ledger, its name without extension, and when it was received in loc (nil: time.Local).
// Writing the packet of a file again gives the same name.
func ApprovalPacketName(f domain.FileSummary, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	base := f.Name
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	base = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, base)
	return fmt.Sprintf("approval-%04d-%s-%s.xlsx", f.ID, base, f.ReceivedAt.In(loc).Format("2006-01-02-1504"))
}

// WriteApprovalPacket writes the approval packet a to path, atomically. Its sheets are Summary
// (the file, its totals by mode or biller, the ten largest payments, the checks and the notes)
// and, for payouts, First-time beneficiaries and Possible duplicates. Account numbers and VPAs
// are masked but for their last four characters.
func WriteApprovalPacket(path string, a Approval) error {
	err := writeAtomic(path, func(out *os.File) error {
		f := excelize.NewFile()
		defer f.Close()
		p := &packet{a: a, f: f}
		if err := p.build(); err != nil {
			return err
		}
		if err := f.Write(out); err != nil {
			return fmt.Errorf("write workbook: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write approval packet %s: %w", path, err)
	}
	return nil
}

// packet is one approval packet being built.
type packet struct {
	a    Approval
	f    *excelize.File
	st   *styles
	head heading
	loc  *time.Location

	firstTime  domain.Money // first-time payees (count) and their rows' total
	firstRows  int          // rows of first-time payees
	duplicates domain.Money // rows of the file with a possible duplicate, and their total
	dupPairs   int
}

func (p *packet) payouts() bool { return p.a.File.Kind == domain.KindPayouts }

// build writes the sheets: first the lists (streamed, counted), then the Summary, which shows
// the counts.
func (p *packet) build() error {
	p.loc = p.a.Location
	if p.loc == nil {
		p.loc = time.Local
	}
	title := "Approval packet — " + p.a.File.Name
	if p.a.Sandbox {
		title += " — SANDBOX"
	}
	p.head = heading{title: title, sandbox: p.a.Sandbox}
	st, err := startBook(p.f, title, "Enkash batch approval packet")
	if err != nil {
		return err
	}
	p.st = st
	if p.payouts() {
		for _, name := range []string{sheetFirstTime, sheetDuplicates} {
			if _, err := p.f.NewSheet(name); err != nil {
				return fmt.Errorf("add sheet %s: %w", name, err)
			}
		}
		if err := p.writeFirstTime(); err != nil {
			return err
		}
		if err := p.writeDuplicates(); err != nil {
			return err
		}
	}
	if err := p.writeSummary(); err != nil {
		return err
	}
	return printTableTitles(p.f, st)
}

// Masking: what identifies a payee is shown by its last four characters only.

// maskAccount hides all but the last four characters of an account number.
func maskAccount(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 4 {
		return strings.Repeat("X", n)
	}
	r := []rune(s)
	return strings.Repeat("X", n-4) + string(r[n-4:])
}

// maskVPA hides all but the last four characters of a VPA's name, keeping its handle (the
// bank's part after @): "9876543210@ybl" shows as "XXXXXX3210@ybl".
func maskVPA(s string) string {
	name, handle, ok := strings.Cut(s, "@")
	if !ok {
		return maskAccount(s)
	}
	return maskAccount(name) + "@" + handle
}

// payee returns the masked account number or VPA, and the IFSC, of a payout.
func payee(p domain.Payout) (string, string) {
	if p.VPA != "" {
		return maskVPA(p.VPA), ""
	}
	return maskAccount(p.AccountNumber), p.IFSC
}

// payoutOf returns the payout record of it; a row without one shows empty.
func payoutOf(it domain.Item) domain.Payout {
	p, err := domain.RecordAs[domain.Payout](it)
	if err != nil {
		return domain.Payout{Reference: it.Reference, Amount: it.Amount}
	}
	return p
}

// firstTimeColumns are the columns of the First-time beneficiaries sheet.
var firstTimeColumns = []column{
	{name: "Beneficiary", width: 30, typ: colInput},
	{name: "Account / VPA", width: 22, typ: colInput},
	{name: "IFSC", width: 13, typ: colInput, center: true},
	{name: "Rows", width: 7, typ: colCount},
	{name: "Amount ₹", width: 16, typ: colAmount},
	{name: "First reference", width: 20, typ: colInput, indent: true},
	{name: "Line", width: 7, typ: colNumber, center: true},
}

// maxPacketListed is the most rows each of the packet's two full lists shows: a checker reads
// a few thousand rows, not a million, and the workbook stays small. The Summary counts them
// all, and the last row says how many more there are.
const maxPacketListed = 5000

// writeMore ends a list cut at maxPacketListed with a row saying how many rows it left out.
func writeMore(t *tableSheet, more int) error {
	if more == 0 {
		return nil
	}
	row := t.buf
	clear(row)
	row[0] = fmt.Sprintf("… and %d more not listed here (the Summary counts them all)", more)
	return t.writeRow(row)
}

// writeFirstTime streams the First-time beneficiaries sheet.
func (p *packet) writeFirstTime() error {
	t, err := newTableSheet(p.f, p.st, p.head, sheetFirstTime, firstTimeColumns)
	if err != nil {
		return err
	}
	more := 0
	if p.a.FirstTime != nil {
		for r, err := range p.a.FirstTime {
			if err != nil {
				return fmt.Errorf("read first-time beneficiaries: %w", err)
			}
			p.firstTime.Add(r.Paise)
			p.firstRows += r.Count
			if p.firstTime.Count > maxPacketListed {
				more++
				continue
			}
			po := payoutOf(r.First)
			acct, ifsc := payee(po)
			row := t.buf
			clear(row)
			row[0], row[1], row[2] = orNil(po.NameAsWritten()), orNil(acct), orNil(ifsc)
			row[3], row[4] = r.Count, p.st.amountValue(r.Paise)
			row[5], row[6] = orNil(r.First.Reference), r.First.Line
			if err := t.writeRow(row); err != nil {
				return err
			}
		}
	}
	if err := writeMore(t, more); err != nil {
		return err
	}
	return t.close()
}

// duplicateColumns are the columns of the Possible duplicates sheet.
var duplicateColumns = []column{
	{name: "Reference", width: 18, typ: colInput},
	{name: "Line", width: 6, typ: colNumber, center: true},
	{name: "Beneficiary", width: 24, typ: colInput},
	{name: "Account / VPA", width: 27, typ: colInput},
	{name: "Amount ₹", width: 14, typ: colAmount},
	{name: "Other reference", width: 18, typ: colInput, indent: true},
	{name: "Other file", width: 22, typ: colInput, wrap: true},
	{name: "Other line", width: 8, typ: colNumber, center: true},
	{name: "Other dated", width: 17, typ: colDate},
	{name: "Other status", width: 18, typ: colPlain, center: true},
}

// writeDuplicates streams the Possible duplicates sheet.
func (p *packet) writeDuplicates() error {
	t, err := newTableSheet(p.f, p.st, p.head, sheetDuplicates, duplicateColumns)
	if err != nil {
		return err
	}
	more := 0
	if p.a.Duplicates != nil {
		lastID := int64(0)
		for d, err := range p.a.Duplicates {
			if err != nil {
				return fmt.Errorf("read possible duplicates: %w", err)
			}
			p.dupPairs++
			if d.Item.ID != lastID { // the rows come in line order: an item's pairs are together
				p.duplicates.Add(d.Item.Amount)
				lastID = d.Item.ID
			}
			if p.dupPairs > maxPacketListed {
				more++
				continue
			}
			po := payoutOf(d.Item)
			acct, ifsc := payee(po)
			if ifsc != "" {
				acct += " " + ifsc
			}
			other := d.OtherFile
			if d.SameFile {
				other = "this file"
			}
			row := t.buf
			clear(row)
			row[0], row[1], row[2], row[3] = orNil(d.Item.Reference), d.Item.Line, orNil(po.NameAsWritten()), orNil(acct)
			row[4], row[5], row[6], row[7] = p.st.amountValue(d.Item.Amount), orNil(d.OtherReference), orNil(other), d.OtherLine
			row[8], row[9] = timeValue(d.OtherAt, p.loc), orNil(strings.ReplaceAll(string(d.OtherStatus), "_", " "))
			if err := t.writeRow(row); err != nil {
				return err
			}
		}
	}
	if err := writeMore(t, more); err != nil {
		return err
	}
	return t.close()
}

// approvalColumns are the columns of the packet's Summary: the ten largest payments' table,
// which the other blocks share.
var approvalColumns = []column{
	{name: "Reference", width: 22, typ: colInput},
	{name: "Beneficiary", width: 30, typ: colInput},
	{name: "Account / VPA", width: 22, typ: colInput},
	{name: "IFSC", width: 13, typ: colInput, center: true},
	{name: "Mode", width: 8, typ: colInput, center: true},
	{name: "Amount ₹", width: 17, typ: colAmount},
}

// billColumns name the same columns for the ten largest bills.
var billColumns = []column{
	{name: "Reference", typ: colInput},
	{name: "Biller", typ: colInput},
	{name: "Consumer number", typ: colInput},
	{name: "Due date", typ: colDay},
	{name: "From", typ: colInput}, // whose amount: the file's, or the biller's (fetched)
	{name: "Amount ₹", typ: colAmount},
}

// writeSummary writes the Summary sheet.
func (p *packet) writeSummary() error {
	f, st := p.f, p.st
	across, err := setupPrint(f, sheetSummary, p.head.title, approvalColumns)
	if err != nil {
		return err
	}
	st.printAcross[sheetSummary] = across
	// The Summary reads as a page of a document: portrait, fitted to the page's width.
	portrait := "portrait"
	if err := f.SetPageLayout(sheetSummary, &excelize.PageLayoutOptions{Orientation: &portrait}); err != nil {
		return fmt.Errorf("set page layout of sheet %s: %w", sheetSummary, err)
	}
	sw, err := f.NewStreamWriter(sheetSummary)
	if err != nil {
		return fmt.Errorf("stream sheet %s: %w", sheetSummary, err)
	}
	t := &tableSheet{f: f, st: st, sw: sw, name: sheetSummary, cols: approvalColumns, buf: make([]any, len(approvalColumns))}
	if err := t.setColumns(); err != nil {
		return err
	}
	if err := p.writeFileDetails(t); err != nil {
		return err
	}
	if err := p.writeGroups(t); err != nil {
		return err
	}
	if err := p.writeLargest(t); err != nil {
		return err
	}
	if err := p.writeNotes(t); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("flush sheet %s: %w", sheetSummary, err)
	}
	return nil
}

// valid is the file's valid rows: rows in less rejected.
func (a Approval) valid() domain.Money {
	t := a.File.Tally
	return domain.Money{Count: t.In.Count - t.Rejected.Count, Paise: t.In.Paise - t.Rejected.Paise}
}

// writeFileDetails writes the title and the file's details.
func (p *packet) writeFileDetails(t *tableSheet) error {
	st, a := p.st, p.a
	env, envStyle := "Live Enkash", st.label
	if p.head.sandbox {
		env, envStyle = "SANDBOX: the built-in Enkash simulator. No real money moves.", st.banner
	}
	if err := t.writeRow([]any{excelize.Cell{StyleID: st.titleStyle(p.head), Value: p.head.title}}, excelize.RowOpts{Height: 26}); err != nil {
		return err
	}
	maker := any(excelize.Cell{StyleID: st.left, Value: "not recorded"})
	if a.Maker != "" {
		maker = excelize.Cell{StyleID: st.text, Value: a.Maker}
	}
	left := func(v any) any { return excelize.Cell{StyleID: st.left, Value: v} }
	valid := a.valid()
	details := []detail{
		{"Environment", excelize.Cell{StyleID: envStyle, Value: env}},
		{"File", excelize.Cell{StyleID: st.text, Value: a.File.Name}},
		{"Kind", left(string(a.File.Kind))},
		{"Content hash (SHA-256)", excelize.Cell{StyleID: st.text, Value: a.File.SHA256}},
		{"Received", excelize.Cell{StyleID: st.dateTimeLeft, Value: a.File.ReceivedAt.In(p.loc)}},
		{"Dropped by (maker)", maker},
		{"Rows in", left(a.File.Tally.In.Count)},
		{"Rows rejected", left(a.File.Tally.Rejected.Count)},
		{"Rows valid, to approve", left(valid.Count)},
		{"Total to approve ₹", excelize.Cell{StyleID: st.label, Value: "₹" + valid.Paise.Rupees()}},
		{"Packet written", excelize.Cell{StyleID: st.dateTimeLeft, Value: p.now().In(p.loc)}},
		{"Times shown in", left(zoneName(p.now().In(p.loc)))},
	}
	for _, d := range details {
		if err := t.writeRow([]any{excelize.Cell{StyleID: st.label, Value: d.label}, d.value}); err != nil {
			return err
		}
		if err := t.sw.MergeCell(cellName(2, t.row), cellName(len(t.cols), t.row)); err != nil {
			return fmt.Errorf("merge cells of sheet %s: %w", t.name, err)
		}
	}
	t.row++
	return nil
}

func (p *packet) now() time.Time {
	if p.a.GeneratedAt.IsZero() {
		return time.Now()
	}
	return p.a.GeneratedAt
}

// section writes a heading inside the Summary.
func (p *packet) section(t *tableSheet, text string) error {
	if err := t.writeRow([]any{excelize.Cell{StyleID: p.st.section, Value: text}}, excelize.RowOpts{Height: 22}); err != nil {
		return err
	}
	return nil
}

// writeGroups writes the count and total by mode or biller, their total, and whether it ties to
// the file's valid rows.
func (p *packet) writeGroups(t *tableSheet) error {
	st, a := p.st, p.a
	by, what := "mode", "Mode"
	if a.File.Kind == domain.KindBills {
		by, what = "biller", "Biller"
	}
	if err := p.section(t, "Count and total by "+by); err != nil {
		return err
	}
	cols := []column{{name: what, typ: colInput}, {name: "Rows", typ: colCount}, {name: "Amount ₹", typ: colAmount}}
	if err := t.writeHeaderOf(cols, t.row+1); err != nil {
		return err
	}
	var sum domain.Money
	unpriced := 0
	for _, g := range a.Groups {
		sum.Count += g.Count
		sum.Paise += g.Paise
		unpriced += g.Unpriced
		if err := t.writeRow([]any{excelize.Cell{StyleID: st.text, Value: g.Name}, excelize.Cell{StyleID: st.count, Value: g.Count}, st.amountCell(g.Paise)}); err != nil {
			return err
		}
	}
	total := []any{excelize.Cell{StyleID: st.total, Value: "Total"}, excelize.Cell{StyleID: st.totalCount, Value: sum.Count}, st.totalAmountCell(sum.Paise)}
	if err := t.writeRow(total, excelize.RowOpts{Height: 18}); err != nil {
		return err
	}
	valid := a.valid()
	line := verdictLine{ok: sum == valid}
	line.text = fmt.Sprintf("Rows to approve %d, ₹%s = rows in %d − rejected %d, ₹%s − ₹%s", sum.Count, sum.Paise.Rupees(),
		a.File.Tally.In.Count, a.File.Tally.Rejected.Count, a.File.Tally.In.Paise.Rupees(), a.File.Tally.Rejected.Paise.Rupees())
	if line.ok {
		line.text += " — ties out"
	} else {
		line.text += fmt.Sprintf(" — DOES NOT TIE OUT: the valid rows are %d, ₹%s. Do not approve; report it.", valid.Count, valid.Paise.Rupees())
	}
	if err := p.writeLines(t, []verdictLine{line}); err != nil {
		return err
	}
	if unpriced > 0 {
		note := verdictLine{ok: true, text: fmt.Sprintf("%s without an amount in the file: the biller's amount due is fetched and paid, and is not in the totals above.",
			plural(unpriced, "bill", "bills"))}
		if err := p.writeLines(t, []verdictLine{note}); err != nil {
			return err
		}
	}
	t.row++
	return nil
}

// writeLargest writes the ten largest payments.
func (p *packet) writeLargest(t *tableSheet) error {
	st, a := p.st, p.a
	what := "payments"
	if a.File.Kind == domain.KindBills {
		what = "bills"
	}
	if err := p.section(t, fmt.Sprintf("The %d largest %s", len(a.Largest), what)); err != nil {
		return err
	}
	cols := approvalColumns
	if a.File.Kind == domain.KindBills {
		cols = billColumns
	}
	if err := t.writeHeaderOf(cols, t.row+1); err != nil {
		return err
	}
	for _, it := range a.Largest {
		row := make([]any, len(t.cols))
		row[0] = excelize.Cell{StyleID: st.text, Value: it.Reference}
		switch it.Kind {
		case domain.KindPayouts:
			po := payoutOf(it)
			acct, ifsc := payee(po)
			row[1], row[2] = excelize.Cell{StyleID: st.text, Value: po.NameAsWritten()}, excelize.Cell{StyleID: st.text, Value: acct}
			row[3], row[4] = excelize.Cell{StyleID: st.textCenter, Value: ifsc}, excelize.Cell{StyleID: st.textCenter, Value: po.Mode}
		case domain.KindBills:
			if b, err := domain.RecordAs[domain.Bill](it); err == nil {
				row[1], row[2] = excelize.Cell{StyleID: st.text, Value: b.BillerID}, excelize.Cell{StyleID: st.text, Value: b.ConsumerNumber}
				if d := dayValue(b.DueDate); d != nil {
					row[3] = excelize.Cell{StyleID: st.date, Value: d}
				}
				from := "file"
				if b.Fetch() {
					from = "biller"
				}
				row[4] = excelize.Cell{StyleID: st.textCenter, Value: from}
			}
		}
		row[5] = st.amountCell(it.Amount)
		if err := t.writeRow(row); err != nil {
			return err
		}
	}
	t.row++
	return nil
}

// writeNotes writes the checks (first-time beneficiaries, possible duplicates) and the notes
// on the rails.
func (p *packet) writeNotes(t *tableSheet) error {
	a := p.a
	var lines []verdictLine
	if p.payouts() {
		if err := p.section(t, "Checks"); err != nil {
			return err
		}
		if p.firstTime.Count == 0 {
			lines = append(lines, verdictLine{ok: true, text: "First-time beneficiaries: none. Every account (or VPA) of this file was paid before."})
		} else {
			lines = append(lines, verdictLine{text: fmt.Sprintf("First-time beneficiaries: %s never paid before (%s, ₹%s in this file). Check each on the sheet %q before approving.",
				plural(p.firstTime.Count, "account or VPA", "accounts or VPAs"), plural(p.firstRows, "row", "rows"), p.firstTime.Paise.Rupees(), sheetFirstTime)})
		}
		days := int(a.DuplicateWindow.Hours() / 24)
		if p.duplicates.Count == 0 {
			lines = append(lines, verdictLine{ok: true, text: fmt.Sprintf("Possible duplicates: none. No row pays the same account (or VPA) the same amount as another payment of the last %d days.", days)})
		} else {
			lines = append(lines, verdictLine{text: fmt.Sprintf("Possible duplicates: %s (₹%s) pay the same account (or VPA) the same amount as another payment of the last %d days, under another reference. Check each on the sheet %q before approving.",
				plural(p.duplicates.Count, "row", "rows"), p.duplicates.Paise.Rupees(), days, sheetDuplicates)})
		}
		if err := p.writeLines(t, lines); err != nil {
			return err
		}
		t.row++
		lines = nil
	}
	if err := p.section(t, "Notes"); err != nil {
		return err
	}
	modes := map[string]domain.PacketGroup{}
	for _, g := range a.Groups {
		modes[g.Name] = g
	}
	if p.payouts() {
		imps := fmt.Sprintf("IMPS carries at most ₹%s a transfer; rows above it were rejected when the file was read.", ImpsLimit.Rupees())
		if a.NearIMPSCount == 0 {
			imps += fmt.Sprintf(" No IMPS row is close to it (₹%s or more).", ImpsNearFrom.Rupees())
		} else {
			var named []string
			for _, it := range a.NearIMPS[:min(len(a.NearIMPS), approvalMaxListed)] {
				named = append(named, fmt.Sprintf("%s (line %d, ₹%s)", it.Reference, it.Line, it.Amount.Rupees()))
			}
			if more := a.NearIMPSCount - len(named); more > 0 {
				named = append(named, fmt.Sprintf("and %d more", more))
			}
			imps += fmt.Sprintf(" %s close to it (₹%s or more): %s.", plural(a.NearIMPSCount, "IMPS row is", "IMPS rows are"), ImpsNearFrom.Rupees(), strings.Join(named, ", "))
		}
		lines = append(lines, verdictLine{ok: a.NearIMPSCount == 0, text: imps})
		lines = append(lines, p.neftLine(modes["NEFT"]))
	}
	lines = append(lines, verdictLine{ok: true, text: "Approving binds to this file's content hash, its row count and its total above: a file changed since is not approved by it."})
	return p.writeLines(t, lines)
}

// neftLine is the note on the NEFT cut-off for the file's NEFT rows.
func (p *packet) neftLine(neft domain.PacketGroup) verdictLine {
	if neft.Count == 0 {
		return verdictLine{ok: true, text: "NEFT: no NEFT row. (NEFT runs " + neftHoursInWords + ".)"}
	}
	now := p.now().In(ist) // NEFT hours are Indian time, whatever zone the packet shows
	minute := now.Hour()*60 + now.Minute()
	rows := plural(neft.Count, "row", "rows") + fmt.Sprintf(" (₹%s) go", neft.Paise.Rupees())
	if neft.Count == 1 {
		rows = fmt.Sprintf("1 row (₹%s) goes", neft.Paise.Rupees())
	}
	text := fmt.Sprintf("NEFT runs %s. %s by NEFT: sent after 18:45, or on a day NEFT does not work, credited on the next NEFT working day.",
		neftHoursInWords, rows)
	if minute >= neftCutOffMinute || minute < neftOpensMinute {
		return verdictLine{text: text + fmt.Sprintf(" This packet was written at %s, outside NEFT hours: approved and sent tonight, NEFT rows are credited on the next NEFT working day.",
			now.Format("15:04 MST"))}
	}
	return verdictLine{ok: true, text: text + fmt.Sprintf(" This packet was written at %s, within NEFT hours: approved and sent before 18:45, NEFT rows are credited today.", now.Format("15:04 MST"))}
}

// writeLines writes lines of words across the Summary's width, wrapped within it; those that
// call for attention (not ok) in red.
func (p *packet) writeLines(t *tableSheet, lines []verdictLine) error {
	perLine := 0.0
	for _, c := range t.cols {
		perLine += c.width
	}
	for _, l := range lines {
		style := p.st.verdictOK
		if !l.ok {
			style = p.st.verdictBad
		}
		n := math.Ceil(float64(utf8.RuneCountInString(l.text)) * 1.1 / perLine)
		if err := t.writeRow([]any{excelize.Cell{StyleID: style, Value: l.text}}, excelize.RowOpts{Height: 3 + 15*max(1, n)}); err != nil {
			return err
		}
		if err := t.sw.MergeCell(cellName(1, t.row), cellName(len(t.cols), t.row)); err != nil {
			return fmt.Errorf("merge cells of sheet %s: %w", t.name, err)
		}
	}
	return nil
}
