package sandbox_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"enkashbatch/enkash/sandbox"
)

func TestParseScenario(t *testing.T) {
	t.Run("design example verbatim", func(t *testing.T) {
		data, err := os.ReadFile("testdata/design_example.yaml")
		if err != nil {
			t.Fatal(err)
		}
		sc, err := sandbox.ParseScenario(data)
		if err != nil {
			t.Fatalf("ParseScenario(the design example): %v", err)
		}
		if sc.Seed != 7 || sc.Latency != (sandbox.Latency{Min: 20 * time.Millisecond, Max: 20 * time.Millisecond}) {
			t.Errorf("seed/latency = %d/%+v", sc.Seed, sc.Latency)
		}
		if sc.SettleAfter == nil || *sc.SettleAfter != (sandbox.Settle{Polls: 2}) {
			t.Errorf("settle_after = %+v, want 2 polls", sc.SettleAfter)
		}
		if sc.Token != (sandbox.TokenScenario{TTL: 300 * time.Second, Shape: "camel", LockAfterFailures: 3}) {
			t.Errorf("token = %+v", sc.Token)
		}
		want := sandbox.Faults{HTTP500: 0.05, HTTP500AfterCommit: 0.02, Timeout: 0.02, RateLimitPerSecond: 50}
		if !reflect.DeepEqual(sc.Faults, want) {
			t.Errorf("faults = %+v, want %+v", sc.Faults, want)
		}
		if len(sc.Outcomes) != 6 || sc.Outcomes[1].Amount == nil || *sc.Outcomes[1].Amount != 999_00 ||
			!sc.Outcomes[3].Drop || sc.Outcomes[4].Then != "REVERSED" || sc.Outcomes[0].Reason != "REJECT_BENEF_ACC" {
			t.Errorf("outcomes = %+v", sc.Outcomes)
		}
		if !sc.Outcomes[5].Matches("INV-42") || sc.Outcomes[5].Matches("PAY-42") {
			t.Error("glob INV-* does not match as path.Match")
		}
		if len(sc.Extra) != 1 || sc.Extra[0].Reference != "PAY-X001" || sc.Extra[0].Amount != 100_00 {
			t.Errorf("extra = %+v", sc.Extra)
		}
	})

	t.Run("unknown key names key and line", func(t *testing.T) {
		_, err := sandbox.ParseScenario([]byte("seed: 1\nfaults:\n  http_501: 0.5\n"))
		if err == nil || !strings.Contains(err.Error(), "http_501") || !strings.Contains(err.Error(), "line 3") {
			t.Fatalf("err = %v, want one naming http_501 on line 3", err)
		}
		_, err = sandbox.ParseScenario([]byte("latency: {min: 1ms, maxi: 2ms}\n"))
		if err == nil || !strings.Contains(err.Error(), "maxi") || !strings.Contains(err.Error(), "line 1") {
			t.Fatalf("err = %v, want one naming maxi on line 1", err)
		}
		_, err = sandbox.ParseScenario([]byte("outcomes:\n  - {match: A, staus: FAILED}\n"))
		if err == nil || !strings.Contains(err.Error(), "staus") {
			t.Fatalf("err = %v, want one naming staus", err)
		}
	})

	t.Run("latency forms", func(t *testing.T) {
		for text, want := range map[string]sandbox.Latency{
			"latency: 20ms":                  {Min: 20 * time.Millisecond, Max: 20 * time.Millisecond},
			"latency: {min: 5ms, max: 80ms}": {Min: 5 * time.Millisecond, Max: 80 * time.Millisecond},
			"latency:\n  max: 1s":            {Max: time.Second},
		} {
			sc, err := sandbox.ParseScenario([]byte(text))
			if err != nil || sc.Latency != want {
				t.Errorf("%q: %+v, %v; want %+v", text, sc, err, want)
			}
		}
	})

	t.Run("settle_after forms", func(t *testing.T) {
		for text, want := range map[string]sandbox.Settle{
			"settle_after: 2":  {Polls: 2},
			"settle_after: 0":  {Polls: 0},
			"settle_after: 3s": {After: 3 * time.Second},
		} {
			sc, err := sandbox.ParseScenario([]byte(text))
			if err != nil || sc.SettleAfter == nil || *sc.SettleAfter != want {
				t.Errorf("%q: %+v, %v; want %+v", text, sc, err, want)
			}
		}
	})

	t.Run("empty is the default", func(t *testing.T) {
		sc, err := sandbox.ParseScenario(nil)
		if err != nil || sc.SettleAfter != nil || len(sc.Outcomes) != 0 {
			t.Fatalf("ParseScenario(nil) = %+v, %v", sc, err)
		}
	})

	t.Run("bad values", func(t *testing.T) {
		for _, text := range []string{
			"latency: fast",
			"latency: {min: 80ms, max: 5ms}",
			"settle_after: -1",
			"settle_after: soon",
			"token: {shape: kebab}",
			"faults: {http_500: 1.5}",
			"faults: {http_500: 0.6, timeout: 0.6}",
			"faults: {rate_limit_per_second: -1}",
			"outcomes: [{status: FAILED}]",
			"outcomes: [{match: 'PAY-[', status: FAILED}]",
			"outcomes: [{match: A, status: LOST}]",
			"outcomes: [{match: A, status: FAILED, then: REVERSED}]",
			"outcomes: [{match: A, amount: 12.345}]",
			"outcomes: [{match: A, amount: [1]}]",
			"extra: [{kind: reward, reference: R1, amount: 1}]",
			"extra: [{kind: payout, reference: P1, amount: 0}]",
			"extra: [{kind: payout, reference: P1, amount: 1}, {kind: payout, reference: P1, amount: 2}]",
			"seed: [1]",
		} {
			if sc, err := sandbox.ParseScenario([]byte(text)); err == nil {
				t.Errorf("%q accepted: %+v", text, sc)
			}
		}
	})

	t.Run("statuses normalised, amounts with Indian commas", func(t *testing.T) {
		sc, err := sandbox.ParseScenario([]byte("balance: '1,00,000.50'\noutcomes: [{match: A, status: failed}]\n"))
		if err != nil {
			t.Fatal(err)
		}
		if sc.Outcomes[0].Status != "FAILED" || sc.Balance == nil || *sc.Balance != 1_00_000_50 {
			t.Fatalf("got %+v balance %v", sc.Outcomes, sc.Balance)
		}
	})
}

func TestLoadScenario(t *testing.T) {
	t.Run("demo", func(t *testing.T) {
		sc, err := sandbox.LoadScenario("testdata/demo.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.Outcomes) == 0 || len(sc.Extra) == 0 {
			t.Fatalf("demo scenario has no outcomes or extras: %+v", sc)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if _, err := sandbox.LoadScenario(filepath.Join(t.TempDir(), "nope.yaml")); err == nil {
			t.Fatal("no error for a missing file")
		}
	})
	t.Run("error names the file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "bad.yaml")
		if err := os.WriteFile(p, []byte("sed: 1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := sandbox.LoadScenario(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "sed") {
			t.Fatalf("err = %v", err)
		}
	})
}
