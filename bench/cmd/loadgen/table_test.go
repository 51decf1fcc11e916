package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const wrkOutput = `Running 20s test @ http://127.0.0.1:4590
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.21ms    1.50ms  40.12ms   90.00%
    Req/Sec    10.01k     1.00k   12.00k    70.00%
  Latency Distribution
     50%    2.95ms
     75%    3.50ms
     90%    4.10ms
     99%  812.00us
  398000 requests in 20.00s, 100.00MB read
  Socket errors: connect 0, read 0, write 0, timeout 3
  Non-2xx or 3xx responses: 1200
Requests/sec:  19900.00
Transfer/sec:      5.00MB
`

func TestParseWrk(t *testing.T) {
	res, err := parseWrk(strings.NewReader(wrkOutput))
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{rps: 19900, p50: 2950 * time.Microsecond, p99: 812 * time.Microsecond, requests: 398000,
		non2xx: 1200, socketErrors: "connect 0, read 0, write 0, timeout 3"}
	if res != want {
		t.Errorf("parseWrk = %+v, want %+v", res, want)
	}
	if _, err := parseWrk(strings.NewReader("unable to connect")); err == nil {
		t.Error("parseWrk of a failed run: no error")
	}
}

func TestMedian(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median of 3, 1, 2 = %v", m)
	}
	if m := median([]time.Duration{4, 1, 3, 2}); m != 2 {
		t.Errorf("median of 4, 1, 3, 2 = %v (the lower middle)", m)
	}
}

// wrkRun is wrk's output of a run with the given throughput and p99.
func wrkRun(rps, p99 string) string {
	return strings.NewReplacer("19900.00", rps, "812.00us", p99, "  Socket errors: connect 0, read 0, write 0, timeout 3\n", "").Replace(wrkOutput)
}

func TestTablePaired(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ceiling.replay.1.txt", wrkRun("40000.00", "10.00ms"))
	// Two runs, each half its paired ceiling's throughput, whose p99 is
	// 2× the pair's: the shares say 50% and 2.00× though the ceiling's
	// own run was faster.
	write("sqlite.sts-caller.1.txt", wrkRun("15000.00", "20.00ms"))
	write("paired/sqlite.sts-caller.1.txt", wrkRun("30000.00", "10.00ms"))
	write("sqlite.sts-caller.2.txt", wrkRun("16000.00", "24.00ms"))
	write("paired/sqlite.sts-caller.2.txt", wrkRun("32000.00", "12.00ms"))
	// A scenario without pairs compares with the ceiling's median.
	write("sqlite.iam-getuser.1.txt", wrkRun("10000.00", "30.00ms"))
	var b strings.Builder
	if err := table(&b, dir); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"| sqlite | sts-caller | 15000 | 15000, 16000 |", "| 50% (paired) | 2.00× (paired) |",
		"| sqlite | iam-getuser | 10000 | 10000 | 2.95ms | 30ms | 25% | 3.00× |"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
