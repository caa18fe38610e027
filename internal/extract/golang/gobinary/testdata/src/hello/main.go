// Command hello is built by the tests into a Go binary with one module
// dependency, replaced by a local directory.
package main

import "example.com/greet"

func main() { println(greet.Hello()) }
