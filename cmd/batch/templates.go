package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"enkashbatch/domain"
	"enkashbatch/internal/atomicfile"
	"enkashbatch/parsers"

	"github.com/spf13/cobra"
)

func init() { register(newTemplatesCommand) }

func newTemplatesCommand(m *Main, _ *settings) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "templates",
		Short: "write the blank input templates (CSV and XLSX) to a folder",
		Args:  cobra.NoArgs,
		RunE:  action(func(*cobra.Command, []string) int { return runTemplates(m, &out) }),
	}
	cmd.Flags().StringVar(&out, "out", "templates", "folder to write the templates to")
	cmd.MarkFlagDirname("out")
	return cmd
}

func runTemplates(m *Main, out *string) int {
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return m.fail(exitUsage, "templates: %v", err)
	}
	for _, k := range domain.Kinds {
		spec, _ := parsers.SpecFor(k)
		for ext, write := range map[string]func(io.Writer, *parsers.Spec) error{".csv": parsers.WriteTemplateCSV, ".xlsx": parsers.WriteTemplateXLSX} {
			path := filepath.Join(*out, string(k)+ext)
			if err := writeFile(path, func(w io.Writer) error { return write(w, spec) }); err != nil {
				return m.fail(exitAttention, "templates: %v", err)
			}
			fmt.Fprintln(m.Stdout, path)
		}
	}
	return exitOK
}

// writeFile writes path atomically: a temporary file beside it, then a rename.
func writeFile(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, 0o600, write); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
