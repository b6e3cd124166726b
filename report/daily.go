package report

import (
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// The fixed sheets of a daily workbook besides Summary and Exceptions.
const (
	sheetMatched = "Matched"
	sheetAudit   = "Audit"
)

// Daily is everything the accountant's daily workbook shows: one day (or window) of every
// kind, the ledger against Enkash's truth. The caller fills it from the ledger and Enkash;
// the workbook only lays it out, and checks that its numbers tie out.
type Daily struct {
	// Date is the day reported on, shown as a date in Location.
	Date time.Time
	// Location is the time zone every date and time is shown in; nil means time.Local.
	Location *time.Location
	// Sandbox marks a day on the built-in Enkash simulator: every sheet then says SANDBOX.
	Sandbox bool
	// Endpoint is the Enkash base URL shown on the Summary, without any credentials in it.
	Endpoint string
	// GeneratedAt is when the workbook was made; exception ages are counted up to it. Zero
	// means now.
	GeneratedAt time.Time

	// Kinds holds one conservation line per file kind of the window, in the order to show.
	Kinds []KindSummary
	// Files holds one conservation line per input file of the window.
	Files []domain.FileSummary
	// Statement is the check of the payout account's statement and balance.
	Statement StatementCheck

	// Exceptions yields the exceptions to list, in the order to list them: open ones first,
	// by severity then age. It is read once, as a stream.
	Exceptions iter.Seq2[ExceptionRow, error]
	// Matched yields what tied out between the ledger and Enkash, each with the basis of its
	// match. It is read once, as a stream.
	Matched iter.Seq2[MatchRow, error]
	// Items yields every item of the window, of every kind and status; each kind gets a sheet.
	// It is read once, as a stream, and must yield the items the Kinds tallies count.
	Items iter.Seq2[domain.Item, error]
	// Runs are the runs of the window, for the Audit sheet.
	Runs []AuditRun
	// Corrections link the window's rejected rows to the rows of later files of the window
	// that corrected them (ledger.Corrections). Each such row is counted once, as its
	// correction: Kinds and Files are shown net of it, in rows in and in rejected, and its
	// kind sheet lists it as corrected.
	Corrections []domain.Correction
}

// KindSummary is the conservation line of one file kind over the window (domain.TallyByKind
// makes them from the window's files).
type KindSummary = domain.KindTally

// StatementCheck is the check of the payout account's statement for the window: every line
// matched to a payout or accounted for, and opening − debits + credits = closing against
// the balance Enkash reports.
type StatementCheck struct {
	// Checked says a statement was read for the window. When false the Summary says the
	// statement was not checked, and the other fields are not shown.
	Checked bool
	// Opening is the balance at the start of the window.
	Opening domain.Paise
	// Debits and Credits are the totals of the window's debit and credit lines.
	Debits, Credits domain.Paise
	// DebitLines and CreditLines count those lines.
	DebitLines, CreditLines int
	// Balance is the balance Enkash reports at the end of the window.
	Balance domain.Paise
	// MatchedLines counts the lines matched to an item of ours (or accounted for as a fee or
	// a reversal); UnmatchedLines the others, each of which is an exception.
	MatchedLines, UnmatchedLines int
}

// Closing is the balance the statement implies: opening − debits + credits.
func (s StatementCheck) Closing() domain.Paise { return s.Opening - s.Debits + s.Credits }

// Difference is Enkash's balance less the computed closing balance; zero when they tie.
func (s StatementCheck) Difference() domain.Paise { return s.Balance - s.Closing() }

// Ties reports whether the computed closing balance is Enkash's balance, to the paisa.
func (s StatementCheck) Ties() bool { return s.Difference() == 0 }

// ExceptionRow is one exception as the daily workbook lists it: its category, severity (empty
// means the category's), owner note (Exception.Note) and suggested action. Its age is counted
// from CreatedAt to its resolution, or to Daily.GeneratedAt while it is open.
type ExceptionRow struct {
	domain.Exception
	// Action is the suggested next step in plain English, when the caller knows a more
	// precise one than the category's (e.g. from Enkash's failure reason); empty means the
	// category's.
	Action string
}

// severity returns the severity of e, or its category's when it has none.
func (e ExceptionRow) severity() domain.Severity {
	if e.Severity != "" {
		return e.Severity
	}
	return e.Category.Severity()
}

// age returns how long e has been (or was) open at now, in whole days, and whether that is
// known.
func (e ExceptionRow) age(now time.Time) (int, bool) {
	if e.CreatedAt.IsZero() {
		return 0, false
	}
	end := now
	if e.ResolvedAt != nil {
		end = *e.ResolvedAt
	}
	return max(0, int(end.Sub(e.CreatedAt)/(24*time.Hour))), true
}

// action returns the suggested next step of e.
func (e ExceptionRow) action() string {
	if e.Action != "" {
		return e.Action
	}
	return action(e.Exception)
}

// MatchRow is one thing that tied out: an item of ours and the Enkash record or statement
// line it was matched to.
type MatchRow struct {
	// Kind, Reference, File and Amount describe our item.
	Kind      domain.Kind
	Reference string
	File      string
	Amount    domain.Paise
	// LineID identifies Enkash's side: the statement line's transaction id or reference, or
	// the id of Enkash's record.
	LineID string
	// LineDate is the date of Enkash's line; zero when it has none.
	LineDate time.Time
	// LineType is DEBIT or CREDIT for a statement line; empty otherwise.
	LineType string
	// LineAmount is the amount on Enkash's side.
	LineAmount domain.Paise
	// Remarks are Enkash's remarks on the line.
	Remarks string
	// Basis says how the match was made, e.g. "reference" or "amount+date within 1 day".
	Basis string
}

// AuditRun is one run of the window, for the Audit sheet.
type AuditRun struct {
	// ID is the run's number in the ledger.
	ID int64
	// Command is what ran, e.g. "run", "reconcile --date 2026-05-01".
	Command string
	// StartedAt and FinishedAt bound the run; a zero FinishedAt shows as not finished.
	StartedAt, FinishedAt time.Time
	// Outcome is how it ended, e.g. "ok", "exceptions", "failed", "running".
	Outcome string
	// Files, Items and Exceptions count what the run recorded.
	Files, Items, Exceptions int
	// Detail is any further word on the run, e.g. its error.
	Detail string
}

// DailyFiles are the paths of the files WriteDailyWorkbook writes for one workbook path.
type DailyFiles struct {
	// Workbook is the XLSX, for people.
	Workbook string
	// Summary is the JSON twin: the summary, the checks, the statement, the runs and every
	// exception.
	Summary string
	// Exceptions, Matched and Items are the CSV twins of those sheets.
	Exceptions, Matched, Items string
}

// DailyPaths returns the paths of the workbook at path and of its twins beside it: for
// "daily-2026-05-01.xlsx", "daily-2026-05-01.summary.json", ".exceptions.csv", ".matched.csv"
// and ".items.csv".
func DailyPaths(path string) DailyFiles {
	base := strings.TrimSuffix(path, filepath.Ext(path))
	return DailyFiles{
		Workbook:   path,
		Summary:    base + ".summary.json",
		Exceptions: base + ".exceptions.csv",
		Matched:    base + ".matched.csv",
		Items:      base + ".items.csv",
	}
}

// WriteDailyWorkbook writes the accountant's workbook of d to path (which must end in
// ".xlsx") and its machine-readable twins beside it (see DailyPaths). The workbook's sheets
// are Summary (per kind and per file conservation lines, the statement and balance check, a
// chart of outcomes by kind), Exceptions, Matched, one sheet per kind with every item, and
// Audit.
//
// Every iterator of d is read once; items, exceptions and matches are streamed, so a window
// of 100,000 items does not need the memory of 100,000 items. All files are written
// atomically, the workbook last; on any error (an iterator's included) none of them is
// replaced.
//
// The CSV and JSON twins hold values as they are (amounts as rupees with two decimals in CSV,
// in paise in JSON): they are for programs. One exception, for whoever opens a CSV twin in a
// spreadsheet: a text value beginning with "=", "+", "-", "@", a tab or a carriage return is
// written with a leading single quote so that it never runs as a formula (see csvText);
// numbers, negative ones too, are left as they are.
func WriteDailyWorkbook(path string, d Daily) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("write daily workbook %s: %w", path, err)
		}
	}()
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".xlsx" {
		return fmt.Errorf("unsupported extension %q (want .xlsx)", ext)
	}
	var pending pendingFiles
	defer func() {
		if err != nil {
			pending.abort()
		}
	}()
	paths := DailyPaths(path)
	tw, err := newDailyTwins(&pending, paths)
	if err != nil {
		return err
	}
	out, err := pending.create(paths.Workbook)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	b := &dailyBook{d: d, f: f, twins: tw}
	if err := b.build(); err != nil {
		return err
	}
	if err := tw.flush(); err != nil {
		return err
	}
	if err := f.Write(out); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return pending.commit()
}

// dailyBook is one daily workbook being built, with its twins.
type dailyBook struct {
	d     Daily
	f     *excelize.File
	st    *styles
	head  heading
	loc   *time.Location
	now   time.Time
	twins *dailyTwins

	kinds     *kindSheets
	corrected corrections
	listed    map[domain.Kind]*domain.Tally // what each kind's sheet holds, by bucket
	gaps      enkashGaps                    // the bridge from the files' amounts to Enkash's
	debits    statementDebits               // the statement's debit lines matched, for the bridge

	open, resolved int
	bySeverity     map[domain.Severity]int // open exceptions by severity
	matched        int
	bases          []string               // match bases, in order of first appearance
	byBasis        map[string]int         // matches by basis
	checks         map[string]verdictLine // the Summary's checks, for the JSON twin
}

// title is the workbook's name, e.g. "Enkash daily reconciliation 01-05-2026 — SANDBOX".
func (b *dailyBook) title() string {
	t := "Enkash daily reconciliation " + b.d.Date.In(b.loc).Format("02-01-2006")
	if b.d.Sandbox {
		t += " — SANDBOX"
	}
	return t
}

// build writes every sheet. The sheets are created first, in their final order; then the
// items are streamed to the kind sheets, the exceptions and the matches to theirs, the runs
// to Audit, and last the Summary, which checks what the kind sheets hold against the tallies.
func (b *dailyBook) build() error {
	f := b.f
	b.loc = b.d.Location
	if b.loc == nil {
		b.loc = time.Local
	}
	b.now = b.d.GeneratedAt
	if b.now.IsZero() {
		b.now = time.Now()
	}
	b.head = heading{title: b.title(), sandbox: b.d.Sandbox}
	b.corrected = newCorrections(b.d.Corrections)
	b.corrected.apply(&b.d)
	st, err := startBook(f, b.head.title, "Enkash daily reconciliation")
	if err != nil {
		return err
	}
	b.st = st
	kinds := b.declaredKinds()
	names := []string{sheetExceptions, sheetMatched}
	for _, k := range kinds {
		names = append(names, kindSheetName(k))
	}
	names = append(names, sheetAudit)
	for _, name := range names {
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("add sheet %s: %w", name, err)
		}
	}

	b.kinds = &kindSheets{f: f, st: st, head: b.head, before: sheetAudit}
	for _, k := range kinds {
		if _, err := b.kinds.get(k); err != nil {
			return err
		}
	}
	if err := b.writeItems(); err != nil {
		return err
	}
	if err := b.kinds.close(); err != nil {
		return err
	}
	if err := b.twins.writeHead(b); err != nil {
		return err
	}
	if err := b.writeExceptions(); err != nil {
		return err
	}
	if err := b.writeMatched(); err != nil {
		return err
	}
	if err := b.writeAudit(); err != nil {
		return err
	}
	if err := b.writeSummary(); err != nil {
		return err
	}
	if err := b.twins.writeTail(b); err != nil {
		return err
	}
	if err := printTableTitles(f, b.st); err != nil {
		return err
	}
	// Summary is the first sheet and, as the new file's Sheet1 renamed, already the active
	// one. SetActiveSheet would parse every streamed sheet back into memory to mark it.
	return nil
}

// declaredKinds returns the kinds of the Kinds lines and of the files, in sheet order.
func (b *dailyBook) declaredKinds() []domain.Kind {
	files := make([]domain.FileSummary, 0, len(b.d.Kinds)+len(b.d.Files))
	for _, k := range b.d.Kinds {
		files = append(files, domain.FileSummary{Kind: k.Kind})
	}
	return presentKinds(append(files, b.d.Files...))
}

// writeItems streams every item to its kind's sheet and to the items CSV, and counts what
// each sheet holds.
func (b *dailyBook) writeItems() error {
	b.listed = map[domain.Kind]*domain.Tally{}
	b.gaps = enkashGaps{}
	if b.d.Items == nil {
		return nil
	}
	for li, err := range withRecords(b.d.Items) {
		if err != nil {
			return fmt.Errorf("read items: %w", err)
		}
		s, err := b.kinds.get(li.Kind)
		if err != nil {
			return err
		}
		// A corrected row is listed as such, and counted by its correction.
		it, corrected := b.corrected.item(li.Item)
		if err := s.write(listedItem{Item: it, rec: li.rec}); err != nil {
			return err
		}
		if err := b.twins.writeItem(it); err != nil {
			return err
		}
		if corrected {
			continue
		}
		t := b.listed[it.Kind]
		if t == nil {
			t = &domain.Tally{}
			b.listed[it.Kind] = t
		}
		t.In.Add(it.Amount)
		t.Add(it.Status.Bucket(), it.Amount)
		b.gaps.add(it)
	}
	return nil
}

// writeExceptions streams the Exceptions sheet, its CSV and the exceptions of the JSON.
func (b *dailyBook) writeExceptions() error {
	t, err := newTableSheet(b.f, b.st, b.head, sheetExceptions, exceptionColumns)
	if err != nil {
		return err
	}
	b.bySeverity = map[domain.Severity]int{}
	if b.d.Exceptions != nil {
		for e, err := range b.d.Exceptions {
			if err != nil {
				return fmt.Errorf("read exceptions: %w", err)
			}
			if err := b.writeException(t, e); err != nil {
				return err
			}
		}
	}
	return t.close()
}

// writeException adds e to the Exceptions sheet and the twins, and counts it.
func (b *dailyBook) writeException(t *tableSheet, e ExceptionRow) error {
	open, sev, err := writeException(t, e, b.now, b.loc)
	if err != nil {
		return err
	}
	if open {
		b.open++
		b.bySeverity[sev]++
	} else {
		b.resolved++
	}
	return b.twins.writeException(b, e)
}

// matchedColumns are the columns of the Matched sheet.
var matchedColumns = []column{
	{name: "Kind", width: 10, typ: colPlain, center: true},
	{name: "Reference", width: 20, typ: colInput},
	{name: "File", width: 30, typ: colInput},
	{name: "Amount ₹", width: 15, typ: colAmount},
	{name: "Enkash line", width: 20, typ: colInput, indent: true},
	{name: "Line date", width: 11, typ: colDay},
	{name: "Type", width: 8, typ: colPlain, center: true},
	{name: "Line amount ₹", width: 15, typ: colAmount},
	{name: "Remarks", width: 30, typ: colInput, indent: true},
	{name: "Basis", width: 26, typ: colPlain},
}

// writeMatched streams the Matched sheet and its CSV.
func (b *dailyBook) writeMatched() error {
	t, err := newTableSheet(b.f, b.st, b.head, sheetMatched, matchedColumns)
	if err != nil {
		return err
	}
	b.byBasis = map[string]int{}
	if b.d.Matched != nil {
		for m, err := range b.d.Matched {
			if err != nil {
				return fmt.Errorf("read matches: %w", err)
			}
			b.matched++
			b.debits.add(m)
			if _, ok := b.byBasis[m.Basis]; !ok {
				b.bases = append(b.bases, m.Basis)
			}
			b.byBasis[m.Basis]++
			row := t.buf
			clear(row)
			row[0], row[1], row[2] = orNil(string(m.Kind)), orNil(m.Reference), orNil(m.File)
			row[3], row[4] = b.st.amountValue(m.Amount), orNil(m.LineID)
			if !m.LineDate.IsZero() {
				row[5] = dateOnly(m.LineDate, b.loc)
			}
			row[6], row[7] = orNil(m.LineType), b.st.amountValue(m.LineAmount)
			row[8], row[9] = orNil(m.Remarks), orNil(m.Basis)
			if err := t.writeRow(row); err != nil {
				return err
			}
			if err := b.twins.writeMatch(b, m); err != nil {
				return err
			}
		}
	}
	return t.close()
}

// auditColumns are the columns of the Audit sheet.
var auditColumns = []column{
	{name: "Run", width: 7, typ: colNumber, center: true},
	{name: "Command", width: 30, typ: colInput},
	{name: "Started", width: 17, typ: colDate},
	{name: "Finished", width: 17, typ: colDate},
	{name: "Duration", width: 10, typ: colDuration},
	{name: "Outcome", width: 12, typ: colPlain, center: true},
	{name: "Files", width: 8, typ: colCount},
	{name: "Items", width: 10, typ: colCount},
	{name: "Exceptions", width: 11, typ: colCount},
	{name: "Detail", width: 50, typ: colInput, indent: true},
}

// writeAudit writes the Audit sheet: one row per run.
func (b *dailyBook) writeAudit() error {
	t, err := newTableSheet(b.f, b.st, b.head, sheetAudit, auditColumns)
	if err != nil {
		return err
	}
	for _, r := range b.d.Runs {
		row := t.buf
		clear(row)
		row[0], row[1] = r.ID, orNil(r.Command)
		row[2] = timeValue(r.StartedAt, b.loc)
		if r.FinishedAt.IsZero() {
			row[3] = excelize.Cell{StyleID: b.st.right, Value: "not finished"}
		} else {
			row[3] = timeValue(r.FinishedAt, b.loc)
			if !r.StartedAt.IsZero() {
				// A duration is a fraction of a day to a spreadsheet.
				row[4] = r.FinishedAt.Sub(r.StartedAt).Seconds() / 86400
			}
		}
		row[5], row[6], row[7], row[8] = orNil(r.Outcome), r.Files, r.Items, r.Exceptions
		row[9] = orNil(r.Detail)
		if err := t.writeRow(row); err != nil {
			return err
		}
	}
	return t.close()
}

// dateOnly is the cell value of the calendar date of t in loc, at midnight.
func dateOnly(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
