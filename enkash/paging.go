package enkash

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// checkPage refuses an offset below 0 or a limit outside 1 to MaxSearchLimit.
func checkPage(offset, limit int) error {
	if offset < 0 || limit < 1 || limit > MaxSearchLimit {
		return fmt.Errorf("offset %d, limit %d out of range (limit 1 to %d)", offset, limit, MaxSearchLimit)
	}
	return nil
}

// searchPage asks ep for one page of what (for errors) matching req, with offset and limit
// as query parameters, and decodes the answer as a T.
func searchPage[T any](ctx context.Context, c *Client, ep endpoint, what string, req any, offset, limit int) (*T, error) {
	if err := checkPage(offset, limit); err != nil {
		return nil, fmt.Errorf("search %s: %w", what, err)
	}
	q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	var out T
	if err := c.do(ctx, ep, q, req, &out); err != nil {
		return nil, fmt.Errorf("search %s at offset %d: %w", what, offset, err)
	}
	return &out, nil
}

// pageAll calls page with growing offsets until the matches are exhausted, asking limit
// records a page. page returns how many records it got and the total count (0 if not given).
// Assumption: totalCount, when given, counts every match; without it a short page is the last.
func pageAll(limit int, page func(offset int) (got, total int, err error)) error {
	for offset, pages := 0, 0; ; pages++ {
		if pages > 10_000 {
			return errors.New("search: more than 10,000 pages; refusing to go on")
		}
		got, total, err := page(offset)
		if err != nil {
			return err
		}
		offset += got
		more := got == limit
		if total > 0 {
			more = offset < total
		}
		if !more || got == 0 {
			return nil
		}
	}
}
