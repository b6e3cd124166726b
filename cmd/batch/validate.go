package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"enkashbatch/jobs"
	"enkashbatch/ledger"

	"github.com/spf13/cobra"
)

func init() { register(newValidateCommand) }

func newValidateCommand(m *Main, s *settings) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "dry run: parse and validate files; nothing is recorded or sent",
		Long: `Dry run: parse and validate files; nothing is recorded or sent.

The references of the valid rows are also checked against the data folder's ledger (--home),
as ` + "`batch run`" + ` would check them: a reference already sent, or a file already processed, is
reported now rather than by the run. The ledger is only read, never created.

Exit code 0: every row valid; 1: some rows rejected; 2: a file that cannot be used.`,
		Args: cobra.MinimumNArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"csv", "xlsx"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: action(func(cmd *cobra.Command, args []string) int { return runValidate(cmd.Context(), m, s, cmd, args) }),
	}
	bindJSON(cmd.Flags(), s)
	return cmd
}

func runValidate(ctx context.Context, m *Main, s *settings, cmd *cobra.Command, paths []string) int {
	db, err := ledger.OpenReadOnly(ctx, filepath.Join(s.Home, "ledger.db"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		db = nil
		if homeGiven(cmd, m) {
			fmt.Fprintf(m.Stderr, "batch: note: no ledger in %s yet: references are checked within each file only\n", s.Home)
		}
	case err != nil:
		return m.fail(exitUsage, "%v", err)
	default:
		defer db.Close()
	}
	code := exitOK
	var results []jobs.Validation
	for _, path := range paths {
		v, err := jobs.ValidateAgainst(ctx, path, db)
		switch {
		case err != nil:
			return m.fail(exitUsage, "%v", err)
		case v.Unusable != nil:
			code = exitUsage
		case v.Rejected > 0 && code == exitOK:
			code = exitAttention
		}
		results = append(results, v)
		if !s.JSON {
			printValidation(m.Stdout, v)
		}
	}
	if s.JSON {
		if len(results) == 1 {
			writeJSON(m.Stdout, results[0])
		} else {
			writeJSON(m.Stdout, results)
		}
	}
	return code
}

// homeGiven reports whether the data folder was named (flag, environment or config file)
// rather than left at its default.
func homeGiven(cmd *cobra.Command, m *Main) bool {
	if f := cmd.Flags().Lookup("home"); f != nil && (f.Changed || f.Value.String() != defaultHome) {
		return true
	}
	_, set := m.LookupEnv("BATCH_HOME")
	return set
}

func printValidation(w io.Writer, v jobs.Validation) {
	if v.Unusable != nil {
		fmt.Fprintf(w, "%s: cannot be used: %s\n", v.File, v.Unusable.Message)
		if v.Unusable.Line > 0 {
			fmt.Fprintf(w, "  at line %d", v.Unusable.Line)
			if v.Unusable.Column != "" {
				fmt.Fprintf(w, ", column %q", v.Unusable.Column)
			}
			fmt.Fprintf(w, " (rule %s)\n", v.Unusable.Rule)
		}
		return
	}
	fmt.Fprintf(w, "%s (%s): %d rows, %d valid, %d rejected\n", v.File, v.Kind, v.Rows, v.Valid, v.Rejected)
	for _, e := range v.Errors {
		fmt.Fprintf(w, "  line %d, column %q (%s): %s\n", e.Line, e.Column, e.Rule, e.Message)
	}
	if len(v.Unknown) > 0 {
		fmt.Fprintf(w, "  note: columns not used: %v\n", v.Unknown)
	}
}
