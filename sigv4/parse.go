package sigv4

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxPresignExpires is the longest validity a presigned request may claim
// through X-Amz-Expires: seven days.
const MaxPresignExpires = 7 * 24 * time.Hour

// Scope is a credential scope: the date, region and service a request was
// signed for. The caller routes on Service and Region.
type Scope struct {
	Date    string // YYYYMMDD
	Region  string // e.g. "us-east-1"
	Service string // e.g. "iam", "sts", "ivs"
}

// String returns the scope in its wire form, "20150830/us-east-1/iam/aws4_request".
func (s Scope) String() string { return string(appendScope(nil, &s)) }

// Signed is a request whose SigV4 authentication information has been
// parsed and checked for form and freshness, but whose signature has not been
// verified yet. Get one from [Verifier.Parse], look up the secret for
// AccessKeyID, then call [Verifier.Verify].
//
// A Signed refers to the *http.Request it was parsed from; the request must
// not be changed until Verify returns.
type Signed struct {
	// AccessKeyID is the access key id from the credential.
	AccessKeyID string
	// Scope is the credential scope.
	Scope Scope
	// Time is the signing time (X-Amz-Date, or the Date header).
	Time time.Time
	// SessionToken is X-Amz-Security-Token (header, or query parameter when
	// presigned); empty when absent. The caller must check that it belongs to
	// AccessKeyID.
	SessionToken string
	// Presigned reports whether the signature came in the query string.
	Presigned bool
	// Expires is X-Amz-Expires of a presigned request.
	Expires time.Duration
	// ContentSHA256 is the X-Amz-Content-Sha256 header: empty, a hex
	// SHA-256 or UNSIGNED-PAYLOAD.
	ContentSHA256 string

	req           *http.Request
	path, query   string
	host          string
	signedHeaders string
	signature     [32]byte
	amzDate       [16]byte
	tokenInQuery  bool
}

// LogValue implements slog.LogValuer. The session token and the signature
// are left out.
func (s *Signed) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_key_id", s.AccessKeyID),
		slog.String("scope", s.Scope.String()),
		slog.String("signed_headers", s.signedHeaders),
		slog.Bool("presigned", s.Presigned),
		slog.Bool("session_token", s.SessionToken != ""),
	)
}

// Parse extracts and checks the SigV4 authentication information of r, from
// the Authorization header or from presigned query parameters. It checks
// their form, that "host" is signed, that the scope date matches the
// signing time, and the clock-skew window (or the presigned expiry) against
// the Verifier's clock. It does not need the secret and does no I/O.
//
// Errors are *Error values of kind MissingAuthenticationToken,
// IncompleteSignature, SignatureDoesNotMatch or RequestExpired.
func (v *Verifier) Parse(r *http.Request) (*Signed, error) {
	s := new(Signed)
	if err := v.ParseInto(r, s); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseInto is Parse into s, which it overwrites: a server may keep the
// Signed of a request in storage it reuses.
func (v *Verifier) ParseInto(r *http.Request, s *Signed) error {
	path, query := wireTarget(r)
	*s = Signed{req: r, path: path, query: query}
	authz := r.Header[headerAuthorization]
	presigned := hasQueryParam(query, paramAlgorithm)
	var err error
	switch {
	case len(authz) > 0 && presigned:
		err = errIncomplete(msgBothAuth)
	case len(authz) > 0:
		err = v.parseHeaderAuth(s, authz)
	case presigned:
		err = v.parsePresigned(s)
	default:
		err = errMissingToken()
	}
	return err
}

// authorization holds the three components of an Authorization header.
type authorization struct {
	credential, signedHeaders, signature string
}

// parseAuthorization splits an Authorization header value:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=<hex>
//
// Components are separated by commas with optional spaces. hasDate only
// shapes the message when parts are missing.
func parseAuthorization(h string, hasDate bool) (authorization, error) {
	var a authorization
	h = strings.TrimSpace(h)
	alg, rest, _ := strings.Cut(h, " ")
	if alg != algorithm {
		return a, errIncomplete("Unsupported AWS 'algorithm': '" + alg + "'.")
	}
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return a, errIncomplete("'" + part +
				"' not a valid key=value pair (missing equal-sign) in Authorization header.")
		}
		var dst *string
		switch name {
		case "Credential":
			dst = &a.credential
		case "SignedHeaders":
			dst = &a.signedHeaders
		case "Signature":
			dst = &a.signature
		default:
			continue // AWS ignores unknown components
		}
		if *dst != "" {
			return a, errIncomplete("Authorization header has more than one '" + name + "' parameter.")
		}
		*dst = value
	}
	if a.credential == "" || a.signature == "" || a.signedHeaders == "" || !hasDate {
		return a, missingParts(a.credential == "", a.signature == "", a.signedHeaders == "", !hasDate)
	}
	return a, nil
}

func (v *Verifier) parseHeaderAuth(s *Signed, authz []string) error {
	r := s.req
	if len(authz) > 1 {
		return errIncomplete("Authorization header must appear only once.")
	}
	amzDate, hasAmzDate := firstValue(r.Header, headerAmzDate)
	httpDate, hasHTTPDate := "", false
	if !hasAmzDate {
		httpDate, hasHTTPDate = firstValue(r.Header, headerDate)
	}
	a, err := parseAuthorization(authz[0], hasAmzDate || hasHTTPDate)
	if err != nil {
		return err
	}
	if err := parseCredential(s, a.credential); err != nil {
		return err
	}
	if err := setSignedHeaders(s, a.signedHeaders); err != nil {
		return err
	}
	if !decodeSignature(&s.signature, a.signature) {
		return errMismatch()
	}
	switch {
	case hasAmzDate:
		if !parseISOBasic(amzDate, &s.Time) {
			return errBadDate(amzDate)
		}
		copy(s.amzDate[:], amzDate)
	default: // legacy Date header (RFC 1123 and friends)
		t, err := http.ParseTime(httpDate)
		if err != nil {
			return errBadDate(httpDate)
		}
		s.Time = t.UTC()
		s.Time.AppendFormat(s.amzDate[:0], isoBasicLayout)
	}
	if s.Scope.Date != string(s.amzDate[:8]) {
		return errScopeDate(s.Scope.Date, string(s.amzDate[:]))
	}
	s.SessionToken, _ = firstValue(r.Header, headerSecurityToken)
	if err := v.setContentSHA256(s); err != nil {
		return err
	}
	s.host = requestHost(r, v.opts.HostHeader)
	return v.checkSkew(s.Time, v.now())
}

// Indexes of the presigned-request query parameters.
const (
	pAlgorithm = iota
	pCredential
	pDate
	pExpires
	pSignedHeaders
	pSignature
	pSecurityToken
	numPresignParams
)

func (v *Verifier) parsePresigned(s *Signed) error {
	var vals [numPresignParams]string
	var seen [numPresignParams]bool
	for raw := s.query; raw != ""; {
		var item string
		item, raw, _ = strings.Cut(raw, "&")
		k, val, _ := strings.Cut(item, "=")
		key, ok := queryUnescape(k)
		if !ok {
			continue // the canonical query rejects it in Verify
		}
		i := presignIndex(key)
		if i < 0 {
			continue
		}
		if seen[i] {
			return errIncomplete("Query-string parameter '" + key + "' must appear only once.")
		}
		seen[i] = true
		if vals[i], ok = queryUnescape(val); !ok {
			return errIncomplete("Query-string parameter '" + key + "' is not correctly percent-encoded.")
		}
	}
	if vals[pAlgorithm] != algorithm {
		return errIncomplete("X-Amz-Algorithm only supports \"" + algorithm + "\".")
	}
	var missing []string
	for _, p := range [...]struct {
		i    int
		name string
	}{
		{pCredential, paramCredential}, {pSignature, paramSignature},
		{pSignedHeaders, paramSignedHeaders}, {pDate, paramDate}, {pExpires, paramExpires},
	} {
		if vals[p.i] == "" {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return missingQueryParams(missing)
	}
	if err := parseCredential(s, vals[pCredential]); err != nil {
		return err
	}
	if err := setSignedHeaders(s, vals[pSignedHeaders]); err != nil {
		return err
	}
	if !decodeSignature(&s.signature, vals[pSignature]) {
		return errMismatch()
	}
	if !parseISOBasic(vals[pDate], &s.Time) {
		return errBadDate(vals[pDate])
	}
	copy(s.amzDate[:], vals[pDate])
	if s.Scope.Date != vals[pDate][:8] {
		return errScopeDate(s.Scope.Date, vals[pDate])
	}
	secs, err := strconv.ParseInt(vals[pExpires], 10, 64)
	switch {
	case err != nil && !isDigits(vals[pExpires]):
		return errIncomplete("X-Amz-Expires should be a number.")
	case err != nil || secs > int64(MaxPresignExpires/time.Second):
		return errIncomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800.")
	case secs <= 0:
		return errIncomplete("X-Amz-Expires must be a positive number of seconds.")
	}
	s.Presigned = true
	s.Expires = time.Duration(secs) * time.Second
	s.SessionToken, s.tokenInQuery = vals[pSecurityToken], seen[pSecurityToken]
	if !s.tokenInQuery {
		s.SessionToken, _ = firstValue(s.req.Header, headerSecurityToken)
	}
	if err := v.setContentSHA256(s); err != nil {
		return err
	}
	s.host = requestHost(s.req, v.opts.HostHeader)

	now := v.now()
	if s.Time.After(now.Add(v.maxSkew)) {
		return errTooNew(s.Time, now, v.maxSkew)
	}
	if now.After(s.Time.Add(s.Expires)) {
		return &Error{Kind: RequestExpired, Msg: msgPresignExpired}
	}
	return nil
}

func presignIndex(key string) int {
	switch key {
	case paramAlgorithm:
		return pAlgorithm
	case paramCredential:
		return pCredential
	case paramDate:
		return pDate
	case paramExpires:
		return pExpires
	case paramSignedHeaders:
		return pSignedHeaders
	case paramSignature:
		return pSignature
	case paramSecurityToken:
		return pSecurityToken
	}
	return -1
}

// hasQueryParam reports whether the raw query has a parameter called name.
func hasQueryParam(raw, name string) bool {
	if !strings.Contains(raw, name) && !strings.Contains(raw, "%") {
		return false
	}
	for raw != "" {
		var item string
		item, raw, _ = strings.Cut(raw, "&")
		k, _, _ := strings.Cut(item, "=")
		if key, ok := queryUnescape(k); ok && key == name {
			return true
		}
	}
	return false
}

// parseCredential splits "AKID/YYYYMMDD/region/service/aws4_request".
func parseCredential(s *Signed, c string) error {
	var parts [5]string
	rest := c
	for i := range parts {
		var ok bool
		parts[i], rest, ok = strings.Cut(rest, "/")
		if ok != (i < len(parts)-1) || parts[i] == "" {
			return errCredentialParts(c)
		}
	}
	if parts[4] != terminator {
		return errTerminator(parts[4])
	}
	if len(parts[1]) != 8 || !isDigits(parts[1]) {
		return errBadDate(parts[1])
	}
	s.AccessKeyID = parts[0]
	s.Scope = Scope{Date: parts[1], Region: parts[2], Service: parts[3]}
	return nil
}

// setSignedHeaders checks the SignedHeaders list: non-empty names, and
// "host" among them.
func setSignedHeaders(s *Signed, list string) error {
	host := false
	for rest := list; rest != ""; {
		var name string
		var more bool
		name, rest, more = strings.Cut(rest, ";")
		if name == "" || (more && rest == "") {
			return errIncomplete("SignedHeaders must be a ';'-separated list of header names, got '" + list + "'.")
		}
		host = host || name == "host"
	}
	if !host {
		return &Error{Kind: SignatureDoesNotMatch, Msg: msgHostNotSigned}
	}
	s.signedHeaders = list
	return nil
}

func (v *Verifier) setContentSHA256(s *Signed) error {
	h, ok := firstValue(s.req.Header, headerContentSHA256)
	if !ok {
		return nil
	}
	switch {
	case h == unsignedPayload:
		if v.opts.RejectUnsignedPayload {
			return errIncomplete("x-amz-content-sha256 must be the SHA-256 hash of the payload; UNSIGNED-PAYLOAD is not accepted.")
		}
	case len(h) == 64 && isHexString(h):
	default:
		return errIncomplete("x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.")
	}
	s.ContentSHA256 = h
	return nil
}

func (v *Verifier) checkSkew(t, now time.Time) error {
	if t.Before(now.Add(-v.maxSkew)) {
		return errTooOld(t, now, v.maxSkew)
	}
	if t.After(now.Add(v.maxSkew)) {
		return errTooNew(t, now, v.maxSkew)
	}
	return nil
}

func firstValue(h http.Header, key string) (string, bool) {
	if v := h[key]; len(v) > 0 {
		return v[0], true
	}
	return "", false
}

// parseISOBasic parses "20150830T123600Z" strictly into *t.
func parseISOBasic(s string, t *time.Time) bool {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' || !isDigits(s[:8]) || !isDigits(s[9:15]) {
		return false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(4, 2), num(6, 2)
	hour, minute, sec := num(9, 2), num(11, 2), num(13, 2)
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return false
	}
	*t = time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	return t.Day() == day // rejects 20150231
}

func isoBasic(t time.Time) string { return t.UTC().Format(isoBasicLayout) }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isHexString(s string) bool {
	var bad byte
	for i := 0; i < len(s); i++ {
		bad |= hexValues[s[i]]
	}
	return bad&0xf0 == 0
}

// decodeSignature decodes 64 hex digits into dst. It looks each digit up
// in a table instead of branching on its range: the digits of a signature
// are random, and a mispredicted branch a digit cost more than the rest
// of parsing the Authorization header.
func decodeSignature(dst *[32]byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	var bad byte
	for i := range dst {
		hi, lo := hexValues[s[2*i]], hexValues[s[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo
	}
	return bad&0xf0 == 0
}

// hexValues maps each byte to its value as a hex digit (either case), or
// to 0xff. It is never modified.
var hexValues = func() (t [256]byte) {
	for c := range t {
		t[c] = 0xff
		if isHex(byte(c)) {
			t[c] = unhex(byte(c))
		}
	}
	return t
}()
