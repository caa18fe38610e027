// Package heaptest measures how much heap a function needs, for the memory
// tests and benchmarks of the SBOM extractors, which must read SBOMs of
// tens of megabytes in bounded memory.
package heaptest

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// Peak runs f and returns the highest heap in use while it ran above what
// was in use before (sampled every 200µs and at the end), and the bytes f
// allocated. The garbage collector runs at GOGC=10 meanwhile, so that the
// peak is what f keeps alive rather than garbage waiting for the next
// collection (at the default GOGC=100 the heap may hold as much garbage as
// live data). Peak is not safe for concurrent use.
func Peak(f func()) (peak, allocated uint64) {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	const heap, allocs = "/memory/classes/heap/objects:bytes", "/gc/heap/allocs:bytes"
	samples := []metrics.Sample{{Name: heap}, {Name: allocs}}
	metrics.Read(samples)
	base, allocBase := samples[0].Value.Uint64(), samples[1].Value.Uint64()
	var max atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: heap}}
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > max.Load() {
				max.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	metrics.Read(samples)
	close(stop)
	<-done
	m := max.Load()
	if v := samples[0].Value.Uint64(); v > m {
		m = v
	}
	allocated = samples[1].Value.Uint64() - allocBase
	if m < base {
		return 0, allocated
	}
	return m - base, allocated
}
