package enkash_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"enkashbatch/enkash"
)

func TestNew(t *testing.T) {
	valid := enkash.Config{BaseURL: "https://enkash.test", ClientID: "id", ClientSecret: "sec", Username: "u", Password: "pw"}
	if _, err := enkash.New(valid); err != nil {
		t.Fatalf("New(valid) = %v", err)
	}
	cases := []struct {
		name string
		mod  func(*enkash.Config)
		want string
	}{
		{"no base URL", func(c *enkash.Config) { c.BaseURL = "" }, "ENKASH_BASE_URL"},
		{"base URL without scheme", func(c *enkash.Config) { c.BaseURL = "enkash.test/api" }, "ENKASH_BASE_URL"},
		{"base URL not http", func(c *enkash.Config) { c.BaseURL = "ftp://enkash.test" }, "ENKASH_BASE_URL"},
		{"no client id", func(c *enkash.Config) { c.ClientID = "" }, "ENKASH_CLIENT_ID"},
		{"no secret", func(c *enkash.Config) { c.ClientSecret = "" }, "ENKASH_CLIENT_SECRET"},
		{"no username", func(c *enkash.Config) { c.Username = "" }, "ENKASH_USERNAME"},
		{"no password", func(c *enkash.Config) { c.Password = "" }, "ENKASH_PASSWORD"},
		{"negative timeout", func(c *enkash.Config) { c.Timeout = -time.Second }, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.mod(&cfg)
			_, err := enkash.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New() error = %v, want one naming %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "sec") && cfg.ClientSecret != "" {
				t.Errorf("config error leaks the secret: %v", err)
			}
		})
	}
}

func TestClient_Token(t *testing.T) {
	for _, shape := range []string{"camel", "snake", "envelope"} {
		t.Run(shape, func(t *testing.T) {
			f := newFake(t)
			var got *http.Request
			var form map[string][]string
			f.token = func(w http.ResponseWriter, r *http.Request, n int) {
				if err := r.ParseForm(); err != nil {
					t.Errorf("parse form: %v", err)
				}
				got, form = r, r.PostForm
				f.issue(w, n, 86399, shape)
			}
			f.handle(enkash.PathBalance, f.balanceHandler("10.00"))
			c := f.client()
			if err := c.Token(context.Background()); err != nil {
				t.Fatalf("Token() = %v", err)
			}
			if got.Method != http.MethodPost {
				t.Errorf("method = %s, want POST", got.Method)
			}
			if ct := got.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type = %q", ct)
			}
			// The documented pair, whatever the merchant's client id (docs/enkash.md, "Token").
			wantAuth := "Basic ZW5rYXNoLWNsaWVudDplbmthc2gtc2VjcmV0"
			if a := got.Header.Get("Authorization"); a != wantAuth {
				t.Errorf("Authorization = %q, want %q", a, wantAuth)
			}
			want := map[string]string{"username": testUser, "password": testPassword, "grant_type": "password", "clientId": testClientID}
			for k, v := range want {
				if len(form[k]) != 1 || form[k][0] != v {
					t.Errorf("form %s = %q, want %q", k, form[k], v)
				}
			}
			// The token is usable: an API call goes through with it, and no second fetch happens.
			if _, err := c.Payouts.Balance(context.Background()); err != nil {
				t.Fatalf("Balance() with the %s token = %v", shape, err)
			}
			if n := f.tokenCount(); n != 1 {
				t.Errorf("token calls = %d, want 1", n)
			}
		})
	}
}

func TestClient_Token_RenewsBeforeExpiry(t *testing.T) {
	f := newFake(t)
	f.handle(enkash.PathBalance, f.balanceHandler("1.00"))
	c := f.client()
	clk := &clock{now: time.Date(2025, 4, 1, 10, 0, 0, 0, time.UTC)}
	enkash.SetClock(c, clk.Now)
	ctx := context.Background()

	steps := []struct {
		advance    time.Duration
		wantTokens int
	}{
		{0, 1},
		{200 * time.Second, 1}, // 300 s token: still fresh
		{69 * time.Second, 1},  // 269 s: renewal margin (30 s) not reached
		{2 * time.Second, 2},   // 271 s: renewed before it expires
		{100 * time.Second, 2}, // the new token is fresh again
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		if _, err := c.Payouts.Balance(ctx); err != nil {
			t.Fatalf("step %d: Balance() = %v", i, err)
		}
		if n := f.tokenCount(); n != s.wantTokens {
			t.Fatalf("step %d: token calls = %d, want %d", i, n, s.wantTokens)
		}
	}
}

func TestClient_Token_RenewsOnceOn401(t *testing.T) {
	t.Run("revoked token is renewed and the call retried", func(t *testing.T) {
		f := newFake(t)
		f.handle(enkash.PathBalance, f.balanceHandler("5.00"))
		c := f.client()
		ctx := context.Background()
		if _, err := c.Payouts.Balance(ctx); err != nil {
			t.Fatal(err)
		}
		f.revoke()
		got, err := c.Payouts.Balance(ctx)
		if err != nil {
			t.Fatalf("Balance() after revocation = %v", err)
		}
		if got != 500 {
			t.Errorf("balance = %d paise, want 500", got)
		}
		if n := f.tokenCount(); n != 2 {
			t.Errorf("token calls = %d, want 2", n)
		}
		if n := f.count(enkash.PathBalance); n != 3 {
			t.Errorf("balance calls = %d, want 3 (ok, 401, ok)", n)
		}
	})
	t.Run("a second 401 is returned, not retried", func(t *testing.T) {
		f := newFake(t)
		f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
			f.replyPlain(w, http.StatusUnauthorized, map[string]any{"response_code": 401, "response_message": "token revoked"})
		})
		c := f.client()
		_, err := c.Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-401"))
		var ae *enkash.APIError
		if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusUnauthorized {
			t.Fatalf("SubmitBatch() error = %v, want an APIError with HTTP 401", err)
		}
		if enkash.IsAmbiguous(err) || enkash.IsRejected(err) || enkash.IsDuplicate(err) {
			t.Errorf("401 classified as ambiguous/rejected/duplicate: %v", err)
		}
		if n := f.count(enkash.PathBatchTransfer); n != 2 {
			t.Errorf("batch calls = %d, want 2", n)
		}
		if n := f.tokenCount(); n != 2 {
			t.Errorf("token calls = %d, want 2", n)
		}
	})
}

func TestClient_Token_LockoutGuard(t *testing.T) {
	refusals := map[string]func(f *fake) func(w http.ResponseWriter, r *http.Request, n int){
		"HTTP 401 echoing the password": func(f *fake) func(http.ResponseWriter, *http.Request, int) {
			return func(w http.ResponseWriter, r *http.Request, n int) {
				_ = r.ParseForm()
				f.replyPlain(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized",
					"error_description": "Bad credentials for " + r.PostForm.Get("password") + " / " + r.Header.Get("Authorization")})
			}
		},
		"HTTP 400 invalid_grant": func(f *fake) func(http.ResponseWriter, *http.Request, int) {
			return func(w http.ResponseWriter, r *http.Request, n int) {
				f.replyPlain(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": "Bad credentials"})
			}
		},
		"HTTP 403": func(f *fake) func(http.ResponseWriter, *http.Request, int) {
			return func(w http.ResponseWriter, r *http.Request, n int) {
				f.replyPlain(w, http.StatusForbidden, map[string]any{"response_code": 403, "response_message": "Account locked"})
			}
		},
		"HTTP 200 with response_code 1": func(f *fake) func(http.ResponseWriter, *http.Request, int) {
			return func(w http.ResponseWriter, r *http.Request, n int) {
				f.replyPlain(w, http.StatusOK, map[string]any{"response_code": "1", "response_message": "Invalid username or password"})
			}
		},
		"HTTP 200 without a token": func(f *fake) func(http.ResponseWriter, *http.Request, int) {
			return func(w http.ResponseWriter, r *http.Request, n int) {
				f.replyPlain(w, http.StatusOK, map[string]any{"tokenType": "bearer"})
			}
		},
	}
	for name, refuse := range refusals {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.token = refuse(f)
			f.handle(enkash.PathBalance, f.balanceHandler("1.00"))
			c := f.client()
			ctx := context.Background()

			var wg sync.WaitGroup
			errs := make(chan error, 90)
			for i := range 30 {
				wg.Add(3)
				go func() {
					defer wg.Done()
					_, err := c.Payouts.Balance(ctx)
					errs <- err
				}()
				go func() {
					defer wg.Done()
					_, err := c.Payouts.SubmitBatch(ctx, oneTransferBatch("BT-"+string(rune('A'+i%26))))
					errs <- err
				}()
				go func() {
					defer wg.Done()
					errs <- c.Token(ctx)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if !errors.Is(err, enkash.ErrAuthRejected) {
					t.Fatalf("error = %v, want ErrAuthRejected", err)
				}
				if enkash.IsAmbiguous(err) || enkash.IsRejected(err) {
					t.Errorf("auth refusal classified as ambiguous or rejected: %v", err)
				}
				f.assertNoSecrets(err.Error())
				for _, hint := range []string{"ENKASH_USERNAME", "ENKASH_PASSWORD", "ENKASH_CLIENT_ID", "ENKASH_OAUTH_CLIENT"} {
					if !strings.Contains(err.Error(), hint) {
						t.Errorf("error does not say to check %s: %v", hint, err)
					}
				}
			}
			// Later calls fail at once, still without a second token attempt.
			if err := c.Token(ctx); !errors.Is(err, enkash.ErrAuthRejected) {
				t.Errorf("later Token() = %v", err)
			}
			if n := f.tokenCount(); n != 1 {
				t.Fatalf("token endpoint called %d times, want exactly 1", n)
			}
			if n := f.count(enkash.PathBalance) + f.count(enkash.PathBatchTransfer); n != 0 {
				t.Errorf("API called %d times without a token", n)
			}
		})
	}
}

func TestClient_Token_ServerErrorRetriedOnce(t *testing.T) {
	f := newFake(t)
	f.token = func(w http.ResponseWriter, r *http.Request, n int) {
		f.replyPlain(w, http.StatusInternalServerError, map[string]any{"response_code": 500, "response_message": "down"})
	}
	c := f.client()
	err := c.Token(context.Background())
	var ae *enkash.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusInternalServerError {
		t.Fatalf("Token() = %v, want the 500", err)
	}
	if errors.Is(err, enkash.ErrAuthRejected) {
		t.Error("a 500 was taken for a refused password")
	}
	if n := f.tokenCount(); n != 2 {
		t.Errorf("token calls = %d, want 2 (one retry, no more)", n)
	}
}

func TestClient_Token_SharedFetch(t *testing.T) {
	f := newFake(t)
	f.token = func(w http.ResponseWriter, r *http.Request, n int) {
		time.Sleep(100 * time.Millisecond)
		f.issue(w, n, 300, "snake")
	}
	f.handle(enkash.PathBalance, f.balanceHandler("1.00"))
	c := f.client(func(c *enkash.Config) { c.RatePerSecond = 1000 })
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.Payouts.Balance(context.Background()); err != nil {
				t.Errorf("Balance() = %v", err)
			}
		})
	}
	wg.Wait()
	if n := f.tokenCount(); n != 1 {
		t.Errorf("token calls = %d, want 1 shared fetch", n)
	}
}

func TestClient_UserAgent(t *testing.T) {
	for _, tc := range []struct{ configured, want string }{{"", enkash.DefaultUserAgent}, {"acme-payouts/2.1", "acme-payouts/2.1"}} {
		t.Run(tc.want, func(t *testing.T) {
			f := newFake(t)
			f.handle(enkash.PathBalance, f.balanceHandler("1.00"))
			c := f.client(func(c *enkash.Config) { c.UserAgent = tc.configured })
			if _, err := c.Payouts.Balance(context.Background()); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.userAgents) != 2 {
				t.Fatalf("requests = %d, want 2 (token, balance)", len(f.userAgents))
			}
			for i, ua := range f.userAgents {
				if ua != tc.want {
					t.Errorf("request %d User-Agent = %q, want %q", i, ua, tc.want)
				}
			}
		})
	}
}

func TestClient_ErrUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := enkash.New(enkash.Config{BaseURL: "http://" + addr, ClientID: testClientID, ClientSecret: testSecret,
		Username: testUser, Password: testPassword, MaxRetryTime: 800 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Token(ctx); !errors.Is(err, enkash.ErrUnreachable) {
		t.Errorf("Token() = %v, want ErrUnreachable", err)
	}
	_, err = c.Payouts.SubmitBatch(ctx, oneTransferBatch("BT-UNREACH"))
	if !errors.Is(err, enkash.ErrUnreachable) {
		t.Errorf("SubmitBatch() = %v, want ErrUnreachable", err)
	}
	if enkash.IsAmbiguous(err) {
		t.Errorf("nothing was sent, yet IsAmbiguous: %v", err)
	}
	if errors.Is(err, enkash.ErrAuthRejected) {
		t.Errorf("unreachable host taken for refused credentials: %v", err)
	}
}

func TestClient_ErrorsHideCredentials(t *testing.T) {
	f := newFake(t)
	// A misbehaving server that echoes everything it was sent, token included.
	f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, r *http.Request, plain []byte, _ int) {
		f.replyPlain(w, http.StatusUnprocessableEntity, map[string]any{"response_code": 422,
			"response_message": "Invalid request, auth " + r.Header.Get("Authorization") + " key " + testSecret,
			"echo":             string(plain) + " " + testPassword})
	})
	c := f.client()
	_, err := c.Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-ECHO"))
	var ae *enkash.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("SubmitBatch() = %v, want an APIError", err)
	}
	f.assertNoSecrets(err.Error())
	f.assertNoSecrets(ae.Body)
	f.assertNoSecrets(ae.Message)
	if !strings.Contains(ae.Body, "[REDACTED]") || !strings.Contains(ae.Body, "PAY-0001") {
		t.Errorf("Body = %q, want the echo with credentials redacted", ae.Body)
	}
	if !enkash.IsRejected(err) {
		t.Errorf("422 not IsRejected: %v", err)
	}
}

func TestClient_BoundedErrorBody(t *testing.T) {
	f := newFake(t)
	huge := strings.Repeat("x", 1<<20)
	f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("Bad Request: " + huge))
	})
	c := f.client()
	_, err := c.Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-HUGE"))
	var ae *enkash.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("SubmitBatch() = %v, want an APIError", err)
	}
	if len(ae.Body) == 0 || len(ae.Body) > 64<<10 {
		t.Errorf("Body is %d bytes, want 1 to 64 KiB", len(ae.Body))
	}
	if len(err.Error()) > 400 {
		t.Errorf("error text is %d bytes long", len(err.Error()))
	}
	if !strings.HasPrefix(ae.Message, "Bad Request: xxx") {
		t.Errorf("Message = %.40q", ae.Message)
	}
	if !enkash.IsRejected(err) || enkash.IsAmbiguous(err) {
		t.Errorf("plain-text 400: IsRejected %v, IsAmbiguous %v", enkash.IsRejected(err), enkash.IsAmbiguous(err))
	}
}
