// Command thirdparty calls gopkg.in/yaml.v2.Unmarshal (GO-2021-0061) through
// its own config package; the YAML module is replaced by a local directory.
package main

import (
	"fmt"
	"os"

	"example.com/thirdparty/config"
)

func main() {
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m, err := config.Load(b)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(len(m))
}
