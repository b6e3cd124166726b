package enkash

import "time"

// SetClock replaces the clock c reads token expiry from.
func SetClock(c *Client, now func() time.Time) { c.now = now }

// ParseRetryAfter exposes parseRetryAfter to the tests.
var ParseRetryAfter = parseRetryAfter
