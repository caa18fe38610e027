//go:build !unix

package db

import (
	"io"
	"os"
)

// mapFile reads f into memory where memory maps are not available.
func mapFile(f *os.File) ([]byte, func() error, error) {
	data, err := io.ReadAll(f)
	return data, func() error { return nil }, err
}

// lockFile is a no-op where flock is not available; concurrent writers are
// still safe from corruption (every write is a rename), the last one wins.
func lockFile(*os.File) error { return nil }
