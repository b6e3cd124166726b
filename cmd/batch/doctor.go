package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"enkashbatch/enkash"

	"github.com/spf13/cobra"
)

func init() { register(newDoctorCommand) }

func newDoctorCommand(m *Main, s *settings) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "check the Enkash settings against Enkash without moving money: token, balance, searches, statement",
		Long: `Check the Enkash settings against Enkash with calls that move no money: a token, the balance,
an empty search of payouts, customers, invoices and bills, and today's statement.

Exit code 0: everything works; 2: a setting is wrong or missing; 3: Enkash unreachable or
the credentials refused.`,
		Args: cobra.NoArgs,
		RunE: action(func(cmd *cobra.Command, _ []string) int { return runDoctor(cmd.Context(), m, s) }),
	}
	bindEnkash(cmd.Flags(), s)
	bindJSON(cmd.Flags(), s)
	return cmd
}

// doctorCheck is one line of the doctor's report.
type doctorCheck struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
	// exit is the exit code this check calls for when it fails.
	exit int
}

// runDoctor checks a configuration against Enkash with calls that move no money: a token,
// the balance, an empty search of each family (payouts, customers, invoices, bills) and
// today's statement. It prints each check with its fix. Exit 0: all good; 3: Enkash
// unreachable or the credentials refused; 2: a setting is wrong or missing.
func runDoctor(ctx context.Context, m *Main, s *settings) int {
	conn, err := m.connect(ctx, s)
	if err != nil {
		checks := []doctorCheck{{Name: "settings", Detail: err.Error(), Fix: "set the ENKASH_* variables as the README says", exit: exitCodeOf(err)}}
		return m.doctorReport(s, "", false, checks)
	}
	defer conn.Close()

	var checks []doctorCheck
	check := func(name, okDetail string, err error) bool {
		c := doctorCheck{Name: name, OK: err == nil, Detail: okDetail}
		if err != nil {
			c.Detail, c.Fix, c.exit = diagnoseForDoctor(err, s.Home)
		}
		checks = append(checks, c)
		return err == nil
	}
	c := conn.Client
	if !check("token", "Enkash accepted the credentials", c.Token(ctx)) {
		for _, name := range []string{"balance", "payout search", "customer search", "invoice search", "bill search", "statement"} {
			checks = append(checks, doctorCheck{Name: name, Detail: "not tried: it needs a token", exit: exitOK})
		}
		return m.doctorReport(s, conn.Endpoint, conn.Sandbox, checks)
	}
	bal, err := c.Payouts.Balance(ctx)
	check("balance", bal.Money()+" in the fund source", err)

	probe := "DOCTOR" + time.Now().Format("20060102150405")
	_, err = c.Payouts.Search(ctx, enkash.SearchTransfersRequest{TransactionIDs: []string{probe}}, 0, 1)
	check("payout search", "answered", err)
	_, err = c.AR.SearchCustomers(ctx, enkash.SearchCustomersRequest{UniqueRefNos: []string{probe}}, 0, 1)
	check("customer search", "answered", err)
	_, err = c.AR.SearchInvoices(ctx, enkash.SearchInvoicesRequest{ExternalIDs: []string{probe}}, 0, 1)
	check("invoice search", "answered", err)
	today := time.Now()
	_, err = c.Bills.Search(ctx, enkash.SearchBillsRequest{BillReferenceID: probe,
		CreatedDateFrom: enkash.BillTime(today), CreatedDateTo: enkash.BillTime(today)}, 0, 1)
	check("bill search", "answered", err)
	day := time.Date(today.In(india).Year(), today.In(india).Month(), today.In(india).Day(), 0, 0, 0, 0, india)
	lines, err := c.Payouts.Statement(ctx, day, today)
	check("statement", fmt.Sprintf("today's statement has %d lines", len(lines)), err)
	return m.doctorReport(s, conn.Endpoint, conn.Sandbox, checks)
}

// diagnoseForDoctor words a failed check and its fix, and the exit code it calls for.
func diagnoseForDoctor(err error, home string) (detail, fix string, code int) {
	detail = err.Error()
	if setting, ok := enkash.IsConfigRefusal(err); ok {
		return detail, "check " + setting + " (see the message)", exitUsage
	}
	var cfg *errConfig
	switch {
	case errors.As(err, &cfg):
		return detail, "fix the setting the message names", exitUsage
	case errors.Is(err, enkash.ErrAuthRejected):
		return detail, "check ENKASH_USERNAME, ENKASH_PASSWORD, ENKASH_CLIENT_ID and ENKASH_OAUTH_CLIENT; the refusal is recorded in " +
			loginGuard{home: home}.path() + " and no token request is made with these credentials again until they change or `" + (&settings{Home: home}).hint("unlock") + "` clears it", exitEnkashDown
	case enkash.IsUnreachable(err):
		return detail, "check ENKASH_BASE_URL, the network, and that Enkash has allow-listed this machine's IP address", exitEnkashDown
	}
	// Enkash refused a call the documentation describes: the client and Enkash disagree.
	return detail, "Enkash refused a request its documentation describes: check ENKASH_BASE_URL and ENKASH_COMPANY_ID, then tell the maintainers (docs/enkash.md)", exitUsage
}

// doctorReport prints the checks and returns the exit code: 3 when Enkash is unreachable or
// refused the credentials, 2 when a setting is wrong, 0 when everything works.
func (m *Main) doctorReport(s *settings, endpoint string, sandbox bool, checks []doctorCheck) int {
	code := exitOK
	for _, c := range checks {
		if c.OK {
			continue
		}
		code = max(code, c.exit) // 3 (Enkash down) outranks 2 (a setting)
	}
	if s.JSON {
		writeJSON(m.Stdout, map[string]any{"endpoint": endpoint, "sandbox": sandbox, "checks": checks, "exit": code})
		return code
	}
	if sandbox {
		fmt.Fprintf(m.Stdout, "SANDBOX: checking the Enkash simulator at %s, not Enkash.\n\n", endpoint)
	} else if endpoint != "" {
		fmt.Fprintf(m.Stdout, "Checking Enkash at %s (no money moves).\n\n", endpoint)
	}
	for _, c := range checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
			if c.exit == exitOK {
				mark = "skip"
			}
		}
		fmt.Fprintf(m.Stdout, "%s %-16s %s\n", mark, c.Name, c.Detail)
		if c.Fix != "" {
			fmt.Fprintf(m.Stdout, "     %-16s fix: %s\n", "", c.Fix)
		}
	}
	switch code {
	case exitOK:
		fmt.Fprintln(m.Stdout, "\nEverything works: this configuration can run.")
	case exitUsage:
		fmt.Fprintln(m.Stdout, "\nSome settings are wrong or missing: fix them and run `"+s.hint("doctor")+"` again.")
	default:
		fmt.Fprintln(m.Stdout, "\nEnkash could not be reached, or it refused the credentials: see the fixes above.")
	}
	return code
}
