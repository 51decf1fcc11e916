package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestCanonicalPath(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, normalized, raw string }{
		{"", "/", "/"},
		{"/", "/", "/"},
		{"//", "/", "//"},
		{"/./", "/", "/./"},
		{"/example/..", "/", "/example/.."},
		{"/example1/example2/../..", "/", "/example1/example2/../.."},
		{"//example//", "/example/", "//example//"},
		{"/./example", "/example", "/./example"},
		{"/a/b/../c/", "/a/c/", "/a/b/../c/"},
		{"/../a", "/a", "/../a"},
		{"/a/.../b", "/a/.../b", "/a/.../b"},
		{"a/b", "a/b", "a/b"},
		{"/example space/", "/example%20space/", "/example%20space/"},
		{"/\u1234", "/%E1%88%B4", "/%E1%88%B4"},
		{"/example/$delete", "/example/%24delete", "/example/%24delete"},
		{"/-._~09AZaz", "/-._~09AZaz", "/-._~09AZaz"},
		// A client-encoded path is encoded again (non-S3 double encoding).
		{"/tags/arn%3Aaws%3Aivs%3Aus-west-2%3A1%3Achannel%2Fab", "/tags/arn%253Aaws%253Aivs%253Aus-west-2%253A1%253Achannel%252Fab", "/tags/arn%253Aaws%253Aivs%253Aus-west-2%253A1%253Achannel%252Fab"},
	}
	for _, tc := range tests {
		if got := string(appendCanonicalPath(nil, tc.path, true)); got != tc.normalized {
			t.Errorf("normalized %q = %q, want %q", tc.path, got, tc.normalized)
		}
		if got := string(appendCanonicalPath(nil, tc.path, false)); got != tc.raw {
			t.Errorf("raw %q = %q, want %q", tc.path, got, tc.raw)
		}
	}
}

// TestPathNeedsNormalizing checks that the verifier tries the unnormalized
// variant exactly when it differs.
func TestPathNeedsNormalizing(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	parts := []string{"/", "/", ".", "..", "a", "%2F"}
	for range 5000 {
		var p string
		for range rng.IntN(7) {
			p += parts[rng.IntN(len(parts))]
		}
		differ := string(appendCanonicalPath(nil, p, true)) != string(appendCanonicalPath(nil, p, false))
		if got := pathNeedsNormalizing(p); got != differ {
			t.Errorf("pathNeedsNormalizing(%q) = %v, but variants differ: %v", p, got, differ)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{"", "", true},
		{"Param2=value2&Param1=value1", "Param1=value1&Param2=value2", true},
		{"Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2", true},
		{"b&a=", "a=&b=", true},
		{"&&a=1&", "a=1", true},
		{"=v", "=v", true},
		{"a=x+y%20z", "a=x%2By%20z", true},
		{"%7e=%7E&-._~=1", "-._~=1&~=~", true},
		{"a=%e1%88%b4", "a=%E1%88%B4", true},
		{"\u1234=bar", "%E1%88%B4=bar", true},
		{"a/b=1&a-b=2", "a%2Fb=1&a-b=2", true}, // sorted after encoding: '%' < '-'
		{"a=%zz", "", false},
		{"a=%4", "", false},
	}
	for _, tc := range tests {
		got, ok := appendCanonicalQuery(nil, newScratch(), tc.raw, false, false)
		if ok != tc.ok || (ok && string(got) != tc.want) {
			t.Errorf("canonical query %q = %q, %v; want %q, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
	got, _ := appendCanonicalQuery(nil, newScratch(), "b=2&X-Amz-Signature=ab&X-Amz-Security-Token=t&a=1", true, false)
	if string(got) != "X-Amz-Security-Token=t&a=1&b=2" {
		t.Errorf("presigned: %q", got)
	}
	got, _ = appendCanonicalQuery(nil, newScratch(), "b=2&X-Amz-Signature=ab&X-Amz-Security-Token=t&a=1", true, true)
	if string(got) != "a=1&b=2" {
		t.Errorf("presigned, token dropped: %q", got)
	}
	// More pairs than the insertion-sort cutoff.
	var raw []byte
	for i := 30; i > 0; i-- {
		raw = append(raw, byte('a'+i%26), '=', byte('0'+i%10), '&')
	}
	got, _ = appendCanonicalQuery(nil, newScratch(), string(raw), false, false)
	pairs := splitAmp(string(got))
	if !slices.IsSorted(pairs) || len(pairs) != 30 {
		t.Errorf("large query not sorted: %s", got)
	}
}

func splitAmp(s string) []string {
	var out []string
	for s != "" {
		i := 0
		for i < len(s) && s[i] != '&' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}

func TestHeaderValue(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"value1", "value1"},
		{"  a   b   c  ", "a b c"},
		{`"a   b   c"`, `"a b c"`},
		{"value1\n  value2\n     value3", "value1 value2 value3"},
		{"value1 \r\n\tvalue2", "value1 value2"},
		{"a\tb", "a\tb"}, // aws-sdk-go-v2 keeps inner tabs
		{"\t a \t", "a"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := string(appendHeaderValue(nil, tc.in)); got != tc.want {
			t.Errorf("appendHeaderValue(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLookupHeader(t *testing.T) {
	t.Parallel()
	h := http.Header{
		"X-Amz-Date": {"canonical"},
		"my-header":  {"lower"},
		"MY-HEADER":  {"upper"},
		"X_Under":    {"underscore"},
	}
	for name, want := range map[string][]string{
		"x-amz-date": {"canonical"},
		"my-header":  {"upper", "lower"}, // non-canonical keys, sorted
		"x_under":    {"underscore"},
		"missing":    nil,
	} {
		if got := lookupHeader(h, name); !slices.Equal(got, want) {
			t.Errorf("lookupHeader(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestSigningKey checks the derived key of spec §1 and the hand-written
// HMAC against crypto/hmac.
func TestSigningKey(t *testing.T) {
	t.Parallel()
	scope := Scope{Date: "20150830", Region: "us-east-1", Service: "service"}
	key := deriveSigningKey(vecSecret, &scope)
	if got := hex.EncodeToString(key[:]); got != "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75" {
		t.Errorf("signing key = %s", got)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	sc := newScratch()
	for i := range 200 {
		var k [32]byte
		for j := range k {
			k[j] = byte(rng.IntN(256))
		}
		in := canonicalInput{method: "GET", path: "/" + string(rune('a'+i%26)), host: "h", signedHeaders: "host",
			payloadHash: []byte(unsignedPayload)}
		sig, ok := sc.sign(&in, []byte("20150830T123600Z"), &scope, &k)
		if !ok {
			t.Fatal("sign failed")
		}
		mac := hmac.New(sha256.New, k[:])
		mac.Write(sc.stringToSign())
		if !hmac.Equal(sig[:], mac.Sum(nil)) {
			t.Fatalf("HMAC differs from crypto/hmac for key %x", k)
		}
	}
}

// TestDeriveSigningKeyMatchesHMAC checks the stack HMAC of deriveSigningKey
// against crypto/hmac for secrets and scope fields around the block size.
func TestDeriveSigningKeyMatchesHMAC(t *testing.T) {
	t.Parallel()
	mac := func(key []byte, data string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(data))
		return h.Sum(nil)
	}
	for _, secretLen := range []int{0, 1, 40, 59, 60, 61, 64, 128, 300} {
		for _, fieldLen := range []int{0, 9, 63, 64, 65, 200} {
			secret := strings.Repeat("s", secretLen)
			field := strings.Repeat("r", fieldLen)
			scope := Scope{Date: "20150830", Region: field, Service: "svc" + field}
			k := mac([]byte("AWS4"+secret), scope.Date)
			k = mac(k, scope.Region)
			k = mac(k, scope.Service)
			k = mac(k, terminator)
			if got := deriveSigningKey(secret, &scope); !bytes.Equal(got[:], k) {
				t.Errorf("secret of %d, fields of %d: key %x, want %x", secretLen, fieldLen, got, k)
			}
		}
	}
}

// TestDecodeSignature: decodeSignature reads 64 hex digits of either case
// as encoding/hex does, and refuses any other byte anywhere, and any
// other length; isHexString agrees with isHex on every byte.
func TestDecodeSignature(t *testing.T) {
	want := make([]byte, 32)
	for i := range want {
		want[i] = byte(i*37 + 11)
	}
	valid := hex.EncodeToString(want)
	for _, s := range []string{valid, strings.ToUpper(valid)} {
		var got [32]byte
		if !decodeSignature(&got, s) || !bytes.Equal(got[:], want) {
			t.Fatalf("decodeSignature(%s) = %x", s, got)
		}
	}
	for c := range 256 {
		if isHexString(string([]byte{byte(c)})) != isHex(byte(c)) {
			t.Errorf("isHexString(%q) disagrees with isHex", byte(c))
		}
		if isHex(byte(c)) {
			continue
		}
		for _, at := range []int{0, 1, 31, 62, 63} {
			bad := []byte(valid)
			bad[at] = byte(c)
			var got [32]byte
			if decodeSignature(&got, string(bad)) {
				t.Fatalf("decodeSignature took byte %#x at %d", c, at)
			}
		}
	}
	var got [32]byte
	for _, s := range []string{"", valid[:62], valid + "00"} {
		if decodeSignature(&got, s) {
			t.Errorf("decodeSignature took %d digits", len(s))
		}
	}
}
