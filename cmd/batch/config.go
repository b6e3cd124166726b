package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
	"enkashbatch/jobs"
	"enkashbatch/ledger"
)

// settings are the knobs of the commands that touch the data folder or Enkash. Each comes
// from, in order: its flag, its environment variable (BATCH_ and the flag's name, e.g.
// BATCH_POLL_DEADLINE), the config file (--config, keys named like the flags), its default.
// Each command binds the groups it uses (bindEnkash, bindSending...), so that its help lists
// its own flags; the global ones (bindGlobal) are accepted anywhere on the command line.
type settings struct {
	Config       string
	Home         string
	BatchSize    int
	Concurrency  int
	PollInterval time.Duration
	PollDeadline time.Duration
	ResendGrace  time.Duration
	Rate         float64
	Timeout      time.Duration
	Scenario     string
	Tolerance    time.Duration
	// Inbox: when a file is complete enough to take, and whether links are followed.
	Settle             time.Duration
	SettleUnterminated time.Duration
	Stale              time.Duration
	FollowSymlinks     bool
	JSON               bool
	Verbose            bool
	// Approval: the approval policy and the checks before money is sent (approval_settings.go).
	Approval approvalSettings
	// httpClient, when set, carries the Enkash client's calls (serve counts them); nil: the
	// client's default.
	httpClient *http.Client
}

// defaultHome is --home's default.
const defaultHome = "var"

// bindGlobal registers the flags every command accepts, anywhere on the command line.
func bindGlobal(fs *pflag.FlagSet, s *settings) {
	fs.StringVar(&s.Config, "config", "", "YAML file of settings, keys named like the flags (env BATCH_CONFIG)")
	fs.StringVar(&s.Home, "home", defaultHome, "data folder: inbox/, processing/, archive/, rejected/, reports/, ledger.db (env BATCH_HOME)")
	fs.BoolVar(&s.Verbose, "verbose", false, "log progress to stderr")
}

// bindEnkash registers how Enkash (or the built-in sandbox) is talked to.
func bindEnkash(fs *pflag.FlagSet, s *settings) {
	fs.Float64Var(&s.Rate, "rate", 20, "most calls per second to each Enkash endpoint")
	fs.DurationVar(&s.Timeout, "timeout", 30*time.Second, "time limit of one Enkash call")
	fs.StringVar(&s.Scenario, "scenario", "", "sandbox scenario file (YAML) for the built-in sandbox")
}

// bindSending registers how items are sent and followed.
func bindSending(fs *pflag.FlagSet, s *settings) {
	fs.IntVar(&s.BatchSize, "batch-size", 500, "most items in one Enkash batch call")
	fs.IntVar(&s.Concurrency, "concurrency", 4, "most Enkash calls in flight at once")
	fs.DurationVar(&s.PollInterval, "poll-interval", 2*time.Second, "pause between two status polls")
	fs.DurationVar(&s.PollDeadline, "poll-deadline", 10*time.Minute, "how long to wait for items to reach a final status")
	fs.DurationVar(&s.ResendGrace, "resend-grace", 3*time.Minute, "how long Enkash must show no record of an item after an unclear answer before it is sent again (same reference)")
}

// bindMatching registers how statement lines are matched to payouts.
func bindMatching(fs *pflag.FlagSet, s *settings) {
	fs.DurationVar(&s.Tolerance, "match-tolerance", 24*time.Hour, "reconcile: how far apart a statement debit without our reference and a payout of the same amount may be")
}

// bindInbox registers when an inbox file is complete enough to take.
func bindInbox(fs *pflag.FlagSet, s *settings) {
	fs.DurationVar(&s.Settle, "settle", 3*time.Second, "inbox: how long a file's size and modification time must stay unchanged before it is taken")
	fs.DurationVar(&s.SettleUnterminated, "settle-unterminated", time.Minute, "inbox: how long a CSV whose last line has no line ending (or an empty file) must stay unchanged before it is taken")
	fs.DurationVar(&s.Stale, "stale", 15*time.Minute, "inbox: how long an incomplete workbook (its zip not finished) is held back before it is refused as damaged")
	fs.BoolVar(&s.FollowSymlinks, "follow-symlinks", false, "inbox: take a symbolic link to a regular file as that file (links are otherwise set aside unopened)")
}

// bindJSON registers --json.
func bindJSON(fs *pflag.FlagSet, s *settings) {
	fs.BoolVar(&s.JSON, "json", false, "machine-readable output on stdout")
}

// notLayered are the flags the environment and the config file never set.
var notLayered = map[string]bool{"help": true, "version": true}

// layer fills every flag of fs (the running command's, global ones included) not given on the
// command line from the environment, then from the config file. A config file may hold the
// settings of every command (one file serves run, serve and status alike): a key no command
// knows is an error, one this command does not use is left alone.
func (m *Main) layer(root *cobra.Command, fs *pflag.FlagSet) error {
	env := func(name string) (string, bool) {
		v, ok := m.LookupEnv(envName(name))
		return v, ok && v != ""
	}
	file := map[string]string{}
	if cfg := fs.Lookup("config"); cfg != nil {
		path := cfg.Value.String()
		if v, ok := env("config"); ok && !cfg.Changed {
			path = v
		}
		if path != "" {
			var err error
			if file, err = readConfigFile(path); err != nil {
				return err
			}
			known := knownSettings(root)
			for key := range file {
				if !known[key] {
					return fmt.Errorf("config file %s: unknown setting %q", path, key)
				}
			}
		}
	}
	var errs []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || notLayered[f.Name] {
			return
		}
		v, ok := env(f.Name)
		source := "environment variable " + envName(f.Name)
		if !ok {
			v, ok = file[f.Name]
			source = "config file setting " + f.Name
		}
		if ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", source, err))
			}
		}
	})
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// envName is the environment variable of a flag: BATCH_POLL_DEADLINE for --poll-deadline.
func envName(flag string) string {
	return "BATCH_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// knownSettings is the name of every flag of every command: the keys a config file may hold.
func knownSettings(root *cobra.Command) map[string]bool {
	known := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.PersistentFlags(), c.LocalNonPersistentFlags(), c.Flags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if !notLayered[f.Name] {
					known[f.Name] = true
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return known
}

func readConfigFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = fmt.Sprint(v)
	}
	return out, nil
}

func (s *settings) logger(m *Main) *slog.Logger {
	level := slog.LevelWarn
	if s.Verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: level}))
}

// connection is a live way to Enkash: the real one, or the built-in sandbox.
type connection struct {
	Client   *enkash.Client
	Endpoint string
	// Sandbox is set when talking to a sandbox: in-process, or one run by `batch sandbox`
	// with its demo credentials.
	Sandbox bool
	// InProcess is set when the sandbox runs inside this process.
	InProcess bool
	close     func()
}

// Close stops an in-process sandbox.
func (c *connection) Close() { c.close() }

// errConfig marks configuration errors (exit 2).
type errConfig struct{ msg string }

func (e *errConfig) Error() string { return e.msg }

// connect reads the ENKASH_* variables: the four credentials, ENKASH_BASE_URL,
// ENKASH_OAUTH_CLIENT (the token call's Basic pair, "id:secret"; default the documented
// enkash-client pair), ENKASH_COMPANY_ID, ENKASH_FUND_SOURCE_ID and
// ENKASH_DEBIT_ACCOUNT_NUMBER. A refused login is remembered in the data folder (loginGuard). With none of them set, it starts the built-in sandbox
// on a loopback port and talks to it with the sandbox's demo credentials.
func (m *Main) connect(ctx context.Context, s *settings) (*connection, error) {
	get := func(name string) string { v, _ := m.LookupEnv(name); return strings.TrimSpace(v) }
	base := get("ENKASH_BASE_URL")
	names := []string{"ENKASH_CLIENT_ID", "ENKASH_CLIENT_SECRET", "ENKASH_USERNAME", "ENKASH_PASSWORD"}
	var missing []string
	for _, n := range names {
		if get(n) == "" {
			missing = append(missing, n)
		}
	}
	conn := &connection{close: func() {}}
	demo := sandbox.DemoCredentials()
	creds := sandbox.CredentialsFromEnv(m.LookupEnv)
	switch {
	case base == "" && len(missing) == len(names):
		sc, err := loadScenario(s.Scenario)
		if err != nil {
			return nil, err
		}
		srv := sandbox.New(sc, creds)
		save, err := restoreSandbox(srv, s.Home, s.logger(m))
		if err != nil {
			return nil, err
		}
		url, stop, err := sandbox.Start(ctx, "127.0.0.1:0", srv)
		if err != nil {
			return nil, fmt.Errorf("start the built-in sandbox: %w", err)
		}
		base, conn.InProcess, conn.Sandbox = url, true, true
		conn.close = func() { stop(context.Background()); save() }
	case base == "":
		return nil, &errConfig{"ENKASH_BASE_URL is not set: set it to Enkash's host, or unset every ENKASH_* variable to use the built-in sandbox"}
	case len(missing) > 0 && !isLoopback(base):
		return nil, &errConfig{"missing " + strings.Join(missing, ", ") + ": Enkash needs all four (the demo defaults are only for a sandbox on this machine)"}
	}
	conn.Sandbox = conn.Sandbox || creds == demo
	fundSource, debitAccount := get("ENKASH_FUND_SOURCE_ID"), get("ENKASH_DEBIT_ACCOUNT_NUMBER")
	if conn.Sandbox {
		// A rehearsal against the sandbox works without them; Enkash itself needs both.
		fundSource = cmp.Or(fundSource, sandboxFundSourceID)
		debitAccount = cmp.Or(debitAccount, sandboxDebitAccount)
	}
	client, err := enkash.New(enkash.Config{
		BaseURL: base, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, Username: creds.Username, Password: creds.Password,
		OAuthClient: get("ENKASH_OAUTH_CLIENT"),
		CompanyID:   get("ENKASH_COMPANY_ID"), FundSourceID: fundSource, DebitAccountNumber: debitAccount,
		Guard:   loginGuard{home: s.Home},
		Timeout: s.Timeout, RatePerSecond: s.Rate, Logger: s.logger(m), HTTPClient: s.httpClient,
	})
	if err != nil {
		conn.close()
		return nil, &errConfig{err.Error()}
	}
	conn.Client, conn.Endpoint = client, enkash.RedactedURL(base)
	return conn, nil
}

// The fund source and bank account a sandbox rehearsal uses when ENKASH_FUND_SOURCE_ID and
// ENKASH_DEBIT_ACCOUNT_NUMBER are not set: the fund source of Enkash's own examples
// (docs/enkash.md, "Balance").
const (
	sandboxFundSourceID = "EKCI4XTWKC"
	sandboxDebitAccount = "000111222333"
)

// sandboxStateFile, in the data folder, carries the built-in sandbox's state from one command
// to the next, so that a rehearsal talks to one Enkash throughout: the payouts, batches,
// statement and balance of earlier commands are still there. The scenario file applies to what
// happens next (latency, faults, settling, the outcome of each transfer accepted from now on);
// what already happened stays as it was: a transfer keeps the outcome it got when it was
// accepted, and the extra records, statement lines and opening balance are those of the first
// command. Delete the file to start from an empty Enkash playing the scenario afresh.
const sandboxStateFile = "sandbox-state.json"

// restoreSandbox loads the built-in sandbox's saved state from the data folder, if there is
// one, and returns the function that saves it back, to be called once the sandbox has stopped.
// Saving happens when the command ends: a process killed outright loses what its sandbox saw.
func restoreSandbox(srv *sandbox.Server, home string, log *slog.Logger) (save func(), err error) {
	path := filepath.Join(home, sandboxStateFile)
	switch err := srv.LoadFile(path); {
	case errors.Is(err, fs.ErrNotExist):
		log.Info("built-in sandbox: no saved state, starting empty", "state", path)
	case err != nil:
		return nil, &errConfig{fmt.Sprintf("built-in sandbox: %v\nMove that file away to start the built-in sandbox afresh.", err)}
	default:
		log.Info("built-in sandbox: loaded its saved state", "state", path)
	}
	return func() {
		err := srv.SaveFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// No data folder: the command stopped before it used one, so nothing was sent.
		case err != nil:
			// Close has no error to return; the next command will not know this one's payouts.
			log.Error("built-in sandbox: state not saved", "err", err)
		default:
			log.Info("built-in sandbox: saved its state", "state", path)
		}
	}, nil
}

func loadScenario(path string) (*sandbox.Scenario, error) {
	if path == "" {
		return nil, nil
	}
	sc, err := sandbox.LoadScenario(path)
	if err != nil {
		return nil, &errConfig{err.Error()}
	}
	return sc, nil
}

func isLoopback(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// openAll connects to Enkash (or starts the built-in sandbox) and opens the data folder's
// ledger; closeAll releases both.
func (m *Main) openAll(ctx context.Context, s *settings) (conn *connection, db *ledger.DB, closeAll func(), err error) {
	conn, err = m.connect(ctx, s)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err = openLedger(ctx, s)
	if err != nil {
		conn.Close()
		return nil, nil, nil, &errConfig{err.Error()}
	}
	return conn, db, func() { db.Close(); conn.Close() }, nil
}

// openLedger opens the data folder's ledger, creating the folder.
func openLedger(ctx context.Context, s *settings) (*ledger.DB, error) {
	if err := jobs.EnsureHome(s.Home); err != nil {
		return nil, err
	}
	return ledger.Open(ctx, s.Home+"/ledger.db")
}

// india is the time zone reports are written in: Indian Standard Time, embedded in the
// binary (time/tzdata) so that a machine without zone data still has it.
var india = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		return time.FixedZone("IST", 5*3600+1800)
	}
	return loc
}()

// pipelineConfig turns settings into the pipeline's configuration.
func (s *settings) pipelineConfig(m *Main, conn *connection) jobs.Config {
	cfg := jobs.Config{
		Home: s.Home, BatchSize: s.BatchSize, Concurrency: s.Concurrency,
		PollInterval: s.PollInterval, PollDeadline: s.PollDeadline, ResendGrace: s.ResendGrace, MatchTolerance: s.Tolerance,
		Logger: s.logger(m), Location: india, Inbox: s.inboxPolicy(), Checkpoint: crashCheckpoint(),
		Approval: s.Approval.policy(), BalanceCheck: s.Approval.BalanceCheck, BillsChecker: s.Approval.BillsChecker,
	}
	// A command that does not talk to Enkash (ingest, approve, report) still says which one
	// its outputs are for: the sandbox's demo credentials (the default with no ENKASH_* set)
	// mean the sandbox, as connect decides.
	cfg.Sandbox = sandbox.CredentialsFromEnv(m.LookupEnv) == sandbox.DemoCredentials()
	if conn != nil {
		cfg.Sandbox, cfg.Endpoint = conn.Sandbox, conn.Endpoint
		if conn.InProcess {
			// The in-process sandbox answers at once and keeps its records in the data
			// folder: there is nothing to wait for before a resend.
			cfg.ResendGrace = 0
		}
	}
	return cfg
}

// inboxPolicy is when an inbox file is complete enough to take.
func (s *settings) inboxPolicy() jobs.InboxPolicy {
	return jobs.InboxPolicy{Settle: s.Settle, SettleUnterminated: s.SettleUnterminated, Stale: s.Stale, FollowSymlinks: s.FollowSymlinks}
}
