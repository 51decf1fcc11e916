package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vectorAuthorizations returns the Authorization values and presigned
// queries of the stored vectors, to seed the fuzzers.
func vectorAuthorizations(f *testing.F) (headers, queries []string) {
	f.Helper()
	files, _ := filepath.Glob("testdata/aws-signing-test-suite/v4/*/*-signed-request.txt")
	classic, _ := filepath.Glob("testdata/aws4_testsuite/*/*.sreq")
	for _, p := range append(files, classic...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		if _, target, ok := strings.Cut(lines[0], " "); ok {
			if _, q, ok := strings.Cut(target, "?"); ok {
				queries = append(queries, strings.TrimSuffix(q, " HTTP/1.1"))
			}
		}
		for _, l := range lines {
			if v, ok := strings.CutPrefix(l, "Authorization:"); ok {
				headers = append(headers, strings.TrimSpace(v))
			}
		}
	}
	if len(headers) == 0 || len(queries) == 0 {
		f.Fatal("no seeds found in testdata")
	}
	return headers, queries
}

func FuzzParseAuthorization(f *testing.F) {
	headers, _ := vectorAuthorizations(f)
	for _, h := range headers {
		f.Add(h)
	}
	for _, h := range []string{"", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 ,,,", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e,Signature=,SignedHeaders=;",
		"AWS4-HMAC-SHA256 Credential==,=,==", "AWS AKID:sig"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		for _, hasDate := range []bool{true, false} {
			a, err := parseAuthorization(h, hasDate)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Kind != IncompleteSignature {
					t.Fatalf("parseAuthorization(%q) = %v, want IncompleteSignature", h, err)
				}
				continue
			}
			if !hasDate || a.credential == "" || a.signedHeaders == "" || a.signature == "" {
				t.Fatalf("parseAuthorization(%q) accepted incomplete %+v", h, a)
			}
			var s Signed
			_ = parseCredential(&s, a.credential)
			_ = setSignedHeaders(&s, a.signedHeaders)
			decodeSignature(&s.signature, a.signature)
		}
	})
}

// FuzzParse feeds whole requests (authorization header, query, date, token,
// content hash, path) through Parse and, when it succeeds, Verify.
func FuzzParse(f *testing.F) {
	headers, queries := vectorAuthorizations(f)
	for _, h := range headers {
		f.Add("/", "", h, "20150830T123600Z", "", "")
	}
	for _, q := range queries {
		f.Add("/", q, "", "", "", "")
	}
	f.Add("/a/../b//c", "a=%zz&X-Amz-Algorithm=AWS4-HMAC-SHA256", "", "20150830T123600Z", "tok", "UNSIGNED-PAYLOAD")
	f.Add("//", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb&X-Amz-Expires=-1", "", "", "", "00")
	v := NewVerifier(fixedClock(vecTime), Options{KeyCacheSize: 2})
	f.Fuzz(func(t *testing.T, path, query, authz, amzDate, token, contentSHA string) {
		target := path
		if query != "" {
			target += "?" + query
		}
		r := &http.Request{Method: "POST", RequestURI: target, URL: &url.URL{Path: path, RawQuery: query},
			Host: "example.amazonaws.com", Header: http.Header{}}
		for k, val := range map[string]string{"Authorization": authz, "X-Amz-Date": amzDate,
			"X-Amz-Security-Token": token, "X-Amz-Content-Sha256": contentSHA} {
			if val != "" {
				r.Header.Set(k, val)
			}
		}
		s, err := v.Parse(r)
		if err == nil {
			err = v.Verify(s, vecSecret, []byte(query))
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not an *Error", err, err)
		}
	})
}
