package playback

import (
	"net"
	"strings"
)

// origin is a parsed Origin header value or allowed-origin pattern.
type origin struct {
	scheme string // "" in a pattern means any scheme
	host   string // may start with "*" in a pattern
	port   string // "" means the scheme's default port
}

// parseOrigin reads "scheme://host[:port]" (an Origin header, RFC 6454) or,
// for patterns, also "host[:port]" without a scheme. It lower-cases scheme and
// host, drops a trailing "/" and the scheme's default port. ok is false for
// anything with a path, query, user info or an empty host ("null" included).
func parseOrigin(s string, pattern bool) (origin, bool) {
	s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "/"))
	var o origin
	if scheme, rest, found := strings.Cut(s, "://"); found {
		if scheme == "" {
			return origin{}, false
		}
		o.scheme, s = scheme, rest
	} else if !pattern {
		return origin{}, false
	}
	if s == "" || strings.ContainsAny(s, "/?#@ ") {
		return origin{}, false
	}
	o.host = s
	if h, p, err := net.SplitHostPort(s); err == nil {
		o.host, o.port = h, p
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		o.host = s[1 : len(s)-1] // bare IPv6 literal
	}
	if o.host == "" {
		return origin{}, false
	}
	if (o.scheme == "https" && o.port == "443") || (o.scheme == "http" && o.port == "80") {
		o.port = ""
	}
	return o, true
}

// matchOrigin reports whether the Origin header value matches an allowed
// origin pattern. "*" matches every origin (even "null"). A pattern's hostname
// may start with "*", which matches one or more leading characters:
// "https://*.example.com" matches "https://a.b.example.com" but not
// "https://example.com". A pattern without a scheme matches any scheme. Ports
// must be equal, a scheme's default port being the same as none. Comparison
// is case-insensitive. A pattern that cannot be parsed matches only an Origin
// equal to it.
func matchOrigin(pattern, header string) bool {
	pattern = strings.TrimSpace(pattern)
	if pattern == "*" {
		return true
	}
	o, ok := parseOrigin(header, false)
	if !ok {
		return false
	}
	p, ok := parseOrigin(pattern, true)
	if !ok {
		return strings.EqualFold(pattern, header)
	}
	if p.scheme != "" && p.scheme != o.scheme {
		return false
	}
	if p.port != o.port && !(p.scheme == "" && o.port == "" && defaultPort(o.scheme) == p.port) {
		return false
	}
	if suffix, wild := strings.CutPrefix(p.host, "*"); wild {
		return len(o.host) > len(suffix) && strings.HasSuffix(o.host, suffix)
	}
	return p.host == o.host
}

func defaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// matchAny reports whether header matches one of patterns.
func matchAny(patterns []string, header string) bool {
	for _, p := range patterns {
		if matchOrigin(p, header) {
			return true
		}
	}
	return false
}
