package main

import (
	"encoding/pem"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	block, _ := pem.Decode(encode([]byte("x")))
	if block == nil || string(block.Bytes) != "x" {
		t.Fatalf("round trip failed: %v", block)
	}
}
