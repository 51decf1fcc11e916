package sigv4

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// benchRequest returns an IAM ListUsers POST signed by aws-sdk-go-v2, as the
// server reads it from the wire, and its body.
func benchRequest(tb testing.TB) (*http.Request, []byte) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, "https://iam.amazonaws.com/", strings.NewReader(testBody))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	creds := aws.Credentials{AccessKeyID: vecAccessKey, SecretAccessKey: vecSecret}
	err = v4.NewSigner().SignHTTP(context.Background(), creds, req, hexSHA256([]byte(testBody)), "iam", "us-east-1", vecTime)
	if err != nil {
		tb.Fatal(err)
	}
	return receive(tb, transmit(tb, req))
}

// BenchmarkVerify measures Parse and Verify of a small signed POST with the
// signing key cached: the per-request cost of authentication.
func BenchmarkVerify(b *testing.B) {
	r, body := benchRequest(b)
	v := NewVerifier(fixedClock(vecTime), Options{})
	if err := verifyOnce(v, r, body); err != nil { // warms the key cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := verifyOnce(v, r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyUncached derives the signing key every time.
func BenchmarkVerifyUncached(b *testing.B) {
	r, body := benchRequest(b)
	v := NewVerifier(fixedClock(vecTime), Options{KeyCacheSize: -1})
	b.ReportAllocs()
	for b.Loop() {
		if err := verifyOnce(v, r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresigned verifies a presigned GET with a query string.
func BenchmarkVerifyPresigned(b *testing.B) {
	r := presignedGet(15*time.Minute, nil)(b)
	r.RequestURI = r.URL.RequestURI()
	v := NewVerifier(fixedClock(vecTime), Options{})
	if err := verifyOnce(v, r, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := verifyOnce(v, r, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func verifyOnce(v *Verifier, r *http.Request, body []byte) error {
	s, err := v.Parse(r)
	if err != nil {
		return err
	}
	return v.Verify(s, vecSecret, body)
}

// BenchmarkVerifyManyKeys verifies requests of many access keys in turn,
// as a server with more active keys than its signing-key cache holds
// does (the load benchmark's 10,000 users): most requests derive their
// signing key. With /Secret, each key's Secret keeps its signing keys, as
// the server's key cache does, and the keys come in random order: with
// 100,000 of them, finding a kept key is a walk through memory the
// processor's caches do not hold, as under load.
func BenchmarkVerifyManyKeys(b *testing.B) {
	for _, tc := range []struct {
		keys   int
		secret bool
	}{{100, false}, {10000, false}, {100000, true}} {
		name := fmt.Sprintf("keys=%d", tc.keys)
		if tc.secret {
			name += "/Secret"
		}
		b.Run(name, func(b *testing.B) {
			type signed struct {
				r      *http.Request
				body   []byte
				secret *Secret
			}
			v := NewVerifier(fixedClock(vecTime), Options{})
			reqs := make([]signed, tc.keys)
			for i := range reqs {
				secret := fmt.Sprintf("%040d", i)
				s := &Signer{Credentials: Credentials{AccessKeyID: fmt.Sprintf("AKIA%016d", i), SecretAccessKey: secret},
					Region: "us-east-1", Service: "iam"}
				req, err := http.NewRequest(http.MethodPost, "https://iam.amazonaws.com/", strings.NewReader(testBody))
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				if err := s.Sign(req, []byte(testBody), vecTime); err != nil {
					b.Fatal(err)
				}
				r, body := receive(b, transmit(b, req))
				reqs[i] = signed{r, body, NewSecret(secret)}
			}
			verify := func(s *signed) error {
				p, err := v.Parse(s.r)
				switch {
				case err != nil:
					return err
				case tc.secret:
					return v.VerifySecret(p, s.secret, s.body)
				}
				return v.Verify(p, s.secret.value, s.body)
			}
			if tc.secret {
				for i := range reqs { // each Secret keeps its key
					if err := verify(&reqs[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
			order := rand.New(rand.NewPCG(1, 2)).Perm(tc.keys)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := verify(&reqs[order[i%tc.keys]]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
