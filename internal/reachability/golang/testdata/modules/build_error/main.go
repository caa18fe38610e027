// Command builderror does not compile: a type error.
package main

import (
	"encoding/pem"
	"fmt"
)

func main() {
	var n int = "not a number"
	block, _ := pem.Decode([]byte("x"))
	fmt.Println(n, block)
}
