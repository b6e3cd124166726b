// Package jobs holds the pipeline steps (ingest, submit, poll, reconcile, report) and runs
// them in order. It orchestrates the adapters (parsers, enkash, ledger, report) and owns no SQL
// and no HTTP of its own.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/ledger"
)

// Config tunes the pipeline. Zero values take the defaults below.
type Config struct {
	// Home is the data folder: inbox/, processing/, archive/, rejected/, reports/.
	Home string
	// BatchSize is the most items one Enkash batch call carries (default 500).
	BatchSize int
	// Concurrency is the most Enkash calls in flight at once (default 4).
	Concurrency int
	// PollInterval is the pause between two polls (default 2s).
	PollInterval time.Duration
	// PollDeadline is how long the poll step waits for items to become final (default 10m).
	PollDeadline time.Duration
	// ResendGrace is how long after an ambiguous call Enkash must go on having no record of an
	// item before it is sent again, with the same reference (default 3m: Enkash's own advice
	// for bills; the in-process sandbox needs none).
	ResendGrace time.Duration
	// MatchTolerance is how far apart in time a statement debit without our reference and a
	// payout of the same amount may be and still be matched (default 24h).
	MatchTolerance time.Duration
	// Inbox says when an inbox file is complete enough to take (zero: at once) and whether
	// links are followed.
	Inbox InboxPolicy
	// Sandbox marks every output as produced against the sandbox.
	Sandbox bool
	// Endpoint is Enkash's base URL, shown in reports.
	Endpoint string
	// Location is the time zone reports show times in (default time.Local).
	Location *time.Location
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Approval says which kinds need a named checker's approval before they are sent (zero:
	// none); BalanceCheck reads Enkash's balance before sending payouts and holds what it
	// cannot cover; BillsChecker is who gives the checker's approval of a bill's debit at
	// Enkash (BillsCheckerBatch, the default, or BillsCheckerEnkash: Enkash's portal).
	Approval     ApprovalPolicy
	BalanceCheck bool
	BillsChecker string
	// Checkpoint, when set, is called at the most dangerous moments of a submission
	// (CheckpointAfterClaim...), for the crash tests to kill the process there the way a power
	// cut would. Nil (always, outside those tests) costs one comparison.
	Checkpoint func(Checkpoint)
}

func (c *Config) setDefaults() {
	if c.BatchSize <= 0 {
		c.BatchSize = 500
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 2 * time.Second
	}
	if c.PollDeadline <= 0 {
		c.PollDeadline = 10 * time.Minute
	}
	if c.MatchTolerance <= 0 {
		c.MatchTolerance = 24 * time.Hour
	}
	if c.ResendGrace < 0 {
		c.ResendGrace = 0
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Pipeline runs the steps against one ledger and one Enkash client.
type Pipeline struct {
	cfg    Config
	ledger *ledger.DB
	flows  []kindFlow
	log    *slog.Logger
	// fault, when set (by this package's tests only), is called at the start of ingest and of
	// a day's reconciliation; an error it returns is that step's error.
	fault func(step Step) error
}

// New returns a pipeline over db that talks to Enkash through client.
func New(cfg Config, db *ledger.DB, client *enkash.Client) *Pipeline {
	cfg.setDefaults()
	return &Pipeline{
		cfg:    cfg,
		ledger: db,
		flows:  flowsFor(flowEnv{client: client, ledger: db, portalChecker: cfg.BillsChecker == BillsCheckerEnkash}),
		log:    cfg.Logger,
	}
}

// Result is what a run did, for the command line to print.
type Result struct {
	RunID      int64
	Files      []domain.FileSummary
	Exceptions []domain.Exception
	Workbook   string   // the run workbook's path
	FixFiles   []string // fix-and-redrop files written
	Outcome    Outcome  // how the run ended
	// KeptFixFiles are fix-and-redrop files already there, left as they were: the user may
	// be correcting them.
	KeptFixFiles []string
}

// Total is the conservation line of the whole run.
func (r Result) Total() domain.Tally {
	var t domain.Tally
	for _, f := range r.Files {
		t.Merge(f.Tally)
	}
	return t
}

// WriteRunReport writes again the workbook and fix-and-redrop files of a recorded run, from
// the ledger as it stands now.
func (p *Pipeline) WriteRunReport(ctx context.Context, runID int64) (Result, error) {
	res := Result{RunID: runID}
	if _, err := p.ledger.Run(ctx, runID); err != nil {
		return res, err
	}
	return res, p.report(ctx, runID, &res)
}

// Run does one full cycle: ingest the inbox, submit, poll until every item is final or the
// poll deadline passes, reconcile, and write the report. The report is written even when a
// step stops the run early, so that what happened is on paper; the *StopError is returned
// with the result.
func (p *Pipeline) Run(ctx context.Context) (Result, error) {
	r, err := p.start(ctx, "run", true)
	if err != nil {
		return Result{}, err
	}
	res := Result{RunID: r.id}
	err = r.settle(ctx, r.p.steps(ctx, r.id))
	err = r.p.reportAfter(ctx, err, &res, "")
	res.Outcome, err = r.finish(ctx, err, openExceptions(res.Exceptions))
	return res, err
}

func (p *Pipeline) steps(ctx context.Context, runID int64) error {
	if _, err := p.Ingest(ctx, runID); err != nil {
		return err
	}
	if err := p.Submit(ctx, runID); err != nil {
		return err
	}
	if err := p.Poll(ctx, runID); err != nil {
		return err
	}
	return p.Reconcile(ctx, runID)
}

// reportAfter writes the run's report unless the work failed (err, settled, is nil or a
// stop), and copies it into dir when dir is set. The report is written with a context of its
// own: a run cancelled by a signal still leaves its record behind. It returns err, or the
// failure to write the report.
func (p *Pipeline) reportAfter(ctx context.Context, err error, res *Result, dir string) error {
	if err != nil && !isStop(err) {
		return err
	}
	if rerr := p.report(context.WithoutCancel(ctx), res.RunID, res); rerr != nil {
		return rerr
	}
	if dir != "" {
		if cerr := copyReports(dir, append([]string{res.Workbook}, res.FixFiles...)); cerr != nil {
			return cerr
		}
	}
	return err
}

// withLog returns a copy of the pipeline that logs to l.
func (p *Pipeline) withLog(l *slog.Logger) *Pipeline {
	q := *p
	q.log, q.cfg.Logger = l, l
	return &q
}

// injected returns the error the tests' fault hook gives step (nil outside the tests).
func (p *Pipeline) injected(step Step) error {
	if p.fault == nil {
		return nil
	}
	return p.fault(step)
}
