package main

import (
	"context"
	"fmt"

	"enkashbatch/enkash/sandbox"
)

func init() {
	register("sandbox", "run the Enkash simulator on an address, with an optional scenario file", runSandbox)
}

func runSandbox(ctx context.Context, m *Main, args []string) int {
	fs := m.newFlags("sandbox", "[--addr 127.0.0.1:8787] [--scenario FILE]")
	addr := fs.String("addr", "127.0.0.1:8787", "address to listen on")
	scenario := fs.String("scenario", "", "scenario file (YAML): outcomes, faults, latency, settle_after, token, extra")
	if code := m.parse(fs, args); code >= 0 {
		return code
	}
	sc, err := loadScenario(*scenario)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	srv := sandbox.New(sc, sandbox.CredentialsFromEnv(m.LookupEnv))
	url, stop, err := sandbox.Start(ctx, *addr, srv)
	if err != nil {
		return m.fail(exitUsage, "sandbox: %v", err)
	}
	fmt.Fprintf(m.Stdout, "SANDBOX: Enkash simulator listening on %s (Ctrl-C stops it).\n", url)
	fmt.Fprintf(m.Stdout, "In another terminal: ENKASH_BASE_URL=%s batch run\n", url)
	fmt.Fprintf(m.Stdout, "Every reference it received: %s/_sandbox/calls\n", url)
	<-ctx.Done()
	if err := stop(context.Background()); err != nil {
		return m.fail(exitAttention, "sandbox: %v", err)
	}
	return exitOK
}
