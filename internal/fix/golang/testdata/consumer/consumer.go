// Package consumer uses example.com/vulnlib directly and
// example.com/otherlib through example.com/midlib.
package consumer

import (
	"example.com/midlib"
	"example.com/vulnlib"
)

// Message greets the gopher.
func Message() string { return vulnlib.Greet("gopher") }

// Answer returns the answer.
func Answer() int { return midlib.Answer() }
