package sigv4

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	testBody    = "Action=ListUsers&Version=2010-05-08"
	testSig64   = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	testCredStr = "AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request"
)

func testSigner() *Signer {
	return &Signer{Credentials: Credentials{AccessKeyID: vecAccessKey, SecretAccessKey: vecSecret},
		Region: vecRegion, Service: "iam"}
}

// newPost returns an unsigned IAM-style form POST as a server sees it.
func newPost() *http.Request {
	r, err := http.NewRequest(http.MethodPost, "https://iam.amazonaws.com/", strings.NewReader(testBody))
	if err != nil {
		panic(err)
	}
	r.RequestURI = "/"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r
}

// signedPost returns newPost signed at vecTime by s (testSigner if nil),
// after applying before, and then applies after.
func signedPost(t testing.TB, s *Signer, before, after func(r *http.Request)) func(t testing.TB) *http.Request {
	return func(t testing.TB) *http.Request {
		if s == nil {
			s = testSigner()
		}
		r := newPost()
		if before != nil {
			before(r)
		}
		if err := s.Sign(r, []byte(testBody), vecTime); err != nil {
			t.Fatal(err)
		}
		if after != nil {
			after(r)
		}
		return r
	}
}

// presignedGet returns a GET presigned at vecTime for expires, after which
// edit may change the raw query.
func presignedGet(expires time.Duration, edit func(q string) string) func(t testing.TB) *http.Request {
	return func(t testing.TB) *http.Request {
		r, err := http.NewRequest(http.MethodGet, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
		if err != nil {
			t.Fatal(err)
		}
		s := testSigner()
		s.Service = "sts"
		if err := s.Presign(r, nil, vecTime, expires); err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			r.URL.RawQuery = edit(r.URL.RawQuery)
		}
		return r
	}
}

func setAuthz(v string) func(r *http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", v) }
}

// TestErrors checks each failure Parse and Verify report, with its AWS code
// and message.
func TestErrors(t *testing.T) {
	t.Parallel()
	sigHdr := func(rest string) func(r *http.Request) { return setAuthz("AWS4-HMAC-SHA256 " + rest) }
	tests := []struct {
		name   string
		req    func(t testing.TB) *http.Request
		body   string // defaults to testBody
		now    time.Time
		secret string
		opts   Options
		kind   Kind   // 0: success
		msg    string // exact message; empty: not checked
	}{
		{name: "ok", req: signedPost(t, nil, nil, nil)},
		{name: "no authentication", req: func(testing.TB) *http.Request { return newPost() },
			kind: MissingAuthenticationToken, msg: "Request is missing Authentication Token"},
		{name: "missing Credential", req: signedPost(t, nil, nil, sigHdr("SignedHeaders=host;x-amz-date, Signature="+testSig64)),
			kind: IncompleteSignature, msg: "Authorization header requires 'Credential' parameter."},
		{name: "missing Signature and SignedHeaders", req: signedPost(t, nil, nil, sigHdr("Credential="+testCredStr)),
			kind: IncompleteSignature, msg: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{name: "everything missing, no date", req: signedPost(t, nil, nil, func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256")
			r.Header.Del("X-Amz-Date")
		}), kind: IncompleteSignature, msg: "Authorization header requires 'Credential' parameter. " +
			"Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{name: "empty Authorization", req: signedPost(t, nil, nil, setAuthz("")),
			kind: IncompleteSignature, msg: "Unsupported AWS 'algorithm': ''."},
		{name: "SigV4a", req: signedPost(t, nil, nil, setAuthz("AWS4-ECDSA-P256-SHA256 Credential="+testCredStr)),
			kind: IncompleteSignature, msg: "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'."},
		{name: "SigV2", req: signedPost(t, nil, nil, setAuthz("AWS AKIDEXAMPLE:c2lnbmF0dXJl")),
			kind: IncompleteSignature},
		{name: "component without equal sign", req: signedPost(t, nil, nil, sigHdr("Credential="+testCredStr+", SignedHeaders, Signature="+testSig64)),
			kind: IncompleteSignature, msg: "'SignedHeaders' not a valid key=value pair (missing equal-sign) in Authorization header."},
		{name: "duplicate Signature", req: signedPost(t, nil, nil, sigHdr("Credential="+testCredStr+", SignedHeaders=host, Signature="+testSig64+", Signature="+testSig64)),
			kind: IncompleteSignature},
		{name: "two Authorization headers", req: signedPost(t, nil, nil, func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }),
			kind: IncompleteSignature},
		{name: "credential with four parts", req: signedPost(t, nil, nil, sigHdr("Credential=AKIDEXAMPLE/20150830/us-east-1/iam, SignedHeaders=host, Signature="+testSig64)),
			kind: IncompleteSignature, msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/iam'"},
		{name: "credential with six parts", req: signedPost(t, nil, nil, sigHdr("Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request/x, SignedHeaders=host, Signature="+testSig64)),
			kind: IncompleteSignature},
		{name: "credential with bad terminator", req: signedPost(t, nil, nil, sigHdr("Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws5_request, SignedHeaders=host, Signature="+testSig64)),
			kind: SignatureDoesNotMatch, msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{name: "credential with bad date", req: signedPost(t, nil, nil, sigHdr("Credential=AKIDEXAMPLE/2015-8-30/us-east-1/iam/aws4_request, SignedHeaders=host, Signature="+testSig64)),
			kind: IncompleteSignature},
		{name: "empty SignedHeaders element", req: signedPost(t, nil, nil, sigHdr("Credential="+testCredStr+", SignedHeaders=host;;x-amz-date, Signature="+testSig64)),
			kind: IncompleteSignature},
		{name: "host not signed", req: signedPost(t, nil, nil, sigHdr("Credential="+testCredStr+", SignedHeaders=content-type;x-amz-date, Signature="+testSig64)),
			kind: SignatureDoesNotMatch, msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "malformed signature", req: signedPost(t, nil, nil, sigHdr("Credential="+testCredStr+", SignedHeaders=host;x-amz-date, Signature=xyz")),
			kind: SignatureDoesNotMatch, msg: msgSignatureMismatch},
		{name: "X-Amz-Date not basic format", req: signedPost(t, nil, nil, func(r *http.Request) { r.Header.Set("X-Amz-Date", "2015-08-30T12:36:00Z") }),
			kind: IncompleteSignature, msg: "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "X-Amz-Date impossible day", req: signedPost(t, nil, nil, func(r *http.Request) { r.Header.Set("X-Amz-Date", "20150231T123600Z") }),
			kind: IncompleteSignature},
		{name: "bad Date header", req: signedPost(t, nil, nil, func(r *http.Request) {
			r.Header.Del("X-Amz-Date")
			r.Header.Set("Date", "yesterday")
		}), kind: IncompleteSignature, msg: "Date must be in ISO-8601 'basic format'. Got 'yesterday'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "scope date differs from X-Amz-Date", req: signedPost(t, nil, nil, func(r *http.Request) { r.Header.Set("X-Amz-Date", "20150831T000100Z") }),
			now: time.Date(2015, 8, 31, 0, 1, 0, 0, time.UTC), kind: SignatureDoesNotMatch,
			msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150830' != '20150831', from '20150831T000100Z'."},
		{name: "signed 15 minutes ago", req: signedPost(t, nil, nil, nil), now: vecTime.Add(15 * time.Minute),
			kind: SignatureDoesNotMatch, msg: "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T125100Z - 5 min.)"},
		{name: "signed 6 minutes ahead", req: signedPost(t, nil, nil, nil), now: vecTime.Add(-6 * time.Minute),
			kind: SignatureDoesNotMatch, msg: "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T123000Z + 5 min.)"},
		{name: "signed exactly 5 minutes ago", req: signedPost(t, nil, nil, nil), now: vecTime.Add(5 * time.Minute)},
		{name: "signed exactly 5 minutes ahead", req: signedPost(t, nil, nil, nil), now: vecTime.Add(-5 * time.Minute)},
		{name: "custom skew window", req: signedPost(t, nil, nil, nil), now: vecTime.Add(2 * time.Minute), opts: Options{MaxSkew: time.Minute},
			kind: SignatureDoesNotMatch, msg: "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T123800Z - 1 min.)"},
		{name: "wrong secret", req: signedPost(t, nil, nil, nil), secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ",
			kind: SignatureDoesNotMatch, msg: msgSignatureMismatch},
		{name: "tampered body", req: signedPost(t, nil, nil, nil), body: "Action=DeleteUser&Version=2010-05-08",
			kind: SignatureDoesNotMatch, msg: msgSignatureMismatch},
		{name: "tampered body with hashed content-sha256", req: signedPost(t, &Signer{Credentials: testSigner().Credentials, Region: vecRegion, Service: "iam", ContentSHA256Header: true}, nil, nil),
			body: "Action=DeleteUser&Version=2010-05-08", kind: SignatureDoesNotMatch, msg: msgContentSHAMismatch},
		{name: "unsigned payload accepted", req: signedPost(t, &Signer{Credentials: testSigner().Credentials, Region: vecRegion, Service: "iam", UnsignedPayload: true}, nil, nil),
			body: "Action=DeleteUser&Version=2010-05-08"},
		{name: "unsigned payload refused by option", req: signedPost(t, &Signer{Credentials: testSigner().Credentials, Region: vecRegion, Service: "iam", UnsignedPayload: true}, nil, nil),
			opts: Options{RejectUnsignedPayload: true}, kind: IncompleteSignature},
		{name: "malformed content-sha256", req: signedPost(t, nil, nil, func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "abc") }),
			kind: IncompleteSignature},
		{name: "signed header removed", req: signedPost(t, nil, nil, func(r *http.Request) { r.Header.Del("Content-Type") }),
			kind: SignatureDoesNotMatch},
		{name: "signed header changed", req: signedPost(t, nil, nil, func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }),
			kind: SignatureDoesNotMatch},
		{name: "signed header whitespace differs", req: signedPost(t, nil, nil, func(r *http.Request) {
			r.Header.Set("Content-Type", "  application/x-www-form-urlencoded;   charset=utf-8 ")
		})},
		{name: "unsigned header added", req: signedPost(t, nil, nil, func(r *http.Request) { r.Header.Set("X-Forwarded-For", "10.0.0.1") })},
		{name: "session token added after signing", req: signedPost(t, nil, nil, func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "tok") })},
		{name: "host changed", req: signedPost(t, nil, nil, func(r *http.Request) { r.Host = "evil.example.com" }),
			kind: SignatureDoesNotMatch},
		{name: "host from HostHeader option", req: signedPost(t, nil, nil, func(r *http.Request) {
			r.Header.Set("X-Forwarded-Host", r.Host+", proxy.internal")
			r.Host = "backend:8080"
		}), opts: Options{HostHeader: "X-Forwarded-Host"}},
		{name: "query changed", req: signedPost(t, nil, nil, func(r *http.Request) { r.RequestURI = "/?Action=DeleteUser" }),
			kind: SignatureDoesNotMatch},
		// "%zz" must not be read as a literal "%zz" (which would canonicalize
		// like the signed "%25zz"): a malformed escape never verifies.
		{name: "malformed query escape", req: signedPost(t, nil,
			func(r *http.Request) { r.RequestURI = "/?a=%25zz" },
			func(r *http.Request) { r.RequestURI = "/?a=%zz" }),
			kind: SignatureDoesNotMatch},
		{name: "encoded query", req: signedPost(t, nil, func(r *http.Request) { r.RequestURI = "/?a=%25zz&b=x%2By+z" }, nil)},
		{name: "header and query auth", req: signedPost(t, nil, nil, func(r *http.Request) { r.RequestURI = "/?X-Amz-Algorithm=AWS4-HMAC-SHA256" }),
			kind: IncompleteSignature, msg: msgBothAuth},

		{name: "presigned ok", req: presignedGet(time.Hour, nil), now: vecTime.Add(time.Hour)},
		{name: "presigned expired", req: presignedGet(time.Hour, nil), now: vecTime.Add(time.Hour + time.Second),
			kind: RequestExpired, msg: "Request has expired."},
		{name: "presigned in the future", req: presignedGet(time.Hour, nil), now: vecTime.Add(-6 * time.Minute),
			kind: SignatureDoesNotMatch, msg: "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T123000Z + 5 min.)"},
		{name: "presigned expires over a week", req: presignedGet(time.Hour, func(q string) string { return strings.Replace(q, "X-Amz-Expires=3600", "X-Amz-Expires=604801", 1) }),
			kind: IncompleteSignature, msg: "X-Amz-Expires must be less than a week (in seconds) that is 604800."},
		{name: "presigned expires a week", req: presignedGet(7*24*time.Hour, nil), now: vecTime.Add(7 * 24 * time.Hour)},
		{name: "presigned expires zero", req: presignedGet(time.Hour, func(q string) string { return strings.Replace(q, "X-Amz-Expires=3600", "X-Amz-Expires=0", 1) }),
			kind: IncompleteSignature},
		{name: "presigned expires not a number", req: presignedGet(time.Hour, func(q string) string { return strings.Replace(q, "X-Amz-Expires=3600", "X-Amz-Expires=1h", 1) }),
			kind: IncompleteSignature, msg: "X-Amz-Expires should be a number."},
		{name: "presigned without credential", req: presignedGet(time.Hour, func(q string) string { return dropParam(q, "X-Amz-Credential") }),
			kind: IncompleteSignature, msg: "AWS query-string parameters must include 'X-Amz-Credential'. Re-examine the query-string parameters."},
		{name: "presigned without signature and expires", req: presignedGet(time.Hour, func(q string) string { return dropParam(dropParam(q, "X-Amz-Signature"), "X-Amz-Expires") }),
			kind: IncompleteSignature, msg: "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-Expires'. Re-examine the query-string parameters."},
		{name: "presigned wrong algorithm", req: presignedGet(time.Hour, func(q string) string { return strings.Replace(q, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1) }),
			kind: IncompleteSignature},
		{name: "presigned duplicate parameter", req: presignedGet(time.Hour, func(q string) string { return q + "&X-Amz-Date=20150830T123600Z" }),
			kind: IncompleteSignature},
		{name: "presigned query changed", req: presignedGet(time.Hour, func(q string) string { return strings.Replace(q, "GetCallerIdentity", "GetSessionToken", 1) }),
			kind: SignatureDoesNotMatch},
		{name: "presigned wrong secret", req: presignedGet(time.Hour, nil), secret: "x", kind: SignatureDoesNotMatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now, secret, body := tc.now, tc.secret, tc.body
			if now.IsZero() {
				now = vecTime
			}
			if secret == "" {
				secret = vecSecret
			}
			if body == "" {
				body = testBody
			}
			v := NewVerifier(fixedClock(now), tc.opts)
			r := tc.req(t)
			s, err := v.Parse(r)
			if err == nil {
				if s.Presigned {
					body = "" // presignedGet has no body
				}
				err = v.Verify(s, secret, []byte(body))
			}
			if tc.kind == 0 {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.Kind != tc.kind || !errors.Is(err, tc.kind) {
				t.Errorf("kind = %s, want %s (%v)", e.Code(), tc.kind.Code(), err)
			}
			if tc.msg != "" && e.Msg != tc.msg {
				t.Errorf("message\n got %q\nwant %q", e.Msg, tc.msg)
			}
		})
	}
}

func dropParam(q, name string) string {
	var kept []string
	for _, p := range strings.Split(q, "&") {
		if !strings.HasPrefix(p, name+"=") {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "&")
}

// TestLegacyDateHeader signs with the Date header instead of X-Amz-Date.
func TestLegacyDateHeader(t *testing.T) {
	t.Parallel()
	r := newPost()
	r.Header.Set("Date", "Sun, 30 Aug 2015 12:36:00 GMT")
	scope := Scope{Date: "20150830", Region: vecRegion, Service: "iam"}
	payload := []byte(hexSHA256([]byte(testBody)))
	in := canonicalInput{method: r.Method, path: "/", header: r.Header, host: r.Host,
		signedHeaders: "content-type;date;host", payloadHash: payload, normalize: true}
	key := deriveSigningKey(vecSecret, &scope)
	sig, ok := newScratch().sign(&in, []byte("20150830T123600Z"), &scope, &key)
	if !ok {
		t.Fatal("sign failed")
	}
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"+scope.String()+
		", SignedHeaders=content-type;date;host, Signature="+hex.EncodeToString(sig[:]))
	v := NewVerifier(fixedClock(vecTime.Add(time.Minute)), Options{})
	s, err := v.Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Time.Equal(vecTime) {
		t.Errorf("Time = %v", s.Time)
	}
	if err := v.Verify(s, vecSecret, []byte(testBody)); err != nil {
		t.Fatal(err)
	}
}

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	for kind, code := range map[Kind]string{
		MissingAuthenticationToken: "MissingAuthenticationToken",
		IncompleteSignature:        "IncompleteSignature",
		InvalidClientTokenID:       "InvalidClientTokenId",
		SignatureDoesNotMatch:      "SignatureDoesNotMatch",
		RequestExpired:             "RequestExpired",
		Kind(0):                    "InternalFailure",
	} {
		if kind.Code() != code || kind.Error() != code {
			t.Errorf("Kind(%d).Code() = %q, want %q", kind, kind.Code(), code)
		}
		e := &Error{Kind: kind, Msg: "m"}
		if e.Code() != code || e.Error() != code+": m" {
			t.Errorf("Error{%d} = %q / %q", kind, e.Code(), e.Error())
		}
		if !errors.Is(e, kind) || !errors.Is(e, &Error{Kind: kind}) || errors.Is(e, Kind(99)) {
			t.Errorf("errors.Is mismatch for %s", code)
		}
	}
	for _, tc := range []struct {
		err        *Error
		code, want string
	}{
		{InvalidClientTokenIDError(), "InvalidClientTokenId", "The security token included in the request is invalid."},
		{WrongServiceError("ivs"), "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'ivs'."},
		{InvalidRegionError("mars-1"), "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not 'mars-1'."},
	} {
		if tc.err.Code() != tc.code || tc.err.Msg != tc.want {
			t.Errorf("got %s %q, want %s %q", tc.err.Code(), tc.err.Msg, tc.code, tc.want)
		}
	}
}

// TestParseIntoReuses: ParseInto overwrites all of a Signed used before,
// so that a server may reuse one: a header-signed request parsed over a
// presigned one with a session token keeps nothing of it, and verifies.
func TestParseIntoReuses(t *testing.T) {
	v := NewVerifier(fixedClock(vecTime.Add(time.Minute)), Options{})
	pre := presignedGet(15*time.Minute, func(q string) string { return q + "&X-Amz-Security-Token=tok" })(t)
	var s Signed
	if err := v.ParseInto(pre, &s); err != nil {
		t.Fatal(err)
	}
	if !s.Presigned || s.Expires == 0 || s.SessionToken != "tok" {
		t.Fatalf("presigned: %+v", s)
	}
	post := signedPost(t, nil, nil, nil)(t)
	if err := v.ParseInto(post, &s); err != nil {
		t.Fatal(err)
	}
	fresh, err := v.Parse(post)
	if err != nil {
		t.Fatal(err)
	}
	if s != *fresh {
		t.Errorf("reused %+v, want %+v", s, *fresh)
	}
	if err := v.VerifySecret(&s, NewSecret(vecSecret), []byte(testBody)); err != nil {
		t.Errorf("verify: %v", err)
	}
	if err := v.ParseInto(newPost(), &s); err == nil {
		t.Error("an unsigned request parsed")
	}
}
