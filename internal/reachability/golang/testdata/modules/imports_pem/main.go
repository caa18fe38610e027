// Command importspem imports encoding/pem but only encodes: the symbols of
// GO-2025-4009 (Decode, getLine) are called from its test only.
package main

import (
	"encoding/pem"
	"os"
)

func main() {
	out := encode([]byte("hello"))
	os.Stdout.Write(out)
}

func encode(b []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "MESSAGE", Bytes: b})
}
