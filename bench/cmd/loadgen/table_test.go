package main

import (
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
