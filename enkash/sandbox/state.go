package sandbox

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"enkashbatch/domain"
	"enkashbatch/internal/atomicfile"
)

// The sandbox's state, saved and loaded, so that the sandbox a `batch` command starts in its
// own process is the same Enkash as the previous command's: same transfers (status, polls,
// amounts, UTRs, ids, creation times), batches, call log, statement book and balance.
//
// What is fixed when an Enkash starts, or when it accepts a transfer, comes from the state and
// not from the scenario New was given: the opening balance, the extra records (kept with their
// creation time, never added twice), the scenario's statement lines (posted or still to come),
// and every accepted transfer's outcome (final status, reversal, drop, recorded amount,
// no_debit: decided when the transfer is accepted). Everything else follows the scenario from
// the moment of loading: latency, faults, rate limit, settling, the token's shape and lifetime,
// and the outcomes of transfers accepted from then on. So a scenario edited between two
// commands changes what happens next, never what already happened; to start from an empty
// Enkash with the new extras, statement lines and balance, start without the saved state.
//
// Identifiers stay unique across reloads: a transfer's ids derive from its transactionId and
// its create count (kept in the call log), tokens from a counter that is kept, and the random
// draws (latency, faults) carry on where they stopped as long as the seed is the same. Tokens
// themselves are not kept: a client gets a new one.

// StateVersion is the version of the state format Save writes; Load reads versions 1 to it.
const StateVersion = 1

// stateFormat names the format inside the file, so that some other JSON is not taken for it.
const stateFormat = "enkashbatch-sandbox-state"

// ErrBadState means a state file cannot be loaded: not a sandbox state, written by a newer
// version, or inconsistent. Errors from Load and LoadFile wrap it, except those of reading.
var ErrBadState = errors.New("not a usable sandbox state")

// stateFile is the saved state, format version 1. Amounts are in paise.
type stateFile struct {
	Format    string          `json:"format"`
	Version   int             `json:"version"`
	SavedAt   time.Time       `json:"saved_at"` // for people; not read
	Seed      int64           `json:"seed"`
	RNG       []byte          `json:"rng"` // the random source's position (PCG, binary)
	TokenSeq  int             `json:"token_seq"`
	Failures  int             `json:"failures"`
	Stats     Stats           `json:"stats"`
	Opening   domain.Paise    `json:"opening_paise"`
	Transfers []stateTransfer `json:"transfers"` // in creation order
	Batches   []stateBatch    `json:"batches"`
	Calls     []stateCall     `json:"calls"`
	Book      []stateLine     `json:"book"`            // posted statement lines, in posting order
	Pending   []stateLine     `json:"pending"`         // scenario statement lines not yet due, by date
	Bills     json.RawMessage `json:"bills,omitempty"` // the BBPS family's state (bills.go)
	AR        json.RawMessage `json:"ar,omitempty"`    // the AR family's state (ar.go)
}

type stateTransfer struct {
	ID       string       `json:"id"`
	Batch    string       `json:"batch,omitempty"`
	EnkashID string       `json:"enkash_id"`
	Mode     string       `json:"mode"`
	UTR      string       `json:"utr"`
	Sent     domain.Paise `json:"sent_paise"`
	Amount   domain.Paise `json:"amount_paise"`
	Created  time.Time    `json:"created"`
	Polls    int          `json:"polls"`
	Fixed    string       `json:"fixed,omitempty"`
	Final    string       `json:"final,omitempty"`
	Then     string       `json:"then,omitempty"`
	Reason   string       `json:"reason,omitempty"`
	Drop     bool         `json:"drop,omitempty"`
	Shown    string       `json:"shown"`
	Updated  time.Time    `json:"updated"`
	NoDebit  bool         `json:"no_debit,omitempty"`
	Debited  bool         `json:"debited,omitempty"`
	Credited bool         `json:"credited,omitempty"`
	// The payee as sent (added after version 1 was first written; absent in older states).
	BeneficiaryID string           `json:"beneficiary_id,omitempty"`
	Beneficiary   *beneficiaryWire `json:"beneficiary,omitempty"`
}

// stateBatch is one batchTransactionId the sandbox accepted, with its transfers in order.
type stateBatch struct {
	ID        string   `json:"id"`
	Transfers []string `json:"transfers"`
}

type stateCall struct {
	Kind       string       `json:"kind"`
	Reference  string       `json:"reference"`
	Creates    int          `json:"creates"`
	Duplicates int          `json:"duplicates"`
	Amount     domain.Paise `json:"amount_paise"`
	HasAmount  bool         `json:"has_amount"`
	Status     string       `json:"status,omitempty"`
}

// stateLine is a statement line: a transfer's (by transactionId) or a scenario line's.
type stateLine struct {
	At       time.Time   `json:"at"`
	Credit   bool        `json:"credit,omitempty"`
	Transfer string      `json:"transfer,omitempty"`
	Entry    *stateEntry `json:"entry,omitempty"`
}

type stateEntry struct {
	Type          string       `json:"type"`
	Amount        domain.Paise `json:"amount_paise"`
	Remarks       string       `json:"remarks,omitempty"`
	Reference     string       `json:"reference,omitempty"`
	TransactionID string       `json:"transaction_id,omitempty"`
	Mode          string       `json:"mode,omitempty"`
}

// Save writes s's state as JSON (see the top of state.go for what it holds). It is safe to
// call while s serves requests; the state written is the one at the moment of the call.
func (s *Server) Save(w io.Writer) error {
	st, err := s.snapshot()
	if err != nil {
		return fmt.Errorf("save sandbox state: %w", err)
	}
	if err := json.NewEncoder(w).Encode(st); err != nil {
		return fmt.Errorf("save sandbox state: %w", err)
	}
	return nil
}

// snapshot copies the state under the lock.
func (s *Server) snapshot() (*stateFile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rng, err := s.pcg.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("random source: %w", err)
	}
	st := &stateFile{
		Format: stateFormat, Version: StateVersion, SavedAt: s.now(), Seed: s.seed, RNG: rng,
		TokenSeq: s.tokenSeq, Failures: s.failures, Stats: s.stats, Opening: s.opening,
		Transfers: make([]stateTransfer, len(s.order)),
		Batches:   make([]stateBatch, 0, len(s.batches)),
		Calls:     make([]stateCall, 0, len(s.calls)),
		Book:      make([]stateLine, len(s.book)),
		Pending:   make([]stateLine, len(s.pending)),
	}
	for i, t := range s.order {
		st.Transfers[i] = stateTransfer{
			ID: t.id, Batch: t.batch, EnkashID: t.enkashID, Mode: t.mode, UTR: t.utr,
			Sent: t.sent, Amount: t.amount, Created: t.created, Polls: t.polls,
			Fixed: t.fixed, Final: t.final, Then: t.then, Reason: t.reason, Drop: t.drop,
			Shown: t.shown, Updated: t.updated, NoDebit: t.noDebit, Debited: t.debited, Credited: t.credited,
			BeneficiaryID: t.benefID, Beneficiary: t.benef,
		}
	}
	for id := range s.batches {
		st.Batches = append(st.Batches, stateBatch{ID: id, Transfers: s.byBatch[id]})
	}
	slices.SortFunc(st.Batches, func(a, b stateBatch) int { return cmp.Compare(a.ID, b.ID) })
	for k, c := range s.calls {
		st.Calls = append(st.Calls, stateCall{Kind: k.kind, Reference: k.ref, Creates: c.creates,
			Duplicates: c.duplicates, Amount: c.amount, HasAmount: c.hasAmount, Status: c.status})
	}
	slices.SortFunc(st.Calls, func(a, b stateCall) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Reference, b.Reference))
	})
	for i, l := range s.book {
		st.Book[i] = saveLine(l)
	}
	for i, l := range s.pending {
		st.Pending[i] = saveLine(l)
	}
	if st.Bills, err = s.saveBills(); err != nil {
		return nil, fmt.Errorf("bills: %w", err)
	}
	if st.AR, err = json.Marshal(s.ar); err != nil {
		return nil, fmt.Errorf("ar: %w", err)
	}
	return st, nil
}

func saveLine(l bookLine) stateLine {
	out := stateLine{At: l.at, Credit: l.credit}
	if l.t != nil {
		out.Transfer = l.t.id
		return out
	}
	e := l.e
	out.Entry = &stateEntry{Type: e.Type, Amount: domain.Paise(e.Amount), Remarks: e.Remarks,
		Reference: e.Reference, TransactionID: e.TransactionID, Mode: e.Mode}
	return out
}

// SaveFile writes s's state to path atomically: to a temporary file in the same folder, synced,
// then renamed over path, so that path always holds a whole state.
func (s *Server) SaveFile(path string) error {
	err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := s.Save(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("save sandbox state: %w", err)
	}
	return nil
}

// Load replaces s's state with one Save wrote, so that s goes on as the Enkash that was saved
// (see the top of state.go for what comes from the state and what from s's scenario). Call it
// before s serves requests. On error s is unchanged; a file that is not a sandbox state, was
// written by a newer version or does not hold together gives an error wrapping ErrBadState.
func (s *Server) Load(r io.Reader) error {
	if err := s.load(r); err != nil {
		return fmt.Errorf("load sandbox state: %w", err)
	}
	return nil
}

// LoadFile loads the state saved at path (see Load). A missing file gives an error matching
// fs.ErrNotExist.
func (s *Server) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("load sandbox state: %w", err)
	}
	defer f.Close()
	if err := s.load(bufio.NewReader(f)); err != nil {
		return fmt.Errorf("load sandbox state %s: %w", path, err)
	}
	return nil
}

func (s *Server) load(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	// The header first: a newer version may have changed the fields, and deserves to be named
	// as such rather than as a decoding error.
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("%w: not JSON: %v", ErrBadState, err)
	}
	switch {
	case head.Format != stateFormat:
		return fmt.Errorf("%w: format %q, want %q", ErrBadState, head.Format, stateFormat)
	case head.Version > StateVersion:
		return fmt.Errorf("%w: version %d was written by a newer version of this program (this one reads up to %d)",
			ErrBadState, head.Version, StateVersion)
	case head.Version < 1:
		return fmt.Errorf("%w: version %d is not a version", ErrBadState, head.Version)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("%w: %v", ErrBadState, err)
	}
	next, err := st.restore()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadState, err)
	}
	bills, err := loadBills(st.Bills)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadState, err)
	}
	ar, err := loadAR(st.AR)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadState, err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if st.Seed == s.seed {
		if err := s.pcg.UnmarshalBinary(st.RNG); err != nil {
			return fmt.Errorf("%w: random source: %v", ErrBadState, err)
		}
	}
	s.opening = next.opening
	s.tokenSeq = max(s.tokenSeq, st.TokenSeq)
	s.failures, s.stats = st.Failures, st.Stats
	s.batches, s.byBatch = next.batches, next.byBatch
	s.transfers, s.order = next.transfers, next.order
	s.calls = next.calls
	s.book, s.pending = next.book, next.pending
	s.bills = bills
	s.ar = ar
	return nil
}

// restored is a loaded state, checked, in the Server's own shapes.
type restored struct {
	opening   domain.Paise
	batches   map[string]bool
	byBatch   map[string][]string
	transfers map[string]*transfer
	order     []*transfer
	calls     map[callKey]*callRecord
	book      []bookLine
	pending   []bookLine
}

// restore checks that the state holds together and rebuilds the Server's structures from it.
func (st *stateFile) restore() (*restored, error) {
	if st.Opening < 0 {
		return nil, fmt.Errorf("opening balance %d paise is negative", st.Opening)
	}
	out := &restored{
		opening:   st.Opening,
		batches:   make(map[string]bool, len(st.Batches)),
		byBatch:   make(map[string][]string, len(st.Batches)),
		transfers: make(map[string]*transfer, len(st.Transfers)),
		order:     make([]*transfer, 0, len(st.Transfers)),
		calls:     make(map[callKey]*callRecord, len(st.Calls)),
	}
	for i, x := range st.Transfers {
		if err := x.check(); err != nil {
			return nil, fmt.Errorf("transfers[%d] (%s): %w", i, x.ID, err)
		}
		if _, dup := out.transfers[x.ID]; dup {
			return nil, fmt.Errorf("transfers[%d]: transactionId %s appears twice", i, x.ID)
		}
		t := &transfer{
			id: x.ID, batch: x.Batch, enkashID: x.EnkashID, mode: x.Mode, utr: x.UTR,
			sent: x.Sent, amount: x.Amount, created: x.Created, polls: x.Polls,
			fixed: x.Fixed, final: x.Final, then: x.Then, reason: x.Reason, drop: x.Drop,
			shown: x.Shown, updated: x.Updated, noDebit: x.NoDebit, debited: x.Debited, credited: x.Credited,
			benefID: x.BeneficiaryID, benef: x.Beneficiary,
		}
		out.transfers[t.id] = t
		out.order = append(out.order, t)
	}
	for i, b := range st.Batches {
		if b.ID == "" || out.batches[b.ID] {
			return nil, fmt.Errorf("batches[%d]: batchTransactionId %q is empty or repeated", i, b.ID)
		}
		for _, id := range b.Transfers {
			if _, ok := out.transfers[id]; !ok {
				return nil, fmt.Errorf("batch %s names transfer %s, which is not in the state", b.ID, id)
			}
		}
		out.batches[b.ID] = true
		if len(b.Transfers) > 0 {
			out.byBatch[b.ID] = slices.Clone(b.Transfers)
		}
	}
	for i, c := range st.Calls {
		k := callKey{c.Kind, c.Reference}
		switch {
		case c.Kind != KindPayout && c.Kind != KindPayoutBatch && c.Kind != KindBill && c.Kind != KindCustomer && c.Kind != KindInvoice:
			return nil, fmt.Errorf("calls[%d]: kind %q is not %s or %s", i, c.Kind, KindPayout, KindPayoutBatch)
		case c.Reference == "":
			return nil, fmt.Errorf("calls[%d]: reference is empty", i)
		case c.Creates < 1 || c.Duplicates < 0 || c.Duplicates > c.Creates:
			return nil, fmt.Errorf("calls[%d] (%s): %d creates, %d duplicates", i, c.Reference, c.Creates, c.Duplicates)
		case out.calls[k] != nil:
			return nil, fmt.Errorf("calls[%d]: %s %s appears twice", i, c.Kind, c.Reference)
		}
		out.calls[k] = &callRecord{creates: c.Creates, duplicates: c.Duplicates, amount: c.Amount,
			hasAmount: c.HasAmount, status: c.Status}
	}
	var err error
	if out.book, err = out.lines("book", st.Book); err != nil {
		return nil, err
	}
	if out.pending, err = out.lines("pending", st.Pending); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out.pending, func(a, b bookLine) int { return a.at.Compare(b.at) })
	return out, nil
}

// check refuses a transfer that the sandbox could not have made.
func (x stateTransfer) check() error {
	isStatus := func(v string) bool { return v == "" || outcomeStatuses[v] }
	switch {
	case x.ID == "":
		return errors.New("transactionId is empty")
	case x.Sent < 0 || x.Amount < 0:
		return fmt.Errorf("negative amount (sent %d, recorded %d paise)", x.Sent, x.Amount)
	case x.Polls < 0:
		return fmt.Errorf("negative poll count %d", x.Polls)
	case x.Created.IsZero():
		return errors.New("no creation time")
	case x.Fixed == "" && x.Final == "":
		return errors.New("neither a fixed nor a final status")
	case x.Shown == "" || !isStatus(x.Shown) || !isStatus(x.Fixed) || !isStatus(x.Final):
		return fmt.Errorf("unknown status (shown %q, fixed %q, final %q)", x.Shown, x.Fixed, x.Final)
	case x.Then != "" && x.Then != statusReversed:
		return fmt.Errorf("then %q is not REVERSED", x.Then)
	}
	return nil
}

// lines rebuilds statement lines, pointing at the restored transfers.
func (out *restored) lines(what string, in []stateLine) ([]bookLine, error) {
	lines := make([]bookLine, 0, len(in))
	for i, l := range in {
		bl := bookLine{at: l.At, credit: l.Credit}
		switch {
		case l.At.IsZero():
			return nil, fmt.Errorf("%s[%d]: no date", what, i)
		case (l.Transfer == "") == (l.Entry == nil):
			return nil, fmt.Errorf("%s[%d]: a line is a transfer's or a scenario entry, exactly one", what, i)
		case l.Entry != nil:
			e := &StatementEntry{Type: l.Entry.Type, Amount: Rupees(l.Entry.Amount), Remarks: l.Entry.Remarks,
				Reference: l.Entry.Reference, TransactionID: l.Entry.TransactionID, Mode: l.Entry.Mode}
			if err := e.check(); err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", what, i, err)
			}
			bl.e = e
		default:
			t, ok := out.transfers[l.Transfer]
			if !ok {
				return nil, fmt.Errorf("%s[%d]: transfer %s is not in the state", what, i, l.Transfer)
			}
			bl.t = t
		}
		lines = append(lines, bl)
	}
	return lines, nil
}
