package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"enkashbatch/domain"
)

// The headers of the daily CSV twins.
var (
	itemsCSVHeader = []string{"kind", "file", "line", "reference", "amount", "status", "bucket", "enkash_status",
		"enkash_id", "batch_id", "utr", "enkash_amount", "reason"}
	exceptionsCSVHeader = []string{"id", "status", "severity", "age_days", "category", "kind", "file", "line", "reference",
		"expected", "actual", "detail", "action", "raised_at", "resolved_at", "note"}
	matchedCSVHeader = []string{"kind", "reference", "file", "amount", "line_id", "line_date", "line_type", "line_amount",
		"remarks", "basis"}
)

// dailyTwins writes the CSV and JSON files beside a daily workbook, in the same pass over the
// data as the workbook's sheets.
type dailyTwins struct {
	json                       *bufio.Writer
	items, exceptions, matched *csv.Writer
	bufs                       []*bufio.Writer
	rec                        []string // reused for every CSV record
	exceptionsWritten          int
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
	csvs := []struct {
		dst    **csv.Writer
		path   string
		header []string
	}{
		{&tw.exceptions, paths.Exceptions, exceptionsCSVHeader},
		{&tw.matched, paths.Matched, matchedCSVHeader},
		{&tw.items, paths.Items, itemsCSVHeader},
	}
	for _, c := range csvs {
		w, err := open(c.path)
		if err != nil {
			return nil, err
		}
		*c.dst = csv.NewWriter(w)
		if err := (*c.dst).Write(c.header); err != nil {
			return nil, fmt.Errorf("write header of %s: %w", c.path, err)
		}
	}
	return tw, nil
}

// flush writes out whatever is buffered.
func (tw *dailyTwins) flush() error {
	for _, w := range []*csv.Writer{tw.items, tw.exceptions, tw.matched} {
		w.Flush()
		if err := w.Error(); err != nil {
			return fmt.Errorf("write csv: %w", err)
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
	r := append(tw.rec[:0], string(it.Kind), it.File, intOrEmpty(it.Line), it.Reference, it.Amount.Decimal(),
		string(it.Status), string(it.Status.Bucket()), it.Provider.Status, it.Provider.ProviderID, it.Provider.BatchID,
		it.Provider.UTR, "", joinReasons(it.Reason, it.Provider.Reason))
	if it.Provider.Amount != 0 {
		r[11] = it.Provider.Amount.Decimal()
	}
	tw.rec = r
	if err := writeCSV(tw.items, r); err != nil {
		return fmt.Errorf("write items csv: %w", err)
	}
	return nil
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
	r := append(tw.rec[:0], strconv.FormatInt(e.ID, 10), status, string(e.severity()), age, string(e.Category), string(e.Kind),
		e.File, intOrEmpty(e.Line), e.Reference, e.Expected, e.Actual, e.Detail, e.action(), timeText(e.CreatedAt, b.loc),
		resolved, e.Note)
	tw.rec = r
	if err := writeCSV(tw.exceptions, r); err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
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
	r := append(tw.rec[:0], string(m.Kind), m.Reference, m.File, m.Amount.Decimal(), m.LineID, date, m.LineType,
		m.LineAmount.Decimal(), m.Remarks, m.Basis)
	tw.rec = r
	if err := writeCSV(tw.matched, r); err != nil {
		return fmt.Errorf("write matched csv: %w", err)
	}
	return nil
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

// writeCSV writes record r to w, every field through csvText: no value from an input file
// opens as a formula. It changes r in place.
func writeCSV(w *csv.Writer, r []string) error {
	for i, v := range r {
		r[i] = csvText(v)
	}
	return w.Write(r)
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
