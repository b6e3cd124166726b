package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"enkashbatch/ledger"

	"github.com/spf13/cobra"
)

func init() { register(newExceptionsCommand) }

func newExceptionsCommand(m *Main, s *settings) *cobra.Command {
	var open bool
	cmd := &cobra.Command{
		Use:   "exceptions",
		Short: "list exceptions (--open for unresolved ones); `exceptions resolve ID --note ...` closes one; `exceptions history ID`",
		Long: `The exceptions, open first by severity and age, with what to do.

  batch exceptions [--open] [--json]
  batch exceptions resolve ID --note TEXT [--by NAME]
  batch exceptions history ID [--json]`,
		// Anything after "exceptions" other than its subcommands is a mistake, never a
		// reason to list everything instead.
		Args: subcommandOnly,
		RunE: action(func(cmd *cobra.Command, _ []string) int { return runExceptions(cmd.Context(), m, s, open) }),
	}
	cmd.Flags().BoolVar(&open, "open", false, "only the exceptions not resolved yet")
	bindJSON(cmd.Flags(), s)
	cmd.AddCommand(newResolveCommand(m, s), newHistoryCommand(m, s))
	return cmd
}

// subcommandOnly refuses arguments to a command that has subcommands, naming the nearest.
func subcommandOnly(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if near := cmd.SuggestionsFor(args[0]); len(near) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", cmd.CommandPath()+" "+near[0])
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	if len(names) > 0 {
		msg += "; its subcommands: " + strings.Join(names, ", ")
	}
	return errors.New(msg)
}

func runExceptions(ctx context.Context, m *Main, s *settings, open bool) int {
	db, err := openLedger(ctx, s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()
	excs, err := db.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: open})
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	if s.JSON {
		writeJSON(m.Stdout, orEmpty(excs))
		return exitOK
	}
	if _, err := printSandboxBanner(ctx, m.Stdout, db); err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	if len(excs) == 0 {
		if open {
			fmt.Fprintln(m.Stdout, "No open exceptions.")
		} else {
			fmt.Fprintln(m.Stdout, "No exceptions.")
		}
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

// exceptionID parses the ID argument of resolve and history.
func exceptionID(cmd *cobra.Command, s *settings, args []string) (int64, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("%s: name one exception ID (%s lists them), got %d arguments", cmd.CommandPath(), s.hint("exceptions"), len(args))
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s: %q is not an exception ID (%s lists them)", cmd.CommandPath(), args[0], s.hint("exceptions"))
	}
	return id, nil
}

func newHistoryCommand(m *Main, s *settings) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history ID",
		Short: "every change of one exception: raised, seen again, resolved, re-opened, by whom and when",
		Args: func(cmd *cobra.Command, args []string) error {
			_, err := exceptionID(cmd, s, args)
			return err
		},
		RunE: action(func(cmd *cobra.Command, args []string) int {
			id, _ := exceptionID(cmd, s, args)
			return runHistory(cmd.Context(), m, s, id)
		}),
	}
	bindJSON(cmd.Flags(), s)
	return cmd
}

func runHistory(ctx context.Context, m *Main, s *settings, id int64) int {
	db, err := openLedger(ctx, s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()
	hist, err := db.ExceptionHistory(ctx, id)
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	if len(hist) == 0 {
		return m.fail(exitUsage, "no exception with ID %d (%s lists them)", id, s.hint("exceptions"))
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

func newResolveCommand(m *Main, s *settings) *cobra.Command {
	var note, by string
	cmd := &cobra.Command{
		Use:   "resolve ID --note TEXT [--by NAME]",
		Short: "close an exception, saying what was done; it re-opens by itself if its cause is seen again",
		Args: func(cmd *cobra.Command, args []string) error {
			_, err := exceptionID(cmd, s, args)
			return err
		},
		RunE: action(func(cmd *cobra.Command, args []string) int {
			id, _ := exceptionID(cmd, s, args)
			return runResolve(cmd.Context(), m, s, id, note, by)
		}),
	}
	cmd.Flags().StringVar(&note, "note", "", "what was done about it (required)")
	cmd.Flags().StringVar(&by, "by", "", "who resolves it (default: the login name)")
	return cmd
}

func runResolve(ctx context.Context, m *Main, s *settings, id int64, note, by string) int {
	if strings.TrimSpace(note) == "" {
		return m.fail(exitUsage, "exceptions resolve: say what was done with --note")
	}
	db, err := openLedger(ctx, s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()
	actor := by
	if actor == "" {
		actor, _ = m.LookupEnv("USER")
	}
	if actor == "" {
		actor = "unknown"
	}
	if err := db.ResolveException(ctx, id, actor, note); err != nil {
		switch {
		case errors.Is(err, ledger.ErrNoSuchException):
			return m.fail(exitUsage, "no exception with ID %d (%s lists them)", id, s.hint("exceptions"))
		case errors.Is(err, ledger.ErrAlreadyResolved):
			return m.fail(exitUsage, "exception %d is already resolved (%s shows when)", id, s.hint(fmt.Sprintf("exceptions history %d", id)))
		}
		return m.fail(exitAttention, "%v", err)
	}
	fmt.Fprintf(m.Stdout, "Exception %d resolved by %s.\n", id, actor)
	return exitOK
}
