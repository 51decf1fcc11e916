package server_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// discardWriter is a ResponseWriter that keeps nothing but the status.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

// BenchmarkRequestPathMetrics serves signed requests in process, with
// metrics on (the default) and off, to show what counting a request
// costs: sts:GetCallerIdentity (no store access) and iam:GetUser by the
// root user (one store read, timed when metrics are on).
func BenchmarkRequestPathMetrics(b *testing.B) {
	for _, req := range []struct {
		name, service, body string
	}{
		{"sts.GetCallerIdentity", "sts", "Action=GetCallerIdentity&Version=2011-06-15"},
		{"iam.GetUser", "iam", "Action=GetUser&Version=2010-05-08"},
	} {
		for _, mc := range []struct {
			name  string
			allow []string
		}{
			{"metrics=off", []string{"off"}},
			{"metrics=on", nil},
		} {
			b.Run(req.name+"/"+mc.name, func(b *testing.B) {
				srv := newServer(b, func(c *server.Config) { c.MetricsAllow = mc.allow })
				defer srv.Close()
				benchmarkRequest(b, srv, req.service, []byte(req.body))
			})
		}
	}
}

// benchmarkRequest serves one signed request over and over (a replay
// within the signature's validity, as a load tool does).
func benchmarkRequest(b *testing.B, srv *server.Server, service string, body []byte) {
	base, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4580/", nil)
	if err != nil {
		b.Fatal(err)
	}
	base.RemoteAddr = "127.0.0.1:5000"
	base.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	signer := &sigv4.Signer{Credentials: sigv4.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}, Region: "us-east-1", Service: service}
	if err := signer.Sign(base, body, time.Now()); err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	w := &discardWriter{h: http.Header{}}
	serve := func() {
		r := *base
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, &r)
		if w.status != 0 && w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	serve() // warm the caches
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve()
	}
}
