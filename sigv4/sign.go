package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Credentials are an access key and, for temporary credentials, a session
// token.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// LogValue implements slog.LogValuer; the secret and the token are redacted.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_key_id", c.AccessKeyID),
		slog.Bool("session_token", c.SessionToken != ""),
	)
}

// Signer signs requests with SigV4, using the same canonicalization as the
// Verifier. It is meant for tests and command-line tools; servers only
// verify. The zero value is not usable: set Credentials, Region and Service.
type Signer struct {
	Credentials Credentials
	Region      string // e.g. "us-east-1"
	Service     string // e.g. "iam"
	// DisablePathNormalization signs the path as sent, keeping "." and ".."
	// segments and repeated slashes (S3 style; aws-sdk-go-v2 also signs
	// this way). By default they are removed, as botocore does.
	DisablePathNormalization bool
	// ContentSHA256Header adds X-Amz-Content-Sha256 with the payload hash
	// and signs it.
	ContentSHA256Header bool
	// UnsignedPayload signs UNSIGNED-PAYLOAD instead of the body hash. It
	// implies ContentSHA256Header.
	UnsignedPayload bool
}

// signature is what signing produced, kept for tests and debugging.
type signature struct {
	canonicalRequest string
	stringToSign     string
	signature        string
}

// Sign adds the X-Amz-Date header (and X-Amz-Security-Token for temporary
// credentials) to r, signs r with body as its payload at time t, and sets the
// Authorization header. Every header already in r.Header is signed, except
// Authorization, User-Agent, X-Amzn-Trace-Id, Expect and Transfer-Encoding;
// "host" is always signed.
func (s *Signer) Sign(r *http.Request, body []byte, t time.Time) error {
	_, err := s.sign(r, body, t)
	return err
}

func (s *Signer) sign(r *http.Request, body []byte, t time.Time) (signature, error) {
	if err := s.check(); err != nil {
		return signature{}, err
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Del(headerAuthorization)
	amzDate := t.UTC().Format(isoBasicLayout)
	r.Header.Set(headerAmzDate, amzDate)
	if tok := s.Credentials.SessionToken; tok != "" {
		r.Header.Set(headerSecurityToken, tok)
	}
	payload := s.payload(r, body)
	scope := Scope{Date: amzDate[:8], Region: s.Region, Service: s.Service}
	path, query := wireTarget(r)
	in := canonicalInput{
		method:        r.Method,
		path:          path,
		query:         query,
		normalize:     !s.DisablePathNormalization,
		header:        r.Header,
		host:          requestHost(r, ""),
		signedHeaders: signedHeaderList(r.Header),
		payloadHash:   []byte(payload),
	}
	sig, err := s.compute(&in, amzDate, &scope)
	if err != nil {
		return sig, err
	}
	r.Header.Set(headerAuthorization, algorithm+" Credential="+s.Credentials.AccessKeyID+"/"+scope.String()+
		", SignedHeaders="+in.signedHeaders+", Signature="+sig.signature)
	return sig, nil
}

// Presign signs r at time t for expires (1 second to 7 days) in the query
// string: it rewrites r.URL.RawQuery to the canonical query with the
// X-Amz-* parameters and X-Amz-Signature appended. All headers in r.Header
// are signed, as Sign does. If r.RequestURI is set (a request read by a
// server, as in tests), it is updated too.
func (s *Signer) Presign(r *http.Request, body []byte, t time.Time, expires time.Duration) error {
	_, err := s.presign(r, body, t, expires)
	return err
}

func (s *Signer) presign(r *http.Request, body []byte, t time.Time, expires time.Duration) (signature, error) {
	if err := s.check(); err != nil {
		return signature{}, err
	}
	if expires < time.Second || expires > MaxPresignExpires {
		return signature{}, errors.New("sigv4: presign expiry must be between 1s and 7 days")
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Del(headerAuthorization)
	amzDate := t.UTC().Format(isoBasicLayout)
	scope := Scope{Date: amzDate[:8], Region: s.Region, Service: s.Service}
	signedHeaders := signedHeaderList(r.Header)
	path, query := wireTarget(r)

	// The query keeps the caller's parameters and gains the auth ones; it
	// is sent in canonical order, as aws-sdk-go-v2 does.
	raw := []byte(withoutAuthParams(query))
	add := func(name, value string) {
		if len(raw) > 0 {
			raw = append(raw, '&')
		}
		raw = append(raw, name...)
		raw = append(raw, '=')
		raw = appendEscaped(raw, value, false)
	}
	add(paramAlgorithm, algorithm)
	add(paramCredential, s.Credentials.AccessKeyID+"/"+scope.String())
	add(paramDate, amzDate)
	add(paramExpires, strconv.FormatInt(int64(expires/time.Second), 10))
	if tok := s.Credentials.SessionToken; tok != "" {
		add(paramSecurityToken, tok)
	}
	add(paramSignedHeaders, signedHeaders)
	canonicalQuery, ok := appendCanonicalQuery(nil, newScratch(), string(raw), false, false)
	if !ok {
		return signature{}, errors.New("sigv4: request query has a malformed percent-escape")
	}

	in := canonicalInput{
		method:        r.Method,
		path:          path,
		query:         string(canonicalQuery),
		presigned:     true,
		normalize:     !s.DisablePathNormalization,
		header:        r.Header,
		host:          requestHost(r, ""),
		signedHeaders: signedHeaders,
		payloadHash:   []byte(s.payload(r, body)),
	}
	sig, err := s.compute(&in, amzDate, &scope)
	if err != nil {
		return sig, err
	}
	r.URL.RawQuery = in.query + "&" + paramSignature + "=" + sig.signature
	if r.RequestURI != "" {
		r.RequestURI = path + "?" + r.URL.RawQuery
	}
	return sig, nil
}

func (s *Signer) check() error {
	c := &s.Credentials
	switch {
	case c.AccessKeyID == "" || c.SecretAccessKey == "":
		return errors.New("sigv4: signer needs an access key id and a secret access key")
	case s.Region == "" || s.Service == "":
		return errors.New("sigv4: signer needs a region and a service")
	case strings.Contains(c.AccessKeyID+s.Region+s.Service, "/"):
		return errors.New("sigv4: access key id, region and service must not contain '/'")
	}
	return nil
}

// payload returns the payload line and sets X-Amz-Content-Sha256 when
// asked to.
func (s *Signer) payload(r *http.Request, body []byte) string {
	var p string
	if s.UnsignedPayload {
		p = unsignedPayload
	} else {
		sum := sha256.Sum256(body)
		p = hex.EncodeToString(sum[:])
	}
	if s.ContentSHA256Header || s.UnsignedPayload {
		r.Header.Set(headerContentSHA256, p)
	}
	return p
}

func (s *Signer) compute(in *canonicalInput, amzDate string, scope *Scope) (signature, error) {
	if in.host == "" {
		return signature{}, errors.New("sigv4: request has no host")
	}
	key := deriveSigningKey(s.Credentials.SecretAccessKey, scope)
	sc := newScratch()
	sig, ok := sc.sign(in, []byte(amzDate), scope, &key)
	if !ok {
		return signature{}, errors.New("sigv4: request query has a malformed percent-escape")
	}
	return signature{
		canonicalRequest: string(sc.creq),
		stringToSign:     string(sc.stringToSign()),
		signature:        hex.EncodeToString(sig[:]),
	}, nil
}

// signedHeaderList returns "host" and the lower-cased names of the headers
// in h that SigV4 signers sign, sorted and joined with ';'.
func signedHeaderList(h http.Header) string {
	names := []string{"host"}
	for k := range h {
		name := strings.ToLower(k)
		switch name {
		case "host", "authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding":
			continue
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ";")
}

// withoutAuthParams removes the presigned-request parameters from a raw
// query, so that presigning twice does not duplicate them.
func withoutAuthParams(raw string) string {
	var kept []string
	for rest := raw; rest != ""; {
		var item string
		item, rest, _ = strings.Cut(rest, "&")
		k, _, _ := strings.Cut(item, "=")
		if key, ok := queryUnescape(k); item == "" || ok && presignIndex(key) >= 0 {
			continue
		}
		kept = append(kept, item)
	}
	return strings.Join(kept, "&")
}
