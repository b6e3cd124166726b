package enkash_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"enkashbatch/enkash"
)

// TestIsConfigRefusal: the documented whole-call refusals for a reason of configuration are
// recognised by HTTP status or response_code and name the setting; a refusal of the data is not.
func TestIsConfigRefusal(t *testing.T) {
	cases := []struct {
		name    string
		err     error
		setting string // "" when it is not a configuration refusal
	}{
		{"412 checksum", &enkash.APIError{HTTPStatus: 412, Code: 412, Message: "Invalid checksum"}, "checksum"},
		{"200, code 412 checksum", &enkash.APIError{HTTPStatus: 200, Code: 412, Message: "Invalid Checksum"}, "checksum"},
		{"REJECT_CHKSUM", &enkash.APIError{HTTPStatus: 400, Message: "REJECT_CHKSUM"}, "checksum"},
		{"412 company id", &enkash.APIError{HTTPStatus: 412, Message: "Invalid company id"}, "ENKASH_COMPANY_ID"},
		{"422 encrypted request", &enkash.APIError{HTTPStatus: 422, Code: 422, Message: "Invalid encrypted request"}, "ENKASH_CLIENT_SECRET"},
		{"422 client id", &enkash.APIError{HTTPStatus: 422, Message: "Invalid client id"}, "ENKASH_CLIENT_ID"},
		{"403 not enabled", &enkash.APIError{HTTPStatus: 403, Code: 403, Message: "APIs not enabled"}, "ENKASH_CLIENT_ID"},
		{"wrapped", fmt.Errorf("submit batch: %w", &enkash.APIError{HTTPStatus: 412, Message: "Invalid checksum"}), "checksum"},
		{"412 account and IFSC", &enkash.APIError{HTTPStatus: 412, Message: "Bank account and IFSC both required"}, ""},
		{"422 beneficiary id", &enkash.APIError{HTTPStatus: 422, Message: "Invalid beneficiary id"}, ""},
		{"403 encryption failed", &enkash.APIError{HTTPStatus: 403, Message: "Encryption failed for response"}, ""},
		{"credentials", enkash.ErrAuthRejected, ""},
		{"other", errors.New("boom"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setting, ok := enkash.IsConfigRefusal(tc.err)
			if ok != (tc.setting != "") || !strings.Contains(setting, tc.setting) {
				t.Errorf("IsConfigRefusal = %q, %v; want a setting naming %q", setting, ok, tc.setting)
			}
		})
	}
}

// TestDiagnose words an HTML page, a back-off and a server failure for a person.
func TestDiagnose(t *testing.T) {
	cases := map[string]struct {
		err  error
		want string
	}{
		"html": {&enkash.APIError{Endpoint: "POST /oauth/token", HTTPStatus: 502, Body: "<!DOCTYPE html><html><body>Bad gateway</body></html>"}, "HTML page"},
		"429":  {&enkash.APIError{Endpoint: "POST /oauth/token", HTTPStatus: 429}, "slow down"},
		"503":  {&enkash.APIError{Endpoint: "POST /oauth/token", HTTPStatus: 503, Body: `{"error":"down"}`}, "HTTP 503"},
		"none": {errors.New("boom"), ""},
	}
	for name, tc := range cases {
		got := enkash.Diagnose(tc.err)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: Diagnose = %q; want it to say %q", name, got, tc.want)
		}
	}
}
