// Command interfacecall reaches encoding/pem.Decode only through a call of an
// interface method: a pemParser value flows to the call site.
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

func pick(kind string) parser {
	if kind == "pem" {
		return pemParser{}
	}
	return rawParser{}
}

func main() {
	p := pick(os.Args[1])
	s, err := p.Parse([]byte(os.Args[2]))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(s)
}
