// Command noimport imports none of the vulnerable packages.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	fmt.Println(strings.ToUpper(strings.Join(os.Args[1:], " ")))
}
