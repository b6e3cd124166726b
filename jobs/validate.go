package jobs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

// Validation is the outcome of a dry run over one file (the JSON of `batch validate --json`).
type Validation struct {
	File     string            `json:"file"`
	Kind     domain.Kind       `json:"kind"`
	Rows     int               `json:"rows"`
	Valid    int               `json:"valid"`
	Rejected int               `json:"rejected"`
	Errors   []domain.RowError `json:"errors"`
	Unknown  []string          `json:"unknown_columns,omitempty"`
	// Unusable is set when the file as a whole cannot be used.
	Unusable *parsers.FileError `json:"unusable,omitempty"`
}

// Validate parses and validates a file without recording or sending anything. Duplicate
// references within the file are found too, regardless of case and surrounding spaces
// (domain.ReferenceKey), as ingest finds them; those against the ledger are not (nothing is
// read from it). A file that cannot be used is reported in Unusable, not as an error; the
// error is for files that cannot be read at all.
func Validate(path string) (Validation, error) {
	v := Validation{File: filepath.Base(path), Errors: []domain.RowError{}}
	f, err := os.Open(path)
	if err != nil {
		return v, fmt.Errorf("validate %s: %w", path, err)
	}
	defer f.Close()
	var spec *parsers.Spec
	if k, ok := domain.ParseKind(filepath.Base(filepath.Dir(path))); ok {
		spec, _ = parsers.SpecFor(k)
	}
	r, err := parsers.Open(v.File, f, spec)
	if err != nil {
		return v, unusable(&v, err)
	}
	defer r.Close()
	v.Kind, v.Unknown = r.Kind(), r.Unknown()
	type first struct {
		line int
		ref  string
	}
	seen := map[string]first{}
	for row, err := range r.Rows() {
		if err != nil {
			return v, unusable(&v, err)
		}
		v.Rows++
		errs := row.Errors
		if ref := row.Reference(); len(errs) == 0 && ref != "" {
			key := domain.ReferenceKey(ref)
			if f, dup := seen[key]; dup {
				msg := fmt.Sprintf("reference %q is already used by line %d of this file", ref, f.line)
				if f.ref != ref {
					msg += fmt.Sprintf(" as %q (references differing only in capitals or spaces are the same reference)", f.ref)
				}
				errs = []domain.RowError{{Line: row.Line, Column: r.ReferenceColumn(), Rule: "duplicate_reference",
					Message: msg + "; each row needs its own reference"}}
			} else {
				seen[key] = first{row.Line, ref}
			}
		}
		if len(errs) > 0 {
			v.Rejected++
			v.Errors = append(v.Errors, errs...)
			continue
		}
		v.Valid++
	}
	return v, nil
}

func unusable(v *Validation, err error) error {
	var fe *parsers.FileError
	if errors.As(err, &fe) {
		v.Unusable = fe
		return nil
	}
	return err
}
