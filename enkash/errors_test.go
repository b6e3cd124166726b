package enkash_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"enkashbatch/enkash"
)

func TestAPIError_Error(t *testing.T) {
	cases := []struct {
		err  enkash.APIError
		want string
	}{
		{enkash.APIError{Endpoint: "POST /api/v0/payout-transaction/batch", HTTPStatus: 409, Code: 409, Message: "Batch Transaction ID already exists"},
			"enkash POST /api/v0/payout-transaction/batch: HTTP 409, code 409: Batch Transaction ID already exists"},
		{enkash.APIError{Endpoint: "GET /api/v0/payout-account/balance", HTTPStatus: 502, Message: "Bad Gateway"},
			"enkash GET /api/v0/payout-account/balance: HTTP 502: Bad Gateway"},
		{enkash.APIError{Endpoint: "POST /x", HTTPStatus: 200, Code: 1},
			"enkash POST /x: HTTP 200, code 1"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q\nwant      %q", got, tc.want)
		}
	}
}

func TestIsDuplicate_IsRejected_IsAmbiguous(t *testing.T) {
	api := func(status, code int) error {
		return fmt.Errorf("submit batch B: %w", &enkash.APIError{Endpoint: "POST /p", HTTPStatus: status, Code: code})
	}
	cases := []struct {
		name                           string
		err                            error
		duplicate, rejected, ambiguous bool
	}{
		{"nil", nil, false, false, false},
		{"HTTP 409", api(409, 0), true, false, false},
		{"body 409", api(200, 409), true, false, false},
		{"BBPS 38", api(200, 38), true, false, false},
		{"HTTP 422", api(422, 422), false, true, false},
		{"HTTP 412", api(412, 0), false, true, false},
		{"HTTP 400", api(400, 0), false, true, false},
		{"body failure", api(200, 1), false, true, false},
		{"HTTP 401", api(401, 0), false, false, false},
		{"HTTP 429", api(429, 0), false, false, false},
		{"BBPS velocity 36", api(200, 36), false, false, false},
		{"HTTP 403", api(403, 403), false, false, true},
		{"body 403", api(200, 403), false, false, true},
		{"HTTP 500", api(500, 0), false, false, true},
		{"HTTP 504", api(504, 0), false, false, true},
		{"auth rejected", fmt.Errorf("get token: %w", enkash.ErrAuthRejected), false, false, false},
		{"unrelated", errors.New("disk full"), false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := enkash.IsDuplicate(tc.err); got != tc.duplicate {
				t.Errorf("IsDuplicate = %v, want %v", got, tc.duplicate)
			}
			if got := enkash.IsRejected(tc.err); got != tc.rejected {
				t.Errorf("IsRejected = %v, want %v", got, tc.rejected)
			}
			if got := enkash.IsAmbiguous(tc.err); got != tc.ambiguous {
				t.Errorf("IsAmbiguous = %v, want %v", got, tc.ambiguous)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 4, 1, 10, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":     0,
		"3":    3 * time.Second,
		" 1 ":  time.Second,
		"0":    time.Millisecond,
		"-5":   0,
		"soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       time.Millisecond,
	}
	for in, want := range cases {
		if got := enkash.ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}
