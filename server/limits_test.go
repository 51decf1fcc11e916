package server_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/server"
)

// TestSlowlorisIsCutOff sends headers a byte at a time, slower than the
// header timeout: the server hangs up, and serves others meanwhile.
func TestSlowlorisIsCutOff(t *testing.T) {
	ts := startServer(t, func(c *server.Config) { c.RTMPAddr = "off"; c.ReadHeaderTimeout = time.Second })
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.endpoint, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	cut := make(chan time.Duration, 1)
	go func() {
		b := make([]byte, 1)
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.ReadFull(conn, b) // EOF (or a 408) when the server hangs up
		cut <- time.Since(start)
	}()
	go func() {
		for _, c := range []byte("POST / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 40)) {
			if _, err := conn.Write([]byte{c}); err != nil {
				return
			}
			time.Sleep(150 * time.Millisecond)
		}
	}()
	// Others are served while the slow client holds its connection.
	hc := &hostileClient{t: t, ts: ts}
	if a := hc.do("sts", "/", "Action=GetCallerIdentity&Version=2011-06-15"); a.status != 200 {
		t.Fatalf("a normal request during slowloris: %d %s", a.status, a.body)
	}
	d := <-cut
	if d < 900*time.Millisecond || d > 3*time.Second {
		t.Fatalf("the slow client was cut off after %v, want about 1 s", d)
	}
	if a := hc.do("sts", "/", "Action=GetCallerIdentity&Version=2011-06-15"); a.status != 200 {
		t.Fatalf("after slowloris: %d %s", a.status, a.body)
	}
}

// TestLimitHeaderBytes: headers over 64 KiB are refused with 431.
func TestLimitHeaderBytes(t *testing.T) {
	ts := startServer(t, func(c *server.Config) { c.RTMPAddr = "off" })
	hc := &hostileClient{t: t, ts: ts}
	a := hc.send(&hostileCase{Name: "big", Service: "iam", Body: "Action=ListUsers&Version=2010-05-08", Sign: "valid", After: map[string]string{"X-Pad": strings.Repeat("a", 70<<10)}})
	if a.status != 431 {
		t.Fatalf("a 70 KiB header: %d", a.status)
	}
	a = hc.send(&hostileCase{Name: "ok", Service: "iam", Body: "Action=ListUsers&Version=2010-05-08", Sign: "valid", After: map[string]string{"X-Pad": strings.Repeat("a", 32<<10)}})
	if a.status != 200 {
		t.Fatalf("a 32 KiB header: %d %s", a.status, a.body)
	}
}

// TestThrottlingOverTheWire: past its burst a principal is answered
// Throttling (IAM, STS: 400) or ThrottlingException (IVS: 429); another
// principal is not; refused requests count against the client address,
// never against the principal they name.
func TestThrottlingOverTheWire(t *testing.T) {
	ts := startServer(t, func(c *server.Config) { c.RTMPAddr = "off"; c.RateLimit = 0.001; c.RateBurst = 6 })
	hc := &hostileClient{t: t, ts: ts, vars: map[string]string{}}
	bad := &hostileCase{Name: "bad", Service: "iam", Body: "Action=ListUsers&Version=2010-05-08", Sign: "wrong_secret"}
	for i := range 4 {
		if a := hc.send(bad); a.code != "SignatureDoesNotMatch" {
			t.Fatalf("bad signature %d: %d %s", i, a.status, a.code)
		}
	}
	// Root's bucket is full: the bad signatures in its name did not count.
	hc.must("iam", "/", "Action=CreateUser&Version=2010-05-08&UserName=other")
	body := hc.must("iam", "/", "Action=CreateAccessKey&Version=2010-05-08&UserName=other")
	tag := func(name string) string { return xmlTag(body, name) }
	hc.inactive.AccessKeyID, hc.inactive.SecretAccessKey = tag("AccessKeyId"), tag("SecretAccessKey") // active here
	for range 4 {
		hc.must("sts", "/", "Action=GetCallerIdentity&Version=2011-06-15")
	}
	if a := hc.do("iam", "/", "Action=ListUsers&Version=2010-05-08"); a.status != 400 || a.code != "Throttling" || a.message != "Rate exceeded" {
		t.Fatalf("IAM past the burst: %d %s %q", a.status, a.code, a.message)
	}
	if a := hc.do("sts", "/", "Action=GetCallerIdentity&Version=2011-06-15"); a.status != 400 || a.code != "Throttling" {
		t.Fatalf("STS past the burst: %d %s", a.status, a.code)
	}
	if a := hc.do("ivs", "/ListChannels", "{}"); a.status != 429 || a.code != "ThrottlingException" || a.message != "Rate exceeded" {
		t.Fatalf("IVS past the burst: %d %s %q", a.status, a.code, a.message)
	}
	// Another principal has its own bucket (denied, but not throttled).
	if a := hc.send(&hostileCase{Name: "other", Service: "ivs", Path: "/ListChannels", Body: "{}", Sign: "inactive_key"}); a.code != "AccessDeniedException" {
		t.Fatalf("another principal: %d %s", a.status, a.code)
	}
	// The address's bucket: two more refusals, then Throttling.
	for range 2 {
		if a := hc.send(bad); a.code != "SignatureDoesNotMatch" {
			t.Fatalf("bad signature: %d %s", a.status, a.code)
		}
	}
	if a := hc.send(bad); a.code != "Throttling" {
		t.Fatalf("bad signatures past the burst: %d %s", a.status, a.code)
	}
}
