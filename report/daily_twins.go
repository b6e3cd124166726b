package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/gocarina/gocsv"

	"enkashbatch/domain"
)

// The rows of the daily CSV twins, written with gocsv: a column is a field, its header the
// field's csv tag. Every text cell is a csvSafe, so no value from an input file opens as a
// formula (csvText); amounts and line numbers are written by their own types.
type (
	itemCSV struct {
		Kind         csvSafe     `csv:"kind"`
		File         csvSafe     `csv:"file"`
		Line         csvLine     `csv:"line"`
		Reference    csvSafe     `csv:"reference"`
		Amount       csvMoney    `csv:"amount"`
		Status       csvSafe     `csv:"status"`
		Bucket       csvSafe     `csv:"bucket"`
		EnkashStatus csvSafe     `csv:"enkash_status"`
		EnkashID     csvSafe     `csv:"enkash_id"`
		BatchID      csvSafe     `csv:"batch_id"`
		UTR          csvSafe     `csv:"utr"`
		EnkashAmount csvOptMoney `csv:"enkash_amount"`
		Reason       csvSafe     `csv:"reason"`
	}
	exceptionCSV struct {
		ID         int64   `csv:"id"`
		Status     csvSafe `csv:"status"`
		Severity   csvSafe `csv:"severity"`
		AgeDays    csvSafe `csv:"age_days"`
		Category   csvSafe `csv:"category"`
		Kind       csvSafe `csv:"kind"`
		File       csvSafe `csv:"file"`
		Line       csvLine `csv:"line"`
		Reference  csvSafe `csv:"reference"`
		Expected   csvSafe `csv:"expected"`
		Actual     csvSafe `csv:"actual"`
		Detail     csvSafe `csv:"detail"`
		Action     csvSafe `csv:"action"`
		RaisedAt   csvSafe `csv:"raised_at"`
		ResolvedAt csvSafe `csv:"resolved_at"`
		Note       csvSafe `csv:"note"`
	}
	matchedCSV struct {
		Kind       csvSafe  `csv:"kind"`
		Reference  csvSafe  `csv:"reference"`
		File       csvSafe  `csv:"file"`
		Amount     csvMoney `csv:"amount"`
		LineID     csvSafe  `csv:"line_id"`
		LineDate   csvSafe  `csv:"line_date"`
		LineType   csvSafe  `csv:"line_type"`
		LineAmount csvMoney `csv:"line_amount"`
		Remarks    csvSafe  `csv:"remarks"`
		Basis      csvSafe  `csv:"basis"`
	}
)

// csvSafe is a text cell of a CSV twin, written through csvText.
type csvSafe string

// MarshalCSV writes s so that a spreadsheet shows it as text (csvText).
func (s csvSafe) MarshalCSV() (string, error) { return csvText(string(s)), nil }

// csvMoney is an amount cell: decimal rupees, e.g. "-250.00".
type csvMoney domain.Paise

// MarshalCSV writes m as decimal rupees.
func (m csvMoney) MarshalCSV() (string, error) { return domain.Paise(m).Decimal(), nil }

// csvOptMoney is an amount cell left empty when zero (nothing recorded).
type csvOptMoney domain.Paise

// MarshalCSV writes m as decimal rupees, or nothing when m is zero.
func (m csvOptMoney) MarshalCSV() (string, error) {
	if m == 0 {
		return "", nil
	}
	return domain.Paise(m).Decimal(), nil
}

// csvLine is a line number cell, empty when unknown.
type csvLine int

// MarshalCSV writes the line number, or nothing when it is unknown.
func (n csvLine) MarshalCSV() (string, error) { return intOrEmpty(int(n)), nil }

// twinCSV streams rows of type T to one CSV twin, header first. Rows are handed to gocsv in
// chunks of twinChunk, so that its reflection over the type is paid once a chunk, not once a
// row.
type twinCSV[T any] struct {
	name    string
	w       *gocsv.SafeCSVWriter
	pending []T
}

const twinChunk = 512

// newTwinCSV writes the header of a twin of rows T to w.
func newTwinCSV[T any](name string, w io.Writer) (*twinCSV[T], error) {
	t := &twinCSV[T]{name: name, w: gocsv.NewSafeCSVWriter(csv.NewWriter(w)), pending: make([]T, 0, twinChunk)}
	if err := gocsv.MarshalCSV([]T{}, t.w); err != nil {
		return nil, fmt.Errorf("write header of %s: %w", name, err)
	}
	return t, nil
}

// write adds row r.
func (t *twinCSV[T]) write(r T) error {
	if t.pending = append(t.pending, r); len(t.pending) == twinChunk {
		return t.flush()
	}
	return nil
}

// flush writes the rows held back.
func (t *twinCSV[T]) flush() error {
	if len(t.pending) > 0 {
		if err := gocsv.MarshalCSVWithoutHeaders(t.pending, t.w); err != nil {
			return fmt.Errorf("write %s: %w", t.name, err)
		}
		t.pending = t.pending[:0]
	}
	t.w.Flush()
	if err := t.w.Error(); err != nil {
		return fmt.Errorf("write %s: %w", t.name, err)
	}
	return nil
}

// dailyTwins writes the CSV and JSON files beside a daily workbook, in the same pass over the
// data as the workbook's sheets.
type dailyTwins struct {
	json              *bufio.Writer
	items             *twinCSV[itemCSV]
	exceptions        *twinCSV[exceptionCSV]
	matched           *twinCSV[matchedCSV]
	bufs              []*bufio.Writer
	exceptionsWritten int
}

// newDailyTwins creates the twins' temporary files in p and writes the CSV headers.
func newDailyTwins(p *pendingFiles, paths DailyFiles) (*dailyTwins, error) {
	tw := &dailyTwins{}
	open := func(path string) (*bufio.Writer, error) {
		f, err := p.create(path)
		if err != nil {
			return nil, err
		}
		w := bufio.NewWriterSize(f, 64<<10)
		tw.bufs = append(tw.bufs, w)
		return w, nil
	}
	var err error
	if tw.json, err = open(paths.Summary); err != nil {
		return nil, err
	}
	w, err := open(paths.Exceptions)
	if err == nil {
		tw.exceptions, err = newTwinCSV[exceptionCSV]("exceptions csv", w)
	}
	if err == nil {
		w, err = open(paths.Matched)
	}
	if err == nil {
		tw.matched, err = newTwinCSV[matchedCSV]("matched csv", w)
	}
	if err == nil {
		w, err = open(paths.Items)
	}
	if err == nil {
		tw.items, err = newTwinCSV[itemCSV]("items csv", w)
	}
	if err != nil {
		return nil, err
	}
	return tw, nil
}

// flush writes out whatever is buffered.
func (tw *dailyTwins) flush() error {
	for _, flush := range []func() error{tw.items.flush, tw.exceptions.flush, tw.matched.flush} {
		if err := flush(); err != nil {
			return err
		}
	}
	for _, b := range tw.bufs {
		if err := b.Flush(); err != nil {
			return fmt.Errorf("write twin file: %w", err)
		}
	}
	return nil
}

// writeItem adds it to the items CSV.
func (tw *dailyTwins) writeItem(it domain.Item) error {
	return tw.items.write(itemCSV{Kind: csvSafe(it.Kind), File: csvSafe(it.File), Line: csvLine(it.Line), Reference: csvSafe(it.Reference),
		Amount: csvMoney(it.Amount), Status: csvSafe(it.Status), Bucket: csvSafe(itemBucket(it)), EnkashStatus: csvSafe(it.Provider.Status),
		EnkashID: csvSafe(it.Provider.ProviderID), BatchID: csvSafe(it.Provider.BatchID), UTR: csvSafe(it.Provider.UTR),
		EnkashAmount: csvOptMoney(it.Provider.Amount), Reason: csvSafe(joinReasons(it.Reason, it.Provider.Reason))})
}

// itemBucket is the bucket it is counted in: none ("corrected") for a corrected row, which is
// counted by the row that corrected it.
func itemBucket(it domain.Item) string {
	if it.Status == statusCorrected {
		return string(statusCorrected)
	}
	return string(it.Status.Bucket())
}

// exceptionJSON is an exception as the JSON twin holds it.
type exceptionJSON struct {
	domain.Exception
	Status  string `json:"status"` // open or resolved
	AgeDays *int   `json:"age_days"`
	Action  string `json:"action"`
}

// writeException adds e to the exceptions CSV and to the JSON's list.
func (tw *dailyTwins) writeException(b *dailyBook, e ExceptionRow) error {
	status, resolved, age := "open", "", ""
	if e.ResolvedAt != nil {
		status, resolved = "resolved", timeText(*e.ResolvedAt, b.loc)
	}
	days, known := e.age(b.now)
	if known {
		age = strconv.Itoa(days)
	}
	if err := tw.exceptions.write(exceptionCSV{ID: e.ID, Status: csvSafe(status), Severity: csvSafe(e.severity()), AgeDays: csvSafe(age),
		Category: csvSafe(e.Category), Kind: csvSafe(e.Kind), File: csvSafe(e.File), Line: csvLine(e.Line), Reference: csvSafe(e.Reference),
		Expected: csvSafe(e.Expected), Actual: csvSafe(e.Actual), Detail: csvSafe(e.Detail), Action: csvSafe(e.action()),
		RaisedAt: csvSafe(timeText(e.CreatedAt, b.loc)), ResolvedAt: csvSafe(resolved), Note: csvSafe(e.Note)}); err != nil {
		return err
	}
	j := exceptionJSON{Exception: e.Exception, Status: status, Action: e.action()}
	j.Severity = e.severity()
	// Times in the workbook's zone, as everywhere else in the workbook and its twins.
	j.CreatedAt, j.LastSeenAt = inZone(e.CreatedAt, b.loc), inZone(e.LastSeenAt, b.loc)
	if e.ResolvedAt != nil {
		r := e.ResolvedAt.In(b.loc)
		j.ResolvedAt = &r
	}
	if known {
		j.AgeDays = &days
	}
	if tw.exceptionsWritten > 0 {
		if err := tw.json.WriteByte(','); err != nil {
			return fmt.Errorf("write summary json: %w", err)
		}
	}
	tw.exceptionsWritten++
	return tw.writeJSON(j)
}

// writeMatch adds m to the matched CSV.
func (tw *dailyTwins) writeMatch(b *dailyBook, m MatchRow) error {
	date := ""
	if !m.LineDate.IsZero() {
		date = m.LineDate.In(b.loc).Format(time.DateOnly)
	}
	return tw.matched.write(matchedCSV{Kind: csvSafe(m.Kind), Reference: csvSafe(m.Reference), File: csvSafe(m.File), Amount: csvMoney(m.Amount),
		LineID: csvSafe(m.LineID), LineDate: csvSafe(date), LineType: csvSafe(m.LineType), LineAmount: csvMoney(m.LineAmount),
		Remarks: csvSafe(m.Remarks), Basis: csvSafe(m.Basis)})
}

// dailyHeadJSON is the part of the JSON twin known before the exceptions are read.
type dailyHeadJSON struct {
	Title       string           `json:"title"`
	Date        string           `json:"date"`
	Sandbox     bool             `json:"sandbox"`
	Endpoint    string           `json:"endpoint"`
	GeneratedAt time.Time        `json:"generated_at"`
	TimeZone    string           `json:"time_zone"`
	Kinds       []kindJSON       `json:"kinds"`
	Files       []fileJSON       `json:"files"`
	Statement   statementJSON    `json:"statement"`
	Runs        []auditRunJSON   `json:"runs"`
	Listed      []kindListedJSON `json:"listed"`
}

// kindJSON is one kind's conservation line.
type kindJSON struct {
	Kind    domain.Kind  `json:"kind"`
	Files   int          `json:"files"`
	Sheet   string       `json:"sheet"`
	Tally   domain.Tally `json:"tally"`
	TiesOut bool         `json:"ties_out"`
}

// kindListedJSON is what one kind's sheet lists, by bucket.
type kindListedJSON struct {
	Kind  domain.Kind  `json:"kind"`
	Tally domain.Tally `json:"tally"`
}

// fileJSON is one file's conservation line.
type fileJSON struct {
	domain.FileSummary
	TiesOut bool `json:"ties_out"`
}

// statementJSON is the statement check, amounts in paise.
type statementJSON struct {
	Checked        bool         `json:"checked"`
	Opening        domain.Paise `json:"opening"`
	Debits         domain.Paise `json:"debits"`
	DebitLines     int          `json:"debit_lines"`
	Credits        domain.Paise `json:"credits"`
	CreditLines    int          `json:"credit_lines"`
	Closing        domain.Paise `json:"closing"`
	Balance        domain.Paise `json:"balance"`
	Difference     domain.Paise `json:"difference"`
	Ties           bool         `json:"ties"`
	MatchedLines   int          `json:"matched_lines"`
	UnmatchedLines int          `json:"unmatched_lines"`
}

// auditRunJSON is one run of the window.
type auditRunJSON struct {
	ID              int64      `json:"id"`
	Command         string     `json:"command"`
	StartedAt       time.Time  `json:"started_at"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
	DurationSeconds *float64   `json:"duration_seconds,omitempty"`
	Outcome         string     `json:"outcome"`
	Files           int        `json:"files"`
	Items           int        `json:"items"`
	Exceptions      int        `json:"exceptions"`
	Detail          string     `json:"detail,omitempty"`
}

// writeHead writes the JSON twin up to the opening of its list of exceptions.
func (tw *dailyTwins) writeHead(b *dailyBook) error {
	d, s := b.d, b.d.Statement
	h := dailyHeadJSON{
		Title: b.head.title, Date: d.Date.In(b.loc).Format(time.DateOnly), Sandbox: d.Sandbox,
		Endpoint: safeEndpoint(d.Endpoint), GeneratedAt: b.now.In(b.loc), TimeZone: zoneName(b.now.In(b.loc)),
		Kinds: []kindJSON{}, Files: []fileJSON{}, Runs: []auditRunJSON{}, Listed: []kindListedJSON{},
		Statement: statementJSON{Checked: s.Checked, Opening: s.Opening, Debits: s.Debits, DebitLines: s.DebitLines,
			Credits: s.Credits, CreditLines: s.CreditLines, Closing: s.Closing(), Balance: s.Balance,
			Difference: s.Difference(), Ties: s.Ties(), MatchedLines: s.MatchedLines, UnmatchedLines: s.UnmatchedLines},
	}
	for _, k := range d.Kinds {
		h.Kinds = append(h.Kinds, kindJSON{Kind: k.Kind, Files: k.Files, Sheet: kindSheetName(k.Kind), Tally: k.Tally, TiesOut: k.Tally.TiesOut()})
	}
	for _, fs := range d.Files {
		h.Files = append(h.Files, fileJSON{FileSummary: fs, TiesOut: fs.Tally.TiesOut()})
	}
	for _, k := range presentKinds(b.listedKinds()) {
		h.Listed = append(h.Listed, kindListedJSON{Kind: k, Tally: *b.listed[k]})
	}
	for _, r := range d.Runs {
		j := auditRunJSON{ID: r.ID, Command: r.Command, StartedAt: r.StartedAt.In(b.loc), Outcome: r.Outcome,
			Files: r.Files, Items: r.Items, Exceptions: r.Exceptions, Detail: r.Detail}
		if !r.FinishedAt.IsZero() {
			fin := r.FinishedAt.In(b.loc)
			secs := r.FinishedAt.Sub(r.StartedAt).Seconds()
			j.FinishedAt, j.DurationSeconds = &fin, &secs
		}
		h.Runs = append(h.Runs, j)
	}
	head, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("encode summary json: %w", err)
	}
	// Reopen the object to stream the exceptions into it.
	head = append(head[:len(head)-1], `,"exceptions":[`...)
	if _, err := tw.json.Write(head); err != nil {
		return fmt.Errorf("write summary json: %w", err)
	}
	return nil
}

// checkJSON is one check of the Summary in words, and whether it ties out.
type checkJSON struct {
	OK   bool   `json:"ok"`
	Text string `json:"text"`
}

// dailyTailJSON is the part of the JSON twin known once every sheet is written.
type dailyTailJSON struct {
	OpenExceptions     int                  `json:"open_exceptions"`
	ResolvedExceptions int                  `json:"resolved_exceptions"`
	Matched            int                  `json:"matched"`
	Checks             map[string]checkJSON `json:"checks"`
}

// writeTail closes the JSON twin's list of exceptions and writes the counts and checks.
func (tw *dailyTwins) writeTail(b *dailyBook) error {
	t := dailyTailJSON{OpenExceptions: b.open, ResolvedExceptions: b.resolved, Matched: b.matched, Checks: map[string]checkJSON{}}
	for name, l := range b.checks {
		t.Checks[name] = checkJSON{OK: l.ok, Text: l.text}
	}
	tail, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode summary json: %w", err)
	}
	if _, err := tw.json.WriteString("],"); err != nil {
		return fmt.Errorf("write summary json: %w", err)
	}
	if _, err := tw.json.Write(append(tail[1:], '\n')); err != nil {
		return fmt.Errorf("write summary json: %w", err)
	}
	return nil
}

// writeJSON writes v to the JSON twin.
func (tw *dailyTwins) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode summary json: %w", err)
	}
	if _, err := tw.json.Write(b); err != nil {
		return fmt.Errorf("write summary json: %w", err)
	}
	return nil
}

// intOrEmpty is n as text, or empty when n is not positive (an unknown line).
func intOrEmpty(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// inZone is t in loc, or the zero time.
func inZone(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(loc)
}

// timeText is t in loc as RFC 3339 text, or empty when zero.
func timeText(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}
