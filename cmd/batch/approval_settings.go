package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"enkashbatch/domain"
	"enkashbatch/jobs"
	"enkashbatch/parsers"
)

// approvalSettings are the approval policy's settings (README, "Approvals"); flags, the
// environment (BATCH_APPROVAL...) and the config file set them like any other.
type approvalSettings struct {
	Required kindSwitches
	TwoAbove kindAmounts
	DailyCap kindAmounts
	Checkers string
	Maker    string
	Expiry   time.Duration
	// Pre-flight: the balance check before sending payouts, and who approves bills' debits.
	BalanceCheck bool
	BillsChecker string
}

// bindApproval registers the approval policy's settings.
func bindApproval(fs *pflag.FlagSet, s *settings) {
	a := &s.Approval
	def := jobs.DefaultApprovalPolicy()
	a.Required = kindSwitches{}
	a.TwoAbove = kindAmounts{}
	a.DailyCap = kindAmounts{}
	for k, r := range def.Kinds {
		a.Required[k] = r.Required
		if r.TwoAbove > 0 {
			a.TwoAbove[k] = r.TwoAbove
		}
	}
	fs.Var(&a.Required, "approval", `kinds that need a checker's approval before they are sent: "payouts=on,bills=on" (the default), "payouts=off", "off" (none), "on" (all)`)
	fs.Var(&a.TwoAbove, "approval-two-above", `per kind, the file total in rupees above which two distinct checkers are needed ("payouts=1000000,bills=1000000" is the default; 0: one is enough)`)
	fs.Var(&a.DailyCap, "approval-daily-cap", `per kind, the most that may be approved in one day (India time), in rupees ("payouts=5000000"); none by default`)
	fs.StringVar(&a.Checkers, "checkers", "", `who may approve or reject, comma-separated names ("asha,ravi"); empty: anyone but the file's maker`)
	fs.StringVar(&a.Maker, "maker", "", "the name recorded as the maker of the files ingested (default: the file owner's user name); a maker never approves their own file")
	fs.DurationVar(&a.Expiry, "approval-expiry", def.Expiry, "how long a file may wait for approval before it is shown as overdue (it keeps waiting, rolling to the next run)")
}

// bindPreflight registers the checks before money is sent.
func bindPreflight(fs *pflag.FlagSet, s *settings) {
	fs.BoolVar(&s.Approval.BalanceCheck, "balance-check", true, "read Enkash's balance before sending payouts, and hold them (all, never part) if it does not cover them")
	s.Approval.BillsChecker = jobs.BillsCheckerBatch
	fs.Var(choice{&s.Approval.BillsChecker, []string{jobs.BillsCheckerBatch, jobs.BillsCheckerEnkash}}, "bills-checker",
		`who approves a bill's debit at Enkash: "batch" (this program, for the bills approved here) or "enkash" (left to Enkash's portal)`)
}

// policy is the jobs' approval policy of these settings.
func (a approvalSettings) policy() jobs.ApprovalPolicy {
	p := jobs.ApprovalPolicy{Kinds: map[domain.Kind]jobs.KindApproval{}, Maker: strings.TrimSpace(a.Maker), Expiry: a.Expiry}
	if a.Required == nil {
		// A command that does not bind the policy (validate, report) needs none of it.
		return p
	}
	for _, k := range domain.Kinds {
		p.Kinds[k] = jobs.KindApproval{Required: a.Required[k], TwoAbove: a.TwoAbove[k], DailyCap: a.DailyCap[k]}
	}
	for _, c := range strings.Split(a.Checkers, ",") {
		if c = strings.TrimSpace(c); c != "" {
			p.Checkers = append(p.Checkers, c)
		}
	}
	return p
}

// kindSwitches is "kind=on|off,..." (or "on", "off" for every kind).
type kindSwitches map[domain.Kind]bool

func (v *kindSwitches) String() string {
	var parts []string
	for _, k := range domain.Kinds {
		if (*v)[k] {
			parts = append(parts, string(k)+"=on")
		}
	}
	if len(parts) == 0 {
		return "off"
	}
	return strings.Join(parts, ",")
}

func (v *kindSwitches) Type() string { return "kind=on|off,..." }

func (v *kindSwitches) Set(s string) error {
	for _, part := range splitList(s) {
		k, val, whole := strings.Cut(part, "=")
		on, ok := onOff(val)
		if !whole {
			if on, ok = onOff(k); !ok {
				return fmt.Errorf("%q: write kind=on or kind=off (kinds: %s), or on/off for every kind", part, kindNames())
			}
			for _, k := range domain.Kinds {
				(*v)[k] = on
			}
			continue
		}
		kind, known := domain.ParseKind(strings.TrimSpace(strings.ToLower(k)))
		if !known || !ok {
			return fmt.Errorf("%q: write kind=on or kind=off (kinds: %s)", part, kindNames())
		}
		(*v)[kind] = on
	}
	return nil
}

func onOff(s string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "yes", "true", "1":
		return true, true
	case "off", "no", "false", "0":
		return false, true
	}
	return false, false
}

// kindAmounts is "kind=rupees,..." ("payouts=1000000"); 0 clears a kind's amount.
type kindAmounts map[domain.Kind]domain.Paise

func (v *kindAmounts) String() string {
	var parts []string
	for _, k := range domain.Kinds {
		if p, ok := (*v)[k]; ok && p > 0 {
			parts = append(parts, string(k)+"="+p.Decimal())
		}
	}
	return strings.Join(parts, ",")
}

func (v *kindAmounts) Type() string { return "kind=rupees,..." }

func (v *kindAmounts) Set(s string) error {
	for _, part := range splitList(s) {
		k, val, ok := strings.Cut(part, "=")
		kind, known := domain.ParseKind(strings.TrimSpace(strings.ToLower(k)))
		if !ok || !known {
			return fmt.Errorf("%q: write kind=rupees, e.g. payouts=1000000 (kinds: %s)", part, kindNames())
		}
		if strings.TrimSpace(val) == "0" {
			delete(*v, kind)
			continue
		}
		p, err := parsers.ParseAmount(val)
		if err != nil {
			return fmt.Errorf("%q: the amount: %v (write rupees without thousands commas, e.g. 1000000)", part, err)
		}
		(*v)[kind] = p
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func kindNames() string {
	names := make([]string, 0, len(domain.Kinds))
	for _, k := range domain.Kinds {
		names = append(names, string(k))
	}
	sort.Strings(names)
	return strings.Join(slices.Compact(names), ", ")
}

// choice is a setting that takes one of a few words.
type choice struct {
	val     *string
	allowed []string
}

func (c choice) String() string {
	if c.val == nil {
		return ""
	}
	return *c.val
}
func (c choice) Type() string { return strings.Join(c.allowed, "|") }
func (c choice) Set(s string) error {
	s = strings.ToLower(strings.TrimSpace(s))
	if !slices.Contains(c.allowed, s) {
		return fmt.Errorf("%q: write one of %s", s, strings.Join(c.allowed, ", "))
	}
	*c.val = s
	return nil
}
