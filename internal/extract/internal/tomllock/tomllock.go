// Package tomllock holds what the extractors of TOML lock files (poetry.lock,
// uv.lock) share: the line of each [[package]] header, which the TOML
// decoder does not report; field-by-field reading of generically decoded
// tables, so that one field of the wrong type is an error for its own
// package while the others still parse; and decoder errors turned into an
// [inventory.ParseError] at the position the decoder gives.
package tomllock

import (
	"errors"
	"fmt"

	"github.com/BurntSushi/toml"

	"github.com/patchline/patchline/internal/inventory"
)

// DecodeError turns an error of the TOML decoder for file into an
// [inventory.ParseError] with the position the decoder reports.
func DecodeError(file string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &inventory.ParseError{
			Path:   file,
			Line:   pe.Position.Line,
			Column: pe.Position.Col,
			Err:    fmt.Errorf("invalid TOML: %s", pe.Message),
		}
	}
	return &inventory.ParseError{Path: file, Err: err}
}
