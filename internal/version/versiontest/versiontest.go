// Package versiontest checks implementations of [version.Ordering]: that a
// table of versions sorts as its specification says, and that comparison is
// a total preorder (the laws fuzz tests check for arbitrary input).
//
// Like testing/fstest it reports problems as errors, so the ordering packages'
// tests decide how to fail and this package needs no testing import.
package versiontest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/patchline/patchline/internal/version"
)

// CheckOrder parses every version in groups and checks that versions in the
// same group compare equal and that every version in a group is lower than
// every version in the next group. It returns every problem found.
func CheckOrder(o version.Ordering, groups [][]string) error {
	var errs []error
	parsed := make([][]version.Version, len(groups))
	for i, g := range groups {
		for _, s := range g {
			v, err := o.Parse(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("group %d: %w", i+1, err))
				continue
			}
			parsed[i] = append(parsed[i], v)
		}
	}
	for i, g := range parsed {
		for _, a := range g {
			for _, b := range g {
				if c := a.Compare(b); c != 0 {
					errs = append(errs, fmt.Errorf("group %d: Compare(%q, %q) = %d, want 0", i+1, a, b, c))
				}
			}
			if i+1 == len(parsed) {
				continue
			}
			for _, b := range parsed[i+1] {
				if c := a.Compare(b); c != -1 {
					errs = append(errs, fmt.Errorf("groups %d and %d: Compare(%q, %q) = %d, want -1", i+1, i+2, a, b, c))
				}
				if c := b.Compare(a); c != +1 {
					errs = append(errs, fmt.Errorf("groups %d and %d: Compare(%q, %q) = %d, want +1", i+2, i+1, b, a, c))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// CheckLaws parses each of inputs with o and checks, for those that parse,
// the laws every ordering must keep:
//
//   - String returns the input, and parsing it again gives an equal version;
//   - Compare returns only -1, 0 or +1, and Compare(a, a) == 0;
//   - antisymmetry: Compare(a, b) == -Compare(b, a);
//   - transitivity: a <= b and b <= c imply a <= c, and a == b implies
//     Compare(a, c) == Compare(b, c), for every order of every triple.
//
// Inputs that do not parse are skipped. Parse panicking is left to the
// caller's fuzz harness to report.
func CheckLaws(o version.Ordering, inputs ...string) error {
	var vs []version.Version
	var errs []error
	for _, s := range inputs {
		v, err := o.Parse(s)
		if err != nil {
			continue
		}
		if v.String() != s {
			errs = append(errs, fmt.Errorf("Parse(%q).String() = %q", s, v.String()))
		}
		w, err := o.Parse(v.String())
		if err != nil {
			errs = append(errs, fmt.Errorf("parse String() of %q again: %w", s, err))
		} else if c := v.Compare(w); c != 0 {
			errs = append(errs, fmt.Errorf("%q compares %d with itself parsed again", s, c))
		}
		vs = append(vs, v)
	}
	for _, a := range vs {
		for _, b := range vs {
			ab, ba := a.Compare(b), b.Compare(a)
			if ab < -1 || ab > 1 {
				errs = append(errs, fmt.Errorf("Compare(%q, %q) = %d, want -1, 0 or +1", a, b, ab))
			}
			if ab != -ba {
				errs = append(errs, fmt.Errorf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, ba))
			}
			for _, c := range vs {
				bc, ac := b.Compare(c), a.Compare(c)
				if ab <= 0 && bc <= 0 && ac > 0 {
					errs = append(errs, fmt.Errorf("%q <= %q <= %q but Compare(%q, %q) = %d", a, b, c, a, c, ac))
				}
				if ab == 0 && ac != bc {
					errs = append(errs, fmt.Errorf("%q == %q but Compare with %q gives %d and %d", a, b, c, ac, bc))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// ReadGroups reads a file of versions sorted by a reference implementation:
// one group of equal versions per line, separated by spaces, groups in
// ascending order. Blank lines and lines starting with "#" are skipped.
func ReadGroups(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var groups [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		groups = append(groups, strings.Fields(line))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	return groups, nil
}

// ReadLines reads a file of one string per line, skipping blank lines and
// lines starting with "#". Lines are not trimmed.
func ReadLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lines []string
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lines = append(lines, line)
	}
	return lines, nil
}
