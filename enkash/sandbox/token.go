package sandbox

import (
	"net/http"
	"regexp"
	"strconv"
)

// reCompanyID is the documented shape of a company id, and of a clientId (D: ^CEK[A-Z0-9]{7}$).
var reCompanyID = regexp.MustCompile(`^CEK[A-Z0-9]{7}$`)

// serveToken answers POST /oauth/token (D): Basic authorization with the OAuth client pair
// (enkash-client:enkash-secret unless configured otherwise, whatever the merchant's clientId),
// and a form with username, password, grant_type=password and clientId, all required. A form
// that lacks one, or a clientId not of the documented shape, is refused without counting as a
// failed login (Assumption); a wrong pair, clientId, user or password is a failed login, and
// after lockAfter consecutive ones the account is locked for good: even the right password is
// refused (D).
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, &apiError{http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "Method " + r.Method + " not allowed", nil}, familyPayout)
		return
	}
	if refusal, ok := s.refusal(pathToken); ok {
		s.count(func(st *Stats) { st.ConfigRefused++ })
		writeError(w, refusal.answer(), familyPayout)
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
		writeError(w, &apiError{http.StatusUnauthorized, codeFailure, "Account locked after repeated failed logins", nil}, familyPayout)
		return
	}
	switch {
	case formErr != nil || form.Get("grant_type") != "password" || form.Get("username") == "" ||
		form.Get("password") == "" || form.Get("clientId") == "":
		writeError(w, &apiError{http.StatusBadRequest, codeFailure,
			"Invalid request: grant_type=password, username, password and clientId are required", nil}, familyPayout)
		return
	case !reCompanyID.MatchString(form.Get("clientId")):
		writeError(w, errInvalid(msgInvalidClientID), familyPayout)
		return
	}
	ok := hasBasic && equal(id+":"+secret, s.basic) &&
		equal(form.Get("clientId"), s.creds.ClientID) &&
		equal(form.Get("username"), s.creds.Username) && equal(form.Get("password"), s.creds.Password)
	if !ok {
		s.stats.TokenFailures++
		s.failures++
		if s.failures >= s.lockAfter {
			s.stats.Locked = true
		}
		writeError(w, &apiError{http.StatusUnauthorized, codeFailure, "Bad credentials", nil}, familyPayout)
		return
	}
	s.failures = 0

	s.tokenSeq++
	seq := strconv.Itoa(s.tokenSeq)
	access := s.ident("", 32, hexits, "access", seq)
	refresh := s.ident("", 32, hexits, "refresh", seq)
	ttl := int64(s.tokenTTL.Seconds())
	s.tokens[access] = s.now().Add(s.tokenTTL)
	if s.snake {
		writeJSON(w, http.StatusOK, tokenSnakeOut{AccessToken: access, TokenType: "bearer", RefreshToken: refresh,
			ExpiresIn: ttl, Scope: "read write trust"})
		return
	}
	writeJSON(w, http.StatusOK, tokenCamelOut{AccessToken: access, TokenType: "bearer", ExpiresIn: ttl, RefreshToken: refresh})
}
