package enkash

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrAuthRejected means Enkash refused our credentials at the token endpoint. The Client that
// saw it makes no further token attempt (three failed attempts lock the account at Enkash):
// every later call fails at once with an error that matches ErrAuthRejected.
var ErrAuthRejected = errors.New("enkash refused the credentials: check ENKASH_USERNAME, ENKASH_PASSWORD " +
	"and ENKASH_CLIENT_ID, and the token call's Basic pair ENKASH_OAUTH_CLIENT (default: the documented " +
	"enkash-client pair; some accounts may need their client id and secret there); no further token attempt " +
	"is made, since three failed attempts lock the account")

// ErrUnreachable means no connection to Enkash could be made (connection refused, DNS failure,
// dial timeout): the request never left this machine.
var ErrUnreachable = errors.New("enkash unreachable")

// maxErrorBody bounds what an APIError keeps of an answer's body; maxErrorRead is what is read
// of it, a little more, so that a secret cut by the read is still seen whole by the redaction
// or dropped with the cut.
const (
	maxErrorBody = 64 << 10
	maxErrorRead = maxErrorBody + 4<<10
)

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
// HTTP 409, response_code 409, BBPS response_code 38 (duplicate referenceId), or a message
// saying "already exists" or REJECT_TXN_ID. It proves Enkash already holds something under that
// id: the caller learns its outcome by searching, and never counts it as refused. For one item
// of a batch answer, see IsDuplicateReason.
func IsDuplicate(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	if e.HTTPStatus == http.StatusConflict || e.Code == CodeAlreadyExists || e.Code == CodeDuplicateRefID {
		return true
	}
	msg := strings.ToLower(e.Message)
	return strings.Contains(msg, "already exists") || strings.Contains(msg, strings.ToLower(ReasonDuplicateTxnID))
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
	var u *Unreachable
	if errors.As(err, &u) && u.Sent {
		return true
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
// not an authentication failure (401), not a back-off signal (408, 429, BBPS 36/37), not a
// configuration refusal (IsConfigRefusal), not an answer from something other than Enkash's
// API (IsUnreachable) and not ambiguous (see IsAmbiguous).
func IsRejected(err error) bool {
	var e *APIError
	if !errors.As(err, &e) || errors.Is(err, ErrAuthRejected) || IsDuplicate(err) || IsAmbiguous(err) || isBackOff(e) {
		return false
	}
	if _, cfg := IsConfigRefusal(err); cfg || IsUnreachable(err) {
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

// ConfigRefusal is Enkash refusing a whole call for a reason of configuration, not of the
// data sent: a checksum refusal (412 / REJECT_CHKSUM), "Invalid encrypted request" (422), an
// invalid client id (422) or company id (412), APIs not enabled (403).
// The status may come as the HTTP status or as the body's response_code (docs/enkash.md,
// "Configuration refusals"). Nothing in the call was refused for itself: a caller stops the
// run, keeps every reference, and lets the items be sent again once the setting is fixed.
// It is also returned, before any call, when a setting the call needs is missing (Enkash is
// then never asked); API is nil in that case.
type ConfigRefusal struct {
	// Endpoint is the method and path refused (or that would have been called).
	Endpoint string
	// Setting names the setting to check, e.g. "ENKASH_CLIENT_SECRET".
	Setting string
	// Fix says in a sentence what to check or do.
	Fix string
	// API is Enkash's answer; nil when the client refused before calling.
	API *APIError
}

// Error reads like "enkash POST /api/v0/payout-transaction/batch: HTTP 422: Invalid encrypted
// request: a configuration refusal, not a refusal of the data: check ENKASH_CLIENT_SECRET (...)".
func (e *ConfigRefusal) Error() string {
	var b strings.Builder
	if e.API != nil {
		b.WriteString(e.API.Error())
		b.WriteString(": a configuration refusal, not a refusal of the data")
	} else {
		b.WriteString("enkash ")
		b.WriteString(e.Endpoint)
		b.WriteString(": not called")
	}
	b.WriteString(": check ")
	b.WriteString(e.Setting)
	if e.Fix != "" {
		b.WriteString(" (")
		b.WriteString(e.Fix)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap gives Enkash's answer, so that errors.As(err, &*APIError) still sees it.
func (e *ConfigRefusal) Unwrap() error {
	if e.API == nil {
		return nil
	}
	return e.API
}

// IsConfigRefusal reports whether err is a ConfigRefusal, and which setting it names.
func IsConfigRefusal(err error) (setting string, ok bool) {
	var c *ConfigRefusal
	if errors.As(err, &c) {
		return c.Setting, true
	}
	return "", false
}

// configRefusal classifies an error answer: a *ConfigRefusal wrapping e when its status and
// message are one of the documented configuration refusals, nil otherwise. The words matched
// are those of the payout response codes (docs/enkash.md, "Payout response codes").
func configRefusal(e *APIError) *ConfigRefusal {
	msg := strings.ToLower(e.Message + " " + e.Body)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(msg, w) {
				return true
			}
		}
		return false
	}
	is := func(status int) bool { return e.HTTPStatus == status || e.Code == status }
	refuse := func(setting, fix string) *ConfigRefusal {
		return &ConfigRefusal{Endpoint: e.Endpoint, Setting: setting, Fix: fix, API: e}
	}
	switch {
	case has("encryption failed"):
		// "Encryption failed for response" (403) is written after the request was processed:
		// an ambiguous answer to look up (IsAmbiguous), never a refusal that sends again.
		return nil
	case has("reject_chksum", "checksum"):
		return refuse("ENKASH_CLIENT_SECRET", "Enkash asks for a checksum, which this client does not send; ask Enkash to turn the checksum off for this client id, or check the client secret")
	case has("encrypted request", "decrypt"):
		return refuse("ENKASH_CLIENT_SECRET", "the payload cipher's key comes from the client secret; it must be the merchant's client secret for this client id")
	case has("client id", "clientid"):
		return refuse("ENKASH_CLIENT_ID", "Enkash does not know this client id")
	case has("company id", "companyid"):
		return refuse("ENKASH_COMPANY_ID", "Enkash does not know this company id for these credentials")
	case is(http.StatusForbidden):
		return refuse("ENKASH_CLIENT_ID", "Enkash answered 403: the APIs are not enabled for this client id, or this machine's IP address is not allow-listed; ask Enkash")
	}
	return nil
}

// Unreachable is a call that got no usable answer from Enkash's API: no connection, no answer
// within the time limit, a 5xx or 429 after the retries allowed, or an answer that is not
// Enkash's API at all (an HTML page). It is never a refusal of the credentials or of the data.
// Cause is the diagnosis, worded for a person ("Enkash did not answer within 30s").
type Unreachable struct {
	// Endpoint is the method and path called.
	Endpoint string
	// Cause is the diagnosis, e.g. "the answer was an HTML page, not Enkash's API: check
	// ENKASH_BASE_URL".
	Cause string
	// Sent is true when the request may have reached Enkash (see IsAmbiguous).
	Sent bool
	// Err is the underlying failure.
	Err error
}

func (e *Unreachable) Error() string {
	inner := e.Err
	var te *transportError
	if errors.As(inner, &te) {
		inner = te.err
	}
	if e.Sent {
		return fmt.Sprintf("enkash %s: %s; the request may have reached Enkash (%v)", e.Endpoint, e.Cause, inner)
	}
	return fmt.Sprintf("enkash %s: %s (%v)", e.Endpoint, e.Cause, inner)
}

func (e *Unreachable) Unwrap() error { return e.Err }

// Is makes an Unreachable whose request never left (Sent false) match ErrUnreachable.
func (e *Unreachable) Is(target error) bool { return target == ErrUnreachable && !e.Sent }

// IsUnreachable reports whether err means Enkash could not be heard: a connection failure, a
// timeout, a 5xx or 429 (or BBPS 36/37) still there when the retries ran out, an HTML or
// other non-API answer, or a failure to get a token for one of these reasons. It says nothing
// of whether a create was processed: check IsAmbiguous for that (a timeout after sending is
// both). It is false for a refusal of the credentials (ErrAuthRejected), of the configuration
// (IsConfigRefusal) or of the data (IsRejected).
func IsUnreachable(err error) bool {
	if err == nil || errors.Is(err, ErrAuthRejected) {
		return false
	}
	if _, ok := IsConfigRefusal(err); ok {
		return false
	}
	var u *Unreachable
	if errors.As(err, &u) || errors.Is(err, ErrUnreachable) {
		return true
	}
	var te *transportError
	if errors.As(err, &te) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.status() >= 500 || isBackOff(ae)
	}
	return false
}

// IsDuplicateReason reports whether a per-item reason code of a batch answer
// (TransferFailure.Reason) says the transactionId already exists at Enkash (REJECT_TXN_ID):
// Enkash already holds a transfer under that reference, which is not a refusal.
func IsDuplicateReason(reason string) bool {
	return strings.EqualFold(strings.TrimSpace(reason), ReasonDuplicateTxnID)
}

// ItemConfigRefusal reports whether a per-item reason code of a batch answer is a refusal for
// a reason of configuration, which no fix of the row mends, and names the setting to check:
// REJECT_CHKSUM (a checksum this client cannot compute) or REJECT_FND_SRC_ID (the fund source).
func ItemConfigRefusal(reason string) (setting string, ok bool) {
	switch strings.ToUpper(strings.TrimSpace(reason)) {
	case ReasonChecksum:
		return "ENKASH_CLIENT_SECRET", true
	case ReasonFundSource:
		return "ENKASH_FUND_SOURCE_ID", true
	}
	return "", false
}

// Diagnose words for a person the cause of an error that stops a run: the diagnosis of an
// Unreachable, or Enkash's back-off or server failure. It returns "" when it has nothing more
// precise than err itself.
func Diagnose(err error) string {
	var u *Unreachable
	if errors.As(err, &u) {
		return u.Cause
	}
	var e *APIError
	if errors.As(err, &e) {
		switch {
		case e.HTTPStatus == http.StatusTooManyRequests:
			return fmt.Sprintf("Enkash asked us to slow down at %s (HTTP 429): run again later, or lower --rate", e.Endpoint)
		case e.HTTPStatus >= 500:
			return fmt.Sprintf("Enkash's service failed at %s (HTTP %d): run again later", e.Endpoint, e.HTTPStatus)
		}
	}
	return ""
}

// Per-item reason codes of a refused transfer that the caller must not treat as a row
// failure (docs/enkash.md, "Payout statuses").
const (
	ReasonDuplicateTxnID = "REJECT_TXN_ID"
	ReasonChecksum       = "REJECT_CHKSUM"
	ReasonFundSource     = "REJECT_FND_SRC_ID"
)

// diagnose words the cause of a transport failure for a person.
func diagnose(err error, timeout time.Duration) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("Enkash did not answer within %s", timeout)
	case isCertificateError(err):
		return "Enkash's TLS certificate was not accepted: check ENKASH_BASE_URL"
	case isDialError(err):
		return "no connection to Enkash could be made: check ENKASH_BASE_URL and the network"
	}
	return "the connection to Enkash broke before a complete answer"
}
