package main

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// enkashMetrics counts the Enkash client's HTTP calls by endpoint, as an http.RoundTripper
// around the client's transport, so that the enkash package stays free of metrics. It never
// looks at bodies or headers: nothing secret passes through it.
type enkashMetrics struct {
	next http.RoundTripper
	now  func() time.Time

	mu        sync.Mutex
	endpoints map[string]*endpointStats
	tokenOK   time.Time // last token call answered 2xx
	tokenFail time.Time // last token call that failed (any way)
	lastErr   string    // why it failed, in words
}

type endpointStats struct {
	codes   map[string]int64 // by HTTP status code; "error" when no answer came
	errors  map[string]int64 // by reason: transport, status_4xx, status_5xx
	buckets []int64          // latency histogram, cumulative at exposition
	sum     float64
	count   int64
}

// latencyBuckets are the upper bounds of the Enkash call latency histogram, in seconds.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// tokenPath is Enkash's token endpoint (docs/enkash.md, "Token").
const tokenPath = "/oauth/token"

// reachableWithin is how recent a successful token call must be for /healthz to call Enkash
// reachable.
const reachableWithin = 15 * time.Minute

func newEnkashMetrics() *enkashMetrics {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return &enkashMetrics{next: t, now: time.Now, endpoints: map[string]*endpointStats{}}
}

// client returns an HTTP client whose calls are counted.
func (m *enkashMetrics) client() *http.Client { return &http.Client{Transport: m} }

// RoundTrip sends the request and counts it.
func (m *enkashMetrics) RoundTrip(req *http.Request) (*http.Response, error) {
	start := m.now()
	resp, err := m.next.RoundTrip(req)
	took := m.now().Sub(start).Seconds()
	ep := req.Method + " " + endpointPath(req.URL.Path)

	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.endpoints[ep]
	if st == nil {
		st = &endpointStats{codes: map[string]int64{}, errors: map[string]int64{}, buckets: make([]int64, len(latencyBuckets))}
		m.endpoints[ep] = st
	}
	st.count++
	st.sum += took
	for i, b := range latencyBuckets {
		if took <= b {
			st.buckets[i]++
			break
		}
	}
	isToken := strings.HasSuffix(req.URL.Path, tokenPath)
	switch {
	case err != nil:
		st.codes["error"]++
		st.errors["transport"]++
		if isToken {
			m.tokenFail, m.lastErr = m.now(), "token call got no answer"
		}
	default:
		st.codes[strconv.Itoa(resp.StatusCode)]++
		switch {
		case resp.StatusCode >= 500:
			st.errors["status_5xx"]++
		case resp.StatusCode >= 400:
			st.errors["status_4xx"]++
		}
		if isToken {
			if resp.StatusCode/100 == 2 {
				m.tokenOK = m.now()
			} else {
				m.tokenFail, m.lastErr = m.now(), fmt.Sprintf("token call answered HTTP %d", resp.StatusCode)
			}
		}
	}
	return resp, err
}

// reachable reports whether a token call succeeded recently and none failed since, with the
// time of the last success and the last failure's reason.
func (m *enkashMetrics) reachable() (ok bool, lastOK time.Time, lastErr string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ok = !m.tokenOK.IsZero() && m.now().Sub(m.tokenOK) <= reachableWithin && !m.tokenFail.After(m.tokenOK)
	if m.tokenFail.After(m.tokenOK) {
		lastErr = m.lastErr
	}
	return ok, m.tokenOK, lastErr
}

// endpointPath keeps an endpoint's path and replaces the segments that are ids (they hold a
// digit, and are not a version such as v0) with {id}, so the label set stays small.
func endpointPath(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.IndexFunc(s, unicode.IsDigit) >= 0 && !isVersion(s) {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

func isVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	_, err := strconv.Atoi(s[1:])
	return err == nil
}

// writeEnkash writes the Enkash call metrics in the Prometheus text format.
func (m *enkashMetrics) writeEnkash(p *promWriter) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.endpoints))
	for ep := range m.endpoints {
		names = append(names, ep)
	}
	sort.Strings(names)
	p.family("batch_enkash_requests_total", "counter", "Enkash HTTP calls by endpoint and status code (error: no answer).")
	for _, ep := range names {
		for _, code := range sortedKeys(m.endpoints[ep].codes) {
			p.sample("batch_enkash_requests_total", float64(m.endpoints[ep].codes[code]), "endpoint", ep, "code", code)
		}
	}
	p.family("batch_enkash_request_errors_total", "counter", "Enkash HTTP calls that failed, by endpoint and reason (transport, status_4xx, status_5xx).")
	for _, ep := range names {
		for _, reason := range sortedKeys(m.endpoints[ep].errors) {
			p.sample("batch_enkash_request_errors_total", float64(m.endpoints[ep].errors[reason]), "endpoint", ep, "reason", reason)
		}
	}
	p.family("batch_enkash_request_duration_seconds", "histogram", "Latency of Enkash HTTP calls by endpoint, retries counted one by one.")
	for _, ep := range names {
		st := m.endpoints[ep]
		var cum int64
		for i, b := range latencyBuckets {
			cum += st.buckets[i]
			p.sample("batch_enkash_request_duration_seconds_bucket", float64(cum), "endpoint", ep, "le", strconv.FormatFloat(b, 'g', -1, 64))
		}
		p.sample("batch_enkash_request_duration_seconds_bucket", float64(st.count), "endpoint", ep, "le", "+Inf")
		p.sample("batch_enkash_request_duration_seconds_sum", st.sum, "endpoint", ep)
		p.sample("batch_enkash_request_duration_seconds_count", float64(st.count), "endpoint", ep)
	}
	p.family("batch_enkash_last_token_success_timestamp_seconds", "gauge", "When a token call last succeeded (Unix time; 0: not since the daemon started).")
	var ts float64
	if !m.tokenOK.IsZero() {
		ts = float64(m.tokenOK.UnixMilli()) / 1000
	}
	p.sample("batch_enkash_last_token_success_timestamp_seconds", ts)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// promWriter writes the Prometheus text exposition format (version 0.0.4): a # HELP and a
// # TYPE line per family, then its samples. The first write error sticks.
type promWriter struct {
	w   io.Writer
	err error
}

// promContentType is the media type of the text format.
const promContentType = "text/plain; version=0.0.4; charset=utf-8"

func (p *promWriter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *promWriter) family(name, typ, help string) {
	help = strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(help)
	p.printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// sample writes one sample; labels are name, value pairs.
func (p *promWriter) sample(name string, value float64, labels ...string) {
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i])
			b.WriteString(`="`)
			b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(labels[i+1]))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	p.printf("%s %s\n", b.String(), formatValue(value))
}

// formatValue writes whole numbers (counts, paise) in full rather than in exponent form.
func formatValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// writeOpenExceptions writes the open exceptions as a gauge by category and severity. Every
// category of the vocabulary is written, at zero when none is open (at its usual severity),
// so that an alert on a category has a series to watch before the first one is raised.
func writeOpenExceptions(p *promWriter, counts []ledger.ExceptionCount) {
	const name = "batch_open_exceptions"
	p.family(name, "gauge", "Open (unresolved) exceptions by category and severity; `batch exceptions --open` lists them.")
	seen := map[domain.Category]bool{}
	for _, c := range counts {
		seen[c.Category] = true
	}
	all := slices.Clone(counts)
	for _, c := range categoryOrder {
		if !seen[c] {
			all = append(all, ledger.ExceptionCount{Category: c, Severity: c.Severity()})
		}
	}
	slices.SortFunc(all, func(a, b ledger.ExceptionCount) int {
		return cmp.Or(cmp.Compare(a.Category, b.Category), cmp.Compare(a.Severity.Rank(), b.Severity.Rank()))
	})
	for _, c := range all {
		p.sample(name, float64(c.Count), "category", string(c.Category), "severity", string(c.Severity))
	}
}
