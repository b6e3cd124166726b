package e2e_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enkashbatch/enkash/sandbox"
)

// secretCreds are credentials distinctive enough that any trace of them is found by grep.
var secretCreds = sandbox.Credentials{
	ClientID:     "CEKE2ETEST",
	ClientSecret: "e2e-client-secret-Zq8Vw3Tx",
	Username:     "e2e.finance@example.com",
	Password:     "e2e-password-Hk29LmQp",
}

func credsEnv(c sandbox.Credentials) []string {
	return []string{"ENKASH_CLIENT_ID=" + c.ClientID, "ENKASH_CLIENT_SECRET=" + c.ClientSecret,
		"ENKASH_USERNAME=" + c.Username, "ENKASH_PASSWORD=" + c.Password}
}

// TestSecretsNeverLeak runs a faulty night with --verbose and real-looking credentials, then
// looks for the client secret, the password, their Basic-auth form and every token the sandbox
// issued in the output of every command, in every file of the data folder (the ledger and its
// WAL included, workbooks unzipped): none may appear. Full account numbers may not appear in
// the logs either.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	creds := secretCreds
	h := setup(t, setupOptions{Scenario: "secrets.yaml", Rows: 300, Creds: &creds, Env: credsEnv(creds),
		RunFlags: []string{"--timeout", "300ms", "--batch-size", "20", "--poll-deadline", "3s"}})
	h.runToEnd(4)
	h.run(nil, h.runArgs()...) // one more run: its report, reconcile and polls write too
	h.run(nil, "exceptions", "--home", h.home, "--verbose")
	h.run(nil, "exceptions", "--json", "--home", h.home)
	h.assertProperties()

	st := h.srv.Stats()
	if st.HTTP500 == 0 || st.HTTP500AfterCommit == 0 || st.Timeouts == 0 || st.TokenCalls < 2 {
		t.Errorf("the night was not bad enough to exercise the error paths: %+v", st)
	}
	tokens := h.tokens.issued()
	if len(tokens) == 0 {
		t.Fatal("no token was captured from the sandbox's answers")
	}
	secrets := map[string]string{
		"client secret": creds.ClientSecret,
		"password":      creds.Password,
		"basic auth":    base64.StdEncoding.EncodeToString([]byte(creds.ClientID + ":" + creds.ClientSecret)),
	}
	for i, tok := range tokens {
		secrets[fmt.Sprintf("token #%d issued", i+1)] = tok
	}

	h.mu.Lock()
	history := append([]outcome(nil), h.history...)
	h.mu.Unlock()
	for _, o := range history {
		where := "batch " + strings.Join(o.Args, " ")
		assertNoSecret(t, where+" stdout", []byte(o.Stdout), secrets)
		assertNoSecret(t, where+" stderr", []byte(o.Stderr), secrets)
	}

	files := 0
	err := filepath.WalkDir(h.home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(h.home, path)
		assertNoSecret(t, rel, data, secrets)
		if strings.HasSuffix(path, ".xlsx") {
			assertNoSecretInZip(t, rel, data, secrets)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Errorf("only %d files in the data folder; want the ledger and reports at least", files)
	}

	// Full account numbers stay out of every log.
	leaked := 0
	for _, o := range history {
		for _, r := range h.rows {
			if r.Account != "" && strings.Contains(o.Stderr, r.Account) {
				leaked++
				if leaked <= 5 {
					t.Errorf("batch %s: stderr shows the full account number of %s", strings.Join(o.Args, " "), r.Reference)
				}
			}
		}
	}
}

// assertNoSecret fails the test for every secret found in data.
func assertNoSecret(t *testing.T, where string, data []byte, secrets map[string]string) {
	t.Helper()
	for name, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("%s contains the %s", where, name)
		}
	}
}

// assertNoSecretInZip looks inside every entry of an XLSX (a zip of XML parts).
func assertNoSecretInZip(t *testing.T, where string, data []byte, secrets map[string]string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Errorf("%s: not a readable workbook: %v", where, err)
		return
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Errorf("%s: open %s: %v", where, f.Name, err)
			continue
		}
		part, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Errorf("%s: read %s: %v", where, f.Name, err)
			continue
		}
		assertNoSecret(t, where+"!"+f.Name, part, secrets)
	}
}

// TestWrongPasswordStopsAtOnce runs with a wrong password: one token attempt, no API call,
// exit 3 with a clear message, the account not locked, the password nowhere in the output;
// the next run with the right password does the work.
func TestWrongPasswordStopsAtOnce(t *testing.T) {
	t.Parallel()
	creds := secretCreds
	h := setup(t, setupOptions{Rows: 50, Creds: &creds, Env: credsEnv(creds)})
	const wrong = "e2e-wrong-password-Pv7Xr"
	o := h.run([]string{"ENKASH_PASSWORD=" + wrong}, h.runArgs()...)
	if o.Signal != 0 || o.Code != 3 {
		t.Fatalf("run with a wrong password: %s; want exit 3\n%s", o, tail(o.Stderr, 10))
	}
	if !strings.Contains(o.Stderr, "ENKASH_PASSWORD") {
		t.Errorf("stderr does not point at the credentials:\n%s", tail(o.Stderr, 10))
	}
	for _, out := range []string{o.Stdout, o.Stderr} {
		if strings.Contains(out, wrong) || strings.Contains(out, creds.Password) || strings.Contains(out, creds.ClientSecret) {
			t.Errorf("the output shows a password or the secret:\n%s", out)
		}
	}
	st := h.srv.Stats()
	if st.TokenCalls != 1 || st.TokenFailures != 1 || st.APICalls != 0 || st.Locked {
		t.Errorf("sandbox after a wrong password: %+v; want one failed token call, no API call, not locked", st)
	}
	h.assertTiesOut()

	h.finishAll(2)
	h.assertProperties()
}
