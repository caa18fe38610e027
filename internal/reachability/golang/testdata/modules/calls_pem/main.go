// Command callspem calls encoding/pem.Decode (GO-2025-4009) through a helper,
// and path/filepath.Clean (GO-2023-1568, vulnerable on Windows only).
package main

import (
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	data, err := os.ReadFile(filepath.Clean(os.Args[1]))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(blockType(data))
}

func blockType(data []byte) string {
	block, _ := pem.Decode(data)
	if block == nil {
		return ""
	}
	return block.Type
}
