package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// transmit writes a client request to the wire and reads it back as a
// server would, returning the wire bytes.
func transmit(t testing.TB, r *http.Request) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// receive parses wire bytes into a server-side request and its body.
func receive(t testing.TB, wire []byte) (*http.Request, []byte) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
	if err != nil {
		t.Fatalf("read request: %v\n%s", err, wire)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, body
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestSDKDoubleEncodedPath pins the non-S3 path rule with a request
// aws-sdk-go-v2 signs for IVS (spec §2.1): the client-encoded %3A appears as
// %253A in the canonical URI.
func TestSDKDoubleEncodedPath(t *testing.T) {
	t.Parallel()
	const arnPath = "/tags/arn%3Aaws%3Aivs%3Aus-west-2%3A123456789012%3Achannel%2FabcdABCDefgh"
	req, err := http.NewRequest(http.MethodGet, "https://ivs.us-west-2.amazonaws.com"+arnPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: vecAccessKey, SecretAccessKey: vecSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hexSHA256(nil), "ivs", "us-west-2", vecTime); err != nil {
		t.Fatal(err)
	}
	r, body := receive(t, transmit(t, req))
	if r.RequestURI != arnPath {
		t.Fatalf("wire path = %q", r.RequestURI)
	}
	v := NewVerifier(fixedClock(vecTime), Options{})
	s, err := v.Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if s.Scope.Service != "ivs" || s.Scope.Region != "us-west-2" {
		t.Errorf("scope = %+v", s.Scope)
	}
	if err := v.Verify(s, vecSecret, body); err != nil {
		t.Fatal(err)
	}
	creq, _ := canonicalFor(t, s, body, true, false)
	const want = "/tags/arn%253Aaws%253Aivs%253Aus-west-2%253A123456789012%253Achannel%252FabcdABCDefgh"
	if got := strings.Split(creq, "\n")[1]; got != want {
		t.Errorf("canonical URI = %s, want %s", got, want)
	}
}

// sdkCase is one randomly generated request.
type sdkCase struct {
	method, service, region string
	url                     string
	header                  http.Header
	body                    []byte
	creds                   aws.Credentials
	payload                 string // hash handed to the SDK
	contentSHAHeader        bool
}

var (
	sdkMethods  = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
	sdkServices = []string{"iam", "sts", "ivs"}
	sdkRegions  = []string{"us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2"}
	sdkHosts    = []string{"http://localhost:4566", "https://iam.amazonaws.com", "http://example.com:80", "https://[::1]:8443", "http://gatehouse.internal"}
	// Path characters: unreserved, sub-delims, and ones that must be escaped.
	pathChars  = []rune("abcXYZ019-_.~ !$&'()*+,;=:@%/?#é\u1234")
	queryChars = []rune("abcXYZ019-_.~ !$&'()*+,;=:@%/?#é\u1234")
	valueChars = []rune("abc XYZ 019-_.~!\"#$%&'()*+,/:;<=>?@[]^`{|}\tü")
)

func randString(rng *rand.Rand, chars []rune, minLen, maxLen int) string {
	n := minLen + rng.IntN(maxLen-minLen+1)
	var b strings.Builder
	for range n {
		b.WriteRune(chars[rng.IntN(len(chars))])
	}
	return b.String()
}

func newSDKCase(rng *rand.Rand) sdkCase {
	c := sdkCase{
		method:  sdkMethods[rng.IntN(len(sdkMethods))],
		service: sdkServices[rng.IntN(len(sdkServices))],
		region:  sdkRegions[rng.IntN(len(sdkRegions))],
		header:  http.Header{},
		creds: aws.Credentials{
			AccessKeyID:     "AKIA" + strings.ToUpper(randString(rng, []rune("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 16, 16)),
			SecretAccessKey: randString(rng, []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"), 40, 40),
		},
	}
	if rng.IntN(3) == 0 {
		c.creds.AccessKeyID = "ASIA" + c.creds.AccessKeyID[4:]
		c.creds.SessionToken = randString(rng, []rune("abcXYZ0189+/="), 20, 120)
	}

	var path strings.Builder
	for range rng.IntN(5) {
		path.WriteByte('/')
		switch rng.IntN(12) {
		case 0:
			path.WriteString(".") // dot segments and empty segments are sent as is
		case 1:
			path.WriteString("..")
		case 2: // empty segment: "//"
		default:
			path.WriteString(url.PathEscape(randString(rng, pathChars, 1, 12)))
		}
	}
	if rng.IntN(4) == 0 {
		path.WriteByte('/')
	}
	var query []string
	for range rng.IntN(5) {
		k := url.QueryEscape(randString(rng, queryChars, 0, 8))
		switch rng.IntN(4) {
		case 0:
			query = append(query, k)
		default:
			query = append(query, k+"="+url.QueryEscape(randString(rng, queryChars, 0, 12)))
		}
	}
	c.url = sdkHosts[rng.IntN(len(sdkHosts))] + path.String()
	if len(query) > 0 {
		c.url += "?" + strings.Join(query, "&")
	}

	for i := range rng.IntN(4) {
		name := "X-Custom-" + strconv.Itoa(i)
		for range 1 + rng.IntN(2) { // repeated headers
			v := randString(rng, valueChars, 0, 20)
			if rng.IntN(3) == 0 {
				v = "  " + v + "   with   runs  "
			}
			c.header.Add(name, v)
		}
	}
	if rng.IntN(4) == 0 {
		c.header.Set("X-Amz-Target", "Custom.Op") // hoisted to the query when presigned
	}
	if rng.IntN(4) == 0 {
		c.header.Set("X-Amz-Meta-Note", "kept as a header")
	}
	switch c.method {
	case "POST", "PUT", "PATCH":
		c.header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		if rng.IntN(5) > 0 {
			c.body = []byte(randString(rng, valueChars, 1, 200))
		}
	}
	c.payload = hexSHA256(c.body)
	switch rng.IntN(4) {
	case 0:
		c.contentSHAHeader = true
		c.header.Set("X-Amz-Content-Sha256", c.payload)
	case 1:
		c.contentSHAHeader = true
		c.payload = unsignedPayload
		c.header.Set("X-Amz-Content-Sha256", c.payload)
	}
	return c
}

func (c *sdkCase) request(t *testing.T, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(c.method, rawURL, bytes.NewReader(c.body))
	if err != nil {
		t.Fatalf("%s: %v", rawURL, err)
	}
	for k, v := range c.header {
		req.Header[k] = append([]string(nil), v...)
	}
	return req
}

// TestSDKDifferential signs random requests with aws-sdk-go-v2's signer,
// sends them through net/http's wire format, and verifies them; then it
// changes one thing and expects SignatureDoesNotMatch.
func TestSDKDifferential(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(20150830, 1))
	signer := v4.NewSigner()
	base := time.Date(2024, 5, 1, 10, 20, 30, 0, time.UTC)
	const n = 500
	for i := range n {
		c := newSDKCase(rng)
		signTime := base.Add(time.Duration(rng.IntN(3600)) * time.Second)
		presign := i%2 == 1
		name := c.method + " " + c.url
		if presign {
			name = "presign " + name
		}

		var wire []byte
		now := signTime.Add(time.Duration(rng.IntN(481)-240) * time.Second)
		if !presign {
			req := c.request(t, c.url)
			if err := signer.SignHTTP(context.Background(), c.creds, req, c.payload, c.service, c.region, signTime); err != nil {
				t.Fatal(err)
			}
			wire = transmit(t, req)
		} else {
			expires := 1 + rng.IntN(604800)
			req := c.request(t, c.url)
			q := req.URL.Query()
			q.Set("X-Amz-Expires", strconv.Itoa(expires))
			req.URL.RawQuery = q.Encode()
			signedURL, signedHeaders, err := signer.PresignHTTP(context.Background(), c.creds, req, c.payload, c.service, c.region, signTime)
			if err != nil {
				t.Fatal(err)
			}
			// The SDK documents that the signed headers must be sent with the
			// URL; that includes Host, from which it strips a default port.
			req = c.request(t, signedURL)
			for k, v := range signedHeaders {
				if k == "Host" {
					req.Host = v[0]
				} else {
					req.Header[k] = v
				}
			}
			wire = transmit(t, req)
			now = signTime.Add(time.Duration(rng.Int64N(int64(expires)+240)-240) * time.Second)
		}

		v := NewVerifier(fixedClock(now), Options{})
		verify := func(r *http.Request, body []byte, secret string) error {
			s, err := v.Parse(r)
			if err != nil {
				return err
			}
			if s.AccessKeyID != c.creds.AccessKeyID || s.Scope.Service != c.service || s.Scope.Region != c.region ||
				s.SessionToken != c.creds.SessionToken || s.Presigned != presign {
				t.Errorf("%s: parsed %+v", name, s)
			}
			return v.Verify(s, secret, body)
		}
		r, body := receive(t, wire)
		if err := verify(r, body, c.creds.SecretAccessKey); err != nil {
			t.Fatalf("case %d %s: %v\n%s", i, name, err, wire)
		}

		// Change one thing; the signature must no longer match.
		r, body = receive(t, wire)
		secret := c.creds.SecretAccessKey
		var what string
		accepted := false
		switch m := rng.IntN(6); {
		case m == 0:
			what = "signature"
			if presign {
				r.RequestURI = flipLastHex(r.RequestURI)
			} else {
				r.Header.Set("Authorization", flipLastHex(r.Header.Get("Authorization")))
			}
		case m == 1 && len(body) > 0:
			what = "body"
			body[rng.IntN(len(body))] ^= 0x01
			accepted = c.payload == unsignedPayload // UNSIGNED-PAYLOAD leaves the body unsigned
		case m == 2 && strings.Contains(r.RequestURI, "?") && !presign:
			what = "query"
			r.RequestURI = mutateAt(r.RequestURI, strings.IndexByte(r.RequestURI, '?')+1+rng.IntN(len(r.RequestURI)-strings.IndexByte(r.RequestURI, '?')-1))
		case m == 3:
			what = "path"
			if path, _, _ := strings.Cut(r.RequestURI, "?"); len(path) > 1 {
				r.RequestURI = mutateAt(r.RequestURI, 1+rng.IntN(len(path)-1)) // keep the leading '/'
			} else {
				r.RequestURI = "/A" + r.RequestURI[1:]
			}
		case m == 4:
			what = "host"
			r.Host = mutateAt(r.Host, 0)
		default:
			what = "secret"
			secret = mutateAt(secret, rng.IntN(len(secret)))
		}
		err := verify(r, body, secret)
		switch {
		case accepted && err != nil:
			t.Errorf("case %d %s: changed %s of an unsigned payload: %v", i, name, what, err)
		case !accepted && !errors.Is(err, SignatureDoesNotMatch):
			t.Errorf("case %d %s: changed %s: err = %v, want SignatureDoesNotMatch", i, name, what, err)
		}
	}
}

// mutateAt replaces the byte at i with a different letter.
func mutateAt(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// flipLastHex changes the last hex digit of s (the end of the signature).
func flipLastHex(s string) string {
	i := len(s) - 1
	c := byte('0')
	if s[i] == '0' {
		c = '1'
	}
	return s[:i] + string(c)
}
