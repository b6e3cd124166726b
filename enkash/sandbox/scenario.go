package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"enkashbatch/domain"
)

// Scenario makes the sandbox behave one documented way or another (samples/sandbox.yaml shows
// its keys). The zero value, like a nil *Scenario, means: no latency, no faults, every
// transfer succeeds after two polls.
type Scenario struct {
	// Seed makes every random draw (latency, faults, identifiers) reproducible.
	Seed int64 `yaml:"seed"`
	// Latency is added to every request but the inspection ones.
	Latency Latency `yaml:"latency"`
	// SettleAfter says when an accepted transfer reaches its final state; nil means two polls.
	SettleAfter *Settle `yaml:"settle_after"`
	// Balance is the payout account's opening balance; nil means ₹1,00,00,000.00.
	Balance *Rupees `yaml:"balance"`
	// Token shapes the token call.
	Token TokenScenario `yaml:"token"`
	// Faults are injected into the payout API calls.
	Faults Faults `yaml:"faults"`
	// Outcomes decide what becomes of a transfer; the first match wins.
	Outcomes []Outcome `yaml:"outcomes"`
	// Extra are records Enkash has that no file asked for.
	Extra []Extra `yaml:"extra"`
	// Statement are lines of the account statement that no payout explains: fees, debits
	// without a payout, credits such as top-ups.
	Statement []StatementEntry `yaml:"statement"`
}

// Latency is a per-request delay drawn uniformly from [Min, Max] with the scenario's seed.
// In YAML it is a duration ("20ms", Min = Max) or a mapping {min: 5ms, max: 80ms}.
type Latency struct {
	Min, Max time.Duration
}

// Settle says when an accepted transfer becomes final: after Polls searches that returned it,
// or, when After is positive, once After has passed since it was created. In YAML it is a
// number of polls ("2") or a duration ("3s").
type Settle struct {
	Polls int
	After time.Duration
}

// TokenScenario shapes the token call.
type TokenScenario struct {
	// TTL is the lifetime of a token (expiresIn); zero means 300s.
	TTL time.Duration `yaml:"ttl"`
	// Shape is "camel" (default) or "snake", the two documented token answers.
	Shape string `yaml:"shape"`
	// LockAfterFailures is how many consecutive failed token calls lock the account; zero
	// means 3, as documented.
	LockAfterFailures int `yaml:"lock_after_failures"`
	// Basic is the "id:secret" pair the token call must send as Basic authorization; empty
	// means the credentials' OAuthClient, by default enkash-client:enkash-secret (D).
	Basic string `yaml:"basic"`
}

// Faults are shares (0 to 1) of payout API requests that go wrong, plus a rate limit.
// The token call and the inspection endpoints are exempt.
type Faults struct {
	// HTTP500 is the share answered 500 before anything is processed or recorded.
	HTTP500 float64 `yaml:"http_500"`
	// HTTP500AfterCommit is the share processed and recorded, then answered 500.
	HTTP500AfterCommit float64 `yaml:"http_500_after_commit"`
	// Timeout is the share processed and recorded, then held until the client gives up
	// (its request context ends), then answered 504.
	Timeout float64 `yaml:"timeout"`
	// RateLimitPerSecond caps the payout API requests per second (burst: one second's
	// worth); beyond it the answer is 429 with Retry-After. Zero means no limit.
	RateLimitPerSecond float64 `yaml:"rate_limit_per_second"`
	// RefuseConfig refuses whole calls for a configuration reason (refusals.go): a kind such
	// as checksum, or {kind, path, after}, or a list of them.
	RefuseConfig Refusals `yaml:"refuse_config"`
}

// Outcome decides what becomes of the transfers whose transactionId matches.
type Outcome struct {
	// Match is an exact reference or a path.Match glob such as "PAY-00*".
	Match string `yaml:"match"`
	// Status is the final status: SUCCESS (default), FAILED, REJECTED (refused at batch
	// time), REVERSED, or PENDING / PROCESSING (never becomes final).
	Status string `yaml:"status"`
	// Reason is the failure or rejection code reported with FAILED, REJECTED or REVERSED.
	Reason string `yaml:"reason"`
	// Amount, when set, is the amount Enkash records instead of the one sent.
	Amount *Rupees `yaml:"amount"`
	// Drop acknowledges the transfer in the batch answer, after which search never finds it.
	Drop bool `yaml:"drop"`
	// Then is a later status after another settle period; only REVERSED, after SUCCESS.
	Then string `yaml:"then"`
	// NoDebit makes the transfer succeed without a debit on the statement (nor a credit when
	// it is reversed), and leaves the balance alone: a payout the bank never booked.
	NoDebit bool `yaml:"no_debit"`
	// PaymentStatus (bills) is the paymentStatus of a FAILED bill: FAILED (default, the debit
	// failed) or REFUNDED (the money came back).
	PaymentStatus string `yaml:"payment_status"`
	// Fault (bills) answers the first create call of the reference 500: "http_500" before
	// anything is recorded, "http_500_after_commit" once the bill is recorded.
	Fault string `yaml:"fault"`
}

// Matches reports whether the outcome applies to reference ref.
func (o Outcome) Matches(ref string) bool {
	if o.Match == ref {
		return true
	}
	ok, err := path.Match(o.Match, ref)
	return err == nil && ok
}

// Extra is a record Enkash has from the start that no file asked for.
type Extra struct {
	// Kind is the record's kind: "payout" or "bill".
	Kind string `yaml:"kind"`
	// Reference is the record's transactionId.
	Reference string `yaml:"reference"`
	// Amount is the record's transferAmount.
	Amount Rupees `yaml:"amount"`
	// Status is the record's payoutStatus; empty means SUCCESS.
	Status string `yaml:"status"`
	// Reason is its failure reason, if any.
	Reason string `yaml:"reason"`
	// Mode is its transferMode; empty means IMPS.
	Mode string `yaml:"mode"`
	// Beneficiary is the payee of an extra payout, as the search reports it; empty means a
	// payee of the sandbox's own ("Unknown Payee", account 000000000000, IFSC ENKS0000001).
	Beneficiary *ExtraBeneficiary `yaml:"beneficiary"`
	// CreatedAt is when Enkash created the record: a date (RFC 3339, "yyyy-MM-dd HH:mm:ss" or
	// "yyyy-MM-dd" in IST) or an offset from the sandbox's start such as -2h; empty means the
	// start. A record created before a run's intent was committed is not that run's.
	CreatedAt When `yaml:"created_at"`
}

// ExtraBeneficiary is the payee of an extra payout: a registered beneficiary (id), or inline
// details (name with account and IFSC, or a VPA).
type ExtraBeneficiary struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	Account string `yaml:"account"`
	IFSC    string `yaml:"ifsc"`
	VPA     string `yaml:"vpa"`
}

// Rupees is a rupee amount in a scenario, written as decimal text ("999.00", "1,00,000.50",
// quoted or not) and held in paise, never as a float.
type Rupees domain.Paise

// UnmarshalYAML reads the amount from the scalar's text.
func (r *Rupees) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: amount must be a decimal rupee amount such as 999.00", n.Line)
	}
	text := strings.ReplaceAll(strings.TrimSpace(n.Value), ",", "")
	p, err := parseRupees(text)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	if p < 0 {
		return fmt.Errorf("line %d: amount %q is negative", n.Line, n.Value)
	}
	*r = Rupees(p)
	return nil
}

// UnmarshalYAML reads a duration or a {min, max} mapping.
func (l *Latency) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		d, err := yamlDuration(n, "latency")
		if err != nil {
			return err
		}
		l.Min, l.Max = d, d
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			d, err := yamlDuration(val, "latency "+key.Value)
			if err != nil {
				return err
			}
			switch key.Value {
			case "min":
				l.Min = d
			case "max":
				l.Max = d
			default:
				return fmt.Errorf("line %d: field %s not found in latency (keys: min, max)", key.Line, key.Value)
			}
		}
		if l.Max < l.Min {
			return fmt.Errorf("line %d: latency max %s is below min %s", n.Line, l.Max, l.Min)
		}
	default:
		return fmt.Errorf("line %d: latency must be a duration such as 20ms or {min: 5ms, max: 80ms}", n.Line)
	}
	return nil
}

// UnmarshalYAML reads a whole number of polls or a duration.
func (s *Settle) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: settle_after must be a number of polls or a duration such as 3s", n.Line)
	}
	if polls, err := strconv.Atoi(n.Value); err == nil {
		if polls < 0 {
			return fmt.Errorf("line %d: settle_after %d is negative", n.Line, polls)
		}
		*s = Settle{Polls: polls}
		return nil
	}
	d, err := yamlDuration(n, "settle_after")
	if err != nil {
		return err
	}
	*s = Settle{After: d}
	return nil
}

func yamlDuration(n *yaml.Node, what string) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("line %d: %s must be a duration such as 20ms", n.Line, what)
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("line %d: %s %q is not a duration such as 20ms", n.Line, what, n.Value)
	}
	return d, nil
}

// ParseScenario reads a YAML scenario. Unknown keys are an error naming the key and its line,
// so a misspelt fault never silently does nothing. An empty document is the default scenario.
func ParseScenario(data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse scenario: %w", err)
	}
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("parse scenario: %w", err)
	}
	return &sc, nil
}

// LoadScenario reads a YAML scenario file.
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	sc, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("load scenario %s: %w", path, err)
	}
	return sc, nil
}

// outcomeStatuses are the statuses an outcome may name.
var outcomeStatuses = map[string]bool{
	statusSuccess: true, statusFailed: true, statusRejected: true,
	statusReversed: true, statusPending: true, statusProcessing: true,
}

// Validate checks what the YAML decoder cannot check (shares, statuses, globs) and normalises
// status and mode words to upper case, in place. ParseScenario calls it; call it yourself on a
// Scenario built in Go.
func (sc *Scenario) Validate() error {
	sc.normalise()
	switch sc.Token.Shape {
	case "", "camel", "snake":
	default:
		return fmt.Errorf("token shape %q is not camel or snake", sc.Token.Shape)
	}
	if sc.Token.TTL < 0 || sc.Token.LockAfterFailures < 0 {
		return errors.New("token ttl and lock_after_failures may not be negative")
	}
	if id, secret, ok := strings.Cut(sc.Token.Basic, ":"); sc.Token.Basic != "" && (!ok || id == "" || secret == "") {
		return errors.New(`token basic must be the pair "id:secret"`)
	}
	f := sc.Faults
	for name, share := range map[string]float64{"http_500": f.HTTP500, "http_500_after_commit": f.HTTP500AfterCommit, "timeout": f.Timeout} {
		if share < 0 || share > 1 {
			return fmt.Errorf("faults %s %v is not a share between 0 and 1", name, share)
		}
	}
	if f.HTTP500+f.HTTP500AfterCommit+f.Timeout > 1 {
		return errors.New("faults http_500, http_500_after_commit and timeout add up to more than 1")
	}
	if f.RateLimitPerSecond < 0 {
		return fmt.Errorf("faults rate_limit_per_second %v is negative", f.RateLimitPerSecond)
	}
	for i, r := range f.RefuseConfig {
		if err := r.check(); err != nil {
			return fmt.Errorf("faults refuse_config[%d]: %w", i, err)
		}
	}
	for i := range sc.Outcomes {
		o := &sc.Outcomes[i]
		if o.Match == "" {
			return fmt.Errorf("outcomes[%d]: match is required", i)
		}
		if _, err := path.Match(o.Match, ""); err != nil {
			return fmt.Errorf("outcomes[%d]: match %q is not a valid glob: %w", i, o.Match, err)
		}
		if o.Status != "" && !outcomeStatuses[o.Status] {
			return fmt.Errorf("outcomes[%d] (%s): status %q is not one of SUCCESS, FAILED, REJECTED, REVERSED, PENDING, PROCESSING", i, o.Match, o.Status)
		}
		if o.Then != "" && (o.Then != statusReversed || (o.Status != "" && o.Status != statusSuccess)) {
			return fmt.Errorf("outcomes[%d] (%s): then %q: only REVERSED may follow, and only after SUCCESS", i, o.Match, o.Then)
		}
		if o.Amount != nil && *o.Amount == 0 {
			return fmt.Errorf("outcomes[%d] (%s): amount must be positive", i, o.Match)
		}
		if o.NoDebit && o.Status != "" && o.Status != statusSuccess && o.Status != statusReversed {
			return fmt.Errorf("outcomes[%d] (%s): no_debit applies only to a transfer that succeeds, not to status %s", i, o.Match, o.Status)
		}
		if err := checkBillOutcome(*o); err != nil {
			return fmt.Errorf("outcomes[%d] (%s): %w", i, o.Match, err)
		}
	}
	for i := range sc.Statement {
		if err := sc.Statement[i].check(); err != nil {
			return fmt.Errorf("statement[%d]: %w", i, err)
		}
	}
	seen := make(map[string]bool, len(sc.Extra))
	for i := range sc.Extra {
		e := &sc.Extra[i]
		if e.Kind != "payout" && e.Kind != "payouts" && e.Kind != KindBill && e.Kind != KindCustomer && e.Kind != KindInvoice {
			return fmt.Errorf("extra[%d]: kind %q is not modelled (payout, bill, customer or invoice)", i, e.Kind)
		}
		if e.Reference == "" || seen[e.Reference] {
			return fmt.Errorf("extra[%d]: reference %q is empty or repeated", i, e.Reference)
		}
		seen[e.Reference] = true
		if e.Amount <= 0 && e.Kind != KindCustomer {
			return fmt.Errorf("extra[%d] (%s): amount must be positive", i, e.Reference)
		}
		if e.Status != "" && !outcomeStatuses[e.Status] {
			return fmt.Errorf("extra[%d] (%s): status %q is not a payout status", i, e.Reference, e.Status)
		}
		if e.Mode != "" && !transferModes[e.Mode] {
			return fmt.Errorf("extra[%d] (%s): mode %q is not IMPS, NEFT, RTGS or UPI", i, e.Reference, e.Mode)
		}
		if b := e.Beneficiary; b != nil {
			switch {
			case e.Kind != "payout" && e.Kind != "payouts":
				return fmt.Errorf("extra[%d] (%s): beneficiary applies only to a payout", i, e.Reference)
			case b.ID == "" && b.Name == "":
				return fmt.Errorf("extra[%d] (%s): beneficiary needs an id or a name", i, e.Reference)
			case b.Name != "" && (b.Account == "") == (b.VPA == ""):
				return fmt.Errorf("extra[%d] (%s): beneficiary needs an account and IFSC, or a VPA, one of the two", i, e.Reference)
			case b.Account != "" && b.IFSC == "":
				return fmt.Errorf("extra[%d] (%s): beneficiary account %s needs an ifsc", i, e.Reference, b.Account)
			}
		}
	}
	return nil
}

// normalise upper-cases the status and mode words, in place.
func (sc *Scenario) normalise() {
	for i := range sc.Outcomes {
		o := &sc.Outcomes[i]
		o.Status, o.Then = strings.ToUpper(o.Status), strings.ToUpper(o.Then)
		o.PaymentStatus = strings.ToUpper(o.PaymentStatus)
	}
	for i := range sc.Extra {
		e := &sc.Extra[i]
		e.Status, e.Mode = strings.ToUpper(e.Status), strings.ToUpper(e.Mode)
	}
	for i := range sc.Statement {
		e := &sc.Statement[i]
		e.Type, e.Mode = strings.ToUpper(strings.TrimSpace(e.Type)), strings.ToUpper(strings.TrimSpace(e.Mode))
	}
}
