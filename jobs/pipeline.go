// Package jobs holds the pipeline steps (ingest, submit, poll, reconcile, report) and runs
// them in order. It orchestrates the adapters (parsers, enkash, ledger, report) and owns no SQL
// and no HTTP of its own.
package jobs

import (
	"context"
	"errors"
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
}

// New returns a pipeline over db that talks to Enkash through client.
func New(cfg Config, db *ledger.DB, client *enkash.Client) *Pipeline {
	cfg.setDefaults()
	return &Pipeline{
		cfg:    cfg,
		ledger: db,
		flows:  flowsFor(flowEnv{client: client, ledger: db}),
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
	// KeptFixFiles are fix-and-redrop files already there, left as they were: the user may
	// be correcting them.
	KeptFixFiles []string
	Stopped      error // set when the run stopped early (Enkash unreachable, credentials refused)
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
// step stops the run early, so that what happened is on paper.
func (p *Pipeline) Run(ctx context.Context) (Result, error) {
	unlock, err := lockHome(p.cfg.Home)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	runID, err := p.ledger.StartRun(ctx, "run", p.cfg.Sandbox)
	if err != nil {
		return Result{}, err
	}
	res := Result{RunID: runID}
	stepErr := p.steps(ctx, runID)
	if stepErr != nil && !isStop(stepErr) {
		p.finish(runID, "failed", stepErr.Error())
		return res, stepErr
	}
	res.Stopped = stepErr
	// The report is written even after a stop, with a context of its own: a run cancelled by a
	// signal still leaves its record behind.
	rctx := context.WithoutCancel(ctx)
	if err := p.report(rctx, runID, &res); err != nil {
		p.finish(runID, "failed", err.Error())
		return res, err
	}
	outcome, detail := "ok", ""
	if res.Stopped != nil {
		outcome, detail = "stopped", res.Stopped.Error()
	}
	p.finish(runID, outcome, detail)
	return res, nil
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

func (p *Pipeline) finish(runID int64, outcome, detail string) {
	if err := p.ledger.FinishRun(context.Background(), runID, outcome, detail); err != nil {
		p.log.Error("record end of run", "run", runID, "err", err)
	}
}

// StopError says why a run stopped before its end without failing: Enkash unreachable,
// credentials refused, a refusal for a reason of configuration, a full disk, or the run
// cancelled. What was done is recorded and reported.
type StopError struct {
	Err error
	// Diagnosis names the real cause in words, when it is more precise than Err.
	Diagnosis string
}

// Error gives the diagnosis first, then Enkash's own answer when there was one (else the
// error in full).
func (e *StopError) Error() string {
	if e.Diagnosis == "" {
		return e.Err.Error()
	}
	var answer *enkash.APIError
	if errors.As(e.Err, &answer) {
		return e.Diagnosis + " (" + answer.Error() + ")"
	}
	return e.Diagnosis + " (" + e.Err.Error() + ")"
}
func (e *StopError) Unwrap() error { return e.Err }

func isStop(err error) bool {
	var s *StopError
	return errors.As(err, &s)
}

// stopFor turns the errors that end a run cleanly into a StopError.
func stopFor(err error) error {
	if err == nil || isStop(err) {
		return err
	}
	if setting, ok := enkash.IsConfigRefusal(err); ok {
		return &StopError{Err: err, Diagnosis: configDiagnosis(setting)}
	}
	switch {
	case ledger.IsDiskFull(err):
		return &StopError{Err: err, Diagnosis: "the disk holding the data folder is full: free space and run again"}
	case errors.Is(err, enkash.ErrAuthRejected), errors.Is(err, enkash.ErrUnreachable), enkash.IsUnreachable(err),
		errors.Is(err, context.Canceled):
		return &StopError{Err: err, Diagnosis: enkash.Diagnose(err)}
	}
	return err
}

func configDiagnosis(setting string) string {
	return "Enkash refused a call for a reason of configuration: check " + setting +
		". No row was marked failed for it: the rows it did not process keep their references and are sent by the next run"
}
