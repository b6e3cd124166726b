package e2e_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"enkashbatch/domain"
)

// A reference differing from another only in case is the same reference: of DP-3 and Dp-3
// in one file, one reaches Enkash, once.
func TestReferences_CaseVariantsInOneFile(t *testing.T) {
	h, transfers := setupEmpty(t)
	h.dropPayouts("payouts_case.csv",
		[]string{"DP-3", "Asha Rao", "50100234567891", "HDFC0001234", "1500.00", "IMPS", "Nov"},
		[]string{"Dp-3", "Asha Rao", "50100234567891", "HDFC0001234", "1500.00", "IMPS", "Nov"},
		[]string{"DP-4", "Ravi Iyer", "50100234567892", "HDFC0001234", "2500.00", "NEFT", "Nov"},
	)
	if o := h.runFinished(); o.Code != 1 {
		t.Errorf("batch run with a rejected row: exit %d, want 1", o.Code)
	}
	calls := h.payoutCalls()
	if len(calls) != 2 {
		t.Errorf("sandbox received %d payout references (%v); want DP-3 and DP-4", len(calls), keys(calls))
	}
	if c := calls["DP-3"]; c.Creates != 1 || c.Duplicates != 0 {
		t.Errorf("DP-3 at the sandbox: %+v; want created once", c)
	}
	if _, ok := calls["Dp-3"]; ok {
		t.Error("Dp-3 reached the sandbox: DP-3 paid twice")
	}
	n := 0
	for _, s := range transfers.sent(t) {
		if strings.EqualFold(strings.TrimSpace(s.TransactionID), "DP-3") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("transfers under DP-3 in any case sent %d times; want 1", n)
	}
}

// A reference paid in one run, dropped again in another case and with a trailing space in a
// later file, never reaches Enkash again; the row says when and how it was paid, and it is not
// in that run's fix-and-redrop file.
func TestReferences_AlreadySentInALaterFile(t *testing.T) {
	h, _ := setupEmpty(t)
	h.dropPayouts("payouts_nov.csv",
		[]string{"DP-3", "Asha Rao", "50100234567891", "HDFC0001234", "1500.00", "IMPS", "Nov"},
	)
	var paid domain.Item
	for i := 0; i < 5 && paid.Status != domain.StatusSuccess; i++ {
		h.runFinished()
		for _, it := range h.ledgerItems() {
			if it.Reference == "DP-3" {
				paid = it
			}
		}
	}
	if paid.Status != domain.StatusSuccess || paid.Provider.ProviderID == "" {
		t.Fatalf("DP-3 after the first runs: %+v; want success with an Enkash id", paid)
	}

	// An edited copy: the paid row with another case and a trailing space, a new row, and a
	// row with a wrong IFSC (a row to fix).
	h.dropPayouts("payouts_nov_edited.csv",
		[]string{"dp-3 ", "Asha Rao", "50100234567891", "HDFC0001234", "1500.00", "IMPS", "Nov"},
		[]string{"DP-7", "Meena Das", "50100234567897", "HDFC0001234", "700.00", "IMPS", "Nov"},
		[]string{"DP-8", "Karthik Nair", "50100234567898", "HDFC1001234", "800.00", "IMPS", "Nov"},
	)
	o := h.runFinished()
	if !strings.Contains(o.Stdout, "1 rows were not sent because their reference was already sent") {
		t.Errorf("batch run does not say a row was held back as already sent:\n%s", o.Stdout)
	}

	calls := h.payoutCalls()
	if c := calls["DP-3"]; c.Creates != 1 || c.Duplicates != 0 {
		t.Errorf("DP-3 at the sandbox: %+v; want created once", c)
	}
	for ref := range calls {
		if strings.EqualFold(strings.TrimSpace(ref), "DP-3") && ref != "DP-3" {
			t.Errorf("%q reached the sandbox: DP-3 sent a second time", ref)
		}
	}
	if c, ok := calls["DP-7"]; !ok || c.Creates != 1 {
		t.Errorf("DP-7, a new row of the edited file: %+v, %v; want created once", c, ok)
	}
	if _, ok := calls["DP-8"]; ok {
		t.Error("DP-8, with a wrong IFSC, reached the sandbox")
	}

	// The message: when, Enkash id, UTR, status, do not send again.
	ex := h.run(nil, "exceptions", "--json", "--open", "--home", h.home)
	var excs []domain.Exception
	if err := json.Unmarshal([]byte(ex.Stdout), &excs); err != nil {
		t.Fatalf("batch exceptions --json: %v\n%s", err, ex.Stdout)
	}
	var found *domain.Exception
	for i, e := range excs {
		if e.Reference == "dp-3" {
			found = &excs[i]
		}
	}
	if found == nil {
		t.Fatalf("no exception for dp-3: %+v", excs)
	}
	d := found.Detail
	if !sentOn.MatchString(d) {
		t.Errorf("dp-3's message %q does not say when it was sent", d)
	}
	for _, want := range []string{"Enkash id " + paid.Provider.ProviderID, "UTR " + orNotKnown(paid.Provider.UTR),
		"status " + paid.Provider.Status, "do not send again"} {
		if !strings.Contains(d, want) {
			t.Errorf("dp-3's message %q lacks %q", d, want)
		}
	}
	if found.Category != domain.CategoryRejectedRow || found.Actual != domain.RuleAlreadySent {
		t.Errorf("dp-3's exception: %s / %s; want rejected_row under already_sent", found.Category, found.Actual)
	}
	text := h.run(nil, "exceptions", "--open", "--home", h.home).Stdout
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "dp-3") && (!strings.Contains(line, "Do not send this row again") || strings.Contains(line, "drop it again")) {
			t.Errorf("batch exceptions advises on dp-3: %q", line)
		}
	}

	// The fix-and-redrop file of that run holds DP-8, and not dp-3.
	fixes, _ := filepath.Glob(filepath.Join(h.home, "reports", "*payouts_nov_edited-fix-and-redrop.csv"))
	if len(fixes) != 1 {
		t.Fatalf("fix-and-redrop files for the edited file: %v; want one", fixes)
	}
	b, err := os.ReadFile(fixes[0])
	if err != nil {
		t.Fatal(err)
	}
	if fix := string(b); !strings.Contains(fix, "DP-8") || strings.Contains(strings.ToUpper(fix), "DP-3") {
		t.Errorf("fix-and-redrop file:\n%s\nwant DP-8 and no DP-3", fix)
	}
}

// A name and remark with & and . reach Enkash as its rules allow: letters (and digits in a
// remark) and spaces.
func TestReferences_NameNormalisedAtTheSandbox(t *testing.T) {
	h, transfers := setupEmpty(t)
	h.dropPayouts("payouts_names.csv",
		[]string{"NM-1", "Sharma & Sons Pvt. Ltd.", "50100234567891", "HDFC0001234", "1500.00", "NEFT", "Invoice #1187 & #1188."},
		[]string{"NM-2", "D'Souza Catering", "50100234567892", "HDFC0001234", "900.00", "IMPS", ""},
	)
	if o := h.runFinished(); o.Code != 0 {
		t.Errorf("batch run: exit %d, want 0\n%s", o.Code, o.Stdout)
	}
	want := map[string]sentTransfer{
		"NM-1": {TransactionID: "NM-1", Name: "Sharma and Sons Pvt Ltd", Remark: "Invoice 1187 and 1188"},
		"NM-2": {TransactionID: "NM-2", Name: "DSouza Catering"},
	}
	got := map[string]sentTransfer{}
	for _, s := range transfers.sent(t) {
		got[s.TransactionID] = s
	}
	for ref, w := range want {
		if got[ref] != w {
			t.Errorf("%s reached the sandbox as %+v; want %+v", ref, got[ref], w)
		}
	}
	calls := h.payoutCalls()
	for ref := range want {
		if c := calls[ref]; c.Creates != 1 {
			t.Errorf("%s at the sandbox: %+v; want created once", ref, c)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// sentOn is how the already-sent message gives the time the payment was sent.
var sentOn = regexp.MustCompile(`already sent on \d\d-\d\d-\d{4} \d\d:\d\d UTC: `)

func orNotKnown(s string) string {
	if s == "" {
		return "not known yet"
	}
	return s
}
