// Package greet is the dependency of the test program hello.
package greet

// Hello returns a greeting.
func Hello() string { return "hello" }
