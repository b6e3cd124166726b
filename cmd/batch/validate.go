package main

import (
	"context"
	"fmt"
	"io"

	"enkashbatch/jobs"
)

func init() {
	register("validate", "dry run: parse and validate files; nothing is recorded or sent", runValidate)
}

func runValidate(_ context.Context, m *Main, args []string) int {
	fs := m.newFlags("validate", "[--json] FILE...")
	asJSON := fs.Bool("json", false, "machine-readable output on stdout")
	if code := m.parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() == 0 {
		return m.fail(exitUsage, "validate: name at least one file")
	}
	code := exitOK
	var results []jobs.Validation
	for _, path := range fs.Args() {
		v, err := jobs.Validate(path)
		switch {
		case err != nil:
			return m.fail(exitUsage, "%v", err)
		case v.Unusable != nil:
			code = exitUsage
		case v.Rejected > 0 && code == exitOK:
			code = exitAttention
		}
		results = append(results, v)
		if !*asJSON {
			printValidation(m.Stdout, v)
		}
	}
	if *asJSON {
		if len(results) == 1 {
			writeJSON(m.Stdout, results[0])
		} else {
			writeJSON(m.Stdout, results)
		}
	}
	return code
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
