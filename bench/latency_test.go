package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkMemoryLatency measures the machine, not an engine: the time of
// one memory read whose address depends on the previous one, in a working
// set of the given size, visited in a random cycle of 64-byte lines. It is
// the floor under W4 at scale: a lookup among a million principals reads
// at least one line of a structure far larger than the caches, and each
// dependent read it makes after that costs this much again.
//
//	cd bench && go test -run '^$' -bench MemoryLatency -benchtime 3000000x .
func BenchmarkMemoryLatency(b *testing.B) {
	for _, mb := range []int{1, 8, 64, 512, 2048} {
		b.Run(fmt.Sprintf("set=%dMB", mb), func(b *testing.B) {
			if mb > 64 && testing.Short() {
				b.Skip("skipping working sets over 64 MB in -short mode")
			}
			const line = 8 // int64s per 64-byte line
			n := mb << 20 / 64
			next := make([]int64, n*line)
			order := rand.New(rand.NewPCG(1, 2)).Perm(n)
			for i, at := range order {
				next[at*line] = int64(order[(i+1)%n] * line)
			}
			var p int64
			for b.Loop() {
				p = next[p]
			}
			if p < 0 {
				b.Fatal("unreachable: keeps the loads alive")
			}
		})
	}
}
