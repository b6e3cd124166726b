package enkash

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrAuthRejected means Enkash refused our credentials at the token endpoint. The Client that
// saw it makes no further token attempt (three failed attempts lock the account at Enkash):
// every later call fails at once with an error that matches ErrAuthRejected.
var ErrAuthRejected = errors.New("enkash refused the credentials: check ENKASH_USERNAME, ENKASH_PASSWORD, " +
	"ENKASH_CLIENT_ID and ENKASH_CLIENT_SECRET (and ENKASH_BASE_URL); no further token attempt is made, " +
	"since three failed attempts lock the account")

// ErrUnreachable means no connection to Enkash could be made (connection refused, DNS failure,
// dial timeout): the request never left this machine.
var ErrUnreachable = errors.New("enkash unreachable")

// maxErrorBody bounds what an APIError keeps of an answer's body.
const maxErrorBody = 64 << 10

// APIError is an answer from Enkash that is not a success: a non-2xx HTTP status, or a 2xx
// whose envelope carries a response_code other than 0.
type APIError struct {
	// Endpoint is the method and path called, e.g. "POST /api/v0/payout-transaction/batch".
	Endpoint string
	// HTTPStatus is the HTTP status code of the answer.
	HTTPStatus int
	// Code is the envelope's response_code; 0 when the answer carried none.
	Code int
	// Message is the envelope's response_message (or the HTTP status text when there was none).
	Message string
	// Body is the answer's body, decrypted when it could be, at most 64 KiB, with every
	// credential and token we know replaced by "[REDACTED]".
	Body string

	retryAfter time.Duration // from a Retry-After header, 0 when absent
}

// Error reads like "enkash POST /api/v0/payout-transaction/batch: HTTP 409, code 409: Batch
// Transaction ID already exists".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("enkash ")
	b.WriteString(e.Endpoint)
	b.WriteString(": HTTP ")
	b.WriteString(strconv.Itoa(e.HTTPStatus))
	if e.Code != 0 {
		b.WriteString(", code ")
		b.WriteString(strconv.Itoa(e.Code))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// status is the most specific failure status of e: the envelope's code when it names one of
// the HTTP-like codes, the HTTP status otherwise.
func (e *APIError) status() int {
	if e.Code >= 400 {
		return e.Code
	}
	return e.HTTPStatus
}

// transportError is a call that got no complete answer.
type transportError struct {
	endpoint string
	sent     bool // the request may have reached Enkash
	err      error
}

func (e *transportError) Error() string {
	if e.sent {
		return fmt.Sprintf("enkash %s: no complete answer, the request may have reached Enkash: %v", e.endpoint, e.err)
	}
	return fmt.Sprintf("enkash %s: %v", e.endpoint, e.err)
}

func (e *transportError) Unwrap() error { return e.err }

// undecodableError is a 2xx answer we could not read: Enkash accepted the call, and we do not
// know what it said.
type undecodableError struct {
	endpoint string
	status   int
	err      error
}

func (e *undecodableError) Error() string {
	return fmt.Sprintf("enkash %s: HTTP %d answer unreadable, outcome unknown: %v", e.endpoint, e.status, e.err)
}

func (e *undecodableError) Unwrap() error { return e.err }

// tokenError is a failure to get a token before an API call: the call itself was never sent.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "get token: " + e.err.Error() }

func (e *tokenError) Unwrap() error { return e.err }

// IsDuplicate reports whether err is Enkash refusing a create because its id already exists:
// HTTP 409, response_code 409, or BBPS response_code 38 (duplicate referenceId). The earlier
// create went through; the caller learns its outcome by searching.
func IsDuplicate(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	return e.HTTPStatus == http.StatusConflict || e.Code == CodeAlreadyExists || e.Code == CodeDuplicateRefID
}

// IsAmbiguous reports whether err leaves the outcome of a create unknown: Enkash may or may not
// have processed it. That is the case for a timeout or a broken connection once the request may
// have been sent (our own cancellation included), any 5xx, a 403 (Assumption: "Encryption
// failed for response" is a 403 written after the request was processed), and a 2xx answer we
// cannot decrypt or decode. The caller must resolve such an item by searching, never by sending
// again blindly. It is false for a clean refusal, for an error met before the request could
// leave (no connection, no token, cancelled while waiting), and for nil.
func IsAmbiguous(err error) bool {
	if err == nil || errors.Is(err, ErrAuthRejected) {
		return false
	}
	var tok *tokenError
	if errors.As(err, &tok) {
		return false
	}
	var te *transportError
	if errors.As(err, &te) {
		return te.sent
	}
	var ue *undecodableError
	if errors.As(err, &ue) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		s := ae.status()
		return s >= 500 || s == http.StatusForbidden
	}
	return false
}

// IsRejected reports whether err is a definite refusal of the call by Enkash, so that nothing
// was processed: a 4xx (or a 2xx whose response_code is a failure) that is not a duplicate,
// not an authentication failure (401), not a back-off signal (408, 429, BBPS 36/37) and not
// ambiguous (see IsAmbiguous).
func IsRejected(err error) bool {
	var e *APIError
	if !errors.As(err, &e) || errors.Is(err, ErrAuthRejected) || IsDuplicate(err) || IsAmbiguous(err) || isBackOff(e) {
		return false
	}
	if e.status() == http.StatusUnauthorized {
		return false
	}
	return e.HTTPStatus/100 == 4 || (e.HTTPStatus/100 == 2 && e.Code != CodeSuccess)
}

// isBackOff reports whether e asks us to slow down: the request was refused before it was
// processed, so sending it again later is safe. Assumption: HTTP 408 and 429 and BBPS codes
// 36/37 (velocity limit) all mean "not processed, try later".
func isBackOff(e *APIError) bool {
	return e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus == http.StatusRequestTimeout ||
		e.Code == http.StatusTooManyRequests || e.Code == CodeVelocityLimit || e.Code == CodeVelocityLimit2
}

// isUnauthorized reports whether err is a 401 from an API call (not the token endpoint).
func isUnauthorized(err error) bool {
	var tok *tokenError
	if errors.As(err, &tok) {
		return false
	}
	var e *APIError
	return errors.As(err, &e) && e.HTTPStatus == http.StatusUnauthorized
}

// isCancelled reports whether ctx is done (our caller gave up).
func isCancelled(ctx context.Context) bool { return ctx.Err() != nil }
