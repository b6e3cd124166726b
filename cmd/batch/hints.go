package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"enkashbatch/ledger"
)

// hint is a command line to suggest to the user: "batch exceptions --open", with the --home
// this invocation used when it is not the default, so that it can be typed as printed.
func (s *settings) hint(args string) string {
	h := "batch " + args
	if s.Home != defaultHome && s.Home != "" {
		h += " --home " + shellQuote(s.Home)
	}
	return h
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printSandboxBanner says SANDBOX when the data folder's runs talked to the Enkash simulator,
// as `batch run` does: numbers read from a rehearsal must never be taken for payments.
func printSandboxBanner(ctx context.Context, w io.Writer, db *ledger.DB) (sandbox bool, err error) {
	n, err := db.RunsBySandbox(ctx)
	if err != nil {
		return false, err
	}
	switch {
	case n.Sandbox == 0:
		return false, nil
	case n.Enkash == 0:
		fmt.Fprintln(w, "SANDBOX: this data folder's runs talked to the Enkash simulator, not to Enkash. No money moved.")
	default:
		fmt.Fprintf(w, "SANDBOX: %d of this data folder's %d runs talked to the Enkash simulator, not to Enkash: what they show moved no money.\n",
			n.Sandbox, n.Sandbox+n.Enkash)
	}
	fmt.Fprintln(w)
	return true, nil
}
