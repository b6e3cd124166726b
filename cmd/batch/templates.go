package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"enkashbatch/domain"
	"enkashbatch/internal/atomicfile"
	"enkashbatch/parsers"
)

func init() {
	register("templates", "write the blank input templates (CSV and XLSX) to a folder", runTemplates)
}

func runTemplates(_ context.Context, m *Main, args []string) int {
	fs := m.newFlags("templates", "[--out FOLDER]")
	out := fs.String("out", "templates", "folder to write the templates to")
	if code := m.parse(fs, args); code >= 0 {
		return code
	}
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
