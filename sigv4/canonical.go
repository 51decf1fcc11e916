package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Fixed protocol strings.
const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	isoBasicLayout  = "20060102T150405Z"

	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramSecurityToken = "X-Amz-Security-Token"

	// Canonical (textproto) header keys, so lookups need no conversion.
	headerAuthorization = "Authorization"
	headerAmzDate       = "X-Amz-Date"
	headerDate          = "Date"
	headerSecurityToken = "X-Amz-Security-Token"
	headerContentSHA256 = "X-Amz-Content-Sha256"
	headerContentLength = "Content-Length"
)

// canonicalInput is everything the canonical request covers. The verifier
// fills it from a parsed request, the signer from the request it signs.
type canonicalInput struct {
	method string
	// path and query are the request target as sent on the wire: the path
	// still percent-encoded by the client, the query raw.
	path  string
	query string
	// presigned drops X-Amz-Signature from the canonical query; dropToken
	// also drops X-Amz-Security-Token (tokens appended after signing).
	presigned bool
	dropToken bool
	// normalize removes "." and ".." segments and empty segments from the
	// path before encoding it (all services but S3).
	normalize bool

	header        http.Header
	host          string
	contentLength int64
	signedHeaders string // as listed by the client: "host;x-amz-date"
	payloadHash   []byte // hex SHA-256 of the body, or UNSIGNED-PAYLOAD
}

// wireTarget returns the request path (still percent-encoded) and the raw
// query as the client sent them. On the server that is RequestURI; for a
// request built in process it is the URL's escaped path, read the way
// aws-sdk-go-v2 reads it (including the Opaque form).
func wireTarget(r *http.Request) (path, query string) {
	if u := r.RequestURI; len(u) > 0 && u[0] == '/' {
		path, query, _ = strings.Cut(u, "?")
		return path, query
	}
	if r.URL == nil {
		return "/", ""
	}
	return urlPath(r.URL), r.URL.RawQuery
}

func urlPath(u *url.URL) string {
	if u.Opaque == "" {
		return u.EscapedPath()
	}
	// Opaque is "//host/path" or "/path"; the canonical path starts at the
	// first slash after the host.
	op, _, _ := strings.Cut(u.Opaque, "?")
	op = strings.TrimPrefix(op, "//")
	if i := strings.IndexByte(op, '/'); i >= 0 {
		return op[i:]
	}
	return ""
}

// requestHost returns the value signed as "host": hostHeader's first value
// when configured and present (behind a proxy), else r.Host, else r.URL.Host.
func requestHost(r *http.Request, hostHeader string) string {
	if hostHeader != "" {
		if v := r.Header.Values(hostHeader); len(v) > 0 {
			h, _, _ := strings.Cut(v[0], ",")
			if h = strings.TrimSpace(h); h != "" {
				return h
			}
		}
	}
	if r.Host != "" {
		return r.Host
	}
	if r.URL != nil {
		return r.URL.Host
	}
	return ""
}

// appendCanonicalRequest appends the canonical request for in to dst. It
// reports false when the request cannot have been signed as claimed: a signed
// header is missing or the query has a malformed percent-escape.
func appendCanonicalRequest(dst []byte, sc *scratch, in *canonicalInput) ([]byte, bool) {
	method := in.method
	if method == "" {
		method = http.MethodGet
	}
	dst = append(dst, method...)
	dst = append(dst, '\n')
	dst = appendCanonicalPath(dst, in.path, in.normalize)
	dst = append(dst, '\n')
	var ok bool
	if dst, ok = appendCanonicalQuery(dst, sc, in.query, in.presigned, in.dropToken); !ok {
		return dst, false
	}
	dst = append(dst, '\n')
	if dst, ok = appendCanonicalHeaders(dst, in); !ok {
		return dst, false
	}
	dst = append(dst, '\n')
	dst = append(dst, in.signedHeaders...)
	dst = append(dst, '\n')
	dst = append(dst, in.payloadHash...)
	return dst, true
}

// appendStringToSign appends the string to sign for a canonical request with
// the given hash.
func appendStringToSign(dst []byte, amzDate []byte, scope *Scope, creqHash *[sha256.Size]byte) []byte {
	dst = append(dst, algorithm+"\n"...)
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = appendScope(dst, scope)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, creqHash[:])
}

func appendScope(dst []byte, s *Scope) []byte {
	dst = append(dst, s.Date...)
	dst = append(dst, '/')
	dst = append(dst, s.Region...)
	dst = append(dst, '/')
	dst = append(dst, s.Service...)
	dst = append(dst, "/"+terminator...)
	return dst
}

// appendCanonicalPath encodes the wire path once more (non-S3 services
// double-encode: a client's %3A becomes %253A), optionally after removing
// dot segments and empty segments the way botocore and aws-c-auth do.
func appendCanonicalPath(dst []byte, path string, normalize bool) []byte {
	if path == "" {
		return append(dst, '/')
	}
	if !normalize {
		return appendEscaped(dst, path, true)
	}
	start := len(dst)
	if path[0] == '/' {
		dst = append(dst, '/')
	}
	root := len(dst) // everything before root is never popped
	for rest := path; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		switch seg {
		case "", ".":
		case "..":
			if i := lastSlash(dst[root:]); i >= 0 {
				dst = dst[:root+i]
			} else {
				dst = dst[:root]
			}
		default:
			if len(dst) > root {
				dst = append(dst, '/')
			}
			dst = appendEscaped(dst, seg, false)
		}
	}
	if len(dst) > root && path[len(path)-1] == '/' {
		dst = append(dst, '/')
	}
	if len(dst) == start {
		dst = append(dst, '/')
	}
	return dst
}

func lastSlash(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '/' {
			return i
		}
	}
	return -1
}

// pathNeedsNormalizing reports whether normalizing path changes it, so the
// verifier knows whether an unnormalized variant is worth trying.
func pathNeedsNormalizing(path string) bool {
	if path == "" {
		return false
	}
	rest := path
	if rest[0] == '/' {
		rest = rest[1:]
	}
	for rest != "" {
		var seg string
		var more bool
		seg, rest, more = strings.Cut(rest, "/")
		if seg == "." || seg == ".." || (seg == "" && more) {
			return true
		}
	}
	return false
}

// isUnreserved reports whether c is in the RFC 3986 unreserved set, which
// SigV4 never percent-encodes.
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// appendEscaped percent-encodes every byte of s outside the unreserved set
// (and outside '/', when keepSlash), with upper-case hex.
func appendEscaped(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (keepSlash && c == '/') {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

// appendReencoded percent-decodes s and encodes the result with the strict
// SigV4 rule in one pass. '+' is a literal plus, not a space. It reports
// false on a malformed escape.
func appendReencoded(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return dst, false
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		if isUnreserved(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// queryUnescape percent-decodes s ('+' stays '+'). It allocates only when s
// contains an escape.
func queryUnescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		b = append(b, c)
	}
	return string(b), true
}

// qpair locates one encoded key=value pair in scratch.q: the key is
// q[start:mid], the value q[mid:end].
type qpair struct{ start, mid, end int }

// appendCanonicalQuery appends the canonical form of a raw query: each
// name and value decoded and re-encoded strictly, pairs sorted by encoded name
// then encoded value, joined with '&'.
func appendCanonicalQuery(dst []byte, sc *scratch, raw string, presigned, dropToken bool) ([]byte, bool) {
	if raw == "" {
		return dst, true
	}
	q, pairs := sc.q[:0], sc.pairs[:0]
	for raw != "" {
		var item string
		item, raw, _ = strings.Cut(raw, "&")
		if item == "" {
			continue
		}
		k, v, _ := strings.Cut(item, "=")
		start := len(q)
		var ok bool
		if q, ok = appendReencoded(q, k); !ok {
			return dst, false
		}
		if presigned {
			if key := q[start:]; string(key) == paramSignature || dropToken && string(key) == paramSecurityToken {
				q = q[:start]
				continue
			}
		}
		mid := len(q)
		if q, ok = appendReencoded(q, v); !ok {
			return dst, false
		}
		pairs = append(pairs, qpair{start, mid, len(q)})
	}
	sortPairs(q, pairs)
	for i, p := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, q[p.start:p.mid]...)
		dst = append(dst, '=')
		dst = append(dst, q[p.mid:p.end]...)
	}
	sc.q, sc.pairs = q, pairs
	return dst, true
}

func sortPairs(q []byte, pairs []qpair) {
	cmp := func(a, b qpair) int {
		if c := bytes.Compare(q[a.start:a.mid], q[b.start:b.mid]); c != 0 {
			return c
		}
		return bytes.Compare(q[a.mid:a.end], q[b.mid:b.end])
	}
	if len(pairs) <= 12 { // insertion sort: no allocation, fastest for few pairs
		for i := 1; i < len(pairs); i++ {
			for j := i; j > 0 && cmp(pairs[j-1], pairs[j]) > 0; j-- {
				pairs[j-1], pairs[j] = pairs[j], pairs[j-1]
			}
		}
		return
	}
	slices.SortStableFunc(pairs, cmp)
}

// appendCanonicalHeaders appends "name:value\n" for each name in
// in.signedHeaders, in the listed order. Values are trimmed, runs of spaces
// and obsolete line folds become one space, and repeated headers are joined
// with ','.
func appendCanonicalHeaders(dst []byte, in *canonicalInput) ([]byte, bool) {
	for rest := in.signedHeaders; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		dst = append(dst, name...)
		dst = append(dst, ':')
		switch {
		case name == "host":
			if in.host == "" {
				return dst, false
			}
			dst = appendHeaderValue(dst, in.host)
		default:
			values := lookupHeader(in.header, name)
			if len(values) == 0 {
				if name != "content-length" || in.contentLength <= 0 {
					return dst, false
				}
				// A request built in process carries its length in
				// ContentLength only; the SDK signs it from there.
				dst = strconv.AppendInt(dst, in.contentLength, 10)
				break
			}
			for i, v := range values {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendHeaderValue(dst, v)
			}
		}
		dst = append(dst, '\n')
	}
	return dst, true
}

// appendHeaderValue appends v trimmed of surrounding white space, with each
// run of spaces, and each obsolete line fold (CR/LF plus the indentation after
// it), replaced by one space. Tabs inside the value are kept, as
// aws-sdk-go-v2 keeps them.
func appendHeaderValue(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") && !strings.ContainsAny(v, "\r\n") {
		return append(dst, v...) // common case: nothing to fold
	}
	space := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ' ':
			space = true
		case '\r', '\n':
			space = true
			for i+1 < len(v) && (v[i+1] == ' ' || v[i+1] == '\t' || v[i+1] == '\r' || v[i+1] == '\n') {
				i++
			}
		default:
			if space {
				dst = append(dst, ' ')
				space = false
			}
			dst = append(dst, c)
		}
	}
	return dst
}

// lookupHeader returns the values of the header called name (any case).
// The fast path builds the canonical key on the stack; a map holding
// non-canonical keys falls back to a case-insensitive scan.
func lookupHeader(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		if v, ok := h[string(canonicalKey(buf[:0], name))]; ok {
			return v
		}
	}
	var keys []string
	for k := range h {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 0:
		return nil
	case 1:
		return h[keys[0]]
	}
	slices.Sort(keys) // deterministic order for keys differing only in case
	var values []string
	for _, k := range keys {
		values = append(values, h[k]...)
	}
	return values
}

// canonicalKey appends the textproto canonical form of a header name
// ("x-amz-date" -> "X-Amz-Date").
func canonicalKey(dst []byte, name string) []byte {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		upper = c == '-'
	}
	return dst
}
