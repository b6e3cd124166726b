package sandbox

import (
	"net/http"
	"strconv"

	"enkashbatch/enkash"
)

// serveToken answers POST /oauth/token (enkash-api.md, section 1): Basic auth with the client
// id and secret, a form with username, password, grant_type=password and clientId. After
// lockAfter consecutive failures the account is locked for good: even the right password is
// refused.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, &apiError{http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "Method " + r.Method + " not allowed"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	formErr := r.ParseForm()
	id, secret, hasBasic := r.BasicAuth()
	form := r.PostForm

	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.TokenCalls++
	if s.stats.Locked {
		s.stats.TokenFailures++
		writeError(w, &apiError{http.StatusUnauthorized, enkash.CodeFailure, "Account locked"})
		return
	}
	if formErr != nil || form.Get("grant_type") != "password" || form.Get("username") == "" ||
		form.Get("password") == "" || form.Get("clientId") == "" {
		writeError(w, &apiError{http.StatusBadRequest, enkash.CodeFailure,
			"Invalid request: grant_type=password, username, password and clientId are required"})
		return
	}
	ok := hasBasic && equal(id, s.creds.ClientID) && equal(secret, s.creds.ClientSecret) &&
		equal(form.Get("clientId"), s.creds.ClientID) &&
		equal(form.Get("username"), s.creds.Username) && equal(form.Get("password"), s.creds.Password)
	if !ok {
		s.stats.TokenFailures++
		s.failures++
		if s.failures >= s.lockAfter {
			s.stats.Locked = true
		}
		writeError(w, &apiError{http.StatusUnauthorized, enkash.CodeFailure, "Bad credentials"})
		return
	}
	s.failures = 0

	s.tokenSeq++
	seq := strconv.Itoa(s.tokenSeq)
	tok := enkash.TokenResponse{
		AccessToken:  s.ident("", 32, hexits, "access", seq),
		TokenType:    "bearer",
		RefreshToken: s.ident("", 32, hexits, "refresh", seq),
		ExpiresIn:    int64(s.tokenTTL.Seconds()),
		Scope:        "read write trust",
	}
	s.tokens[tok.AccessToken] = s.now().Add(s.tokenTTL)
	if s.snake {
		writeJSON(w, http.StatusOK, enkash.TokenSnake(tok))
		return
	}
	writeJSON(w, http.StatusOK, enkash.TokenCamel(tok))
}
