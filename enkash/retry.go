package enkash

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryPolicy says which failures of a call may be retried.
type retryPolicy int

const (
	// retryRead is for calls that change nothing (search, balance): retried on back-off
	// signals, 5xx, timeouts and connection errors.
	retryRead retryPolicy = iota
	// retryCreate is for calls that move money: retried only when Enkash provably did not
	// process the request (a back-off signal, or no connection was ever made). Any other
	// failure goes back to the caller, who resolves it by searching.
	retryCreate
)

// Backoff bounds (stripe-go style: exponential, with jitter).
const (
	minBackoff = 500 * time.Millisecond
	maxBackoff = 20 * time.Second
)

// shouldRetry reports whether a call that failed with err may be sent again under policy p,
// and why. It never retries once ctx is done.
func shouldRetry(ctx context.Context, p retryPolicy, err error) (bool, string) {
	if isCancelled(ctx) {
		return false, "context done"
	}
	if errors.Is(err, ErrAuthRejected) {
		return false, "credentials refused"
	}
	var tok *tokenError
	if errors.As(err, &tok) {
		return false, "token not obtained (the token source retries on its own terms)"
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case isBackOff(ae):
			return true, "enkash asked to back off (HTTP " + strconv.Itoa(ae.HTTPStatus) + ")"
		case p == retryRead && ae.status() >= 500:
			return true, "server error " + strconv.Itoa(ae.status())
		}
		return false, "enkash answered"
	}
	var te *transportError
	if errors.As(err, &te) {
		if !te.sent && errors.Is(err, ErrUnreachable) && !isCertificateError(err) {
			return true, "no connection"
		}
		if p == retryRead && !isCertificateError(err) {
			return true, "transport error"
		}
		return false, "not retried: the request may have been processed"
	}
	return false, "not retryable"
}

// isCertificateError reports whether err is a TLS verification failure, which no retry fixes.
func isCertificateError(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn)
}

// isDialError reports whether err happened while connecting, before any byte of the request
// could be written: connection refused, DNS failure, dial timeout, no route.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// retryWait is how long to wait before attempt number attempt+1 after err: the server's
// Retry-After when it gave one, exponential backoff with jitter otherwise.
func retryWait(err error, attempt int) time.Duration {
	var ae *APIError
	if errors.As(err, &ae) && ae.retryAfter > 0 {
		return ae.retryAfter
	}
	return backoff(attempt)
}

// backoff returns a duration between half and all of minBackoff·2^attempt, capped at maxBackoff.
func backoff(attempt int) time.Duration {
	d := maxBackoff
	if attempt < 16 {
		d = min(minBackoff<<attempt, maxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date. It returns 0 when
// the header is absent or unreadable, and at least 1ms for a date already past (an answer that
// asked us to wait is not retried at once with no pause).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return max(time.Duration(secs)*time.Second, time.Millisecond)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), time.Millisecond)
	}
	return 0
}

// sleep waits for d or until ctx is done, reporting whether the full wait elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
