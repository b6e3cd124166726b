package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/mattn/go-sqlite3"

	"enkashbatch/domain"
)

// NewItem is one row of a file being ingested. Its reference and amount columns are the
// record's own (domain.Record's ItemReference and ItemAmount); the stored payload is the
// record's stored form (domain.EncodeRecord), which holds no amount: the amount column is its
// one copy. Make one with NewItemOf.
type NewItem struct {
	Line int
	// Record is the row's record as far as it could be read: it gives a rejected row's
	// reference and amount as read too. Nil only for a row nothing could be read of.
	Record domain.Record
	// Errors are the row's broken rules; a row with errors is recorded as rejected.
	Errors  []domain.RowError
	made    bool     // by NewItemOf: payload and key are set
	payload string   // domain.EncodeRecord(Record) of a valid row; "" for a rejected one
	key     string   // domain.ReferenceKey of the reference
	cells   []string // the row's original cells, kept in the ledger only if the row is rejected
	// values are a valid row's reference, key, amount and payload as the INSERT binds them,
	// made (boxed) by NewItemOf on its goroutine rather than by the ledger's writer.
	values [4]any
}

// NewItemOf returns the item of one row: its record as read, its original cells in file order,
// and its broken rules. It encodes the record (when the row broke no rule) here, on the
// caller's goroutine, so that the ledger's writer only writes. The cells are stored only if
// the row ends up rejected (by its own errors or by the ledger's reference checks): they are
// what its fix-and-redrop row and its Rejected rows line show, and nothing reads those of a
// valid row.
func NewItemOf(line int, rec domain.Record, raw []string, errs []domain.RowError) (NewItem, error) {
	it := NewItem{Line: line, Record: rec, Errors: errs, made: true, cells: raw}
	if rec != nil {
		it.key = domain.ReferenceKey(rec.ItemReference())
	}
	if len(errs) == 0 {
		if rec == nil {
			return NewItem{}, fmt.Errorf("line %d: a row without errors has no record", line)
		}
		b, err := domain.EncodeRecord(rec)
		if err != nil {
			return NewItem{}, fmt.Errorf("line %d: %w", line, err)
		}
		// The encoding is ours alone and never changed: its bytes are the string's, without
		// a copy (bound as TEXT, which SQLite copies; a []byte would be stored as a BLOB).
		it.payload = unsafe.String(unsafe.SliceData(b), len(b))
		it.values = [4]any{rec.ItemReference(), it.key, int64(rec.ItemAmount()), it.payload}
	}
	return it, nil
}

// reference is the item's reference as written (even if invalid).
func (it NewItem) reference() string {
	if it.Record == nil {
		return ""
	}
	return it.Record.ItemReference()
}

// amount is the item's amount as read (0 when it could not be read).
func (it NewItem) amount() domain.Paise {
	if it.Record == nil {
		return 0
	}
	return it.Record.ItemAmount()
}

// noCells is the raw column of a valid row: its cells are not kept (see NewItemOf).
const noCells = "[]"

// insertChunk is the most valid rows one INSERT statement writes. SQLite's cost of a
// statement (its run, the driver's call, database/sql's bookkeeping) is then paid once per
// chunk rather than once per row (docs/performance.md). A power of two: a shorter run of
// rows (at the end of the file, before a rejected row) is written by statements of the
// powers of two it is made of. A variable only for the tests, which compare it with 1.
var insertChunk = 128

// Ingest writes one file's rows in a single transaction: the file's rows are in the ledger
// entirely or not at all.
//
// Valid rows wait in a chunk and are written by one multi-row INSERT; a rejected row first
// writes the rows before it, so that items keep the file's order. When a chunk's INSERT
// breaks the unique reference index, SQLite undoes that statement alone, and its rows are
// written again one at a time by the row-by-row path, which names the row holding the
// reference: the outcome and every message are those of writing each row on its own.
type Ingest struct {
	db      *DB
	ctx     context.Context
	tx      *sql.Tx
	now     string
	runID   int64
	fileID  int64
	file    string
	kind    domain.Kind
	refCol  string // the reference column's header as written
	insert  *sql.Stmt
	holder  *sql.Stmt         // the live item holding a reference key
	chunk   int               // insertChunk when the file began
	chunks  map[int]*sql.Stmt // multi-row INSERTs of valid rows, by their number of rows (negative: lines not consecutive)
	pending []NewItem         // valid rows not yet written, in file order
	args    []any             // the arguments of a multi-row INSERT, reused
	rowsIn  int
	paiseIn domain.Paise
	valid   int // rows written as valid
}

// BeginIngest opens the transaction that records an accepted file and its rows. refColumn is
// the header of the file's reference column as written, named by duplicate-reference errors.
func (db *DB) BeginIngest(ctx context.Context, runID int64, f domain.FileSummary, header []string, refColumn string) (*Ingest, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin ingest of %s: %w", f.Name, err)
	}
	// The rows' statements run without ctx's cancellation: go-sqlite3 runs each statement
	// whose context can be cancelled on a goroutine of its own, which costs more than the
	// insert itself (a futex handoff per row). A row takes microseconds; the caller checks
	// ctx between rows and aborts the file.
	in := &Ingest{db: db, ctx: context.WithoutCancel(ctx), tx: tx, now: formatTime(db.Now()), runID: runID, file: f.Name, kind: f.Kind, refCol: refColumn,
		chunk: insertChunk, chunks: map[int]*sql.Stmt{}, pending: make([]NewItem, 0, insertChunk)}
	fail := func(err error) (*Ingest, error) {
		in.close()
		tx.Rollback()
		return nil, fmt.Errorf("begin ingest of %s: %w", f.Name, err)
	}
	hdr, err := json.Marshal(header)
	if err != nil {
		return fail(err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO files (run_id, name, kind, sha256, status, header, received_at) VALUES (?, ?, ?, ?, 'accepted', ?, ?)`,
		runID, f.Name, string(f.Kind), f.SHA256, string(hdr), in.now)
	if err != nil {
		return fail(err)
	}
	if in.fileID, err = res.LastInsertId(); err != nil {
		return fail(err)
	}
	in.insert, err = tx.PrepareContext(ctx, `INSERT INTO items (file_id, kind, line, reference, ref_key, amount, status, reason, rule, payload, raw, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fail(err)
	}
	in.holder, err = tx.PrepareContext(ctx, `SELECT i.file_id, i.line, f.name, i.reference, i.status, i.provider_id, i.provider_status, i.utr,
			i.provider_reason, coalesce(b.created_at, nullif(i.updated_at, ''), f.received_at), f.received_at
		FROM items i JOIN files f ON f.id = i.file_id LEFT JOIN batches b ON b.id = i.batch_id
		WHERE i.kind = ? AND i.ref_key = ?`)
	if err != nil {
		return fail(err)
	}
	return in, nil
}

// FileID is the id of the file being ingested.
func (in *Ingest) FileID() int64 { return in.fileID }

// Counts returns the rows added so far and how many of them were recorded as valid. A valid
// row waiting for its chunk's INSERT is not counted as valid yet: after Commit, every row is.
func (in *Ingest) Counts() (rows, valid int) { return in.rowsIn, in.valid }

// Add records one row. References are unique within a kind regardless of case and surrounding
// spaces (domain.ReferenceKey). A valid row whose reference another live item already holds is
// recorded as rejected. A row, valid or not, whose reference belongs to a payment of another
// file that was sent (or is queued to be) is rejected under domain.RuleAlreadySent (or
// RuleAlreadyQueued) alone: it says when and how the payment was made, and is never offered for
// correcting and sending again. A valid row may be written later, with its chunk (see Ingest):
// Counts and the ledger tell what became of it once the file is committed.
func (in *Ingest) Add(it NewItem) error {
	if it.Record != nil && it.Record.Kind() != in.kind {
		return fmt.Errorf("ingest %s line %d: a %s record in a %s file", in.file, it.Line, it.Record.Kind(), in.kind)
	}
	if !it.made {
		// Made by hand rather than by NewItemOf: encode here.
		made, err := NewItemOf(it.Line, it.Record, it.cells, it.Errors)
		if err != nil {
			return fmt.Errorf("ingest %s: %w", in.file, err)
		}
		it = made
	}
	in.rowsIn++
	in.paiseIn += it.amount()
	if len(it.Errors) == 0 {
		if in.pending = append(in.pending, it); len(in.pending) == in.chunk {
			return in.flush()
		}
		return nil
	}
	if err := in.flush(); err != nil {
		return err
	}
	return in.addOne(it)
}

// flush writes the valid rows waiting for their INSERT, in order.
func (in *Ingest) flush() error {
	rows := in.pending
	for len(rows) > 0 {
		n := in.chunk
		for n > len(rows) {
			n /= 2
		}
		if err := in.insertValid(rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	clear(in.pending)
	in.pending = in.pending[:0]
	return nil
}

// insertValid writes valid rows with one INSERT statement, or, if one of them breaks the
// unique reference index, each on its own (the statement is undone whole).
func (in *Ingest) insertValid(rows []NewItem) error {
	// Rows on consecutive lines (all of them, but after a cell of several lines) bind the
	// first line alone.
	consecutive := rows[len(rows)-1].Line-rows[0].Line == len(rows)-1
	st, err := in.chunkStmt(len(rows), consecutive)
	if err != nil {
		return err
	}
	// ?1 to ?6 are the file's and the first line (see chunkStmt); then four a row, or five.
	in.args = append(in.args[:0], in.fileID, string(in.kind), string(domain.StatusValid), notUpdated, noCells, int64(rows[0].Line))
	for _, it := range rows {
		if !consecutive {
			in.args = append(in.args, int64(it.Line))
		}
		in.args = append(in.args, it.values[:]...)
	}
	_, err = st.ExecContext(in.ctx, in.args...)
	clear(in.args)
	if err == nil {
		in.valid += len(rows)
		return nil
	}
	if !isUniqueViolation(err) {
		return fmt.Errorf("ingest %s lines %d-%d: %w", in.file, rows[0].Line, rows[len(rows)-1].Line, err)
	}
	for _, it := range rows {
		if err := in.addOne(it); err != nil {
			return err
		}
	}
	return nil
}

// chunkStmt returns the prepared INSERT of n valid rows, on consecutive lines or not. The
// values the rows share are bound once, as ?1 to ?5, then the first row's line as ?6; each row
// binds four more (its reference, key, amount and payload), and its line first if the lines
// are not consecutive.
func (in *Ingest) chunkStmt(n int, consecutive bool) (*sql.Stmt, error) {
	key := n
	if !consecutive {
		key = -n
	}
	if st, ok := in.chunks[key]; ok {
		return st, nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO items (file_id, kind, line, reference, ref_key, amount, status, reason, rule, payload, raw, updated_at) VALUES `)
	p := 7
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		line := fmt.Sprintf("?6 + %d", i)
		if !consecutive {
			line = fmt.Sprintf("?%d", p)
			p++
		}
		fmt.Fprintf(&q, "(?1, ?2, %s, ?%d, ?%d, ?%d, ?3, '', '', ?%d, ?5, ?4)", line, p, p+1, p+2, p+3)
		p += 4
	}
	st, err := in.tx.PrepareContext(in.ctx, q.String())
	if err != nil {
		return nil, fmt.Errorf("ingest %s: prepare the INSERT of %d rows: %w", in.file, n, err)
	}
	in.chunks[key] = st
	return st, nil
}

func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// addOne records one row on its own: valid, or rejected with its exception.
func (in *Ingest) addOne(it NewItem) error {
	ref, amount, key := it.reference(), it.amount(), it.key
	if len(it.Errors) == 0 {
		_, err := in.insert.ExecContext(in.ctx, in.fileID, string(in.kind), int64(it.Line), ref, key, int64(amount),
			string(domain.StatusValid), "", "", it.payload, noCells, notUpdated)
		if err == nil {
			in.valid++
			return nil
		}
		if !isUniqueViolation(err) {
			return fmt.Errorf("ingest %s line %d: %w", in.file, it.Line, err)
		}
		if took, err := in.takeOver(ref, key); err != nil {
			return err
		} else if took {
			return in.addOne(it)
		}
		h, found, err := in.referenceHolder(key)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("ingest %s line %d: reference %q is taken but no item holds it", in.file, it.Line, ref)
		}
		if e, ok := in.neverResend(it.Line, it.reference(), h); ok {
			it.Errors = []domain.RowError{e}
		} else {
			it.Errors = []domain.RowError{in.duplicate(it.Line, it.reference(), h)}
		}
	} else if key != "" {
		// A row with errors whose reference was already paid is not a row to correct.
		h, found, err := in.referenceHolder(key)
		if err != nil {
			return err
		}
		if e, ok := in.neverResend(it.Line, it.reference(), h); found && ok {
			it.Errors = []domain.RowError{e}
		}
	}
	raw := noCells
	if it.cells != nil {
		b, err := json.Marshal(it.cells)
		if err != nil {
			return fmt.Errorf("ingest %s line %d: encode cells: %w", in.file, it.Line, err)
		}
		raw = string(b)
	}
	reason, rule := joinErrors(it.Errors), it.Errors[0].Rule
	if _, err := in.insert.ExecContext(in.ctx, in.fileID, string(in.kind), int64(it.Line), ref, nil, int64(amount),
		string(domain.StatusRejected), reason, rule, nil, raw, notUpdated); err != nil {
		return fmt.Errorf("ingest %s line %d: %w", in.file, it.Line, err)
	}
	exc := domain.Exception{Category: domain.CategoryRejectedRow, Kind: in.kind, File: in.file, Line: it.Line, Reference: ref, Detail: reason}
	if domain.NeverResend(rule) {
		// The rule in Actual gives the exception its own suggested action (never "correct
		// and drop again"): see domain.Exception.SuggestedAction.
		exc.Expected, exc.Actual = "a payment not made before", rule
	}
	if err := insertException(in.ctx, in.tx, in.runID, in.now, exc, "file "+strconv.FormatInt(in.fileID, 10)); err != nil {
		return fmt.Errorf("ingest %s line %d: record exception: %w", in.file, it.Line, err)
	}
	return nil
}

// holder is the live item holding a reference key.
type holder struct {
	fileID                                   int64
	line                                     int
	file, reference                          string
	status                                   domain.Status
	providerID, providerStatus, utr, pReason string
	sentAt, receivedAt                       string
}

// where names the holder as "line 12 of payouts_nov.csv" (or "of this file").
func (h holder) where(in *Ingest) string {
	if h.fileID == in.fileID {
		return fmt.Sprintf("line %d of this file", h.line)
	}
	return fmt.Sprintf("line %d of %s", h.line, h.file)
}

// neverResend returns the error of a row whose reference is held by an item of another file
// that was sent (or is queued to be), and whether it is one. A row of an updatable kind is an
// update, never a payment made twice, and a row of the same file is a duplicate to correct:
// neither is one.
func (in *Ingest) neverResend(line int, ref string, h holder) (domain.RowError, bool) {
	if in.kind.Updatable() || h.fileID == in.fileID {
		return domain.RowError{}, false
	}
	same := ""
	if h.reference != ref {
		same = fmt.Sprintf(" (written there as %q: references differing only in capitals or spaces are the same reference)", h.reference)
	}
	switch h.status {
	case domain.StatusValid, domain.StatusAwaitingApproval, domain.StatusApproved:
		return domain.RowError{Line: line, Column: in.refCol, Rule: domain.RuleAlreadyQueued,
			Message: fmt.Sprintf("already queued to be sent from %s, received on %s%s — do not send again",
				h.where(in), showTime(h.receivedAt), same)}, true
	case domain.StatusFailed, domain.StatusRejected:
		return domain.RowError{}, false
	}
	status := h.providerStatus
	if status == "" {
		status = "in flight, " + string(h.status)
	}
	return domain.RowError{Line: line, Column: in.refCol, Rule: domain.RuleAlreadySent,
		Message: fmt.Sprintf("already sent on %s: Enkash id %s, UTR %s, status %s — do not send again (it is %s%s)",
			showTime(h.sentAt), orNotYet(h.providerID), orNotYet(h.utr), status, h.where(in), same)}, true
}

// duplicate returns the error of a valid row whose reference another live item holds.
func (in *Ingest) duplicate(line int, ref string, h holder) domain.RowError {
	msg := fmt.Sprintf("reference %q is already used by %s", ref, h.where(in))
	if h.reference != ref {
		msg += fmt.Sprintf(" as %q (references differing only in capitals or spaces are the same reference)", h.reference)
	}
	switch {
	case h.status == domain.StatusFailed:
		msg += fmt.Sprintf(", which was sent on %s and failed (%s)", showTime(h.sentAt), orNotYet(h.pReason))
	case in.kind.Updatable() && h.reference != ref:
		msg += fmt.Sprintf("; to update that record, write its reference exactly as %q", h.reference)
	}
	return domain.RowError{Line: line, Column: in.refCol, Rule: "duplicate_reference", Message: msg + "; each row needs its own reference"}
}

// takeOver hands the reference to the row being added when the kind is updatable (a customer)
// and the item holding it, under exactly the same reference, was created at Enkash: the new
// row is an update of that record, not a duplicate. A holder still in flight keeps the
// reference (the row is a duplicate for now), and so does one whose reference differs in case:
// Enkash knows the record under the holder's spelling.
func (in *Ingest) takeOver(ref, key string) (bool, error) {
	if !in.kind.Updatable() {
		return false, nil
	}
	res, err := in.tx.ExecContext(in.ctx, `UPDATE items SET live_ref = NULL, ref_key = NULL WHERE kind = ? AND ref_key = ? AND reference = ? AND status = ? AND file_id <> ?`,
		string(in.kind), key, ref, string(domain.StatusSuccess), in.fileID)
	if err != nil {
		return false, fmt.Errorf("ingest %s: hand reference %q to its update: %w", in.file, ref, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("ingest %s: hand reference %q to its update: %w", in.file, ref, err)
	}
	return n == 1, nil
}

// referenceHolder returns the live item holding the reference key, if any.
func (in *Ingest) referenceHolder(key string) (holder, bool, error) {
	var h holder
	err := in.holder.QueryRowContext(in.ctx, string(in.kind), key).Scan(&h.fileID, &h.line, &h.file, &h.reference, &h.status,
		&h.providerID, &h.providerStatus, &h.utr, &h.pReason, &h.sentAt, &h.receivedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return h, false, nil
	}
	if err != nil {
		return h, false, fmt.Errorf("ingest %s: find holder of reference %q: %w", in.file, key, err)
	}
	return h, true, nil
}

// showTime shows a recorded time for a finance user, e.g. "12-11-2026 14:03 UTC".
func showTime(recorded string) string {
	t := parseTime(recorded)
	if t.IsZero() {
		return "an unrecorded date"
	}
	return t.UTC().Format("02-01-2006 15:04 MST")
}

func orNotYet(s string) string {
	if s == "" {
		return "not known yet"
	}
	return s
}

// Commit writes the rows still waiting, records the file's totals and commits the whole file.
func (in *Ingest) Commit() error {
	defer in.close()
	if err := in.flush(); err != nil {
		in.tx.Rollback()
		return err
	}
	if _, err := in.tx.ExecContext(in.ctx, `UPDATE files SET rows_in = ?, paise_in = ? WHERE id = ?`, in.rowsIn, int64(in.paiseIn), in.fileID); err != nil {
		in.tx.Rollback()
		return fmt.Errorf("ingest %s: %w", in.file, err)
	}
	if err := in.tx.Commit(); err != nil {
		return fmt.Errorf("ingest %s: commit: %w", in.file, err)
	}
	return nil
}

// Abort discards everything recorded for the file.
func (in *Ingest) Abort() error {
	defer in.close()
	if err := in.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("ingest %s: abort: %w", in.file, err)
	}
	return nil
}

func (in *Ingest) close() {
	for _, st := range []*sql.Stmt{in.insert, in.holder} {
		if st != nil {
			st.Close()
		}
	}
	for _, st := range in.chunks {
		st.Close()
	}
	in.chunks, in.pending = nil, nil
}

func joinErrors(errs []domain.RowError) string {
	msg := ""
	for i, e := range errs {
		if i > 0 {
			msg += "; "
		}
		msg += e.Column + " (" + e.Rule + "): " + e.Message
	}
	return msg
}
