package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"enkashbatch/ledger"
)

func init() {
	register("exceptions", "list exceptions (--open for unresolved ones); `exceptions resolve ID --note ...` closes one", runExceptions)
}

func runExceptions(ctx context.Context, m *Main, args []string) int {
	if len(args) > 0 && args[0] == "resolve" {
		return runResolve(ctx, m, args[1:])
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
	fmt.Fprintln(tw, "ID\tCategory\tFile\tLine\tReference\tDetail\tResolved")
	for _, e := range excs {
		resolved := ""
		if e.ResolvedAt != nil {
			resolved = e.ResolvedAt.Format("02-01-2006") + " " + e.Note
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", e.ID, e.Category, e.File, e.Line, e.Reference, e.Detail, resolved)
	}
	tw.Flush()
	return exitOK
}

func runResolve(ctx context.Context, m *Main, args []string) int {
	var s settings
	fs := m.newFlags("exceptions", "resolve ID --note TEXT")
	bindSettings(fs, &s)
	note := fs.String("note", "", "what was done about it (required)")
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
	if err := db.ResolveException(ctx, id, *note); err != nil {
		if errors.Is(err, ledger.ErrNoSuchException) {
			return m.fail(exitUsage, "no exception with ID %d (batch exceptions lists them)", id)
		}
		return m.fail(exitAttention, "%v", err)
	}
	fmt.Fprintf(m.Stdout, "Exception %d resolved.\n", id)
	return exitOK
}
