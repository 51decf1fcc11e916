package server_test

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// BenchmarkRequestPath serves, in process, the requests of the load
// benchmark (bench/load) as an IAM user with an inline policy, the
// server as `gatehouse serve` runs it: audit trail on, a text log at the
// info level (written to io.Discard). The audit events are stored every
// 1,000 requests, inside the timed loop, so that ns/op and allocs/op
// count what each request costs the process in all:
//
//	go test ./server -run '^$' -bench RequestPath -benchtime 20000x
func BenchmarkRequestPath(b *testing.B) {
	srv := newServer(b, func(c *server.Config) {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	defer srv.Close()
	h := srv.Handler()
	for _, q := range []string{
		"Action=CreateUser&Version=2010-05-08&UserName=alice",
		"Action=PutUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=p&PolicyDocument=" + url.QueryEscape(`{"Version":"2012-10-17","Statement":[`+
			`{"Effect":"Allow","Action":["ivs:GetChannel","ivs:ListChannels"],"Resource":"*"},`+
			`{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}]}`),
	} {
		if c, body := serve(h, signIAM(b, q)); c != 200 {
			b.Fatalf("%s: %d %s", q, c, body)
		}
	}
	c, body := serve(h, signIAM(b, "Action=CreateAccessKey&Version=2010-05-08&UserName=alice"))
	if c != 200 {
		b.Fatalf("CreateAccessKey: %d %s", c, body)
	}
	var key struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if err := xml.Unmarshal([]byte(body), &key); err != nil {
		b.Fatal(err)
	}
	c, body = serve(h, signRequest(b, "ivs", "us-west-2", "/CreateChannel", `{"name":"show"}`, "application/json"))
	if c != 200 {
		b.Fatalf("CreateChannel: %d %s", c, body)
	}
	arn := body[strings.Index(body, `"arn":"`)+7:]
	arn = arn[:strings.IndexByte(arn, '"')]
	creds := sigv4.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
	form := "application/x-www-form-urlencoded; charset=utf-8"
	for _, tc := range []struct {
		name                        string
		service, region, path, body string
		contentType                 string
	}{
		{"sts:GetCallerIdentity", "sts", "us-east-1", "/", "Action=GetCallerIdentity&Version=2011-06-15", form},
		{"iam:GetUser", "iam", "us-east-1", "/", "Action=GetUser&Version=2010-05-08", form},
		{"ivs:GetChannel", "ivs", "us-west-2", "/GetChannel", `{"arn":"` + arn + `"}`, "application/json"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4580"+tc.path, nil)
			if err != nil {
				b.Fatal(err)
			}
			r.RemoteAddr = "127.0.0.1:5000"
			r.Header.Set("Content-Type", tc.contentType)
			signer := &sigv4.Signer{Credentials: creds, Region: tc.region, Service: tc.service}
			if err := signer.Sign(r, []byte(tc.body), time.Now()); err != nil {
				b.Fatal(err)
			}
			w := &discardWriter{h: http.Header{}}
			send := func() {
				req := *r
				req.Header = r.Header.Clone()
				req.Body = io.NopCloser(strings.NewReader(tc.body))
				req.ContentLength = int64(len(tc.body)) // as net/http sets it from the header
				clear(w.h)
				w.status = 0
				h.ServeHTTP(w, &req)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
			send() // warm the caches
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			n := 0
			for b.Loop() {
				send()
				if n++; n%1000 == 0 {
					if err := srv.FlushAudit(ctx); err != nil {
						b.Fatal(err)
					}
				}
			}
			if err := srv.FlushAudit(ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}
