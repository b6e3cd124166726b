package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestIngest_PacketSaysWhichEnkash: `batch ingest` talks to no Enkash, yet the approval packet
// it writes says which one its rows are for: SANDBOX with no ENKASH_* set, the live Enkash
// with real credentials. A packet of the sandbox must never read "Live Enkash".
func TestIngest_PacketSaysWhichEnkash(t *testing.T) {
	live := map[string]string{"ENKASH_BASE_URL": "https://api.enkash.example", "ENKASH_CLIENT_ID": "CEKLIVE001",
		"ENKASH_CLIENT_SECRET": "live-secret", "ENKASH_USERNAME": "fin@example.com", "ENKASH_PASSWORD": "live-password"}
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{"sandbox": {nil, "SANDBOX"}, "live": {live, "Live Enkash"}} {
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			src, err := os.ReadFile(filepath.Join("..", "..", "samples", "inbox", "payouts", "payouts_2026-11-23.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(home, "inbox", "payouts"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(home, "inbox", "payouts", "payouts_2026-11-23.csv"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"BATCH_SETTLE": "0s"}
			for k, v := range tc.env {
				env[k] = v
			}
			if code, stdout, stderr := runWith(t, env, "ingest", "--home", home); code > 1 {
				t.Fatalf("ingest: exit %d\n%s\n%s", code, stdout, stderr)
			}
			packets, _ := filepath.Glob(filepath.Join(home, "reports", "approval-*.xlsx"))
			if len(packets) != 1 {
				t.Fatalf("approval packets: %v, want one", packets)
			}
			f, err := excelize.OpenFile(packets[0])
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := f.GetRows(f.GetSheetList()[0])
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			for _, r := range rows {
				text.WriteString(strings.Join(r, " ") + "\n")
			}
			if !strings.Contains(text.String(), tc.want) {
				t.Errorf("packet does not say %q:\n%s", tc.want, text.String())
			}
			if name == "sandbox" && strings.Contains(text.String(), "Live Enkash") {
				t.Errorf("a sandbox packet says Live Enkash:\n%s", text.String())
			}
		})
	}
}
