// Command cmdbench runs a command repeatedly and reports its wall time
// (min, median, max) and peak resident memory, as bench/run.sh uses it for
// whole-command figures. Usage: cmdbench [-n RUNS] [-warmup N] -- CMD ARGS...
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("n", 20, "measured runs")
	warmup := flag.Int("warmup", 2, "unmeasured runs first (warm caches)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: cmdbench [-n RUNS] [-warmup N] -- CMD ARGS...")
		os.Exit(2)
	}
	var walls []time.Duration
	var maxRSS int64
	for i := 0; i < *warmup+*runs; i++ {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = nil, os.Stderr
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			fmt.Fprintln(os.Stderr, "cmdbench:", err)
			os.Exit(1)
		}
		if i < *warmup {
			continue
		}
		walls = append(walls, wall)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss // KiB on Linux
		}
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("runs=%d wall_ms min=%.1f median=%.1f max=%.1f peak_rss_mib=%.1f\n",
		len(walls), ms(walls[0]), ms(walls[len(walls)/2]), ms(walls[len(walls)-1]), float64(maxRSS)/1024)
}
