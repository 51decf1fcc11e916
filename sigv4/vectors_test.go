package sigv4

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Common parameters of both public suites (spec §1).
const (
	vecAccessKey = "AKIDEXAMPLE"
	vecSecret    = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	vecRegion    = "us-east-1"
	vecService   = "service"
	// vecSessionToken is the token botocore's harness adds for the classic
	// get-vanilla-with-session-token case (its .req does not carry it).
	vecSessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
)

var vecTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// parseRawRequest reads a request in the suites' text form the way a server
// sees it: RequestURI is the target exactly as written (the suites use raw,
// unencoded paths such as "/example space/"), Host moves to r.Host, and
// obsolete line folds are kept raw so that canonicalization must fold them.
func parseRawRequest(t *testing.T, raw string) (*http.Request, []byte) {
	t.Helper()
	head, body, _ := strings.Cut(raw, "\n\n")
	lines := strings.Split(head, "\n")
	reqLine := lines[0]
	sp1, sp2 := strings.IndexByte(reqLine, ' '), strings.LastIndexByte(reqLine, ' ')
	if sp1 < 0 || sp2 <= sp1 {
		t.Fatalf("bad request line %q", reqLine)
	}
	target := reqLine[sp1+1 : sp2]
	_, query, _ := strings.Cut(target, "?")
	r := &http.Request{
		Method:     reqLine[:sp1],
		RequestURI: target,
		URL:        &url.URL{RawQuery: query},
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{},
		ContentLength: int64(len(body)),
	}
	var last string
	for _, line := range lines[1:] {
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' { // obs-fold continuation
			vals := r.Header[last]
			vals[len(vals)-1] += "\n" + line
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("bad header line %q", line)
		}
		if strings.EqualFold(name, "host") {
			r.Host = strings.TrimSpace(value)
			continue
		}
		last = textproto.CanonicalMIMEHeaderKey(name)
		r.Header[last] = append(r.Header[last], value)
	}
	return r, []byte(body)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// canonicalFor rebuilds the verifier's canonical request and string to sign
// for one variant, to compare them with the suites' files.
func canonicalFor(t *testing.T, s *Signed, body []byte, normalize, dropToken bool) (creq, sts string) {
	t.Helper()
	var payload [64]byte
	n, err := payloadHash(&payload, s.ContentSHA256, body)
	if err != nil {
		t.Fatal(err)
	}
	in := s.canonicalInput(payload[:n])
	in.normalize, in.dropToken = normalize, dropToken
	key := deriveSigningKey(vecSecret, &s.Scope)
	sc := newScratch()
	if _, ok := sc.sign(&in, s.amzDate[:], &s.Scope, &key); !ok {
		t.Fatal("canonical request could not be built")
	}
	return string(sc.creq), string(sc.stringToSign())
}

// vectorContext is context.json of the aws-c-auth suite.
type vectorContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	ExpirationInSeconds int       `json:"expiration_in_seconds"`
	Normalize           bool      `json:"normalize"`
	Region              string    `json:"region"`
	Service             string    `json:"service"`
	SignBody            bool      `json:"sign_body"`
	Timestamp           time.Time `json:"timestamp"`
	OmitSessionToken    bool      `json:"omit_session_token"`
}

// TestAWSSigningTestSuite runs every case of aws-c-auth's v4 suite in both
// forms (Authorization header and presigned query), through the signer and
// through the verifier.
//
// Flags: "normalize": false cases (S3-style paths, dot segments and
// repeated slashes kept) are signed with DisablePathNormalization; the
// verifier needs no flag, because it accepts the unnormalized path as its
// second variant. "sign_body" maps to ContentSHA256Header.
// "omit_session_token" (post-sts-header-after) means the token is added after
// signing: the header form leaves it out of SignedHeaders, and the query
// form leaves it out of the canonical query, which the verifier accepts as
// its token-dropped variant.
func TestAWSSigningTestSuite(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("testdata/aws-signing-test-suite/v4/*")
	if err != nil {
		t.Fatal(err)
	}
	var cases int
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		cases++
		name := filepath.Base(dir)
		file := func(n string) string { return readFile(t, filepath.Join(dir, n)) }
		var ctx vectorContext
		if err := json.Unmarshal([]byte(file("context.json")), &ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		creds := Credentials{ctx.Credentials.AccessKeyID, ctx.Credentials.SecretAccessKey, ctx.Credentials.Token}
		if ctx.OmitSessionToken {
			creds.SessionToken = ""
		}
		signer := &Signer{
			Credentials: creds, Region: ctx.Region, Service: ctx.Service,
			DisablePathNormalization: !ctx.Normalize, ContentSHA256Header: ctx.SignBody,
		}
		expires := time.Duration(ctx.ExpirationInSeconds) * time.Second

		t.Run(name+"/header/sign", func(t *testing.T) {
			r, body := parseRawRequest(t, file("request.txt"))
			got, err := signer.sign(r, body, ctx.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			checkSignature(t, got, file("header-canonical-request.txt"), file("header-string-to-sign.txt"), file("header-signature.txt"))
			want, _ := parseRawRequest(t, file("header-signed-request.txt"))
			if g, w := r.Header.Get("Authorization"), want.Header.Get("Authorization"); g != w {
				t.Errorf("Authorization\n got %s\nwant %s", g, w)
			}
		})
		t.Run(name+"/query/sign", func(t *testing.T) {
			r, body := parseRawRequest(t, file("request.txt"))
			got, err := signer.presign(r, body, ctx.Timestamp, expires)
			if err != nil {
				t.Fatal(err)
			}
			checkSignature(t, got, file("query-canonical-request.txt"), file("query-string-to-sign.txt"), file("query-signature.txt"))
		})
		for _, form := range []string{"header", "query"} {
			t.Run(name+"/"+form+"/verify", func(t *testing.T) {
				r, body := parseRawRequest(t, file(form+"-signed-request.txt"))
				v := NewVerifier(fixedClock(ctx.Timestamp), Options{})
				s, err := v.Parse(r)
				if err != nil {
					t.Fatal(err)
				}
				if err := v.Verify(s, ctx.Credentials.SecretAccessKey, body); err != nil {
					t.Fatal(err)
				}
				if s.SessionToken != ctx.Credentials.Token {
					t.Errorf("SessionToken = %q, want %q", s.SessionToken, ctx.Credentials.Token)
				}
				dropToken := form == "query" && ctx.OmitSessionToken
				creq, sts := canonicalFor(t, s, body, ctx.Normalize, dropToken)
				checkText(t, "canonical request", creq, file(form+"-canonical-request.txt"))
				checkText(t, "string to sign", sts, file(form+"-string-to-sign.txt"))
				if err := v.Verify(s, ctx.Credentials.SecretAccessKey+"x", body); !errors.Is(err, SignatureDoesNotMatch) {
					t.Errorf("wrong secret: err = %v, want SignatureDoesNotMatch", err)
				}
			})
		}
	}
	if cases != 38 {
		t.Errorf("ran %d aws-c-auth cases, want 38", cases)
	}
}

// TestAWS4TestSuite runs every case of the classic suite: .req is signed and
// compared with .creq, .sts and .authz; .sreq is verified.
func TestAWS4TestSuite(t *testing.T) {
	t.Parallel()
	var reqs []string
	err := filepath.WalkDir("testdata/aws4_testsuite", func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".req") {
			reqs = append(reqs, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 34 {
		t.Errorf("found %d classic cases, want 34", len(reqs))
	}
	for _, reqPath := range reqs {
		base := strings.TrimSuffix(reqPath, ".req")
		name := filepath.Base(base)
		file := func(ext string) string { return readFile(t, base+ext) }
		t.Run(name+"/sign", func(t *testing.T) {
			r, body := parseRawRequest(t, file(".req"))
			signer := &Signer{Credentials: Credentials{AccessKeyID: vecAccessKey, SecretAccessKey: vecSecret},
				Region: vecRegion, Service: vecService}
			if name == "get-vanilla-with-session-token" {
				signer.Credentials.SessionToken = vecSessionToken
			}
			got, err := signer.sign(r, body, vecTime)
			if err != nil {
				t.Fatal(err)
			}
			authz := file(".authz")
			checkSignature(t, got, file(".creq"), file(".sts"), authz[strings.LastIndex(authz, "=")+1:])
			checkText(t, "Authorization", r.Header.Get("Authorization"), authz)
		})
		t.Run(name+"/verify", func(t *testing.T) {
			r, body := parseRawRequest(t, file(".sreq"))
			v := NewVerifier(fixedClock(vecTime), Options{})
			s, err := v.Parse(r)
			if err != nil {
				t.Fatal(err)
			}
			creq, sts := canonicalFor(t, s, body, true, false)
			checkText(t, "canonical request", creq, file(".creq"))
			checkText(t, "string to sign", sts, file(".sts"))
			err = v.Verify(s, vecSecret, body)
			if name != "get-vanilla-with-session-token" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			// This .sreq is defective in the suite itself: it carries the
			// signature of get-vanilla (5fa00fa3...), not the one in .authz.
			// The verifier must reject it, and accept the .authz signature.
			if !errors.Is(err, SignatureDoesNotMatch) {
				t.Fatalf("defective .sreq: err = %v, want SignatureDoesNotMatch", err)
			}
			r.Header.Set("Authorization", file(".authz"))
			if s, err = v.Parse(r); err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(s, vecSecret, body); err != nil {
				t.Fatalf("with .authz: %v", err)
			}
		})
	}
}

func checkSignature(t *testing.T, got signature, creq, sts, sig string) {
	t.Helper()
	checkText(t, "canonical request", got.canonicalRequest, creq)
	checkText(t, "string to sign", got.stringToSign, sts)
	checkText(t, "signature", got.signature, sig)
}

func checkText(t *testing.T, what, got, want string) {
	t.Helper()
	if got != strings.TrimRight(want, "\n") {
		t.Errorf("%s\n--- got\n%s\n--- want\n%s", what, got, want)
	}
}
