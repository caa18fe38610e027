// Command missingmodule needs a module that is in no module cache and can
// only come from the network.
package main

import (
	"encoding/pem"
	"fmt"

	"example.com/absent"
)

func main() {
	block, _ := pem.Decode([]byte(absent.Data))
	fmt.Println(block)
}
