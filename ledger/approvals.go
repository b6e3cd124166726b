package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"enkashbatch/domain"
)

// Approval request states.
const (
	ApprovalAwaiting = "awaiting" // rows held; not enough checkers yet
	ApprovalGranted  = "granted"  // enough distinct checkers approved exactly these rows
	ApprovalRejected = "rejected" // a checker refused the file: its rows are rejected
	ApprovalVoid     = "void"     // what it bound to changed: its rows wait under a new request
)

// Approval event actions.
const (
	ApprovalRequested = "requested"
	ApprovalApproved  = "approved"
	ApprovalRefused   = "rejected"
	ApprovalVoided    = "voided"
)

// ApprovalRequest is one file's rows held for approval, what it binds to, and its events.
type ApprovalRequest struct {
	ID          int64              `json:"id"`
	FileID      int64              `json:"file_id"`
	File        string             `json:"file"`
	Kind        domain.Kind        `json:"kind"`
	State       string             `json:"state"`
	Maker       string             `json:"maker"`
	SHA256      string             `json:"sha256"`
	Rows        int                `json:"rows"`
	Paise       domain.Paise       `json:"paise"`
	Needed      int                `json:"checkers_needed"`
	RequestedAt time.Time          `json:"requested_at"`
	DecidedAt   *time.Time         `json:"decided_at,omitempty"`
	Events      []ApprovalEventRow `json:"events"`
}

// Approvers returns the distinct checkers who approved the request, in order.
func (a ApprovalRequest) Approvers() []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range a.Events {
		if e.Action == ApprovalApproved && !seen[e.Actor] {
			seen[e.Actor] = true
			out = append(out, e.Actor)
		}
	}
	return out
}

// ApprovalEventRow is one request, approval, rejection or voiding, with what it bound to.
type ApprovalEventRow struct {
	ApprovalID int64        `json:"approval_id"`
	RunID      int64        `json:"run_id,omitempty"`
	File       string       `json:"file,omitempty"`
	Kind       domain.Kind  `json:"kind,omitempty"`
	At         time.Time    `json:"at"`
	Actor      string       `json:"actor"`
	Action     string       `json:"action"`
	SHA256     string       `json:"sha256"`
	Rows       int          `json:"rows"`
	Paise      domain.Paise `json:"paise"`
	Note       string       `json:"note,omitempty"`
}

// HoldRule says, for a file about to be held, who made it and how many checkers it needs.
type HoldRule func(fileID int64, file string, paise domain.Paise) (maker string, needed int)

// HoldForApproval moves every valid item of kind not yet held (ingested under a kind that
// needs approval, or before approval was asked for) to awaiting_approval, under one new
// request per file, in one transaction. It returns the new requests.
func (db *DB) HoldForApproval(ctx context.Context, runID int64, kind domain.Kind, rule HoldRule) ([]ApprovalRequest, error) {
	var out []ApprovalRequest
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		// Valid items, read by id from the kind's mark (states.go).
		rows, err := tx.QueryContext(ctx, `SELECT i.file_id, f.name, f.sha256, count(*), sum(i.amount) FROM items i NOT INDEXED JOIN files f ON f.id = i.file_id
			WHERE `+validFrom("?")+` AND i.kind = ? AND i.status = 'valid' AND i.approval_id IS NULL GROUP BY i.file_id ORDER BY i.file_id`, string(kind), string(kind))
		if err != nil {
			return err
		}
		var files []ApprovalRequest
		for rows.Next() {
			a := ApprovalRequest{Kind: kind, State: ApprovalAwaiting}
			if err := rows.Scan(&a.FileID, &a.File, &a.SHA256, &a.Rows, &a.Paise); err != nil {
				rows.Close()
				return err
			}
			files = append(files, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, a := range files {
			a.Maker, a.Needed = rule(a.FileID, a.File, a.Paise)
			a.Maker = orUnknown(a.Maker)
			if a.ID, err = newRequest(ctx, tx, runID, now, a, "file held for approval"); err != nil {
				return err
			}
			if err := moveItems(ctx, tx, runID, now, `file_id = ? AND kind = ? AND status = ? AND approval_id IS NULL`,
				[]any{a.FileID, string(kind), string(domain.StatusValid)}, domain.StatusAwaitingApproval, a.ID,
				fmt.Sprintf("held for approval (request %d; %d checker(s) needed)", a.ID, a.Needed)); err != nil {
				return err
			}
			a.RequestedAt = parseTime(now)
			out = append(out, a)
		}
		if len(files) == 0 {
			return nil
		}
		return raiseValidFrom(ctx, tx, kind)
	})
	if err != nil {
		return nil, fmt.Errorf("hold %s for approval: %w", kind, err)
	}
	return out, nil
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return s
}

// newRequest records an awaiting request and its "requested" event.
func newRequest(ctx context.Context, tx *sql.Tx, runID int64, now string, a ApprovalRequest, note string) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO approvals (file_id, kind, state, maker, sha256, rows, paise, needed, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.FileID, string(a.Kind), ApprovalAwaiting, a.Maker, a.SHA256, a.Rows, int64(a.Paise), a.Needed, now)
	if err != nil {
		return 0, fmt.Errorf("record approval request of %s: %w", a.File, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, approvalEvent(ctx, tx, id, runID, now, a.Maker, ApprovalRequested, a.SHA256, a.Rows, a.Paise, note)
}

func approvalEvent(ctx context.Context, tx *sql.Tx, id, runID int64, now, actor, action, sha string, rows int, paise domain.Paise, note string) error {
	var run any
	if runID != 0 {
		run = runID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO approval_events (approval_id, run_id, at, actor, action, sha256, rows, paise, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, run, now, actor, action, sha, rows, int64(paise), note); err != nil {
		return fmt.Errorf("record %s event of approval %d: %w", action, id, err)
	}
	return nil
}

// moveItems moves the items that where selects to status under approval request approvalID
// (0: none), with an event each, in two statements.
func moveItems(ctx context.Context, tx *sql.Tx, runID int64, now, where string, args []any, status domain.Status, approvalID int64, detail string) error {
	evArgs := append([]any{runID, now, string(status), detail}, args...)
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (item_id, run_id, at, from_status, to_status, detail)
		SELECT id, ?, ?, status, ?, ? FROM items WHERE `+where+` ORDER BY id`, evArgs...); err != nil {
		return fmt.Errorf("record item events: %w", err)
	}
	var approval any
	if approvalID != 0 {
		approval = approvalID
	}
	updArgs := append([]any{string(status), now, approval}, args...)
	if _, err := tx.ExecContext(ctx, `UPDATE items SET status = ?, updated_at = ?, approval_id = ? WHERE `+where, updArgs...); err != nil {
		return fmt.Errorf("move items to %s: %w", status, err)
	}
	return nil
}

// ApprovalFilter selects approval requests. Zero fields select everything.
type ApprovalFilter struct {
	States []string
	FileID int64
	Kind   domain.Kind
}

// Approvals returns the requests f selects, oldest first, each with its events.
func (db *DB) Approvals(ctx context.Context, f ApprovalFilter) ([]ApprovalRequest, error) {
	return approvalsOn(ctx, db.read, f)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func approvalsOn(ctx context.Context, q querier, f ApprovalFilter) ([]ApprovalRequest, error) {
	var conds []string
	var args []any
	if len(f.States) > 0 {
		conds = append(conds, "a.state IN ("+placeholders(len(f.States))+")")
		for _, s := range f.States {
			args = append(args, s)
		}
	}
	if f.FileID != 0 {
		conds = append(conds, "a.file_id = ?")
		args = append(args, f.FileID)
	}
	if f.Kind != "" {
		conds = append(conds, "a.kind = ?")
		args = append(args, string(f.Kind))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.file_id, f.name, a.kind, a.state, a.maker, a.sha256, a.rows, a.paise, a.needed, a.requested_at, coalesce(a.decided_at, '')
		FROM approvals a JOIN files f ON f.id = a.file_id`+where+` ORDER BY a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	var out []ApprovalRequest
	at := map[int64]int{}
	for rows.Next() {
		var a ApprovalRequest
		var req, dec string
		if err := rows.Scan(&a.ID, &a.FileID, &a.File, &a.Kind, &a.State, &a.Maker, &a.SHA256, &a.Rows, &a.Paise, &a.Needed, &req, &dec); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list approvals: %w", err)
		}
		a.RequestedAt = parseTime(req)
		if dec != "" {
			t := parseTime(dec)
			a.DecidedAt = &t
		}
		a.Events = []ApprovalEventRow{}
		at[a.ID] = len(out)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	evs, err := approvalEventsOn(ctx, q, "", nil)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if i, ok := at[e.ApprovalID]; ok {
			out[i].Events = append(out[i].Events, e)
		}
	}
	return out, nil
}

// ApprovalEvents returns every approval event recorded in [from, to), oldest first, with its
// file and kind: the daily workbook's record of who approved what.
func (db *DB) ApprovalEvents(ctx context.Context, from, to time.Time) ([]ApprovalEventRow, error) {
	return approvalEventsOn(ctx, db.read, ` WHERE e.at >= ? AND e.at < ?`, []any{formatTime(from), formatTime(to)})
}

func approvalEventsOn(ctx context.Context, q querier, where string, args []any) ([]ApprovalEventRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.approval_id, coalesce(e.run_id, 0), f.name, a.kind, e.at, e.actor, e.action, e.sha256, e.rows, e.paise, e.note
		FROM approval_events e JOIN approvals a ON a.id = e.approval_id JOIN files f ON f.id = a.file_id`+where+` ORDER BY e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list approval events: %w", err)
	}
	defer rows.Close()
	var out []ApprovalEventRow
	for rows.Next() {
		var e ApprovalEventRow
		var at string
		if err := rows.Scan(&e.ApprovalID, &e.RunID, &e.File, &e.Kind, &at, &e.Actor, &e.Action, &e.SHA256, &e.Rows, &e.Paise, &e.Note); err != nil {
			return nil, fmt.Errorf("list approval events: %w", err)
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ErrApprovalVoid says that what an approval request bound to (its file's content hash, the
// count and total of its rows) changed: it is void, and its rows wait under a new request.
var ErrApprovalVoid = errors.New("approval void")

// ErrNotAwaiting says that a request is not waiting for a decision any more.
var ErrNotAwaiting = errors.New("not awaiting approval")

// ApprovalCheck is what Approve verifies in its transaction, besides the binding.
type ApprovalCheck struct {
	// SHA256, Rows and Paise, when set, are what the checker read (the approval packet): the
	// approval is refused if the request binds to something else.
	SHA256 string
	Rows   int
	Paise  domain.Paise
	// DailyCap, when positive, is the most a kind's approvals granted within [DayFrom, DayTo)
	// may add up to, this one included.
	DailyCap       domain.Paise
	DayFrom, DayTo time.Time
}

// Approve records actor's approval of request id, bound to its file's content hash and the
// count and total of its rows as they are now. When the request has its needed number of
// distinct checkers it is granted and its rows become approved, in the same transaction. A
// request whose binding changed is voided (its rows wait under a new request) and
// ErrApprovalVoid returned. It returns the request as it stands after the approval.
func (db *DB) Approve(ctx context.Context, runID, id int64, actor, note string, check ApprovalCheck) (ApprovalRequest, error) {
	var a ApprovalRequest
	var voidErr error
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		var err error
		if a, err = awaitingRequest(ctx, tx, id); err != nil {
			return err
		}
		if voided, err := voidIfChanged(ctx, tx, runID, now, a); err != nil || voided != nil {
			voidErr = voided
			return err
		}
		if check.SHA256 != "" && !strings.HasPrefix(a.SHA256, strings.ToLower(check.SHA256)) {
			return fmt.Errorf("the file's content hash is %s, not %s: read its current approval packet", a.SHA256[:16], check.SHA256)
		}
		if check.Rows > 0 && check.Rows != a.Rows {
			return fmt.Errorf("the file holds %d rows awaiting approval, not %d: read its current approval packet", a.Rows, check.Rows)
		}
		if check.Paise > 0 && check.Paise != a.Paise {
			return fmt.Errorf("the file's rows awaiting approval total ₹%s, not ₹%s: read its current approval packet", a.Paise.Rupees(), check.Paise.Rupees())
		}
		for _, who := range a.Approvers() {
			if strings.EqualFold(who, actor) {
				return fmt.Errorf("%s already approved it: a second approval must come from another checker", actor)
			}
		}
		granted := len(a.Approvers())+1 >= a.Needed
		if granted && check.DailyCap > 0 {
			var today int64
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(paise), 0) FROM approvals WHERE kind = ? AND state = ? AND decided_at >= ? AND decided_at < ?`,
				string(a.Kind), ApprovalGranted, formatTime(check.DayFrom), formatTime(check.DayTo)).Scan(&today); err != nil {
				return err
			}
			if domain.Paise(today)+a.Paise > check.DailyCap {
				return fmt.Errorf("the daily cap of ₹%s for %s would be exceeded: ₹%s already approved today, this file is ₹%s; approve it tomorrow or raise the cap",
					check.DailyCap.Rupees(), a.Kind, domain.Paise(today).Rupees(), a.Paise.Rupees())
			}
		}
		if err := approvalEvent(ctx, tx, a.ID, runID, now, actor, ApprovalApproved, a.SHA256, a.Rows, a.Paise, note); err != nil {
			return err
		}
		a.Events = append(a.Events, ApprovalEventRow{ApprovalID: a.ID, At: parseTime(now), Actor: actor, Action: ApprovalApproved, SHA256: a.SHA256, Rows: a.Rows, Paise: a.Paise, Note: note})
		if !granted {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approvals SET state = ?, decided_at = ? WHERE id = ?`, ApprovalGranted, now, a.ID); err != nil {
			return err
		}
		a.State = ApprovalGranted
		t := parseTime(now)
		a.DecidedAt = &t
		return moveItems(ctx, tx, runID, now, `approval_id = ? AND status = ?`, []any{a.ID, string(domain.StatusAwaitingApproval)},
			domain.StatusApproved, a.ID, "approved by "+strings.Join(a.Approvers(), " and "))
	})
	if err == nil && voidErr != nil {
		err = voidErr
	}
	if err != nil {
		return a, fmt.Errorf("approve %s: %w", a.File, err)
	}
	return a, nil
}

// RejectApproval records actor's rejection of request id: its rows become rejected with the
// note (rule domain.RuleApprovalRejected) and give their references back, so that corrected
// rows may use them.
func (db *DB) RejectApproval(ctx context.Context, runID, id int64, actor, note string) (ApprovalRequest, error) {
	var a ApprovalRequest
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		var err error
		if a, err = awaitingRequest(ctx, tx, id); err != nil {
			return err
		}
		if err := approvalEvent(ctx, tx, a.ID, runID, now, actor, ApprovalRefused, a.SHA256, a.Rows, a.Paise, note); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approvals SET state = ?, decided_at = ? WHERE id = ?`, ApprovalRejected, now, a.ID); err != nil {
			return err
		}
		a.State = ApprovalRejected
		reason := fmt.Sprintf("rejected at approval by %s: %s", actor, note)
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (item_id, run_id, at, from_status, to_status, detail)
			SELECT id, ?, ?, status, ?, ? FROM items WHERE approval_id = ? AND status = ? ORDER BY id`,
			runID, now, string(domain.StatusRejected), reason, a.ID, string(domain.StatusAwaitingApproval)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE items SET status = ?, reason = ?, rule = ?, live_ref = NULL, ref_key = NULL, updated_at = ?
			WHERE approval_id = ? AND status = ?`, string(domain.StatusRejected), reason, domain.RuleApprovalRejected, now, a.ID, string(domain.StatusAwaitingApproval))
		return err
	})
	if err != nil {
		return a, fmt.Errorf("reject %s: %w", a.File, err)
	}
	return a, nil
}

// awaitingRequest reads request id, which must be awaiting a decision.
func awaitingRequest(ctx context.Context, tx *sql.Tx, id int64) (ApprovalRequest, error) {
	list, err := approvalsOn(ctx, tx, ApprovalFilter{})
	if err != nil {
		return ApprovalRequest{}, err
	}
	for _, a := range list {
		if a.ID == id {
			if a.State != ApprovalAwaiting {
				return a, fmt.Errorf("%w: it is %s", ErrNotAwaiting, a.State)
			}
			return a, nil
		}
	}
	return ApprovalRequest{}, fmt.Errorf("no approval request %d", id)
}

// binding is what a request's rows and file hold now.
func binding(ctx context.Context, tx *sql.Tx, a ApprovalRequest) (sha string, rows int, paise domain.Paise, err error) {
	if err = tx.QueryRowContext(ctx, `SELECT sha256 FROM files WHERE id = ?`, a.FileID).Scan(&sha); err != nil {
		return
	}
	err = tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(amount), 0) FROM items WHERE approval_id = ?`, a.ID).Scan(&rows, &paise)
	return
}

// voidIfChanged voids request a when its file's hash or its rows' count or total differ from
// what it bound to: the event says what changed, and its rows not yet claimed wait under a new
// request of the same maker. It returns a non-nil error wrapping ErrApprovalVoid when it did.
func voidIfChanged(ctx context.Context, tx *sql.Tx, runID int64, now string, a ApprovalRequest) (error, error) {
	sha, rows, paise, err := binding(ctx, tx, a)
	if err != nil {
		return nil, err
	}
	if sha == a.SHA256 && rows == a.Rows && paise == a.Paise {
		return nil, nil
	}
	what := fmt.Sprintf("bound to hash %s, %d rows, ₹%s; now hash %s, %d rows, ₹%s", short(a.SHA256), a.Rows, a.Paise.Rupees(), short(sha), rows, paise.Rupees())
	if err := approvalEvent(ctx, tx, a.ID, runID, now, processActor, ApprovalVoided, sha, rows, paise, what); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE approvals SET state = ?, decided_at = ? WHERE id = ?`, ApprovalVoid, now, a.ID); err != nil {
		return nil, err
	}
	// The rows not yet sent wait again, under a new request bound to what they are now.
	var left int
	var leftPaise domain.Paise
	open := []any{a.ID, string(domain.StatusAwaitingApproval), string(domain.StatusApproved), string(domain.StatusValid)}
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(amount), 0) FROM items WHERE approval_id = ? AND status IN (?, ?, ?)`, open...).Scan(&left, &leftPaise); err != nil {
		return nil, err
	}
	if left > 0 {
		next := ApprovalRequest{FileID: a.FileID, File: a.File, Kind: a.Kind, Maker: a.Maker, SHA256: sha, Rows: left, Paise: leftPaise, Needed: a.Needed}
		id, err := newRequest(ctx, tx, runID, now, next, fmt.Sprintf("request %d was void (%s): held again", a.ID, what))
		if err != nil {
			return nil, err
		}
		if err := moveItems(ctx, tx, runID, now, `approval_id = ? AND status IN (?, ?, ?)`, open, domain.StatusAwaitingApproval, id,
			fmt.Sprintf("approval request %d void (%s): held again for approval", a.ID, what)); err != nil {
			return nil, err
		}
	}
	return fmt.Errorf("%w: %s", ErrApprovalVoid, what), nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// VerifyApprovals voids every granted request of kind with rows still to send whose binding
// changed (see voidIfChanged), and returns what it voided: run before a claim, so that only
// rows whose approval still holds are sent.
func (db *DB) VerifyApprovals(ctx context.Context, runID int64, kind domain.Kind) ([]string, error) {
	var voided []string
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		list, err := approvalsOn(ctx, tx, ApprovalFilter{States: []string{ApprovalGranted, ApprovalAwaiting}, Kind: kind})
		if err != nil {
			return err
		}
		for _, a := range list {
			v, err := voidIfChanged(ctx, tx, runID, now, a)
			if err != nil {
				return err
			}
			if v != nil {
				voided = append(voided, a.File+": "+v.Error())
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("verify %s approvals: %w", kind, err)
	}
	return voided, nil
}

// Claimable is how many items of kind a submission would claim now (see ClaimBatchOf), and
// their total.
func (db *DB) Claimable(ctx context.Context, kind domain.Kind, onlyApproved bool) (domain.Money, error) {
	var m domain.Money
	for _, st := range claimableStates {
		from, cond, args := claimableOf(kind, onlyApproved, st)
		var in domain.Money
		if err := db.read.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(i.amount), 0) FROM `+from+` WHERE `+cond, args...).Scan(&in.Count, &in.Paise); err != nil {
			return m, fmt.Errorf("count %s to send: %w", kind, err)
		}
		m.Count, m.Paise = m.Count+in.Count, m.Paise+in.Paise
	}
	return m, nil
}

// InFlight is how many items of kind were sent (or are being sent) and are not final yet, and
// their total: money Enkash may still debit.
func (db *DB) InFlight(ctx context.Context, kind domain.Kind) (domain.Money, error) {
	var m domain.Money
	err := db.read.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(amount), 0) FROM items WHERE kind = ? AND status IN (?, ?, ?, ?, ?) AND `+notValid,
		string(kind), string(domain.StatusSubmitting), string(domain.StatusSubmitted), string(domain.StatusPending), string(domain.StatusProcessing),
		string(domain.StatusUnknown)).Scan(&m.Count, &m.Paise)
	if err != nil {
		return m, fmt.Errorf("count %s in flight: %w", kind, err)
	}
	return m, nil
}

// RaiseOrSettle records exception e with its detail brought up to date (raise), or resolves
// every open exception of e's category and kind as the processor (settle), noting why: for a
// condition the processor itself sees end, such as a balance hold.
func (db *DB) RaiseOrSettle(ctx context.Context, runID int64, e domain.Exception, raise bool, note string) error {
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		if raise {
			if err := insertException(ctx, tx, runID, now, e, ""); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE exceptions SET detail = ? WHERE category = ? AND kind = ? AND resolved_at IS NULL`, e.Detail, string(e.Category), string(e.Kind))
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM exceptions WHERE category = ? AND kind = ? AND resolved_at IS NULL`, string(e.Category), string(e.Kind))
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE exceptions SET resolved_at = ?, note = ? WHERE id = ?`, now, note, id); err != nil {
				return err
			}
			if err := exceptionEvent(ctx, tx, id, runID, now, processActor, ExceptionResolved, note); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("record %s: %w", e.Category, err)
	}
	return nil
}
