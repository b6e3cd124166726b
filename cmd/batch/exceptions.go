package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"enkashbatch/ledger"
)

func init() {
	register("exceptions", "list exceptions (--open for unresolved ones); `exceptions resolve ID --note ...` closes one; `exceptions history ID`", runExceptions)
}

func runExceptions(ctx context.Context, m *Main, args []string) int {
	if len(args) > 0 && args[0] == "resolve" {
		return runResolve(ctx, m, args[1:])
	}
	if len(args) > 0 && args[0] == "history" {
		return runHistory(ctx, m, args[1:])
	}
	var s settings
	fs := m.newFlags("exceptions", "[--open] [--json] | resolve ID --note TEXT")
	bindSettings(fs, &s)
	open := fs.Bool("open", false, "only the exceptions not resolved yet")
	if code := m.parse(fs, args); code >= 0 {
		return code
	}
	db, err := openLedger(ctx, &s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()
	excs, err := db.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: *open})
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	if s.JSON {
		writeJSON(m.Stdout, orEmpty(excs))
		return exitOK
	}
	if len(excs) == 0 {
		fmt.Fprintln(m.Stdout, "No exceptions.")
		return exitOK
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSeverity\tAge\tCategory\tFile\tLine\tReference\tDetail\tWhat to do\tResolved")
	now := time.Now()
	for _, e := range excs {
		resolved := ""
		if e.ResolvedAt != nil {
			resolved = e.ResolvedAt.In(india).Format("02-01-2006") + ": " + e.Note
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", e.ID, e.Severity, age(now.Sub(e.CreatedAt)), e.Category, e.File, e.Line,
			e.Reference, e.Detail, e.SuggestedAction(), resolved)
	}
	tw.Flush()
	return exitOK
}

// age says how long ago something was raised, in the largest whole unit.
func age(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}

func runHistory(ctx context.Context, m *Main, args []string) int {
	var s settings
	fs := m.newFlags("exceptions", "history ID")
	bindSettings(fs, &s)
	if len(args) == 0 {
		return m.fail(exitUsage, "exceptions history: name the exception's ID")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return m.fail(exitUsage, "exceptions history: %q is not an exception ID", args[0])
	}
	if code := m.parse(fs, args[1:]); code >= 0 {
		return code
	}
	db, err := openLedger(ctx, &s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()
	hist, err := db.ExceptionHistory(ctx, id)
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	if len(hist) == 0 {
		return m.fail(exitUsage, "no exception with ID %d (batch exceptions lists them)", id)
	}
	if s.JSON {
		writeJSON(m.Stdout, hist)
		return exitOK
	}
	for _, ev := range hist {
		fmt.Fprintf(m.Stdout, "%s  %-8s  %-9s  %s\n", ev.At.In(india).Format("02-01-2006 15:04"), ev.Actor, ev.Action, ev.Note)
	}
	return exitOK
}

func runResolve(ctx context.Context, m *Main, args []string) int {
	var s settings
	fs := m.newFlags("exceptions", "resolve ID --note TEXT")
	bindSettings(fs, &s)
	note := fs.String("note", "", "what was done about it (required)")
	by := fs.String("by", "", "who resolves it (default: the login name)")
	// The id comes first: `resolve 12 --note ...`.
	if len(args) == 0 {
		return m.fail(exitUsage, "exceptions resolve: name the exception's ID")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return m.fail(exitUsage, "exceptions resolve: %q is not an exception ID", args[0])
	}
	if code := m.parse(fs, args[1:]); code >= 0 {
		return code
	}
	if *note == "" {
		return m.fail(exitUsage, "exceptions resolve: say what was done with --note")
	}
	db, err := openLedger(ctx, &s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()
	actor := *by
	if actor == "" {
		actor, _ = m.LookupEnv("USER")
	}
	if actor == "" {
		actor = "unknown"
	}
	if err := db.ResolveException(ctx, id, actor, *note); err != nil {
		switch {
		case errors.Is(err, ledger.ErrNoSuchException):
			return m.fail(exitUsage, "no exception with ID %d (batch exceptions lists them)", id)
		case errors.Is(err, ledger.ErrAlreadyResolved):
			return m.fail(exitUsage, "exception %d is already resolved (batch exceptions history %d shows when)", id, id)
		}
		return m.fail(exitAttention, "%v", err)
	}
	fmt.Fprintf(m.Stdout, "Exception %d resolved.\n", id)
	return exitOK
}
