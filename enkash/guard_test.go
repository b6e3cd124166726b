package enkash_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"enkashbatch/enkash"
)

// memGuard is a LoginGuard in memory, standing for the file cmd/batch keeps.
type memGuard struct {
	mu       sync.Mutex
	refused  map[string]string
	checks   int
	accepted int
}

func (g *memGuard) Check(fp string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.checks++
	if why, ok := g.refused[fp]; ok {
		return fmt.Errorf("login refused earlier (%s); clear it with: batch unlock", why)
	}
	return nil
}

func (g *memGuard) Refused(fp, reason string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refused == nil {
		g.refused = map[string]string{}
	}
	g.refused[fp] = reason
	return nil
}

func (g *memGuard) Accepted(string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.accepted++
	return nil
}

func TestClient_Guard_RefusalOutlivesTheClient(t *testing.T) {
	f := newFake(t)
	f.token = func(w http.ResponseWriter, r *http.Request, n int) {
		f.replyPlain(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized", "error_description": "Bad credentials"})
	}
	g := &memGuard{}
	first := f.client(func(c *enkash.Config) { c.Guard = g })
	if err := first.Token(context.Background()); !errors.Is(err, enkash.ErrAuthRejected) {
		t.Fatalf("first Token() = %v", err)
	}
	if len(g.refused) != 1 {
		t.Fatalf("refusal not recorded: %v", g.refused)
	}
	for reason := range g.refused {
		f.assertNoSecrets(reason)
	}
	// A second process (a new Client) with the same credentials never calls the endpoint.
	second := f.client(func(c *enkash.Config) { c.Guard = g })
	err := second.Token(context.Background())
	if !errors.Is(err, enkash.ErrAuthRejected) || !strings.Contains(err.Error(), "batch unlock") {
		t.Fatalf("second Token() = %v, want the guard's refusal", err)
	}
	if n := f.tokenCount(); n != 1 {
		t.Fatalf("token endpoint called %d times, want 1", n)
	}
	// Changed credentials are let through.
	f.token = func(w http.ResponseWriter, r *http.Request, n int) { f.issue(w, n, 300, "camel") }
	third := f.client(func(c *enkash.Config) { c.Guard = g; c.Password = "a-new-password" })
	if err := third.Token(context.Background()); err != nil {
		t.Fatalf("Token() with new credentials = %v", err)
	}
	if g.accepted != 1 || f.tokenCount() != 2 {
		t.Errorf("accepted %d, token calls %d; want 1, 2", g.accepted, f.tokenCount())
	}
}

func TestFingerprint(t *testing.T) {
	a := enkash.Fingerprint("u", "CEK1", "pw", enkash.DefaultOAuthClient)
	if len(a) != 8 || strings.Contains(a, "pw") {
		t.Fatalf("fingerprint %q", a)
	}
	for _, b := range []string{
		enkash.Fingerprint("u", "CEK1", "pw2", enkash.DefaultOAuthClient),
		enkash.Fingerprint("v", "CEK1", "pw", enkash.DefaultOAuthClient),
		enkash.Fingerprint("u", "CEK2", "pw", enkash.DefaultOAuthClient),
		enkash.Fingerprint("u", "CEK1", "pw", "id:other"),
	} {
		if b == a {
			t.Errorf("changed credentials give the same fingerprint %q", a)
		}
	}
}

func TestClient_OAuthClientSetting(t *testing.T) {
	f := newFake(t)
	var auth string
	f.token = func(w http.ResponseWriter, r *http.Request, n int) {
		auth = r.Header.Get("Authorization")
		f.issue(w, n, 300, "snake")
	}
	c := f.client(func(c *enkash.Config) { c.OAuthClient = testClientID + ":" + testSecret })
	if err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte(testClientID+":"+testSecret)); auth != want {
		t.Errorf("Authorization = %q, want %q", auth, want)
	}
	cfg := f.config()
	cfg.OAuthClient = "no-colon"
	if _, err := enkash.New(cfg); err == nil || !strings.Contains(err.Error(), "ENKASH_OAUTH_CLIENT") || strings.Contains(err.Error(), "no-colon") {
		t.Errorf("New with a bad pair = %v", err)
	}
}

// TestClient_TokenUnreachableIsNotRefused: a hanging Enkash, a 429, a 5xx or an HTML page at
// the token endpoint is an *Unreachable with a diagnosis, never a refused login.
func TestClient_TokenUnreachableIsNotRefused(t *testing.T) {
	cases := map[string]struct {
		answer func(w http.ResponseWriter, r *http.Request)
		cause  string
	}{
		"hanging": {func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		}, "did not answer within 200ms"},
		"429": {func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTooManyRequests)
		}, "slow down (HTTP 429)"},
		"503": {func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"response_code": 1, "response_message": "down"}`))
		}, "failed on its side (HTTP 503)"},
		"HTML page": {func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<!doctype html><html><body>Welcome to nginx</body></html>"))
		}, "HTML page, not Enkash's API: check ENKASH_BASE_URL"},
		"HTML 404": {func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("<html>Not Found</html>"))
		}, "HTML page"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.token = func(w http.ResponseWriter, r *http.Request, n int) { tc.answer(w, r) }
			g := &memGuard{}
			c := f.client(func(c *enkash.Config) {
				c.Guard, c.Timeout, c.MaxRetryTime = g, 200*time.Millisecond, 300*time.Millisecond
			})
			_, err := c.Payouts.Balance(context.Background())
			if err == nil || errors.Is(err, enkash.ErrAuthRejected) {
				t.Fatalf("Balance() = %v, want an unreachable error", err)
			}
			if !enkash.IsUnreachable(err) || !errors.Is(err, enkash.ErrUnreachable) || enkash.IsAmbiguous(err) || enkash.IsRejected(err) {
				t.Errorf("classification of %v: unreachable %v, ErrUnreachable %v, ambiguous %v, rejected %v", err,
					enkash.IsUnreachable(err), errors.Is(err, enkash.ErrUnreachable), enkash.IsAmbiguous(err), enkash.IsRejected(err))
			}
			if !strings.Contains(err.Error(), tc.cause) {
				t.Errorf("error %q does not say %q", err, tc.cause)
			}
			if len(g.refused) != 0 {
				t.Errorf("counted as a refused login: %v", g.refused)
			}
			// Not sticky: the next call asks again.
			before := f.tokenCount()
			_ = c.Token(context.Background())
			if f.tokenCount() == before {
				t.Error("an unreachable token endpoint made the failure sticky")
			}
		})
	}
}

func TestNew_TransportRules(t *testing.T) {
	base := enkash.Config{ClientID: testClientID, ClientSecret: testSecret, Username: testUser, Password: testPassword}
	for url, ok := range map[string]bool{
		"https://api.enkash.in":                true,
		"http://127.0.0.1:8787":                true,
		"http://127.9.9.9:8787":                true,
		"http://localhost:8787":                true,
		"http://[::1]:8787":                    true,
		"http://ekpayout-uat.enkash.in":        false,
		"http://10.0.0.5:8080":                 false,
		"ftp://api.enkash.in":                  false,
		"https://user:hunter2@api.enkash.in/x": false,
	} {
		cfg := base
		cfg.BaseURL = url
		_, err := enkash.New(cfg)
		if (err == nil) != ok {
			t.Errorf("New(%s) = %v, want ok %v", url, err, ok)
		}
		if err != nil && (strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "user:")) {
			t.Errorf("error shows the URL's user information: %v", err)
		}
		if err != nil && !strings.Contains(err.Error(), "ENKASH_BASE_URL") {
			t.Errorf("error does not name ENKASH_BASE_URL: %v", err)
		}
	}
	if got := enkash.RedactedURL("https://user:pw@api.enkash.in/base?token=1#x"); got != "https://api.enkash.in/base" {
		t.Errorf("RedactedURL = %q", got)
	}
}

// TestClient_RedactsBeforeCutting: a 502 page echoing the Authorization header far enough
// in that the 200-character cut would fall inside the secret never shows it.
func TestClient_RedactsBeforeCutting(t *testing.T) {
	f := newFake(t)
	f.handle(enkash.PathBalance, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		w.WriteHeader(http.StatusBadGateway)
		// The secret starts at byte 190: a cut at 200 would keep its first 10 characters.
		_, _ = w.Write([]byte(strings.Repeat("e", 190) + testSecret + " " + testPassword + " " + r.Header.Get("Authorization")))
	})
	c := f.client(func(c *enkash.Config) { c.MaxRetryTime = time.Millisecond })
	_, err := c.Payouts.Balance(context.Background())
	var ae *enkash.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("Balance() = %v", err)
	}
	for _, s := range []string{err.Error(), ae.Message, ae.Body} {
		f.assertNoSecrets(s)
		if strings.Contains(s, testSecret[:8]) {
			t.Errorf("a piece of the secret escaped: %q", s)
		}
	}
	if !enkash.IsUnreachable(err) {
		t.Errorf("a 502 is not IsUnreachable: %v", err)
	}
}

func TestClient_ConfigRefusals(t *testing.T) {
	cases := []struct {
		status, code int
		msg, setting string
	}{
		{412, 412, "Invalid checksum", "ENKASH_CLIENT_SECRET"},
		{200, 412, "REJECT_CHKSUM", "ENKASH_CLIENT_SECRET"},
		{422, 422, "Invalid encrypted request", "ENKASH_CLIENT_SECRET"},
		{200, 422, "Invalid client id", "ENKASH_CLIENT_ID"},
		{412, 1, "Invalid company id", "ENKASH_COMPANY_ID"},
		{403, 403, "APIs not enabled", "ENKASH_CLIENT_ID"},
	}
	for _, tc := range cases {
		f := newFake(t)
		f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
			f.replyPlain(w, tc.status, map[string]any{"response_code": tc.code, "response_message": tc.msg})
		})
		_, err := f.client().Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-CFG"))
		setting, ok := enkash.IsConfigRefusal(err)
		if !ok || setting != tc.setting {
			t.Errorf("%d/%d %s: IsConfigRefusal = %q, %v (%v)", tc.status, tc.code, tc.msg, setting, ok, err)
			continue
		}
		for _, want := range []string{enkash.PathBatchTransfer, tc.msg, tc.setting} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not name %q", tc.msg, err, want)
			}
		}
		if enkash.IsRejected(err) || enkash.IsDuplicate(err) || enkash.IsUnreachable(err) {
			t.Errorf("%s: also classified rejected/duplicate/unreachable: %v", tc.msg, err)
		}
		var ae *enkash.APIError
		if !errors.As(err, &ae) {
			t.Errorf("%s: Enkash's answer is not reachable with errors.As", tc.msg)
		}
	}
	// A refusal of the data stays a refusal.
	f := newFake(t)
	f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		f.replyPlain(w, 422, map[string]any{"response_code": 422, "response_message": "Invalid beneficiary name"})
	})
	_, err := f.client().Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-DATA"))
	if _, ok := enkash.IsConfigRefusal(err); ok || !enkash.IsRejected(err) {
		t.Errorf("invalid beneficiary name: %v", err)
	}
}

func TestIsDuplicate_Forms(t *testing.T) {
	for _, e := range []*enkash.APIError{
		{HTTPStatus: 409, Message: "Transaction ID already exists"},
		{HTTPStatus: 200, Code: 409},
		{HTTPStatus: 400, Message: "REJECT_TXN_ID"},
		{HTTPStatus: 422, Message: "Batch Transaction ID already exists"},
		{HTTPStatus: 200, Code: 38, Message: "Duplicate reference id"},
	} {
		if !enkash.IsDuplicate(fmt.Errorf("x: %w", e)) || enkash.IsRejected(e) {
			t.Errorf("%+v: duplicate %v rejected %v", e, enkash.IsDuplicate(e), enkash.IsRejected(e))
		}
	}
	if !enkash.IsDuplicateReason("REJECT_TXN_ID") || enkash.IsDuplicateReason("REJECT_BENEF_NAME") || !isConfigReason("reject_chksum") {
		t.Error("per-item reasons misread")
	}
}

func TestPayoutService_Balance_NeedsFundSource(t *testing.T) {
	f := newFake(t)
	_, err := f.client(func(c *enkash.Config) { c.FundSourceID = "" }).Payouts.Balance(context.Background())
	if s, ok := enkash.IsConfigRefusal(err); !ok || s != "ENKASH_FUND_SOURCE_ID" || !strings.Contains(err.Error(), "ENKASH_FUND_SOURCE_ID") {
		t.Errorf("Balance() without a fund source = %v", err)
	}
	if n := f.tokenCount() + f.count(enkash.PathBalance); n != 0 {
		t.Errorf("%d calls made", n)
	}
}

func TestIsNoBill_PayloadText(t *testing.T) {
	f := newFake(t)
	f.handle(enkash.PathBillByReference+"REF-404", func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		f.replyPlain(w, http.StatusBadRequest, map[string]any{"response_code": 1, "response_message": "Bad Request", "payload": "No utility payment found"})
	})
	rec, found, err := f.client().Bills.ByReference(context.Background(), "REF-404")
	if rec != nil || found || err != nil {
		t.Errorf("ByReference = %v, %v, %v; want not found", rec, found, err)
	}
	// Another 400 is not "not found".
	f.handle(enkash.PathBillByReference+"REF-400", func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		f.replyPlain(w, http.StatusBadRequest, map[string]any{"response_code": 1, "response_message": "Bad Request", "payload": "Invalid biller"})
	})
	if _, found, err := f.client().Bills.ByReference(context.Background(), "REF-400"); found || err == nil {
		t.Errorf("an invalid-biller 400 read as %v, %v", found, err)
	}
}

func isConfigReason(reason string) bool {
	_, ok := enkash.ItemConfigRefusal(reason)
	return ok
}
