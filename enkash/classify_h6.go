package enkash

// lead: reconcile with helper 4's errors.go at merge. This file holds the minimal
// classification the jobs layer needs (configuration refusals, unreachable, a diagnosis);
// helper 4's errors.go is meant to provide the same functions, with the same meaning.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Per-item reason codes of a batch answer's failed list (D) that the jobs layer reads.
const (
	// ReasonTxnID is a transactionId refusal: Enkash already holds a transfer under it.
	ReasonTxnID = "REJECT_TXN_ID"
	// ReasonChecksum is a checksum refusal: a configuration problem, nothing was processed.
	ReasonChecksum = "REJECT_CHKSUM"
	// ReasonFundSource is a fund source refusal: ENKASH_FUND_SOURCE_ID is wrong.
	ReasonFundSource = "REJECT_FND_SRC_ID"
)

// settingChecksum names what to fix when Enkash asks for a checksum we cannot compute (its
// steps are not published).
const settingChecksum = "checksum validation on the Enkash account: ask Enkash to disable it for ENKASH_CLIENT_ID (its checksum steps are not published)"

// IsConfigRefusal reports whether err is Enkash refusing the whole call for a reason of
// configuration, so that nothing of it was processed, and names the setting to fix: 412
// invalid checksum or invalid company id, 422 invalid encrypted request or invalid client id,
// 403 APIs not enabled (D: payout response codes; the code may be the HTTP status or the
// body's response_code, both are read).
func IsConfigRefusal(err error) (setting string, ok bool) {
	var e *APIError
	if !errors.As(err, &e) || errors.Is(err, ErrAuthRejected) {
		return "", false
	}
	text := strings.ToLower(e.Message + " " + e.Body)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(text, w) {
				return true
			}
		}
		return false
	}
	codes := map[int]bool{e.HTTPStatus: true, e.Code: true}
	switch {
	case codes[http.StatusPreconditionFailed] && has("checksum"), has(strings.ToLower(ReasonChecksum)):
		return settingChecksum, true
	case codes[http.StatusPreconditionFailed] && has("company id", "companyid"):
		return "ENKASH_COMPANY_ID", true
	case codes[http.StatusUnprocessableEntity] && has("encrypted request"):
		return "ENKASH_CLIENT_SECRET (the key that encrypts every request)", true
	case codes[http.StatusUnprocessableEntity] && has("client id", "clientid"):
		return "ENKASH_CLIENT_ID", true
	case codes[http.StatusForbidden] && has("not enabled"):
		return "the API access of ENKASH_CLIENT_ID: ask Enkash to enable these APIs for the account", true
	}
	return "", false
}

// ItemConfigRefusal reports whether a per-item reason code of a batch answer is a refusal for
// a reason of configuration, and names the setting to fix.
func ItemConfigRefusal(reason string) (setting string, ok bool) {
	switch strings.ToUpper(strings.TrimSpace(reason)) {
	case ReasonChecksum:
		return settingChecksum, true
	case ReasonFundSource:
		return "ENKASH_FUND_SOURCE_ID", true
	}
	return "", false
}

// ConfigRefusalError is a configuration refusal, naming the setting to fix.
type ConfigRefusalError struct {
	Setting string
	Err     error
}

func (e *ConfigRefusalError) Error() string {
	return fmt.Sprintf("Enkash refused the call for a reason of configuration: check %s (%v)", e.Setting, e.Err)
}

func (e *ConfigRefusalError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err means Enkash's API could not be used, so that the call
// never reached it: no connection, or no token (the token endpoint hung, answered 429 or 5xx,
// or answered something that is not Enkash's API). A refusal of the credentials is
// ErrAuthRejected, not this.
func IsUnreachable(err error) bool {
	if err == nil || errors.Is(err, ErrAuthRejected) {
		return false
	}
	if errors.Is(err, ErrUnreachable) {
		var te *transportError
		return !errors.As(err, &te) || !te.sent
	}
	var tok *tokenError
	return errors.As(err, &tok)
}

// Diagnose words the real cause of an error that stops a run, for a person: Enkash not
// answering in time, an HTML page instead of Enkash's API, a back-off, a server error, no
// connection. It returns "" when it has nothing more precise than err itself.
func Diagnose(err error) string {
	if err == nil {
		return ""
	}
	var e *APIError
	if errors.As(err, &e) {
		body := strings.ToLower(strings.TrimSpace(e.Body))
		switch {
		case strings.HasPrefix(body, "<!doctype html") || strings.HasPrefix(body, "<html") || strings.Contains(body, "<body"):
			return fmt.Sprintf("the answer of %s was an HTML page (HTTP %d), not Enkash's API: check ENKASH_BASE_URL", e.Endpoint, e.HTTPStatus)
		case e.HTTPStatus == http.StatusTooManyRequests:
			return fmt.Sprintf("Enkash asked us to slow down at %s (HTTP 429): run again later, or lower --rate", e.Endpoint)
		case e.HTTPStatus >= 500:
			return fmt.Sprintf("Enkash's service failed at %s (HTTP %d): run again later", e.Endpoint, e.HTTPStatus)
		}
	}
	var te *transportError
	var ne net.Error
	switch {
	case errors.As(err, &te) && errors.As(err, &ne) && ne.Timeout(), errors.As(err, &te) && errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("Enkash did not answer %s within the time limit (--timeout)", te.endpoint)
	case errors.Is(err, ErrUnreachable):
		return "no connection to Enkash could be made: check ENKASH_BASE_URL and the network"
	}
	return ""
}
