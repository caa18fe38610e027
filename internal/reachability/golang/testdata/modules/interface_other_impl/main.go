// Command interfaceotherimpl declares a parser that calls encoding/pem.Decode,
// but only the raw parser ever flows to the interface call site. A class
// hierarchy analysis (CHA) would link the call to both methods; VTA does not.
package main

import (
	"encoding/pem"
	"fmt"
	"os"
)

type parser interface {
	Parse(b []byte) (string, error)
}

type pemParser struct{}

func (pemParser) Parse(b []byte) (string, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return "", fmt.Errorf("no PEM block")
	}
	return block.Type, nil
}

type rawParser struct{}

func (rawParser) Parse(b []byte) (string, error) {
	return string(b), nil
}

// unusedPEM is never called.
func unusedPEM() parser { return pemParser{} }

func main() {
	var p parser = rawParser{}
	s, err := p.Parse([]byte(os.Args[1]))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(s)
}
