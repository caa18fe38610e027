// Package fetch reads items from an upstream service. The HTTP client is
// held as an interface, so reaching net/http.Client.Do needs VTA.
package fetch

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
)

// Doer sends HTTP requests.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Client fetches items.
type Client struct {
	doer Doer
	base string
}

// New returns a Client sending requests through d.
func New(d Doer, base string) *Client {
	return &Client{doer: d, base: base}
}

// Items returns one item per line of the upstream response.
func (c *Client) Items(ctx context.Context) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.doer.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("upstream: %s", resp.Status)
	}
	var items []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		items = append(items, sc.Text())
	}
	return items, sc.Err()
}
