package jobs

import (
	"context"
	"errors"
	"fmt"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/ledger"
)

// Outcome is how a run ended. Every entry point of the pipeline (Run, RunSteps, IngestOnly,
// IngestArrivals, ReconcileDay) goes through one lifecycle (start, work, finish), records its
// outcome in the ledger and returns it the same way: the error is nil when the run completed
// (with or without something to look at), the *StopError when it stopped early, and the
// failure itself when it failed.
type Outcome int

// Outcomes of a run.
const (
	// OutcomeNone: no run was recorded (there was nothing to do).
	OutcomeNone Outcome = iota
	// OutcomeCompleted: every step done, nothing left to look at.
	OutcomeCompleted
	// OutcomeAttention: every step done, with rejected rows, files set aside or exceptions to
	// look at.
	OutcomeAttention
	// OutcomeStoppedConfig: Enkash refused a call for a reason of configuration.
	OutcomeStoppedConfig
	// OutcomeStoppedEnkash: Enkash unreachable, or it refused the credentials.
	OutcomeStoppedEnkash
	// OutcomeStoppedDiskFull: the disk holding the data folder is full.
	OutcomeStoppedDiskFull
	// OutcomeCancelled: the run was cancelled (a signal, the daemon stopping).
	OutcomeCancelled
	// OutcomeFailed: a step failed.
	OutcomeFailed
)

var outcomeNames = [...]string{
	OutcomeNone:            "none",
	OutcomeCompleted:       "completed",
	OutcomeAttention:       "completed with attention",
	OutcomeStoppedConfig:   "stopped: configuration",
	OutcomeStoppedEnkash:   "stopped: Enkash unreachable",
	OutcomeStoppedDiskFull: "stopped: disk full",
	OutcomeCancelled:       "stopped: cancelled",
	OutcomeFailed:          "failed",
}

func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
	return outcomeNames[o]
}

// Completed reports whether every step of the run was done.
func (o Outcome) Completed() bool { return o == OutcomeCompleted || o == OutcomeAttention }

// Stopped reports whether the run stopped early without failing: what was done is recorded.
func (o Outcome) Stopped() bool { return o >= OutcomeStoppedConfig && o <= OutcomeCancelled }

// Recorded is the word the ledger's runs table keeps for the outcome (ok, stopped, failed):
// the audit sheets show it.
func (o Outcome) Recorded() string {
	switch {
	case o.Completed():
		return "ok"
	case o.Stopped():
		return "stopped"
	}
	return "failed"
}

// StopError says why a run stopped before its end without failing: Enkash unreachable,
// credentials refused, a refusal for a reason of configuration, a full disk, or the run
// cancelled. What was done is recorded and reported.
type StopError struct {
	Err error
	// Diagnosis names the real cause in words, when it is more precise than Err.
	Diagnosis string
	// Outcome is the kind of stop (OutcomeStoppedConfig... OutcomeCancelled).
	Outcome Outcome
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

// IsStop reports whether err says a run stopped early (a *StopError) rather than failed.
func IsStop(err error) bool { return isStop(err) }

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
		return &StopError{Err: err, Diagnosis: configDiagnosis(setting), Outcome: OutcomeStoppedConfig}
	}
	switch {
	case ledger.IsDiskFull(err):
		return &StopError{Err: err, Diagnosis: "the disk holding the data folder is full: free space and run again", Outcome: OutcomeStoppedDiskFull}
	case errors.Is(err, context.Canceled):
		return &StopError{Err: err, Diagnosis: enkash.Diagnose(err), Outcome: OutcomeCancelled}
	case errors.Is(err, enkash.ErrAuthRejected), errors.Is(err, enkash.ErrUnreachable), enkash.IsUnreachable(err):
		return &StopError{Err: err, Diagnosis: enkash.Diagnose(err), Outcome: OutcomeStoppedEnkash}
	}
	return err
}

func configDiagnosis(setting string) string {
	return "Enkash refused a call for a reason of configuration: check " + setting +
		". No row was marked failed for it: the rows it did not process keep their references and are sent by the next run"
}

// outcomeOf classifies what a run's work returned (after settle); attention says whether a
// completed run left something to look at.
func outcomeOf(err error, attention bool) Outcome {
	var stop *StopError
	switch {
	case err == nil && attention:
		return OutcomeAttention
	case err == nil:
		return OutcomeCompleted
	case errors.As(err, &stop) && stop.Outcome.Stopped():
		return stop.Outcome
	}
	return OutcomeFailed
}

// runLife is one run of the pipeline, from its start to its finish.
type runLife struct {
	// p is the pipeline the run works with: its logs carry the run's id.
	p      *Pipeline
	id     int64
	unlock func()
}

// start begins a run: it takes the data folder's lock when lock is set (else the caller holds
// it, as the daemon does for its whole life) and records the run's start under command.
func (p *Pipeline) start(ctx context.Context, command string, lock bool) (*runLife, error) {
	unlock := func() {}
	if lock {
		var err error
		if unlock, err = lockHome(p.cfg.Home); err != nil {
			return nil, err
		}
	}
	id, err := p.ledger.StartRun(ctx, command, p.cfg.Sandbox)
	if err != nil {
		unlock()
		return nil, err
	}
	return &runLife{p: p.withLog(p.log.With("run", id)), id: id, unlock: unlock}, nil
}

// settle turns what the run's work returned into nil, a *StopError or a failure: the errors
// that end a run cleanly (stopFor) become stops, and a failure of a run whose context was
// cancelled counts as the cancellation it followed from.
func (r *runLife) settle(ctx context.Context, err error) error {
	err = stopFor(err)
	if err != nil && !isStop(err) && ctx.Err() != nil {
		return &StopError{Err: err, Outcome: OutcomeCancelled}
	}
	return err
}

// finish records how the run ended and releases the lock. It returns the outcome and the
// error for the caller: nil when the run completed, the *StopError when it stopped, the
// failure when it failed (or when the end could not be recorded).
func (r *runLife) finish(ctx context.Context, err error, attention bool) (Outcome, error) {
	defer r.unlock()
	err = r.settle(ctx, err)
	outcome := outcomeOf(err, attention)
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	if ferr := r.p.ledger.FinishRun(context.WithoutCancel(ctx), r.id, outcome.Recorded(), detail); ferr != nil {
		r.p.log.Error("record end of run", "outcome", outcome.String(), "err", ferr)
		if err == nil || isStop(err) {
			return OutcomeFailed, errors.Join(err, ferr)
		}
	}
	return outcome, err
}

// openExceptions reports whether excs holds an exception still open.
func openExceptions(excs []domain.Exception) bool {
	for _, e := range excs {
		if e.ResolvedAt == nil {
			return true
		}
	}
	return false
}

// filesNeedAttention reports whether an ingest left rows rejected or files set aside.
func filesNeedAttention(files []FileOutcome) bool {
	for _, f := range files {
		if f.Status != ledger.FileAccepted || f.Rows != f.Valid {
			return true
		}
	}
	return false
}
