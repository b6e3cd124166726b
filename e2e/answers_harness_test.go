package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
)

// exceptions runs `batch exceptions --json`.
func (h *harness) exceptions() []domain.Exception {
	h.t.Helper()
	o := h.run(nil, "exceptions", "--json", "--home", h.home)
	if o.Code != 0 {
		h.t.Fatalf("batch exceptions: %s\n%s", o, o.Stderr)
	}
	var excs []domain.Exception
	if err := json.Unmarshal([]byte(o.Stdout), &excs); err != nil {
		h.t.Fatalf("batch exceptions --json: %v\n%s", err, o.Stdout)
	}
	return excs
}

// states returns `batch status --json`'s item counts by state.
func (h *harness) states() map[domain.Status]int {
	h.t.Helper()
	out := map[domain.Status]int{}
	for _, c := range h.status().States {
		out[c.Status] += c.Count
	}
	return out
}

// rewriteEncrypted decrypts an encrypted request body ({"request": "..."}, the demo client
// secret's key), lets edit change its fields, and puts it back encrypted.
func rewriteEncrypted(t *testing.T, r *http.Request, edit func(map[string]any)) *http.Request {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read request: %v", err)
		return r
	}
	cipher := enkash.NewCipher(sandbox.DemoCredentials().ClientSecret)
	var enc enkash.Encrypted
	var fields map[string]any
	if err := json.Unmarshal(body, &enc); err != nil {
		t.Errorf("request is not encrypted JSON: %v", err)
		return r
	}
	plain, err := cipher.Decrypt(enc.Request)
	if err == nil {
		err = json.Unmarshal(plain, &fields)
	}
	if err != nil {
		t.Errorf("decrypt request: %v", err)
		return r
	}
	edit(fields)
	plain, _ = json.Marshal(fields)
	body, _ = json.Marshal(enkash.Encrypted{Request: cipher.Encrypt(plain)})
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	return r2
}

// answerEnvelope answers as Enkash does when it refuses a call: the HTTP status and the same
// response_code in a plain envelope.
func answerEnvelope(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"response_code": status, "response_message": message})
}

// writeInboxFile drops a file of kind into the harness's inbox.
func writeInboxFile(t *testing.T, h *harness, kind, name, content string) {
	t.Helper()
	dir := filepath.Join(h.home, "inbox", kind)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loseFirstAnswer is a Wrap in front of the sandbox: the first call to create is processed by
// the sandbox but its answer is lost (502), and the first call to search is rewritten by hide
// so that it finds nothing. The run must then send again and meet Enkash's "already exists".
// creates and searches count the calls to each path.
func loseFirstAnswer(create, search string, creates, searches *atomic.Int32, hide func(*http.Request) *http.Request) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case create:
				if creates.Add(1) == 1 {
					next.ServeHTTP(httptest.NewRecorder(), r) // Enkash processes it; its answer is lost
					http.Error(w, "Bad Gateway", http.StatusBadGateway)
					return
				}
			case search:
				if searches.Add(1) == 1 {
					r = hide(r)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
