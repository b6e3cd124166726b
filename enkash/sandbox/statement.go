package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"enkashbatch/domain"
)

// The payout account's book: the sandbox posts a statement line whenever money moves, and
// derives both the statement and the balance from those lines, so that the two always agree:
// balance = opening − debits + credits.
//
//   - A transfer posts a DEBIT of its recorded amount when it reaches SUCCESS (with settling by
//     polls: when a search first shows it; by time: when its settle period ends), carrying its
//     transactionId and its UTR as the reference.
//   - A REVERSED transfer posts a CREDIT of the same amount ("REVERSAL <transactionId>") when
//     the reversal is shown; one that goes straight to REVERSED posts its debit and its credit
//     together.
//   - A transfer whose outcome says no_debit posts nothing: it succeeds without a debit.
//   - An extra record that is SUCCESS (or REVERSED) posts its lines at sandbox start.
//   - The scenario's statement entries are posted at their date (sandbox start by default); an
//     entry dated later appears once the clock reaches it.

// StatementEntry is a line of the account statement that no payout explains, from the
// scenario's statement list: a fee, a debit without a payout, a credit such as a top-up.
type StatementEntry struct {
	// Type is DEBIT or CREDIT.
	Type string `yaml:"type"`
	// Amount is the line's transactionAmount; positive.
	Amount Rupees `yaml:"amount"`
	// Remarks is the line's narration, e.g. "NEFT charges".
	Remarks string `yaml:"remarks"`
	// Reference is the line's transactionReferenceNumber.
	Reference string `yaml:"reference"`
	// TransactionID is the line's transactionId; empty for most lines no payout explains.
	TransactionID string `yaml:"transaction_id"`
	// Mode is the line's transactionMode, e.g. NEFT or CHARGES; may be empty.
	Mode string `yaml:"mode"`
	// At dates the line; the zero value is the sandbox's start.
	At When `yaml:"at"`
}

// When dates a scenario statement line: an absolute Time, or, when Time is zero, an Offset from
// the sandbox's start (negative: before it). In YAML it is RFC 3339 ("2025-03-14T10:00:00+05:30"),
// "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd" (both in IST), or a signed duration such as -2h or 30s.
type When struct {
	Time   time.Time
	Offset time.Duration
}

// resolve returns the moment w names for a sandbox started at start.
func (w When) resolve(start time.Time) time.Time {
	if !w.Time.IsZero() {
		return w.Time
	}
	return start.Add(w.Offset)
}

// UnmarshalYAML reads a date or a signed duration.
func (w *When) UnmarshalYAML(n *yaml.Node) error {
	const want = "a date such as 2025-03-14T10:00:00+05:30, \"2025-03-14 10:00:00\" (IST) or an offset from the start such as -2h"
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: at must be %s", n.Line, want)
	}
	v := strings.TrimSpace(n.Value)
	if d, err := time.ParseDuration(v); err == nil {
		*w = When{Offset: d}
		return nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		*w = When{Time: t}
		return nil
	}
	for _, layout := range []string{time.DateTime, time.DateOnly} {
		if t, err := time.ParseInLocation(layout, v, ist); err == nil {
			*w = When{Time: t}
			return nil
		}
	}
	return fmt.Errorf("line %d: at %q is not %s", n.Line, n.Value, want)
}

// statementKeys are the keys a statement entry may have.
var statementKeys = []string{"type", "amount", "remarks", "reference", "transaction_id", "mode", "at"}

// UnmarshalYAML reads one entry, refusing unknown keys and bad values with their line (a
// custom unmarshaler does not inherit the decoder's KnownFields, so keys are checked here).
func (e *StatementEntry) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a statement line is a mapping such as {type: DEBIT, amount: \"250.00\", remarks: NEFT charges}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if key := n.Content[i]; !slices.Contains(statementKeys, key.Value) {
			return fmt.Errorf("line %d: field %s not found in statement line (keys: %s)", key.Line, key.Value, strings.Join(statementKeys, ", "))
		}
	}
	type plain StatementEntry // without this method, so that Decode does not recurse
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*e = StatementEntry(p)
	e.Type, e.Mode = strings.ToUpper(strings.TrimSpace(e.Type)), strings.ToUpper(strings.TrimSpace(e.Mode))
	if err := e.check(); err != nil {
		return fmt.Errorf("line %d: statement line: %w", n.Line, err)
	}
	return nil
}

// check validates a normalised entry.
func (e *StatementEntry) check() error {
	switch {
	case e.Type == "":
		return errors.New("type is required (DEBIT or CREDIT)")
	case e.Type != lineDebit && e.Type != lineCredit:
		return fmt.Errorf("type %q is not DEBIT or CREDIT", e.Type)
	case e.Amount <= 0:
		return errors.New("amount must be positive")
	}
	return nil
}

// bookLine is one posted statement line, before its running balance is known. It points at
// what it was posted for, so that a million payouts do not copy their fields into the book.
type bookLine struct {
	at     time.Time
	credit bool
	t      *transfer       // the transfer whose money moved; nil for a scenario line
	e      *StatementEntry // the scenario line; nil for a transfer's
}

// amount is the line's transactionAmount.
func (l bookLine) amount() domain.Paise {
	if l.t != nil {
		return l.t.amount
	}
	return domain.Paise(l.e.Amount)
}

// signed is the line's effect on the balance.
func (l bookLine) signed() domain.Paise {
	if l.credit {
		return l.amount()
	}
	return -l.amount()
}

// wire renders the line with the balance just after it.
func (l bookLine) wire(running domain.Paise) statementWire {
	out := statementWire{
		TransactionDate:   stampText(l.at),
		ValueDate:         stampText(midnight(l.at)),
		TransactionType:   lineDebit,
		TransactionAmount: rupees(l.amount()),
		RunningBalance:    rupees(running),
	}
	if l.credit {
		out.TransactionType = lineCredit
	}
	switch {
	case l.t != nil:
		out.TransactionID, out.TransactionReferenceNumber, out.TransactionMode = l.t.id, l.t.utr, l.t.mode
		out.Remarks = "PAYOUT " + l.t.id
		if l.credit {
			out.Remarks = "REVERSAL " + l.t.id
		}
	default:
		out.TransactionID, out.TransactionReferenceNumber, out.TransactionMode = l.e.TransactionID, l.e.Reference, l.e.Mode
		out.Remarks = l.e.Remarks
	}
	return out
}

// midnight is the start, in IST, of the day of t: a line's value date (D: a date-time).
func midnight(t time.Time) time.Time {
	y, m, d := t.In(ist).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, ist)
}

// scheduleEntries posts the scenario's entries dated up to start and keeps the later ones, by
// date, until they are due.
func (s *Server) scheduleEntries(entries []StatementEntry, start time.Time) {
	lines := make([]bookLine, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		lines = append(lines, bookLine{at: e.At.resolve(start), credit: e.Type == lineCredit, e: e})
	}
	slices.SortStableFunc(lines, func(a, b bookLine) int { return a.at.Compare(b.at) })
	i := 0
	for i < len(lines) && !lines[i].at.After(start) {
		i++
	}
	s.book = append(s.book, lines[:i]...)
	s.pending = lines[i:]
}

// owed returns the lines t owes the book now that its status is st, and marks them posted:
// its debit (dated debitAt) once it has succeeded, its credit (dated creditAt) once reversed.
// The caller holds s.mu.
func (s *Server) owed(t *transfer, st string, debitAt, creditAt time.Time) []bookLine {
	if t.noDebit || (st != statusSuccess && st != statusReversed) {
		return nil
	}
	var out []bookLine
	if !t.debited {
		t.debited = true
		out = append(out, bookLine{at: debitAt, t: t})
	}
	if st == statusReversed && !t.credited {
		t.credited = true
		out = append(out, bookLine{at: creditAt, credit: true, t: t})
	}
	return out
}

// postDue posts what has come due by now: the scenario entries dated up to now and, when
// transfers settle by time, the lines of every transfer whose settle period has ended (with
// settling by polls, searches post them). The caller holds s.mu.
func (s *Server) postDue(now time.Time) {
	var due []bookLine
	for len(s.pending) > 0 && !s.pending[0].at.After(now) {
		due = append(due, s.pending[0])
		s.pending = s.pending[1:]
	}
	if after := s.settle.After; after > 0 {
		for _, t := range s.order {
			if t.fixed != "" || t.noDebit || t.credited {
				continue
			}
			settled := t.created.Add(after)
			reversed := settled
			if t.then == statusReversed {
				reversed = t.created.Add(2 * after)
			}
			due = append(due, s.owed(t, s.statusAt(t, now), settled, reversed)...)
		}
	}
	slices.SortStableFunc(due, func(a, b bookLine) int { return a.at.Compare(b.at) })
	s.book = append(s.book, due...)
}

// ledger returns the lines posted by now, by date then posting order, each with the balance
// just after it; and the balance after the last. The caller holds s.mu.
func (s *Server) ledger(now time.Time) ([]bookLine, []domain.Paise, domain.Paise) {
	s.postDue(now)
	lines := make([]bookLine, 0, len(s.book))
	for _, l := range s.book {
		if !l.at.After(now) {
			lines = append(lines, l)
		}
	}
	slices.SortStableFunc(lines, func(a, b bookLine) int { return a.at.Compare(b.at) })
	running := make([]domain.Paise, len(lines))
	bal := s.opening
	for i, l := range lines {
		bal += l.signed()
		running[i] = bal
	}
	return lines, running, bal
}

// balance answers GET /api/v0/payout-account/balance?fundSourceId=: the opening balance less
// the debits plus the credits posted by now. fundSourceId is required (D: 422 without it);
// Assumption: any fund source id of letters and digits names the sandbox's one account.
func (s *Server) balance(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	for k := range q {
		if k != "fundSourceId" && k != "debitAccountNumber" {
			return nil, errInvalid(msgInvalidFormat + " Unknown parameter: " + k)
		}
	}
	switch id := q.Get("fundSourceId"); {
	case id == "":
		return nil, errMissing("fundSourceId")
	case !reAlnum.MatchString(id):
		return nil, errInvalid(msgMissingParameter + " Invalid fundSourceId: " + id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, bal := s.ledger(s.now())
	return balanceOut{TotalBalance: rupees(bal)}, nil
}

// statement answers POST /api/v0/payout-account/statement (D: fundSourceId,
// debitAccountNumber, fromDate and toDate required, the dates date-times): the lines dated from
// fromDate to toDate (both included, to the second), oldest first, each with the running
// balance over the whole book, in the documented answer: data at the top level beside
// response_code and requestId, no payload. Assumption: any fund source id and account number
// of letters and digits name the sandbox's one account.
func (s *Server) statement(r *http.Request) (any, *apiError) {
	var req statementIn
	if e := s.decode(r, &req); e != nil {
		return nil, e
	}
	for _, f := range []struct{ name, value string }{{"fundSourceId", req.FundSourceID},
		{"debitAccountNumber", req.DebitAccountNumber}, {"fromDate", req.FromDate}, {"toDate", req.ToDate}} {
		if strings.TrimSpace(f.value) == "" {
			return nil, errMissing(f.name)
		}
	}
	if !reAlnum.MatchString(req.FundSourceID) || !reAlnum.MatchString(req.DebitAccountNumber) {
		return nil, errInvalid(msgMissingParameter + " Invalid fundSourceId or debitAccountNumber")
	}
	from, err := time.Parse(time.RFC3339, req.FromDate)
	if err != nil {
		return nil, errInvalid(msgInvalidFormat + " fromDate " + req.FromDate + " is not a date-time (RFC 3339)")
	}
	to, err := time.Parse(time.RFC3339, req.ToDate)
	if err != nil {
		return nil, errInvalid(msgInvalidFormat + " toDate " + req.ToDate + " is not a date-time (RFC 3339)")
	}
	from, before := from.Truncate(time.Second), to.Truncate(time.Second).Add(time.Second)
	if !before.After(from) {
		return nil, errInvalid(msgMissingParameter + " fromDate is after toDate")
	}
	id := s.requestID()

	s.mu.Lock()
	defer s.mu.Unlock()
	lines, running, _ := s.ledger(s.now())
	resp := statementOut{ResponseCode: strconv.Itoa(codeSuccess), ResponseMessage: "Success", RequestID: id, Data: []statementWire{}}
	for i, l := range lines {
		if !inRange(l.at, from, before) {
			continue
		}
		resp.Data = append(resp.Data, l.wire(running[i]))
	}
	return resp, nil
}
