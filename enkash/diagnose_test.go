package enkash_test

import (
	"errors"
	"strings"
	"testing"

	"enkashbatch/enkash"
)

// TestDiagnose words an HTML page, a back-off and a server failure for a person.
func TestDiagnose(t *testing.T) {
	cases := map[string]struct {
		err  error
		want string
	}{
		"html": {&enkash.Unreachable{Endpoint: "POST /oauth/token", Cause: "the HTTP 502 answer was an HTML page, not Enkash's API: check ENKASH_BASE_URL"}, "HTML page"},
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
