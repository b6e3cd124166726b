package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"enkashbatch/enkash/sandbox"
)

// runWith runs the batch command with env as the whole environment.
func runWith(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	code := m.Run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

// TestDoctor_Sandbox: against the sandbox with its demo credentials every check passes.
func TestDoctor_Sandbox(t *testing.T) {
	url, stop, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.New(nil, sandbox.DemoCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(context.Background()) })
	home := t.TempDir()
	code, stdout, stderr := runWith(t, map[string]string{"ENKASH_BASE_URL": url}, "doctor", "--home", home, "--json")
	var out struct {
		Checks []doctorCheck `json:"checks"`
		Exit   int           `json:"exit"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("doctor --json: %v\n%s\n%s", err, stdout, stderr)
	}
	names := map[string]bool{}
	for _, c := range out.Checks {
		names[c.Name] = true
		if !c.OK {
			t.Errorf("check %s failed: %s (fix: %s)", c.Name, c.Detail, c.Fix)
		}
	}
	for _, n := range []string{"token", "balance", "payout search", "customer search", "invoice search", "bill search", "statement"} {
		if !names[n] {
			t.Errorf("no %s check", n)
		}
	}
	if code != exitOK || out.Exit != exitOK {
		t.Errorf("exit %d (%d), want 0", code, out.Exit)
	}
	// Nothing was created at Enkash.
	resp, err := http.Get(url + "/_sandbox/calls")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var calls []sandbox.Call
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 {
		t.Errorf("doctor created %d things at Enkash: %+v", len(calls), calls)
	}
}

// TestDoctor_MissingFundSource: real credentials (not the sandbox's demo ones) without
// ENKASH_FUND_SOURCE_ID: the token works, the balance and statement are refused by the client
// with the setting's name, exit 2.
func TestDoctor_MissingFundSource(t *testing.T) {
	creds := sandbox.Credentials{ClientID: "CEKLIVE001", ClientSecret: "live-secret-1", Username: "fin@example.com", Password: "live-password-1"}
	url, stop, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.New(nil, creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(context.Background()) })
	env := map[string]string{"ENKASH_BASE_URL": url, "ENKASH_CLIENT_ID": creds.ClientID, "ENKASH_CLIENT_SECRET": creds.ClientSecret,
		"ENKASH_USERNAME": creds.Username, "ENKASH_PASSWORD": creds.Password}
	code, stdout, stderr := runWith(t, env, "doctor", "--home", t.TempDir())
	if code != exitUsage {
		t.Errorf("exit %d, want %d\n%s\n%s", code, exitUsage, stdout, stderr)
	}
	if !strings.Contains(stdout, "ok   token") || !strings.Contains(stdout, "FAIL balance") || !strings.Contains(stdout, "ENKASH_FUND_SOURCE_ID") {
		t.Errorf("report does not show the token working and the balance refused for ENKASH_FUND_SOURCE_ID:\n%s", stdout)
	}
	for _, secret := range []string{creds.ClientSecret, creds.Password} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("output shows %q", secret)
		}
	}
}

// TestDoctor_PlainHTTPRefused: a non-HTTPS base URL off this machine is refused before any
// call, exit 2, with the setting named and no user information shown.
func TestDoctor_PlainHTTPRefused(t *testing.T) {
	env := map[string]string{"ENKASH_BASE_URL": "http://ops:hunter2@ekpayout-uat.enkash.in", "ENKASH_CLIENT_ID": "CEKLIVE001",
		"ENKASH_CLIENT_SECRET": "s", "ENKASH_USERNAME": "u@example.com", "ENKASH_PASSWORD": "p"}
	code, stdout, stderr := runWith(t, env, "doctor", "--home", t.TempDir())
	if code != exitUsage || !strings.Contains(stdout, "ENKASH_BASE_URL") {
		t.Errorf("exit %d, want %d, naming ENKASH_BASE_URL\n%s\n%s", code, exitUsage, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "hunter2") {
		t.Errorf("output shows the URL's password:\n%s%s", stdout, stderr)
	}
	env["ENKASH_BASE_URL"] = "http://ekpayout-uat.enkash.in"
	if code, stdout, _ := runWith(t, env, "doctor", "--home", t.TempDir()); code != exitUsage || !strings.Contains(stdout, "not https") {
		t.Errorf("plain http: exit %d\n%s", code, stdout)
	}
}

// TestLoginGuard_AcrossProcesses: a refused login is recorded in the data folder; the next
// command (a new process, here a new Main) refuses to call the token endpoint, exit 3, naming
// the file and `batch unlock`; after `batch unlock` the endpoint is asked again; new
// credentials are asked at once.
func TestLoginGuard_AcrossProcesses(t *testing.T) {
	var tokenCalls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			tokenCalls.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error": "unauthorized", "error_description": "Bad credentials"}`))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	home := t.TempDir()
	env := map[string]string{"ENKASH_BASE_URL": srv.URL, "ENKASH_CLIENT_ID": "CEKLIVE001", "ENKASH_CLIENT_SECRET": "live-secret-1",
		"ENKASH_USERNAME": "fin@example.com", "ENKASH_PASSWORD": "wrong-password-1", "ENKASH_FUND_SOURCE_ID": "EKCI4XTWKC"}

	code, stdout, _ := runWith(t, env, "doctor", "--home", home)
	if code != exitEnkashDown || tokenCalls.Load() != 1 {
		t.Fatalf("first doctor: exit %d, %d token calls; want 3, 1\n%s", code, tokenCalls.Load(), stdout)
	}
	file := filepath.Join(home, loginRefusedFile)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("refusal not recorded: %v", err)
	}
	if strings.Contains(string(data), "wrong-password-1") || strings.Contains(string(data), "live-secret-1") {
		t.Errorf("the record holds a secret: %s", data)
	}

	for _, args := range [][]string{{"doctor", "--home", home}, {"run", "--home", home}} {
		code, stdout, stderr := runWith(t, env, args...)
		if code != exitEnkashDown {
			t.Errorf("%s: exit %d, want 3\n%s\n%s", args[0], code, stdout, stderr)
		}
		if !strings.Contains(stdout+stderr, file) || !strings.Contains(stdout+stderr, "batch unlock") {
			t.Errorf("%s: message does not name %s and batch unlock:\n%s%s", args[0], file, stdout, stderr)
		}
	}
	if n := tokenCalls.Load(); n != 1 {
		t.Fatalf("token endpoint called %d times across processes, want 1", n)
	}

	if code, stdout, _ := runWith(t, env, "unlock", "--home", home); code != exitOK || !strings.Contains(stdout, "Bad credentials") {
		t.Errorf("unlock: exit %d\n%s", code, stdout)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("unlock left %s: %v", file, err)
	}
	runWith(t, env, "doctor", "--home", home)
	if n := tokenCalls.Load(); n != 2 {
		t.Errorf("after unlock: %d token calls, want 2", n)
	}
	// Changed credentials are tried at once, even with a record in place.
	env["ENKASH_PASSWORD"] = "another-password"
	runWith(t, env, "doctor", "--home", home)
	if n := tokenCalls.Load(); n != 3 {
		t.Errorf("new credentials: %d token calls, want 3", n)
	}
}

// TestDoctor_HTMLAndHanging: an HTML page at the token endpoint is Enkash unreachable (exit 3)
// with the diagnosis, never a refused login.
func TestDoctor_HTMLAtTokenEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>Corporate proxy login</body></html>"))
	}))
	t.Cleanup(srv.Close)
	home := t.TempDir()
	env := map[string]string{"ENKASH_BASE_URL": srv.URL, "ENKASH_CLIENT_ID": "CEKLIVE001", "ENKASH_CLIENT_SECRET": "live-secret-1",
		"ENKASH_USERNAME": "fin@example.com", "ENKASH_PASSWORD": "pw", "ENKASH_FUND_SOURCE_ID": "EKCI4XTWKC"}
	code, stdout, _ := runWith(t, env, "doctor", "--home", home)
	if code != exitEnkashDown || !strings.Contains(stdout, "HTML page, not Enkash's API: check ENKASH_BASE_URL") {
		t.Errorf("exit %d\n%s", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(home, loginRefusedFile)); !os.IsNotExist(err) {
		t.Errorf("an HTML page was recorded as a refused login")
	}
}
