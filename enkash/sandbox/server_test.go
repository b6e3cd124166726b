package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"enkashbatch/enkash/sandbox"
)

func TestServer_Token(t *testing.T) {
	t.Run("camel shape by default", func(t *testing.T) {
		b := setup(t, "")
		status, body := b.tokenRequest(b.creds.Password)
		if status != http.StatusOK {
			t.Fatalf("HTTP %d %s", status, body)
		}
		var raw map[string]any
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatal(err)
		}
		if raw["accessToken"] == "" || raw["expiresIn"] != float64(300) || raw["access_token"] != nil {
			t.Fatalf("not the camel shape with expiresIn 300: %s", body)
		}
	})

	t.Run("snake shape and ttl", func(t *testing.T) {
		b := setup(t, "token: {shape: snake, ttl: 86399s}")
		status, body := b.tokenRequest(b.creds.Password)
		var raw map[string]any
		if err := json.Unmarshal(body, &raw); err != nil || status != http.StatusOK {
			t.Fatalf("HTTP %d %s %v", status, body, err)
		}
		if raw["access_token"] == "" || raw["expires_in"] != float64(86399) || raw["scope"] != "read write trust" || raw["accessToken"] != nil {
			t.Fatalf("not the snake shape: %s", body)
		}
	})

	t.Run("wrong password then lockout after 3", func(t *testing.T) {
		b := setup(t, "")
		for i := range 3 {
			status, body := b.tokenRequest("wrong")
			var env wEnvelope
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			if status != http.StatusUnauthorized || env.ResponseCode != 1 || env.ResponseMessage != "Bad credentials" {
				t.Fatalf("attempt %d: HTTP %d %s", i+1, status, body)
			}
		}
		status, body := b.tokenRequest(b.creds.Password)
		if status != http.StatusUnauthorized || !strings.Contains(string(body), "Account locked") {
			t.Fatalf("right password after lockout: HTTP %d %s", status, body)
		}
		st := b.sb.Stats()
		if st.TokenCalls != 4 || st.TokenFailures != 4 || !st.Locked {
			t.Fatalf("stats = %+v", st)
		}
	})

	t.Run("a success resets the failure count", func(t *testing.T) {
		b := setup(t, "")
		b.tokenRequest("wrong")
		b.tokenRequest("wrong")
		b.login()
		b.tokenRequest("wrong")
		b.tokenRequest("wrong")
		if status, body := b.tokenRequest(b.creds.Password); status != http.StatusOK {
			t.Fatalf("locked after non-consecutive failures: HTTP %d %s", status, body)
		}
	})

	t.Run("wrong client secret in Basic auth", func(t *testing.T) {
		b := setup(t, "")
		form := url.Values{"username": {b.creds.Username}, "password": {b.creds.Password}, "grant_type": {"password"}, "clientId": {b.creds.ClientID}}
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+pathToken, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(b.creds.ClientID, "not-the-secret")
		if status, body := b.do(req); status != http.StatusUnauthorized {
			t.Fatalf("HTTP %d %s", status, body)
		}
	})

	t.Run("missing grant_type is a bad request, not a failure", func(t *testing.T) {
		b := setup(t, "")
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+pathToken, strings.NewReader("username=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if status, _ := b.do(req); status != http.StatusBadRequest {
			t.Fatalf("HTTP %d", status)
		}
		if st := b.sb.Stats(); st.TokenFailures != 0 {
			t.Fatalf("stats = %+v", st)
		}
	})
}

func TestServer_Auth(t *testing.T) {
	t.Run("no token", func(t *testing.T) {
		b := setup(t, "")
		a := b.call(http.MethodGet, pathBalance, nil, nil)
		if a.status != http.StatusUnauthorized || a.encrypted {
			t.Fatalf("HTTP %d encrypted=%v", a.status, a.encrypted)
		}
	})
	t.Run("unknown token", func(t *testing.T) {
		b := setup(t, "")
		b.token = "forged"
		if a := b.call(http.MethodGet, pathBalance, nil, nil); a.status != http.StatusUnauthorized {
			t.Fatalf("HTTP %d", a.status)
		}
	})
	t.Run("expired token", func(t *testing.T) {
		b := setup(t, "token: {ttl: 60s}")
		b.login()
		b.clock.Advance(59 * time.Second)
		if a := b.call(http.MethodGet, pathBalance, nil, nil); a.status != http.StatusOK {
			t.Fatalf("before expiry: HTTP %d %+v", a.status, a.env)
		}
		b.clock.Advance(time.Second)
		a := b.call(http.MethodGet, pathBalance, nil, nil)
		if a.status != http.StatusUnauthorized || !strings.Contains(a.env.ResponseMessage, "expired") {
			t.Fatalf("at expiry: HTTP %d %+v", a.status, a.env)
		}
		if st := b.sb.Stats(); st.Unauthorized != 1 {
			t.Fatalf("stats = %+v", st)
		}
	})
	t.Run("inspection needs no token", func(t *testing.T) {
		b := setup(t, "")
		if got := b.calls(); len(got) != 0 {
			t.Fatalf("calls = %+v", got)
		}
	})
}

func TestServer_Encryption(t *testing.T) {
	b := setup(t, "")
	b.login()
	for name, body := range map[string]string{
		"not json":                 `garbage`,
		"plain json":               `{"batchTransactionId":"B1","transfers":[]}`,
		"not base64":               `{"request":"%%%"}`,
		"other key":                `{"request":"` + newWCipher("another-secret").Encrypt([]byte(`{"batchTransactionId":"B1"}`)) + `"}`,
		"encrypted, not json":      `{"request":"` + b.cipher.Encrypt([]byte(`hello`)) + `"}`,
		"encrypted, bad amount":    `{"request":"` + b.cipher.Encrypt([]byte(`{"batchTransactionId":"B1","transfers":[{"transactionId":"T","transferAmount":"ten"}]}`)) + `"}`,
		"encrypted, unknown field": `{"request":"` + b.cipher.Encrypt([]byte(`{"batchTransactionId":"B1","transferz":[]}`)) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			a := b.send(http.MethodPost, pathBatch, strings.NewReader(body), nil)
			if a.status != http.StatusUnprocessableEntity || a.encrypted || a.env.ResponseCode != 422 {
				t.Fatalf("HTTP %d encrypted=%v %+v", a.status, a.encrypted, a.env)
			}
		})
	}
	if a := b.send(http.MethodPost, pathBatch, strings.NewReader(`{"request":"%%%"}`), nil); a.env.ResponseMessage != "Invalid encrypted request." {
		t.Errorf("message = %q", a.env.ResponseMessage)
	}
	if calls := b.calls(); len(calls) != 0 {
		t.Errorf("refused requests recorded calls: %+v", calls)
	}
}

func TestServer_Routing(t *testing.T) {
	b := setup(t, "")
	b.login()
	if a := b.call(http.MethodPost, "/api/v0/nothing-here", struct{}{}, nil); a.status != http.StatusNotFound {
		t.Errorf("unknown path: HTTP %d", a.status)
	}
	if a := b.call(http.MethodGet, pathBatch, nil, nil); a.status != http.StatusMethodNotAllowed {
		t.Errorf("GET batch: HTTP %d", a.status)
	}
}

func TestServer_Faults(t *testing.T) {
	t.Run("rate limit", func(t *testing.T) {
		b := setup(t, "faults: {rate_limit_per_second: 1}")
		b.login()
		var limited int
		for range 5 {
			r, _ := http.NewRequest(http.MethodGet, b.srv.URL+pathBalance, nil)
			r.Header.Set("Authorization", "Bearer "+b.token)
			resp, err := b.http.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				limited++
				if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
					t.Fatalf("Retry-After = %q", resp.Header.Get("Retry-After"))
				}
			}
		}
		// A burst of one passes; the other four arrive well within the second.
		if limited != 4 || b.sb.Stats().RateLimited != 4 {
			t.Fatalf("limited = %d, stats %+v", limited, b.sb.Stats())
		}
		if status, _ := b.tokenRequest(b.creds.Password); status != http.StatusOK {
			t.Fatalf("token call rate limited: HTTP %d", status)
		}
	})

	t.Run("http_500 records nothing", func(t *testing.T) {
		b := setup(t, "faults: {http_500: 1}")
		b.login()
		a, _ := b.batch("B1", refs("PAY", 2)...)
		if a.status != http.StatusInternalServerError || a.encrypted {
			t.Fatalf("HTTP %d encrypted=%v", a.status, a.encrypted)
		}
		if calls := b.calls(); len(calls) != 0 {
			t.Fatalf("calls = %+v", calls)
		}
	})

	t.Run("http_500_after_commit records, then fails", func(t *testing.T) {
		b := setup(t, "faults: {http_500_after_commit: 1}")
		b.login()
		a, _ := b.batch("B1", refs("PAY", 2)...)
		if a.status != http.StatusInternalServerError {
			t.Fatalf("HTTP %d", a.status)
		}
		calls := b.calls()
		if calls["payout_batch/B1"].Creates != 1 || calls["payout/PAY-0001"].Creates != 1 || calls["payout/PAY-0002"].Status != "PENDING" {
			t.Fatalf("calls = %+v", calls)
		}
		// The resend is what the never-pay-twice rule forbids: the sandbox makes it visible.
		b.batch("B1", refs("PAY", 2)...)
		if c := b.calls()["payout_batch/B1"]; c.Duplicates != 1 {
			t.Fatalf("resend not counted as duplicate: %+v", c)
		}
	})

	t.Run("timeout holds until the client gives up", func(t *testing.T) {
		b := setup(t, "faults: {timeout: 1}")
		b.login()
		plain, _ := json.Marshal(wBatchRequest{BatchTransactionID: "B1", Transfers: refs("PAY", 1)})
		body, _ := json.Marshal(wSealed{Request: b.cipher.Encrypt(plain)})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		r, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.srv.URL+pathBatch, strings.NewReader(string(body)))
		r.Header.Set("Authorization", "Bearer "+b.token)
		start := time.Now()
		resp, err := b.http.Do(r)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("answered HTTP %d instead of holding", resp.StatusCode)
		}
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 200*time.Millisecond {
			t.Fatalf("err = %v after %s", err, time.Since(start))
		}
		if c := b.calls()["payout/PAY-0001"]; c.Creates != 1 {
			t.Fatalf("held request not processed: %+v", c)
		}
		if st := b.sb.Stats(); st.Timeouts != 1 {
			t.Fatalf("stats = %+v", st)
		}
	})

	t.Run("shares follow the seed", func(t *testing.T) {
		count := func() int {
			b := setup(t, "seed: 11\nfaults: {http_500: 0.3}")
			b.login()
			var failed int
			for range 40 {
				if a := b.call(http.MethodGet, pathBalance, nil, nil); a.status == http.StatusInternalServerError {
					failed++
				}
			}
			return failed
		}
		first, second := count(), count()
		if first != second || first < 4 || first > 24 {
			t.Fatalf("500s: %d then %d of 40 at 30%%", first, second)
		}
	})
}

func TestServer_Latency(t *testing.T) {
	b := setup(t, "latency: {min: 30ms, max: 40ms}")
	start := time.Now()
	b.login()
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("token call took %s, want >= 30ms", d)
	}
	start = time.Now()
	b.calls()
	if d := time.Since(start); d > 25*time.Millisecond {
		t.Fatalf("inspection call took %s, want no latency", d)
	}
}

func TestStart(t *testing.T) {
	sb := sandbox.New(nil, sandbox.DemoCredentials())
	base, stop, err := sandbox.Start(context.Background(), "127.0.0.1:0", sb)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(base + "/_sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var st sandbox.Stats
	if err := json.Unmarshal(body, &st); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stats: HTTP %d %s %v", resp.StatusCode, body, err)
	}
	if !strings.Contains(string(body), `"token_calls":0`) || !strings.Contains(string(body), `"locked":false`) {
		t.Fatalf("stats keys: %s", body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := http.Get(base + "/_sandbox/stats"); err == nil {
		t.Fatal("still serving after stop")
	}
	if _, _, err := sandbox.Start(context.Background(), "256.0.0.1:bad", sb); err == nil {
		t.Fatal("no error for a bad address")
	}

	t.Run("stop releases a held request", func(t *testing.T) {
		sc, _ := sandbox.ParseScenario([]byte("faults: {timeout: 1}"))
		creds := sandbox.DemoCredentials()
		base, stop, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.New(sc, creds))
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"username": {creds.Username}, "password": {creds.Password}, "grant_type": {"password"}, "clientId": {creds.ClientID}}
		req, _ := http.NewRequest(http.MethodPost, base+pathToken, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("enkash-client", "enkash-secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var tok wToken
		_ = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()

		held := make(chan int, 1)
		go func() {
			r, _ := http.NewRequest(http.MethodGet, base+pathBalance, nil)
			r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				held <- 0
				return
			}
			resp.Body.Close()
			held <- resp.StatusCode
		}()
		time.Sleep(100 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stop(ctx); err != nil {
			t.Fatalf("stop with a held request: %v", err)
		}
		if code := <-held; code != http.StatusGatewayTimeout && code != 0 {
			t.Fatalf("held request answered %d", code)
		}
	})
}
