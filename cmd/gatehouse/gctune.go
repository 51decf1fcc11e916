package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The garbage collector's target. Go's default (GOGC=100) collects when
// the heap has grown by as much as the live data. Most of a Gatehouse
// heap is long-lived caches (compiled policies, keys, records) that every
// collection marks again while requests allocate little: with 10,000
// users a collection came every 0.7 s under load and took about 12% of
// the CPU (BENCHMARKS.md). So serve lets the heap grow by at least
// minHeadroom (at most maxGCPercent of the live data) before collecting,
// and by the live data once that is larger: a small server collects
// rarely, and a large one as Go's default does, never more than
// minHeadroom beyond what the default would hold. A GOGC environment
// variable turns this off: the operator's setting stands.
const (
	minHeadroom  = 256 << 20
	maxGCPercent = 400
)

// gcPercent returns the collector's target for live bytes of live data.
func gcPercent(live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	p := minHeadroom * 100 / live
	return int(min(max(p, 100), maxGCPercent))
}

// tuneGC keeps the collector's target at gcPercent of the live heap
// measured at the last collection, checking every interval, until ctx
// ends; then it restores the target it found.
func tuneGC(ctx context.Context, interval time.Duration) {
	samples := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}}
	initial := debug.SetGCPercent(maxGCPercent)
	defer debug.SetGCPercent(initial)
	set, cycles := maxGCPercent, uint64(0)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		metrics.Read(samples)
		if n := samples[0].Value.Uint64(); n != cycles {
			cycles = n
			if p := gcPercent(samples[1].Value.Uint64()); p != set {
				debug.SetGCPercent(p)
				set = p
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
