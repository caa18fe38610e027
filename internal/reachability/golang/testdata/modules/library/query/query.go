// Package query is a library package: its exported functions are the entry
// points. Params reaches net/url.ParseQuery (GO-2026-4341) through an
// unexported helper; Keys reaches net/url.URL.Query through a generic
// function. decodePEM calls encoding/pem.Decode but nothing calls it.
package query

import (
	"encoding/pem"
	"net/url"
	"sort"
)

// Params parses a query string.
func Params(raw string) (map[string][]string, error) {
	return parse(raw)
}

func parse(raw string) (url.Values, error) {
	return url.ParseQuery(raw)
}

// Keys returns the sorted query keys of rawURL.
func Keys(rawURL string) ([]string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return mapKeys(u, func(k string) string { return k }), nil
}

func mapKeys[T any](u *url.URL, f func(string) T) []T {
	var out []T
	keys := make([]string, 0)
	for k := range u.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, f(k))
	}
	return out
}

func decodePEM(b []byte) string {
	block, _ := pem.Decode(b)
	if block == nil {
		return ""
	}
	return block.Type
}
