package main

import "runtime"

// procsPerCPU is how many Go processors (GOMAXPROCS) serve runs for each
// CPU Go would use by default. A server shares its CPUs with other
// programs; when the kernel takes a CPU from a thread that runs a Go
// processor, the requests queued on that processor wait for the thread's
// next turn, milliseconds later, unless another processor is free to take
// them. With more processors than CPUs one is: under load on two CPUs
// shared with the load generator, four per CPU cut GetCallerIdentity's
// p99 from 21–22 ms to 7–8 ms and raised its throughput by 6–11%, for up
// to a tenth more CPU time per request (BENCHMARKS.md, ninth session).
const procsPerCPU = 4

// raiseProcs sets GOMAXPROCS to procsPerCPU times its default, unless
// GOMAXPROCS is set in the environment (the operator's setting stands),
// and returns the setting before. Call it once the server is built: what
// is sized by GOMAXPROCS at construction (the SQLite readers, the
// password hashers) is then sized by the CPUs.
func raiseProcs(getenv func(string) string) (before int) {
	before = runtime.GOMAXPROCS(0)
	if getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(procsPerCPU * before)
	}
	return before
}
