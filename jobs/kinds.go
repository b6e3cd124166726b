package jobs

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"enkashbatch/domain"
	"enkashbatch/parsers"
	"enkashbatch/report"
)

// flows makes the flow of each kind: one entry per kind, listed here rather than added by each
// kind's file at initialisation.
var flows = map[domain.Kind]func(flowEnv) flow{
	domain.KindCustomers: func(env flowEnv) flow { return customerFlow{env.client, env.ledger} },
	domain.KindInvoices:  func(env flowEnv) flow { return invoiceFlow{env.client, env.ledger} },
	domain.KindPayouts:   func(env flowEnv) flow { return payoutFlow{env.client} },
	domain.KindBills:     func(env flowEnv) flow { return billFlow{c: env.client, portal: env.portalChecker} },
}

// Kind is one file kind as the processor runs it: its record type and stored schema (domain),
// how its files are read (Spec), how its items go through Enkash (a flow) and how the
// workbook shows them (Layout). Adding a kind is adding each of these and naming it in
// domain.Kinds; CheckKinds refuses to start while one is missing.
type Kind struct {
	Kind   domain.Kind
	Spec   *parsers.Spec
	Layout report.Layout
	flow   func(flowEnv) flow
}

// Kinds returns the table of kinds in processing order (domain.Kinds), assembled from the
// record types of domain, the specs of parsers, the flows of this package and the layouts of
// report; the error names every kind that lacks a part, and every part of a kind not in
// domain.Kinds.
func Kinds() ([]Kind, error) {
	return kindsTable(domain.Kinds, domain.HasRecord, parsers.Specs(), flows, report.Layouts())
}

// CheckKinds reports, at start-up, a kind without its record type, parser spec, flow or report
// layout: a build where one is missing would accept files it can neither send nor report.
func CheckKinds() error {
	_, err := Kinds()
	return err
}

// kindsTable is Kinds over the parts given.
func kindsTable(kinds []domain.Kind, hasRecord func(domain.Kind) bool, specs []*parsers.Spec,
	flows map[domain.Kind]func(flowEnv) flow, layouts map[domain.Kind]report.Layout) ([]Kind, error) {
	var problems []string
	table := make([]Kind, 0, len(kinds))
	for _, k := range kinds {
		row := Kind{Kind: k}
		var missing []string
		if !hasRecord(k) {
			missing = append(missing, "a record type (domain)")
		}
		if i := slices.IndexFunc(specs, func(s *parsers.Spec) bool { return s.Kind == k }); i >= 0 {
			row.Spec = specs[i]
		} else {
			missing = append(missing, "a parser spec (parsers)")
		}
		var ok bool
		if row.flow, ok = flows[k]; !ok {
			missing = append(missing, "an Enkash flow (jobs)")
		}
		if row.Layout, ok = layouts[k]; !ok {
			missing = append(missing, "a report layout (report)")
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("kind %s lacks %s", k, strings.Join(missing, ", ")))
			continue
		}
		table = append(table, row)
	}
	known := func(k domain.Kind) bool { return slices.Contains(kinds, k) }
	var strays []string
	for _, s := range specs {
		if !known(s.Kind) {
			strays = append(strays, fmt.Sprintf("a parser spec for kind %s", s.Kind))
		}
	}
	for k := range flows {
		if !known(k) {
			strays = append(strays, fmt.Sprintf("an Enkash flow for kind %s", k))
		}
	}
	for k := range layouts {
		if !known(k) {
			strays = append(strays, fmt.Sprintf("a report layout for kind %s", k))
		}
	}
	slices.Sort(strays)
	for _, s := range strays {
		problems = append(problems, s+", which is not in the list of kinds (domain.Kinds)")
	}
	if len(problems) > 0 {
		return nil, errors.New("the file kinds of this build are incomplete: " + strings.Join(problems, "; "))
	}
	return table, nil
}
