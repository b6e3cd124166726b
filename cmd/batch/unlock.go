package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"enkashbatch/enkash"
	"enkashbatch/internal/atomicfile"

	"github.com/spf13/cobra"
)

func init() { register(newUnlockCommand) }

func newUnlockCommand(m *Main, s *settings) *cobra.Command {
	return &cobra.Command{
		Use:   "unlock",
		Short: "forget a login Enkash refused, so that the next command may try the same credentials again",
		Args:  cobra.NoArgs,
		RunE:  action(func(*cobra.Command, []string) int { return runUnlock(m, s) }),
	}
}

// loginRefusedFile, in the data folder, records a login Enkash refused. Enkash locks the
// account after three refused logins, and `batch serve --once` from cron would spend one each
// run: while the file names the credentials in use, no command asks Enkash for a token.
// Changing the credentials lets the next command through; `batch unlock` deletes the file.
const loginRefusedFile = "enkash-login-refused.json"

// loginRecord is the file's content: never the password, only a short fingerprint of the
// credentials (enkash.Fingerprint), enough to tell that they changed.
type loginRecord struct {
	Fingerprint string    `json:"fingerprint"`
	RefusedAt   time.Time `json:"refused_at"`
	Reason      string    `json:"reason"`
}

// loginGuard is the enkash.LoginGuard of a data folder.
type loginGuard struct{ home string }

func (g loginGuard) path() string { return filepath.Join(g.home, loginRefusedFile) }

func (g loginGuard) read() (*loginRecord, error) {
	data, err := os.ReadFile(g.path())
	if err != nil {
		return nil, err
	}
	var rec loginRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("read %s: %w (delete it with: batch unlock --home %s)", g.path(), err, g.home)
	}
	return &rec, nil
}

// Check refuses while the file names these credentials.
func (g loginGuard) Check(fingerprint string) error {
	rec, err := g.read()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case rec.Fingerprint != fingerprint:
		return nil // the credentials changed since
	}
	return fmt.Errorf("Enkash refused these credentials at %s (%s). No token request is made with them again, "+
		"since three refused logins lock the account: %s records it. Fix ENKASH_USERNAME, ENKASH_PASSWORD, ENKASH_CLIENT_ID "+
		"or ENKASH_OAUTH_CLIENT (new credentials are tried at once), or, once Enkash confirms these are right and the "+
		"account is not locked, clear the record with: batch unlock --home %s",
		rec.RefusedAt.In(india).Format("2006-01-02 15:04:05 MST"), rec.Reason, g.path(), g.home)
}

// Refused writes the file (atomically, readable by its owner only).
func (g loginGuard) Refused(fingerprint, reason string) error {
	if len(reason) > 400 {
		reason = reason[:400] + "..."
	}
	data, err := json.MarshalIndent(loginRecord{Fingerprint: fingerprint, RefusedAt: time.Now().UTC(), Reason: reason}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(g.home, 0o755); err != nil {
		return fmt.Errorf("record the refused login: %w", err)
	}
	if err := atomicfile.WriteBytes(g.path(), 0o600, append(data, '\n')); err != nil {
		return fmt.Errorf("record the refused login: %w", err)
	}
	return nil
}

// Accepted deletes the file: Enkash took the credentials in use.
func (g loginGuard) Accepted(string) error {
	if err := os.Remove(g.path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

var _ enkash.LoginGuard = loginGuard{}

func runUnlock(m *Main, s *settings) int {
	g := loginGuard{home: s.Home}
	rec, err := g.read()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(m.Stdout, "No refused login is recorded in %s: nothing to unlock.\n", g.path())
		return exitOK
	case err != nil && !strings.Contains(err.Error(), "batch unlock"):
		return m.fail(exitUsage, "%v", err)
	}
	if err := os.Remove(g.path()); err != nil {
		return m.fail(exitUsage, "unlock: %v", err)
	}
	if rec != nil {
		fmt.Fprintf(m.Stdout, "Forgot the login Enkash refused at %s (%s).\n", rec.RefusedAt.In(india).Format("2006-01-02 15:04:05 MST"), rec.Reason)
	} else {
		fmt.Fprintf(m.Stdout, "Deleted the unreadable %s.\n", g.path())
	}
	fmt.Fprintln(m.Stdout, "The next command will ask Enkash for a token with the credentials in use. If Enkash refuses them again, "+
		"that is one more refused login towards the lockout (three lock the account): run `"+s.hint("doctor")+"` first.")
	return exitOK
}
