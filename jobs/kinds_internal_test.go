package jobs

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/parsers"
	"enkashbatch/report"
)

func TestKinds_TableIsComplete(t *testing.T) {
	t.Parallel()
	if err := CheckKinds(); err != nil {
		t.Fatal(err)
	}
	table, err := Kinds()
	if err != nil {
		t.Fatal(err)
	}
	var order []domain.Kind
	for _, k := range table {
		order = append(order, k.Kind)
		if k.Spec == nil || k.Spec.Kind != k.Kind || k.flow == nil {
			t.Errorf("kind %s: spec %v, flow %v", k.Kind, k.Spec, k.flow != nil)
		}
	}
	if !slices.Equal(order, domain.Kinds) {
		t.Errorf("table order %v, want the processing order %v", order, domain.Kinds)
	}
}

// TestKinds_MissingPartIsAStartUpError: a kind without its record type, parser spec, flow or
// layout, or a part of a kind that is not in the list, stops the program at start.
func TestKinds_MissingPartIsAStartUpError(t *testing.T) {
	t.Parallel()
	without := func(k domain.Kind) []*parsers.Spec {
		return slices.DeleteFunc(parsers.Specs(), func(s *parsers.Spec) bool { return s.Kind == k })
	}
	flowsWithout := func(k domain.Kind) map[domain.Kind]func(flowEnv) flow {
		m := maps.Clone(flows)
		delete(m, k)
		return m
	}
	layoutsWithout := func(k domain.Kind) map[domain.Kind]report.Layout {
		m := report.Layouts()
		delete(m, k)
		return m
	}
	noRecordFor := func(k domain.Kind) func(domain.Kind) bool {
		return func(x domain.Kind) bool { return x != k && domain.HasRecord(x) }
	}
	withRefunds := append(slices.Clone(domain.Kinds), "refunds")
	cases := []struct {
		name  string
		err   error
		wants []string
	}{
		{"no spec", second(kindsTable(domain.Kinds, domain.HasRecord, without(domain.KindBills), flows, report.Layouts())),
			[]string{"kind bills lacks a parser spec (parsers)"}},
		{"no flow", second(kindsTable(domain.Kinds, domain.HasRecord, parsers.Specs(), flowsWithout(domain.KindInvoices), report.Layouts())),
			[]string{"kind invoices lacks an Enkash flow (jobs)"}},
		{"no layout", second(kindsTable(domain.Kinds, domain.HasRecord, parsers.Specs(), flows, layoutsWithout(domain.KindPayouts))),
			[]string{"kind payouts lacks a report layout (report)"}},
		{"no record type", second(kindsTable(domain.Kinds, noRecordFor(domain.KindCustomers), parsers.Specs(), flows, report.Layouts())),
			[]string{"kind customers lacks a record type (domain)"}},
		{"a new kind with nothing", second(kindsTable(withRefunds, domain.HasRecord, parsers.Specs(), flows, report.Layouts())),
			[]string{"kind refunds lacks a record type (domain), a parser spec (parsers), an Enkash flow (jobs), a report layout (report)"}},
		{"a part of a kind not in the list", second(kindsTable(domain.Kinds[:3], domain.HasRecord, parsers.Specs(), flows, report.Layouts())),
			[]string{"a parser spec for kind bills, which is not in the list", "an Enkash flow for kind bills", "a report layout for kind bills"}},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.wants {
			if !strings.Contains(c.err.Error(), w) {
				t.Errorf("%s: %v\nlacks %q", c.name, c.err, w)
			}
		}
	}
}

func second[T any](_ T, err error) error { return err }
