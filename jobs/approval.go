package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// ApprovalPolicy says which kinds need a named checker's approval before anything of them is
// sent, how many checkers, and who may approve (README, "Approvals"). The zero value asks for
// no approval at all (the pipeline's own tests); the command line's default is
// DefaultApprovalPolicy.
type ApprovalPolicy struct {
	// Kinds holds the rule of each kind; a kind not listed needs no approval.
	Kinds map[domain.Kind]KindApproval
	// Checkers, when not empty, are the only names that may approve or reject; empty: anyone
	// but the file's maker.
	Checkers []string
	// Maker, when set, is recorded as the maker of every file ingested (--maker); else the
	// file owner's user name.
	Maker string
	// Expiry is how long a request may wait before it is shown as overdue (it stays waiting,
	// rolling to the next run); zero: never overdue.
	Expiry time.Duration
}

// KindApproval is the approval rule of one kind.
type KindApproval struct {
	Required bool
	// TwoAbove: a file whose rows awaiting approval total more than this needs two distinct
	// checkers; zero: one is enough whatever the total.
	TwoAbove domain.Paise
	// DailyCap, when positive, is the most the approvals of this kind granted in one day (in
	// India) may add up to.
	DailyCap domain.Paise
}

// DefaultApprovalPolicy: payouts and bills need approval, two checkers above ₹10,00,000 a
// file; customers and invoices (no money leaves) need none.
func DefaultApprovalPolicy() ApprovalPolicy {
	const twoAbove = 10_00_000_00 // ₹10,00,000 in paise
	return ApprovalPolicy{
		Kinds: map[domain.Kind]KindApproval{
			domain.KindPayouts: {Required: true, TwoAbove: twoAbove},
			domain.KindBills:   {Required: true, TwoAbove: twoAbove},
		},
		Expiry: 24 * time.Hour,
	}
}

// Requires reports whether items of kind k need approval.
func (p ApprovalPolicy) Requires(k domain.Kind) bool { return p.Kinds[k].Required }

// Needed is how many distinct checkers a file of kind k totalling paise needs.
func (p ApprovalPolicy) Needed(k domain.Kind, paise domain.Paise) int {
	if r := p.Kinds[k]; r.TwoAbove > 0 && paise > r.TwoAbove {
		return 2
	}
	return 1
}

// Overdue reports whether a request waiting since requested is overdue at now.
func (p ApprovalPolicy) Overdue(requested, now time.Time) bool {
	return p.Expiry > 0 && now.Sub(requested) > p.Expiry
}

// The checkpoints of the approval step, for the crash tests (Config.Checkpoint).
const (
	// CheckpointAfterIngest: a file's rows are recorded valid; they are not held yet.
	CheckpointAfterIngest Checkpoint = "after-ingest"
	// CheckpointAfterApprove: an approval is committed; nothing of it is sent yet.
	CheckpointAfterApprove Checkpoint = "after-approve"
)

// afterIngest holds what was just ingested for approval and writes the approval packets: the
// one place, after every ingest (a run's, `batch ingest`'s, the daemon's), where this happens.
func (p *Pipeline) afterIngest(ctx context.Context, runID int64, files []FileOutcome) error {
	p.checkpoint(CheckpointAfterIngest)
	owners := map[string]string{}
	for _, f := range files {
		if f.Owner != "" {
			owners[string(f.Kind)+"/"+f.Name] = f.Owner
		}
	}
	reqs, err := p.holdForApproval(ctx, runID, owners)
	if err != nil || len(reqs) == 0 {
		return err // nothing held now: no packet to write, and no tally to make
	}
	// The files this run read or held: a file held now may have been read by an earlier run
	// that stopped before holding it.
	held, err := p.ledger.FileSummaries(ctx, ledger.FileFilter{RunID: runID})
	if err != nil {
		return fmt.Errorf("approval packets of run %d: %w", runID, err)
	}
	return p.writeApprovalPackets(ctx, runID, held)
}

// holdForApproval moves the valid items of every kind that needs approval, not yet held, to
// awaiting approval, one request per file. It runs after ingest and again before each
// submission, so that rows a crash left valid between the two are never claimable (a claim of
// such a kind takes approved rows only) and wait like the others.
func (p *Pipeline) holdForApproval(ctx context.Context, runID int64, owners map[string]string) ([]ledger.ApprovalRequest, error) {
	var held []ledger.ApprovalRequest
	for _, k := range domain.Kinds {
		if !p.cfg.Approval.Requires(k) {
			continue
		}
		reqs, err := p.ledger.HoldForApproval(ctx, runID, k, func(_ int64, file string, paise domain.Paise) (string, int) {
			maker := p.cfg.Approval.Maker
			if maker == "" {
				maker = owners[string(k)+"/"+file]
			}
			return maker, p.cfg.Approval.Needed(k, paise)
		})
		if err != nil {
			return nil, err
		}
		for _, r := range reqs {
			p.log.Info("file awaiting approval", "file", r.File, "kind", r.Kind, "rows", r.Rows, "amount", r.Paise.Rupees(), "maker", r.Maker, "checkers_needed", r.Needed)
		}
		held = append(held, reqs...)
	}
	return held, nil
}

// fileOwner is the user name owning the file described by info (its numeric id when the
// system has no name for it); empty when unknown.
func fileOwner(info os.FileInfo) string {
	if info == nil {
		return ""
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	uid := strconv.FormatUint(uint64(st.Uid), 10)
	if u, err := user.LookupId(uid); err == nil {
		return u.Username
	}
	return "uid " + uid
}

// ApprovalDecision is what a checker decides about one file.
type ApprovalDecision struct {
	// File is the file's name as `batch status` lists it, or its id.
	File string
	// By is the checker's name; Note their words (required to reject).
	By, Note string
	// SHA256, Rows and Paise, when set, are what the checker read on the packet: the decision
	// is refused if the file's rows now differ.
	SHA256 string
	Rows   int
	Paise  domain.Paise
}

// ApprovalOutcome is the request after a decision, and what it did.
type ApprovalOutcome struct {
	RunID   int64
	Request ledger.ApprovalRequest
	// Granted: enough checkers approved; the rows are approved and the next run sends them.
	Granted bool
}

// ErrApprovalRefused marks a decision refused for a reason a person can fix (the maker
// approving, a checker not on the list, a cap, a file not waiting): the command's exit 2.
var ErrApprovalRefused = errors.New("refused")

// Approve records a checker's approval of a file's rows awaiting approval, under a run of its
// own ("approve") that holds the data folder's lock, so that it never races a run.
func (p *Pipeline) Approve(ctx context.Context, d ApprovalDecision) (ApprovalOutcome, error) {
	return p.decide(ctx, "approve", d, func(runID int64, req ledger.ApprovalRequest) (ledger.ApprovalRequest, error) {
		check := ledger.ApprovalCheck{SHA256: d.SHA256, Rows: d.Rows, Paise: d.Paise, DailyCap: p.cfg.Approval.Kinds[req.Kind].DailyCap}
		loc := p.cfg.Location
		if loc == nil {
			loc = time.Local
		}
		now := p.cfg.Now().In(loc)
		check.DayFrom = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
		check.DayTo = check.DayFrom.AddDate(0, 0, 1)
		return p.ledger.Approve(ctx, runID, req.ID, d.By, d.Note, check)
	})
}

// Reject records a checker's rejection of a file's rows awaiting approval: they become rejected
// rows with the note, offered for correction in the fix-and-redrop file.
func (p *Pipeline) Reject(ctx context.Context, d ApprovalDecision) (ApprovalOutcome, error) {
	if strings.TrimSpace(d.Note) == "" {
		return ApprovalOutcome{}, fmt.Errorf("reject %s: say why with --note: %w", d.File, ErrApprovalRefused)
	}
	return p.decide(ctx, "reject", d, func(runID int64, req ledger.ApprovalRequest) (ledger.ApprovalRequest, error) {
		return p.ledger.RejectApproval(ctx, runID, req.ID, d.By, d.Note)
	})
}

func (p *Pipeline) decide(ctx context.Context, verb string, d ApprovalDecision, act func(int64, ledger.ApprovalRequest) (ledger.ApprovalRequest, error)) (ApprovalOutcome, error) {
	by := strings.TrimSpace(d.By)
	if by == "" {
		return ApprovalOutcome{}, fmt.Errorf("%s %s: name the checker with --by: %w", verb, d.File, ErrApprovalRefused)
	}
	d.By = by
	r, err := p.start(ctx, verb, true)
	if err != nil {
		return ApprovalOutcome{}, err
	}
	out := ApprovalOutcome{RunID: r.id}
	err = func() error {
		// Whatever a crash left valid is held first, so that the file named is found waiting.
		if _, err := r.p.holdForApproval(ctx, r.id, nil); err != nil {
			return err
		}
		req, err := p.waitingRequest(ctx, d.File)
		if err != nil {
			return err
		}
		if strings.EqualFold(req.Maker, by) {
			return fmt.Errorf("%s %s: %s made this file (dropped it in the inbox) and cannot %s it: another checker must: %w", verb, req.File, by, verb, ErrApprovalRefused)
		}
		if cs := p.cfg.Approval.Checkers; len(cs) > 0 && !slices.ContainsFunc(cs, func(c string) bool { return strings.EqualFold(c, by) }) {
			return fmt.Errorf("%s %s: %s is not one of the checkers (%s): %w", verb, req.File, by, strings.Join(cs, ", "), ErrApprovalRefused)
		}
		res, err := act(r.id, req)
		out.Request = res
		switch {
		case errors.Is(err, ledger.ErrApprovalVoid):
			return fmt.Errorf("%w; the file's rows wait for a new approval: read its packet again: %w", err, ErrApprovalRefused)
		case err != nil && !ledger.IsDiskFull(err) && ctx.Err() == nil:
			return fmt.Errorf("%w: %w", err, ErrApprovalRefused)
		case err != nil:
			return err
		}
		out.Granted = res.State == ledger.ApprovalGranted
		r.p.checkpoint(CheckpointAfterApprove)
		return nil
	}()
	_, err = r.finish(ctx, err, false)
	return out, err
}

// waitingRequest finds the request awaiting a decision for the file named (its name as
// `batch status` lists it, or its id).
func (p *Pipeline) waitingRequest(ctx context.Context, file string) (ledger.ApprovalRequest, error) {
	all, err := p.ledger.Approvals(ctx, ledger.ApprovalFilter{})
	if err != nil {
		return ledger.ApprovalRequest{}, err
	}
	id, _ := strconv.ParseInt(file, 10, 64)
	var named, waiting []ledger.ApprovalRequest
	for _, a := range all {
		if a.File == file || (id > 0 && a.FileID == id) {
			named = append(named, a)
			if a.State == ledger.ApprovalAwaiting {
				waiting = append(waiting, a)
			}
		}
	}
	switch {
	case len(named) == 0:
		return ledger.ApprovalRequest{}, fmt.Errorf("no file %q has rows held for approval (batch status lists what waits): %w", file, ErrApprovalRefused)
	case len(waiting) == 0:
		last := named[len(named)-1]
		return ledger.ApprovalRequest{}, fmt.Errorf("%s (file %d) is not awaiting approval: it is %s: %w", last.File, last.FileID, last.State, ErrApprovalRefused)
	case len(waiting) > 1:
		var ids []string
		for _, w := range waiting {
			ids = append(ids, strconv.FormatInt(w.FileID, 10))
		}
		return ledger.ApprovalRequest{}, fmt.Errorf("more than one file named %s awaits approval (ids %s): name it by its id: %w", file, strings.Join(ids, ", "), ErrApprovalRefused)
	}
	return waiting[0], nil
}

// Waiting is what awaits approval, for `batch status`, /healthz and /metrics.
type Waiting struct {
	Requests []ledger.ApprovalRequest
	Count    int          // files waiting
	Rows     int          // rows waiting
	Paise    domain.Paise // their total
	Oldest   time.Time    // when the oldest started waiting; zero when none
	Overdue  int          // files waiting longer than the policy's expiry
}

// AwaitingApproval lists the requests awaiting a decision, oldest first.
func AwaitingApproval(ctx context.Context, db *ledger.DB, policy ApprovalPolicy, now time.Time) (Waiting, error) {
	reqs, err := db.Approvals(ctx, ledger.ApprovalFilter{States: []string{ledger.ApprovalAwaiting}})
	if err != nil {
		return Waiting{}, err
	}
	w := Waiting{Requests: reqs, Count: len(reqs)}
	for _, r := range reqs {
		w.Rows += r.Rows
		w.Paise += r.Paise
		if w.Oldest.IsZero() || r.RequestedAt.Before(w.Oldest) {
			w.Oldest = r.RequestedAt
		}
		if policy.Overdue(r.RequestedAt, now) {
			w.Overdue++
		}
	}
	return w, nil
}

// prepareApproved holds and verifies kind's approvals before a submission: rows left valid
// are held, and a granted approval whose file or rows changed is voided (its rows wait again).
func (p *Pipeline) prepareApproved(ctx context.Context, runID int64, kind domain.Kind) error {
	if !p.cfg.Approval.Requires(kind) {
		return nil
	}
	if _, err := p.holdForApproval(ctx, runID, nil); err != nil {
		return err
	}
	voided, err := p.ledger.VerifyApprovals(ctx, runID, kind)
	if err != nil {
		return err
	}
	for _, v := range voided {
		p.log.Warn("approval void: the rows wait for a new approval", "kind", kind, "detail", v)
	}
	return nil
}
