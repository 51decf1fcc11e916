package main

import (
	"runtime"
	"testing"
)

// TestRaiseProcs: serve runs procsPerCPU Go processors per CPU, unless
// GOMAXPROCS is set in the environment; the setting before is returned,
// to be restored.
func TestRaiseProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(2)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if before := raiseProcs(getenv); before != 2 || runtime.GOMAXPROCS(0) != 2*procsPerCPU {
		t.Fatalf("raiseProcs: before %d, now %d; want 2, %d", before, runtime.GOMAXPROCS(0), 2*procsPerCPU)
	}
	runtime.GOMAXPROCS(3)
	env["GOMAXPROCS"] = "3"
	if before := raiseProcs(getenv); before != 3 || runtime.GOMAXPROCS(0) != 3 {
		t.Fatalf("with GOMAXPROCS set: before %d, now %d; want 3, 3", before, runtime.GOMAXPROCS(0))
	}
}
