package e2e_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/enkash/sandbox"
)

// approvalHarness is a setting under the default approval policy, with a maker named "maya"
// (so that the file owner's name does not matter) and n generated payouts in the inbox.
func approvalHarness(t *testing.T, n int, scenario string, env ...string) *harness {
	t.Helper()
	return setup(t, setupOptions{Approval: true, Rows: n, Scenario: scenario, Env: append([]string{"BATCH_MAKER=maya"}, env...)})
}

// oneChecker is the environment of a policy where one checker is enough whatever the total.
const oneChecker = "BATCH_APPROVAL_TWO_ABOVE=payouts=0,bills=0"

// mustRun runs the binary and fails the test unless it exits with one of codes.
func (h *harness) mustRun(codes []int, args ...string) outcome {
	h.t.Helper()
	o := h.run(nil, args...)
	for _, c := range codes {
		if o.Signal == 0 && o.Code == c {
			return o
		}
	}
	h.t.Fatalf("batch %s: %s, want exit %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), o, codes, tail(o.Stdout, 30), tail(o.Stderr, 30))
	return o
}

// awaiting reads what `batch status --json` says awaits approval.
func (h *harness) awaiting() awaitingStatus {
	h.t.Helper()
	o := h.mustRun([]int{0}, "status", "--json", "--home", h.home)
	var st struct {
		Awaiting awaitingStatus `json:"awaiting_approval"`
	}
	if err := json.Unmarshal([]byte(o.Stdout), &st); err != nil {
		h.t.Fatalf("status --json: %v\n%s", err, o.Stdout)
	}
	return st.Awaiting
}

type awaitingStatus struct {
	Files   int          `json:"files"`
	Rows    int          `json:"rows"`
	Paise   domain.Paise `json:"paise"`
	Waiting []struct {
		File      string   `json:"file"`
		FileID    int64    `json:"file_id"`
		Rows      int      `json:"rows"`
		Maker     string   `json:"maker"`
		Since     string   `json:"since"`
		Needed    int      `json:"checkers_needed"`
		Approvers []string `json:"approvers"`
		SHA256    string   `json:"sha256"`
	} `json:"waiting"`
}

func (h *harness) total() domain.Paise {
	var sum domain.Paise
	for _, r := range h.rows {
		sum += r.Paise
	}
	return sum
}

// assertNothingSent fails the test if the sandbox received any create call.
func (h *harness) assertNothingSent(when string) {
	h.t.Helper()
	if calls := h.calls(); len(calls) != 0 {
		h.t.Fatalf("%s: the sandbox received %d references (first %+v); want none", when, len(calls), calls[0])
	}
}

const payoutsFile = "payouts_e2e.csv"

// TestApproval_UnapprovedNeverSent: a file waiting for approval is never sent, however many
// runs pass; once approved, exactly its rows are sent, once each.
func TestApproval_UnapprovedNeverSent(t *testing.T) {
	t.Parallel()
	h := approvalHarness(t, 12, "", oneChecker)
	h.mustRun([]int{0, 1}, h.runArgs()...)
	h.mustRun([]int{0, 1}, h.runArgs()...)
	h.assertNothingSent("two runs without an approval")
	st := h.awaiting()
	if st.Files != 1 || st.Rows != 12 || st.Paise != h.total() || st.Waiting[0].Maker != "maya" || st.Waiting[0].Since == "" {
		t.Fatalf("status says awaiting %+v; want 1 file of 12 rows, %s, maker maya, with a since", st, h.total().Rupees())
	}
	tally := h.assertTiesOut() // awaiting rows count as open
	_ = tally
	o := h.mustRun([]int{0}, "approve", payoutsFile, "--by", "asha", "--note", "checked", "--home", h.home)
	if !strings.Contains(o.Stdout, "approved by asha") {
		t.Errorf("approve output does not say who approved:\n%s", o.Stdout)
	}
	h.finishAll(3)
	h.assertProperties()
	if st := h.awaiting(); st.Files != 0 {
		t.Errorf("still awaiting after approval and runs: %+v", st)
	}
	// A second approval of the same file is refused: it is not waiting any more.
	if o := h.run(nil, "approve", payoutsFile, "--by", "ravi", "--home", h.home); o.Code != 2 || !strings.Contains(o.Stderr, "not awaiting approval") {
		t.Errorf("approving an approved file: %s, %q; want exit 2, not awaiting", o, o.Stderr)
	}
}

// TestApproval_MakerCannotApprove: the maker's own approval is refused; a checker not on the
// list is refused; a rejection makes the rows rejected, never sent, offered for correction.
func TestApproval_MakerCannotApprove(t *testing.T) {
	t.Parallel()
	h := approvalHarness(t, 5, "", oneChecker, "BATCH_CHECKERS=asha,ravi")
	h.mustRun([]int{0, 1}, "ingest", "--home", h.home)
	if o := h.run(nil, "approve", payoutsFile, "--by", "maya", "--home", h.home); o.Code != 2 || !strings.Contains(o.Stderr, "maya made this file") {
		t.Errorf("the maker approving: %s, %q; want exit 2 and why", o, o.Stderr)
	}
	if o := h.run(nil, "approve", payoutsFile, "--by", "mallory", "--home", h.home); o.Code != 2 || !strings.Contains(o.Stderr, "not one of the checkers") {
		t.Errorf("a stranger approving: %s, %q; want exit 2 and why", o, o.Stderr)
	}
	h.mustRun([]int{0, 1}, h.runArgs()...)
	h.assertNothingSent("after refused approvals")
	if o := h.run(nil, "reject", payoutsFile, "--by", "ravi", "--home", h.home); o.Code != 2 {
		t.Errorf("reject without a note: %s; want exit 2", o)
	}
	o := h.mustRun([]int{0}, "reject", payoutsFile, "--by", "ravi", "--note", "wrong vendor list", "--home", h.home)
	if !strings.Contains(o.Stdout, "rejected by ravi") {
		t.Errorf("reject output:\n%s", o.Stdout)
	}
	h.mustRun([]int{0, 1}, h.runArgs()...)
	h.assertNothingSent("after a rejection")
	st := h.assertTiesOut()
	for _, c := range st.States {
		if c.Kind == domain.KindPayouts && c.Status != domain.StatusRejected {
			t.Errorf("payouts in state %s after the rejection: %+v", c.Status, c)
		}
	}
}

// TestApproval_TwoCheckersAboveThreshold: above the two-checker total, one approval leaves the
// file waiting (nothing sent); the same checker twice does not count twice; a second checker
// releases it, and exactly its rows are sent once.
func TestApproval_TwoCheckersAboveThreshold(t *testing.T) {
	t.Parallel()
	h := approvalHarness(t, 20, "")
	if h.total() <= 10_00_000_00 {
		t.Fatalf("the generated file totals %s: not above ₹10,00,000, the test proves nothing", h.total().Rupees())
	}
	h.mustRun([]int{0, 1}, "ingest", "--home", h.home)
	o := h.mustRun([]int{0}, "approve", payoutsFile, "--by", "asha", "--home", h.home)
	if !strings.Contains(o.Stdout, "1 of 2") {
		t.Errorf("first approval output:\n%s", o.Stdout)
	}
	h.mustRun([]int{0, 1}, h.runArgs()...)
	h.assertNothingSent("one checker of two")
	if o := h.run(nil, "approve", payoutsFile, "--by", "ASHA", "--home", h.home); o.Code != 2 || !strings.Contains(o.Stderr, "already approved") {
		t.Errorf("the same checker twice: %s, %q", o, o.Stderr)
	}
	st := h.awaiting()
	if len(st.Waiting) != 1 || len(st.Waiting[0].Approvers) != 1 || st.Waiting[0].Needed != 2 {
		t.Fatalf("status after one approval: %+v; want one approver of two", st)
	}
	o = h.mustRun([]int{0}, "approve", payoutsFile, "--by", "ravi", "--home", h.home)
	if !strings.Contains(o.Stdout, "approved by asha and ravi") {
		t.Errorf("second approval output:\n%s", o.Stdout)
	}
	h.finishAll(3)
	h.assertProperties()
}

// TestApproval_VoidWhenChanged: an approval binds to the file's hash and its rows' count and
// total. A packet hash that differs is refused; rows whose total changed after the approval
// (the ledger edited behind the processor's back) void it: nothing is sent, the rows wait again.
func TestApproval_VoidWhenChanged(t *testing.T) {
	t.Parallel()
	h := approvalHarness(t, 6, "", oneChecker)
	h.mustRun([]int{0, 1}, "ingest", "--home", h.home)
	st := h.awaiting()
	if o := h.run(nil, "approve", payoutsFile, "--by", "asha", "--sha256", "00ff00ff", "--home", h.home); o.Code != 2 || !strings.Contains(o.Stderr, "content hash") {
		t.Errorf("approval of another hash: %s, %q", o, o.Stderr)
	}
	if o := h.run(nil, "approve", payoutsFile, "--by", "asha", "--total", "1.00", "--home", h.home); o.Code != 2 || !strings.Contains(o.Stderr, "not ₹1.00") {
		t.Errorf("approval of another total: %s, %q", o, o.Stderr)
	}
	h.mustRun([]int{0}, "approve", fmt.Sprint(st.Waiting[0].FileID), "--by", "asha", "--sha256", st.Waiting[0].SHA256[:10], "--rows", "6", "--home", h.home)

	db, err := sql.Open("sqlite3", filepath.Join(h.home, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE items SET amount = amount + 100 WHERE reference = 'E2E-000003'`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	o := h.mustRun([]int{0, 1}, h.runArgs()...)
	h.assertNothingSent("a run after the approved total changed")
	if !strings.Contains(o.Stderr, "approval void") {
		t.Errorf("the run does not say the approval is void:\n%s", tail(o.Stderr, 20))
	}
	after := h.awaiting()
	if after.Files != 1 || after.Rows != 6 || after.Paise != h.total()+100 || len(after.Waiting[0].Approvers) != 0 {
		t.Fatalf("after the void: %+v; want the 6 rows waiting again, with the new total and no approval", after)
	}
	o = h.mustRun([]int{0}, "status", "--json", "--home", h.home)
	if !strings.Contains(o.Stdout, `"action": "requested"`) || !strings.Contains(o.Stdout, "was void") {
		t.Errorf("status does not show the new request after the void:\n%s", tail(o.Stdout, 40))
	}
	// Approved again, as the rows are now, it is sent.
	h.mustRun([]int{0}, "approve", payoutsFile, "--by", "ravi", "--home", h.home)
	h.mustRun([]int{0, 1}, h.runArgs()...)
	if got := len(h.payoutCalls()); got != 6 {
		t.Errorf("after the second approval %d payouts reached the sandbox; want 6", got)
	}
}

// TestApproval_BalanceHoldAndRelease: approved payouts the balance cannot cover are held,
// all of them, with an insufficient_balance exception saying what is needed and what is
// there; once the account is topped up, the next run sends them and the exception resolves.
func TestApproval_BalanceHoldAndRelease(t *testing.T) {
	t.Parallel()
	h := approvalHarness(t, 8, "low_balance.yaml", oneChecker)
	h.mustRun([]int{0, 1}, "ingest", "--home", h.home)
	h.mustRun([]int{0}, "approve", payoutsFile, "--by", "asha", "--home", h.home)
	h.mustRun([]int{1}, h.runArgs()...)
	h.assertNothingSent("a run the balance cannot cover")
	excs := h.openExceptions()
	var held []string
	for _, e := range excs {
		if e.Category == domain.CategoryInsufficientBalance {
			held = append(held, e.Detail)
		}
	}
	if len(held) != 1 || !strings.Contains(held[0], "8 approved payouts totalling ₹"+h.total().Rupees()) || !strings.Contains(held[0], "₹1,000.00") {
		t.Fatalf("insufficient_balance exceptions: %q; want one saying 8 payouts of %s and a balance of ₹1,000.00", held, h.total().Rupees())
	}
	resp, err := http.Post(h.baseURL+"/_sandbox/topup?amount=50000000", "", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("top up: %v %v", err, resp)
	}
	resp.Body.Close()
	h.finishAll(3)
	h.assertProperties()
	for _, e := range h.openExceptions() {
		if e.Category == domain.CategoryInsufficientBalance {
			t.Errorf("still open after the balance covered the payouts: %+v", e)
		}
	}
}

func (h *harness) openExceptions() []domain.Exception {
	h.t.Helper()
	o := h.mustRun([]int{0}, "exceptions", "--open", "--json", "--home", h.home)
	var excs []domain.Exception
	if err := json.Unmarshal([]byte(o.Stdout), &excs); err != nil {
		h.t.Fatalf("exceptions --json: %v\n%s", err, o.Stdout)
	}
	return excs
}

// writeBills writes n bills with amounts to the inbox.
func writeBills(t *testing.T, home string, n int) []string {
	t.Helper()
	var b strings.Builder
	b.WriteString("Reference,Biller ID,Consumer Number,AD1,AD2,Amount,Due Date,Bill Date,Circle,Remarks\n")
	var refs []string
	for i := 1; i <= n; i++ {
		ref := fmt.Sprintf("E2E-BILL-%03d", i)
		refs = append(refs, ref)
		fmt.Fprintf(&b, "%s,1042,1100234567%02d,,,%d.00,30-11-2026,10-11-2026,,E2E bill\n", ref, i, 1000+i)
	}
	path := filepath.Join(home, "inbox", "bills", "bills_e2e.csv")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return refs
}

func (h *harness) billCalls() map[string]sandbox.Call {
	out := map[string]sandbox.Call{}
	for _, c := range h.calls() {
		if c.Kind == sandbox.KindBill {
			out[c.Reference] = c
		}
	}
	return out
}

// TestApproval_Bills: bills are not even added at Enkash before approval; after it, the
// debit is confirmed (CHECKER_APPROVED) for exactly the approved bills. With the checker step
// left to Enkash's portal, no confirmation is sent: the bills wait until approved there.
func TestApproval_Bills(t *testing.T) {
	t.Parallel()
	t.Run("checker here", func(t *testing.T) {
		t.Parallel()
		h := approvalHarness(t, 0, "", oneChecker)
		refs := writeBills(t, h.home, 3)
		h.mustRun([]int{0, 1}, h.runArgs()...)
		h.assertNothingSent("bills not approved")
		if st := h.srv.Stats(); st.ConfirmedBills != 0 {
			t.Fatalf("confirmed bills before approval: %d", st.ConfirmedBills)
		}
		h.mustRun([]int{0}, "approve", "bills_e2e.csv", "--by", "asha", "--home", h.home)
		h.mustRun([]int{0, 1}, h.runArgs()...)
		calls := h.billCalls()
		for _, r := range refs {
			if c, ok := calls[r]; !ok || c.Creates != 1 || c.Duplicates != 0 {
				t.Errorf("bill %s: %+v; want created once", r, c)
			}
		}
		if st := h.srv.Stats(); st.ConfirmedBills != len(refs) {
			t.Errorf("confirmed bills: %d; want %d (the approved ones)", st.ConfirmedBills, len(refs))
		}
	})
	t.Run("checker in Enkash's portal", func(t *testing.T) {
		t.Parallel()
		h := approvalHarness(t, 0, "", oneChecker, "BATCH_APPROVAL=bills=off", "BATCH_BILLS_CHECKER=enkash")
		refs := writeBills(t, h.home, 2)
		h.mustRun([]int{0, 1}, h.runArgs()...)
		if st := h.srv.Stats(); st.ConfirmedBills != 0 {
			t.Fatalf("confirm-debit calls with the checker left to the portal: %d", st.ConfirmedBills)
		}
		if len(h.billCalls()) != len(refs) {
			t.Fatalf("bills added: %+v", h.billCalls())
		}
		o := h.mustRun([]int{0}, "status", "--json", "--home", h.home)
		if strings.Contains(o.Stdout, `"status": "success"`) {
			t.Errorf("a bill is final before anyone approved it in the portal:\n%s", o.Stdout)
		}
		if n := h.srv.ApproveInPortal(""); n != len(refs) {
			t.Fatalf("approved in the portal: %d", n)
		}
		h.mustRun([]int{0, 1}, h.runArgs("--poll-deadline", "10s")...)
		st := h.status()
		for _, c := range st.States {
			if c.Kind == domain.KindBills && c.Status != domain.StatusSuccess {
				t.Errorf("bills in state %s after approval in the portal: %+v", c.Status, c)
			}
		}
		if s := h.srv.Stats(); s.ConfirmedBills != 0 {
			t.Errorf("confirm-debit calls: %d; want none", s.ConfirmedBills)
		}
	})
}

// TestApproval_CrashSafety: SIGKILL after ingest recorded the rows but before they were held,
// and right after an approval was committed: no run sends an unapproved row, and the approved
// rows are sent exactly once.
func TestApproval_CrashSafety(t *testing.T) {
	t.Parallel()
	h := approvalHarness(t, 30, "", oneChecker)
	crash := h.run([]string{"BATCH_TEST_CRASH_AT=after-ingest:1"}, h.runArgs()...)
	if crash.Signal != syscall.SIGKILL {
		t.Fatalf("run with crash point after-ingest: %s; want killed", crash)
	}
	h.mustRun([]int{0, 1}, h.runArgs()...)
	h.assertNothingSent("a run after a crash between ingest and hold")
	if st := h.awaiting(); st.Rows != 30 {
		t.Fatalf("awaiting after the crash: %+v; want the 30 rows", st)
	}
	crash = h.run([]string{"BATCH_TEST_CRASH_AT=after-approve:1"}, "approve", payoutsFile, "--by", "asha", "--home", h.home)
	if crash.Signal != syscall.SIGKILL {
		t.Fatalf("approve with crash point after-approve: %s; want killed", crash)
	}
	crash = h.run([]string{"BATCH_TEST_CRASH_AT=after-send:1"}, h.runArgs()...)
	if crash.Signal != syscall.SIGKILL {
		t.Fatalf("run with crash point after-send: %s; want killed", crash)
	}
	h.runToEnd(4)
	h.finishAll(3)
	h.assertProperties()
}
