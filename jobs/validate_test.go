package jobs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enkashbatch/jobs"
)

func TestValidate_ReferencesDifferingOnlyInCase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "payouts", "payouts_case.csv")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	csv := "Reference,Beneficiary Name,Account Number,IFSC,Amount,Mode\n" +
		"DP-3,Asha Rao,50100234567891,HDFC0001234,1500,IMPS\n" +
		"Dp-3,Asha Rao,50100234567891,HDFC0001234,1500,IMPS\n" +
		"\" dp-3 \",Asha Rao,50100234567891,HDFC0001234,1500,IMPS\n" +
		"DP-4,Asha Rao,50100234567891,HDFC0001234,1500,IMPS\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := jobs.Validate(path)
	if err != nil {
		t.Fatal(err)
	}
	if v.Rows != 4 || v.Valid != 2 || v.Rejected != 2 || len(v.Errors) != 2 {
		t.Fatalf("validate = %d rows, %d valid, %d rejected, errors %+v; want 4, 2, 2", v.Rows, v.Valid, v.Rejected, v.Errors)
	}
	for i, e := range v.Errors {
		if e.Line != 3+i || e.Column != "Reference" || e.Rule != "duplicate_reference" ||
			!strings.Contains(e.Message, `already used by line 2 of this file as "DP-3"`) {
			t.Errorf("error %d = %+v", i, e)
		}
	}
}
