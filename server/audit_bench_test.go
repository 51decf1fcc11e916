package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// BenchmarkAuditOverhead measures the request path in process (the
// server's Handler, requests signed once and replayed) with the audit
// trail off and on: two servers, sent rounds of 100 requests in turn, so
// that both see the same machine load. It reports, per request, each
// server's wall time of the request path (what a client waits: the
// request with its journal write), and the CPU time of the whole process
// (user + system) including the storing of the round's events
// (FlushAudit after each round), and the audit trail's overhead in
// percent of each:
//
//	go test ./server -run '^$' -bench AuditOverhead -benchtime 5000x -count 5
func BenchmarkAuditOverhead(b *testing.B) {
	newServer := func(on bool) (*server.Server, string) {
		srv, err := server.New(context.Background(), server.Config{
			Addr: "127.0.0.1:0", DataDir: b.TempDir(), AccountID: testAccount, Region: "us-west-2", RTMPAddr: "off",
			RootAccessKeyID: rootKeyID, RootSecretAccessKey: rootSecret, MasterKey: testMasterKey, AuditDisabled: !on,
		}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { srv.Close() })
		h := srv.Handler()
		if c, _ := serve(h, signIAM(b, "Action=CreateUser&Version=2010-05-08&UserName=alice")); c != 200 {
			b.Fatalf("CreateUser: %d", c)
		}
		c, body := serve(h, signRequest(b, "ivs", "us-west-2", "/CreateChannel", `{"name":"show"}`, "application/json"))
		if c != 200 {
			b.Fatalf("CreateChannel: %d %s", c, body)
		}
		arn := body[strings.Index(body, `"arn":"`)+7:]
		return srv, arn[:strings.IndexByte(arn, '"')]
	}
	off, offARN := newServer(false)
	on, onARN := newServer(os.Getenv("AUDIT_BENCH_CALIBRATE") == "") // set: both off, to see the noise
	cases := []struct {
		name    string
		off, on *signedRequest
	}{
		{"iam:GetUser", signIAM(b, "Action=GetUser&Version=2010-05-08&UserName=alice"), nil},
		{"iam:TagUser", signIAM(b, "Action=TagUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=team&Tags.member.1.Value=live"), nil},
		{"ivs:GetChannel",
			signRequest(b, "ivs", "us-west-2", "/GetChannel", `{"arn":"`+offARN+`"}`, "application/json"),
			signRequest(b, "ivs", "us-west-2", "/GetChannel", `{"arn":"`+onARN+`"}`, "application/json")},
	}
	for _, tc := range cases {
		if tc.on == nil {
			tc.on = tc.off
		}
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			type side struct {
				srv       *server.Server
				r         *signedRequest
				wall, cpu time.Duration
			}
			sides := []*side{{srv: off, r: tc.off}, {srv: on, r: tc.on}}
			for _, sd := range sides {
				if c, body := serve(sd.srv.Handler(), sd.r); c != 200 {
					b.Fatalf("status %d: %s", c, body)
				}
			}
			const round = 100
			b.ReportAllocs()
			b.ResetTimer()
			n := 0
			for b.Loop() {
				n++
				if n%round != 0 {
					continue
				}
				for k := range sides {
					sd := sides[(k+n/round)%2] // alternate which goes first
					h := sd.srv.Handler()
					c0, t0 := processCPU(), time.Now()
					for range round {
						serve(h, sd.r)
					}
					sd.wall += time.Since(t0)
					if err := sd.srv.FlushAudit(ctx); err != nil {
						b.Fatal(err)
					}
					sd.cpu += processCPU() - c0
				}
			}
			reqs := float64(n / round * round)
			if reqs == 0 {
				b.Skip("fewer requests than one round")
			}
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / reqs }
			b.ReportMetric(per(sides[0].wall), "off-ns/req")
			b.ReportMetric(per(sides[1].wall), "on-ns/req")
			b.ReportMetric(100*(float64(sides[1].wall)/float64(sides[0].wall)-1), "wall-overhead-%")
			b.ReportMetric(per(sides[0].cpu), "off-cpu-ns/req")
			b.ReportMetric(per(sides[1].cpu), "on-cpu-ns/req")
			b.ReportMetric(100*(float64(sides[1].cpu)/float64(sides[0].cpu)-1), "cpu-overhead-%")
		})
	}
}

// processCPU returns the CPU time the process has used (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serve sends a request to h and returns the status and the body.
func serve(h http.Handler, r *signedRequest) (int, string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r.request())
	return w.Code, w.Body.String()
}

func signIAM(tb testing.TB, body string) *signedRequest {
	return signRequest(tb, "iam", "us-east-1", "/", body, "application/x-www-form-urlencoded; charset=utf-8")
}

// signedRequest is a request signed once, to be sent many times.
type signedRequest struct {
	method, url string
	header      http.Header
	body        []byte
}

func (s *signedRequest) request() *http.Request {
	r := httptest.NewRequest(s.method, s.url, bytes.NewReader(s.body))
	r.Header = s.header.Clone()
	r.RemoteAddr = "127.0.0.1:40000"
	return r
}

// signRequest signs a POST as the root user.
func signRequest(tb testing.TB, service, region, path, body, contentType string) *signedRequest {
	tb.Helper()
	r, err := http.NewRequest("POST", "http://127.0.0.1:4580"+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	r.Header.Set("Content-Type", contentType)
	signer := &sigv4.Signer{Credentials: sigv4.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}, Region: region, Service: service}
	if err := signer.Sign(r, []byte(body), time.Now()); err != nil {
		tb.Fatal(err)
	}
	return &signedRequest{method: "POST", url: r.URL.String(), header: r.Header, body: []byte(body)}
}
