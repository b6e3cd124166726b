package sandbox

import (
	"fmt"
	"net/http"
	"strings"

	"enkashbatch/domain"
)

// serveInspectPost answers the sandbox's own actions, which stand for what a person does in
// Enkash's portal: POST /_sandbox/approve[?reference=REF] approves bills waiting for the
// checker (MAKER_APPROVAL_PENDING), all of them or the one named, as a checker would in the
// portal; POST /_sandbox/topup?amount=RUPEES credits the payout account (a top-up line on the
// statement, dated now). Both answer {"done": N}.
func (s *Server) serveInspectPost(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case inspectPrefix + "approve":
		writeJSON(w, http.StatusOK, map[string]int{"done": s.ApproveInPortal(r.URL.Query().Get("reference"))})
	case inspectPrefix + "topup":
		var amount Rupees
		if err := amount.parse(r.URL.Query().Get("amount")); err != nil || amount <= 0 {
			http.Error(w, fmt.Sprintf("sandbox: topup needs amount=RUPEES, a positive amount (%v)", err), http.StatusBadRequest)
			return
		}
		s.TopUp(domain.Paise(amount))
		writeJSON(w, http.StatusOK, map[string]int{"done": 1})
	default:
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "sandbox: method not allowed", http.StatusMethodNotAllowed)
	}
}

// ApproveInPortal approves, as a checker in Enkash's portal would, the bills still waiting for
// the checker's approval: the one under reference ref, or every one when ref is empty. It
// returns how many it approved.
func (s *Server) ApproveInPortal(ref string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for r, b := range s.bills.byRef {
		if (ref == "" || r == ref) && b.Approved.IsZero() && b.Fixed == "" {
			b.Approved = now
			n++
		}
	}
	s.stats.PortalApprovals += n
	return n
}

// TopUp credits the payout account with amount, now: a CREDIT line on the statement, which
// raises the balance.
func (s *Server) TopUp(amount domain.Paise) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := &StatementEntry{Type: "CREDIT", Amount: Rupees(amount), Remarks: "Account top-up", Mode: "NEFT",
		Reference: fmt.Sprintf("TOPUP%d", len(s.book)+1)}
	s.book = append(s.book, bookLine{at: s.now(), credit: true, e: e})
}

func (r *Rupees) parse(text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return fmt.Errorf("no amount")
	}
	var whole, frac int64
	intPart, fracPart, _ := strings.Cut(text, ".")
	if _, err := fmt.Sscanf(intPart, "%d", &whole); err != nil {
		return fmt.Errorf("amount %q: %w", text, err)
	}
	if fracPart != "" {
		if len(fracPart) > 2 {
			return fmt.Errorf("amount %q: at most two decimals", text)
		}
		fracPart = (fracPart + "0")[:2]
		if _, err := fmt.Sscanf(fracPart, "%d", &frac); err != nil {
			return fmt.Errorf("amount %q: %w", text, err)
		}
	}
	*r = Rupees(whole*100 + frac)
	return nil
}
