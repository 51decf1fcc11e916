package main

import (
	"context"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, maxGCPercent},
		{1 << 20, maxGCPercent},
		{minHeadroom / 4, maxGCPercent},
		{minHeadroom / 3, 300},
		{minHeadroom / 2, 200},
		{minHeadroom, 100},
		{4 * minHeadroom, 100},
		{1 << 40, 100},
	} {
		if got := gcPercent(tc.live); got != tc.want {
			t.Errorf("gcPercent(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}

// TestTuneGC checks that the tuner sets the collector's target after a
// collection and restores the one it found when it stops.
func TestTuneGC(t *testing.T) {
	read := func() (percent, live uint64) {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64(), s[1].Value.Uint64()
	}
	// Live data for a target between 100% and maxGCPercent.
	live := make([]byte, minHeadroom/3)
	before, _ := read()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { tuneGC(ctx, time.Millisecond); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		p, n := read()
		if want := gcPercent(n); p == uint64(want) && want < maxGCPercent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("target %d%% with %d live bytes, want %d%%", p, n, gcPercent(n))
		}
	}
	runtime.KeepAlive(live)
	cancel()
	<-done
	if p, _ := read(); p != before {
		t.Errorf("after the tuner stopped: %d%%, want %d%%", p, before)
	}
}
