package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"enkashbatch/domain"
	"enkashbatch/ledger"
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
// read from it: ValidateAgainst does). A file that cannot be used is reported in Unusable, not
// as an error; the error is for files that cannot be read at all, and for anything that is not
// a regular file (a FIFO, a device, a folder), which is refused without being waited on.
func Validate(path string) (Validation, error) {
	return validate(context.Background(), path, nil)
}

// ValidateAgainst is Validate, with the file also checked against the ledger db as ingest
// would check it: a file whose content was already processed is Unusable (duplicate_file), and
// a valid row whose reference the ledger already holds is rejected in ingest's own words
// (ledger.CheckReferences). db is only read (ledger.OpenReadOnly).
func ValidateAgainst(ctx context.Context, path string, db *ledger.DB) (Validation, error) {
	return validate(ctx, path, db)
}

// referenceChunk is how many valid rows are looked up in the ledger at once.
const referenceChunk = 500

func validate(ctx context.Context, path string, db *ledger.DB) (Validation, error) {
	v := Validation{File: filepath.Base(path), Errors: []domain.RowError{}}
	// A path named on the command line may be a link: what it points to must be a regular
	// file, opened without blocking (openRegular).
	info, err := os.Stat(path)
	if err != nil {
		return v, fmt.Errorf("validate %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return v, fmt.Errorf("validate %s: it is %s, not a file: only CSV and XLSX files can be validated", path, modeName(info.Mode()))
	}
	f, _, err := openRegular(path, info, true)
	if err != nil {
		return v, fmt.Errorf("validate %s: %w", path, err)
	}
	defer f.Close()
	if db != nil {
		sum, err := hashFile(ctx, f)
		if err != nil {
			return v, fmt.Errorf("validate %s: %w", path, err)
		}
		prior, seen, err := db.AcceptedFile(ctx, sum)
		if err != nil {
			return v, fmt.Errorf("validate %s: %w", path, err)
		}
		if seen {
			v.Kind = prior.Kind
			v.Unusable = &parsers.FileError{File: v.File, Rule: "duplicate_file", Message: fmt.Sprintf(
				"this file's content was already processed as %s on %s: dropped in the inbox, it would be set aside and nothing in it sent again",
				prior.Name, prior.ReceivedAt.Format("02-01-2006 15:04 MST"))}
			return v, nil
		}
		if _, err := f.Seek(0, 0); err != nil {
			return v, fmt.Errorf("validate %s: %w", path, err)
		}
	}
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
	var pending []ledger.ReferenceRow
	checkLedger := func() error {
		if len(pending) == 0 {
			return nil
		}
		errs, err := db.CheckReferences(ctx, v.Kind, v.File, r.ReferenceColumn(), pending)
		if err != nil {
			return fmt.Errorf("validate %s: %w", path, err)
		}
		v.Valid -= len(errs)
		v.Rejected += len(errs)
		v.Errors = append(v.Errors, errs...)
		pending = pending[:0]
		return nil
	}
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
		if ref := row.Reference(); db != nil && ref != "" {
			if pending = append(pending, ledger.ReferenceRow{Line: row.Line, Reference: ref}); len(pending) == referenceChunk {
				if err := checkLedger(); err != nil {
					return v, err
				}
			}
		}
	}
	if err := checkLedger(); err != nil {
		return v, err
	}
	if db != nil {
		sort.SliceStable(v.Errors, func(i, j int) bool { return v.Errors[i].Line < v.Errors[j].Line })
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
