package enkash

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Token lifetime rules.
const (
	// defaultTokenTTL is assumed when a token answer gives no expires_in. Assumption: the
	// portal says tokens live 5 minutes, while its examples show 86399 s; we trust
	// expires_in when present and take the short figure otherwise.
	defaultTokenTTL = 5 * time.Minute
	// maxRenewMargin is how long before expiry a token is renewed, at most (a tenth of the
	// lifetime for short-lived tokens).
	maxRenewMargin = 30 * time.Second
	// maxTokenAttemptsReached is how many token requests that may have reached Enkash one
	// fetch makes when the answer is a 5xx or a broken connection. Assumption: such answers
	// are not counted as failed logins; capping them at two keeps us under the lockout of
	// three even if they were. Attempts that never connected are not counted.
	maxTokenAttemptsReached = 2
)

var tokenEndpoint = endpoint{method: http.MethodPost, path: PathToken}

// tokenSource caches the bearer token and shares one fetch among concurrent callers. Once the
// token endpoint has refused our credentials it never asks again: rejected is kept for good.
type tokenSource struct {
	c *Client

	mu       sync.Mutex
	token    string
	renewAt  time.Time
	rejected error        // sticky: matches ErrAuthRejected
	flight   *tokenFlight // the fetch in progress, if any
}

// tokenFlight is one token fetch that every caller waiting for a token shares.
type tokenFlight struct {
	done  chan struct{}
	token string
	err   error
}

// get returns a valid token, fetching one if needed. The fetch is not tied to the caller's
// context (other callers may be waiting on it); it is bounded by the call timeout and the
// retry budget, and a caller whose ctx ends stops waiting.
func (s *tokenSource) get(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.rejected != nil {
		s.mu.Unlock()
		return "", s.rejected
	}
	if s.token != "" && s.c.now().Before(s.renewAt) {
		tok := s.token
		s.mu.Unlock()
		return tok, nil
	}
	f := s.flight
	if f == nil {
		f = &tokenFlight{done: make(chan struct{})}
		s.flight = f
		go s.run(context.WithoutCancel(ctx), f)
	}
	s.mu.Unlock()

	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// run performs the fetch of flight f and publishes its outcome.
func (s *tokenSource) run(ctx context.Context, f *tokenFlight) {
	issued := s.c.now()
	tr, err := s.c.fetchToken(ctx)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.flight = nil
	if err != nil {
		if errors.Is(err, ErrAuthRejected) {
			s.rejected = err
			s.token = ""
		}
		f.err = err
		close(f.done)
		return
	}
	ttl := time.Duration(tr.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = defaultTokenTTL
	}
	s.token = tr.AccessToken
	s.renewAt = issued.Add(ttl - min(maxRenewMargin, ttl/10))
	f.token = tr.AccessToken
	close(f.done)
	s.c.log.DebugContext(ctx, "enkash token obtained", "expires_in", ttl)
}

// invalidate drops tok if it is still the cached token, so that the next get fetches a new
// one. Callers that saw an older token do not throw away a fresh one.
func (s *tokenSource) invalidate(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == tok {
		s.token = ""
	}
}

// LoginGuard keeps the memory of a refused login beyond one process: Enkash locks the account
// after three refused logins, and a command started again by cron every few minutes would
// otherwise spend one attempt each time. The Client asks Check before every token request and
// calls Refused when Enkash refuses the credentials, Accepted when it takes them. The
// fingerprint (see Fingerprint) tells one set of credentials from another without holding the
// password. cmd/batch keeps it in a file of the data folder.
type LoginGuard interface {
	// Check returns an error, saying why and how to clear it, when a login with these
	// credentials was refused before and not cleared since; the token request is not made.
	Check(fingerprint string) error
	// Refused records that Enkash refused a login with these credentials; reason is Enkash's
	// answer, redacted.
	Refused(fingerprint, reason string) error
	// Accepted records that Enkash took these credentials: any earlier refusal is cleared.
	Accepted(fingerprint string) error
}

// Fingerprint is a short fingerprint of the credentials a token request sends (username,
// client id, password and the Basic pair): 8 hex digits of a SHA-256, enough to tell that the
// credentials changed, too short to stand for the password.
func Fingerprint(username, clientID, password, oauthClient string) string {
	h := sha256.Sum256([]byte("enkash-login\x00" + username + "\x00" + clientID + "\x00" + oauthClient + "\x00" + password))
	return hex.EncodeToString(h[:4])
}

// fingerprint is the Fingerprint of c's credentials.
func (c *Client) fingerprint() string {
	return Fingerprint(c.cfg.Username, c.cfg.ClientID, c.cfg.Password, c.cfg.OAuthClient)
}

// guardError is the Guard's refusal to make a token request: it matches ErrAuthRejected (the
// credentials stand refused) and reads as the Guard's message.
type guardError struct{ err error }

func (e *guardError) Error() string        { return e.err.Error() }
func (e *guardError) Unwrap() error        { return e.err }
func (e *guardError) Is(target error) bool { return target == ErrAuthRejected }

// fetchToken asks the token endpoint for a token, retrying only what cannot count as a failed
// login (see maxTokenAttemptsReached). A refusal comes back matching ErrAuthRejected, and is
// told to the Guard; a failure to hear Enkash comes back as an *Unreachable, never as a
// refusal.
func (c *Client) fetchToken(ctx context.Context) (TokenResponse, error) {
	start := time.Now()
	reached := 0
	fp := c.fingerprint()
	for attempt := 0; ; attempt++ {
		if c.cfg.Guard != nil {
			if err := c.cfg.Guard.Check(fp); err != nil {
				return TokenResponse{}, &guardError{err: err}
			}
		}
		tr, err := c.tokenAttempt(ctx)
		if err == nil {
			if c.cfg.Guard != nil {
				if gerr := c.cfg.Guard.Accepted(fp); gerr != nil {
					c.log.WarnContext(ctx, "enkash login accepted, but the record of an earlier refusal could not be cleared", "err", gerr)
				}
			}
			return tr, nil
		}
		if errors.Is(err, ErrAuthRejected) {
			if c.cfg.Guard != nil {
				if gerr := c.cfg.Guard.Refused(fp, err.Error()); gerr != nil {
					err = fmt.Errorf("%w; and the refusal could not be recorded, so the next process may try again: %v", err, gerr)
				}
			}
			return TokenResponse{}, err
		}
		if isCancelled(ctx) {
			return TokenResponse{}, err
		}
		var te *transportError
		var ae *APIError
		retry := false
		switch {
		case errors.As(err, &te) && !te.sent:
			retry = errors.Is(err, ErrUnreachable) && !isCertificateError(err)
		case errors.As(err, &te) && !isCertificateError(err), errors.As(err, &ae) && ae.HTTPStatus >= 500:
			reached++
			retry = reached < maxTokenAttemptsReached
		}
		// Anything else (408, 429, a redirect, an HTML page) is returned as is: never retry the
		// token call on a 4xx.
		if !retry {
			return TokenResponse{}, err
		}
		wait := backoff(attempt)
		if time.Since(start)+wait > c.cfg.MaxRetryTime {
			return TokenResponse{}, err
		}
		c.log.DebugContext(ctx, "enkash token retry", "attempt", attempt+1, "wait", wait)
		if !sleep(ctx, wait) {
			return TokenResponse{}, err
		}
	}
}

// tokenAttempt makes one password-grant token request (docs/enkash.md, "Token": form body,
// Basic auth of the OAuth client pair, not encrypted, either of two answer shapes).
func (c *Client) tokenAttempt(ctx context.Context) (TokenResponse, error) {
	form := url.Values{
		"username":   {c.cfg.Username},
		"password":   {c.cfg.Password},
		"grant_type": {"password"},
		"clientId":   {c.cfg.ClientID},
	}
	if err := c.limiter(tokenEndpoint.path).Wait(ctx); err != nil {
		return TokenResponse{}, fmt.Errorf("enkash %s: wait for rate limit: %w", tokenEndpoint, err)
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var sent atomic.Bool
	actx = withSentTrace(actx, &sent)
	req, err := c.newRequest(actx, tokenEndpoint.method, tokenEndpoint.path, nil, []byte(form.Encode()), "application/x-www-form-urlencoded")
	if err != nil {
		return TokenResponse{}, err
	}
	oauthID, oauthSecret, _ := strings.Cut(c.cfg.OAuthClient, ":")
	req.SetBasicAuth(oauthID, oauthSecret)
	resp, err := c.http.Do(req)
	if err != nil {
		err = c.transportError(tokenEndpoint, sent.Load(), err)
		// Whatever reached Enkash, no API call was sent: the caller's request never left.
		var un *Unreachable
		if errors.As(err, &un) {
			un.Sent = false
		}
		return TokenResponse{}, err
	}
	defer resp.Body.Close()
	raw, _, err := readBounded(resp.Body, maxErrorRead)
	if err != nil {
		return TokenResponse{}, c.transportError(tokenEndpoint, true, fmt.Errorf("read answer: %w", err))
	}

	var tr TokenResponse
	err = c.checkResponse(tokenEndpoint, resp, raw, &tr, "")
	var ae *APIError
	var un *Unreachable
	switch {
	case err == nil && strings.TrimSpace(tr.AccessToken) != "":
		return tr, nil
	case err == nil:
		// Conservative: a JSON answer without a token counts as a refused login.
		return TokenResponse{}, fmt.Errorf("%w (enkash %s: HTTP %d answer carried no access token)", ErrAuthRejected, tokenEndpoint, resp.StatusCode)
	case errors.As(err, &un):
		// An HTML page: not Enkash's API, so not a refusal of the credentials.
		un.Sent = false
		return TokenResponse{}, err
	case errors.As(err, &ae) && (ae.HTTPStatus >= 500 || ae.HTTPStatus/100 == 3 || isBackOff(ae)):
		return TokenResponse{}, &Unreachable{Endpoint: tokenEndpoint.String(), Err: err, Cause: tokenCause(ae)}
	case errors.As(err, &ae) && (ae.HTTPStatus == http.StatusNotFound || ae.HTTPStatus == http.StatusMethodNotAllowed):
		// Assumption: no token endpoint at this address is a wrong base URL, not a refused login.
		return TokenResponse{}, &Unreachable{Endpoint: tokenEndpoint.String(), Err: err,
			Cause: fmt.Sprintf("there is no token endpoint at this address (HTTP %d): check ENKASH_BASE_URL", ae.HTTPStatus)}
	default:
		// A 4xx, a response_code other than 0, or an unreadable 2xx: the credentials were
		// (or may have been) refused. %v, not %w: the sticky error is not an *APIError.
		return TokenResponse{}, fmt.Errorf("%w (%v)", ErrAuthRejected, err)
	}
}

// tokenCause words why a token answer is not a refusal of the credentials.
func tokenCause(ae *APIError) string {
	switch {
	case isBackOff(ae):
		return fmt.Sprintf("Enkash asked us to slow down (HTTP %d) and gave no token", ae.HTTPStatus)
	case ae.HTTPStatus/100 == 3:
		return fmt.Sprintf("the token endpoint answered a redirect (HTTP %d): check ENKASH_BASE_URL", ae.HTTPStatus)
	}
	return fmt.Sprintf("Enkash's token endpoint failed on its side (HTTP %d)", ae.HTTPStatus)
}

// basicAuth is the value of a Basic Authorization header, used to redact an echo of it.
func basicAuth(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}
