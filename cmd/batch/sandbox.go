package main

import (
	"context"
	"fmt"

	"enkashbatch/enkash/sandbox"

	"github.com/spf13/cobra"
)

func init() { register(newSandboxCommand) }

func newSandboxCommand(m *Main, s *settings) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "run the Enkash simulator on an address, with an optional scenario file",
		Args:  cobra.NoArgs,
		RunE:  action(func(cmd *cobra.Command, _ []string) int { return runSandbox(cmd.Context(), m, addr, s.Scenario) }),
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8787", "address to listen on")
	cmd.Flags().StringVar(&s.Scenario, "scenario", "", "scenario file (YAML): outcomes, faults, latency, settle_after, token, extra")
	cmd.MarkFlagFilename("scenario", "yaml", "yml")
	return cmd
}

func runSandbox(ctx context.Context, m *Main, addr, scenario string) int {
	sc, err := loadScenario(scenario)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	srv := sandbox.New(sc, sandbox.CredentialsFromEnv(m.LookupEnv))
	url, stop, err := sandbox.Start(ctx, addr, srv)
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
