package server

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// fillContext sets the global condition keys every request carries:
// aws:CurrentTime, aws:EpochTime, aws:SecureTransport, aws:RequestedRegion
// and aws:SourceIp. The source address is r.RemoteAddr, which serveHTTP
// has already replaced with the client's address when the peer is a
// trusted proxy (see clientRequest). The keys derived from the principal
// (aws:PrincipalArn, aws:username, …) come from the policy engine.
func fillContext(pc *policy.Context, r *http.Request, signed *sigv4.Signed, now time.Time, times *timeStrings) {
	current, epoch := times.at(now)
	pc.Set("aws:CurrentTime", current)
	pc.Set("aws:EpochTime", epoch)
	pc.Set("aws:SecureTransport", strconv.FormatBool(r.TLS != nil))
	pc.Set("aws:RequestedRegion", signed.Scope.Region)
	if a, ok := parseHostAddr(r.RemoteAddr); ok {
		pc.Set("aws:SourceIp", a.String())
	}
}

// timeStrings keeps the values of aws:CurrentTime and aws:EpochTime of
// the last second a request asked for, so that the requests of one second
// format them once. It is safe for concurrent use; its zero value is
// ready.
type timeStrings struct {
	last atomic.Pointer[secondStrings]
}

type secondStrings struct {
	unix           int64
	current, epoch string
}

// at returns the values of aws:CurrentTime and aws:EpochTime at now.
func (t *timeStrings) at(now time.Time) (current, epoch string) {
	unix := now.Unix()
	if p := t.last.Load(); p != nil && p.unix == unix {
		return p.current, p.epoch
	}
	p := &secondStrings{unix: unix, current: now.UTC().Format(time.RFC3339), epoch: strconv.FormatInt(unix, 10)}
	t.last.Store(p)
	return p.current, p.epoch
}

// clientRequest returns r, or, when the peer is inside a trusted CIDR and
// the request has an X-Forwarded-For header, a shallow copy of r whose
// RemoteAddr is the client's address (with port 0) as the proxies report
// it. The header is read from the right: each entry was appended by the
// hop to its right, so an entry is believed only while that hop is
// trusted. The first entry added by an untrusted hop is the client; a
// malformed entry stops the walk at the trusted hop that wrote it.
// Without trusted proxies the header is never read.
func clientRequest(r *http.Request, trusted []netip.Prefix) *http.Request {
	if len(trusted) == 0 {
		return r
	}
	peer, ok := parseHostAddr(r.RemoteAddr)
	if !ok || !isTrusted(peer, trusted) {
		return r
	}
	hops := forwardedFor(r.Header)
	if len(hops) == 0 {
		return r
	}
	client := peer
	for i := len(hops) - 1; i >= 0 && isTrusted(client, trusted); i-- {
		a, ok := parseHostAddr(hops[i])
		if !ok {
			break
		}
		client = a
	}
	if client == peer {
		return r
	}
	r2 := r.WithContext(r.Context()) // a shallow copy; handlers must not modify r
	r2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
	return r2
}

// forwardedFor returns the entries of every X-Forwarded-For header line,
// in order, trimmed.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, line := range h.Values("X-Forwarded-For") {
		for e := range strings.SplitSeq(line, ",") {
			hops = append(hops, strings.TrimSpace(e))
		}
	}
	return hops
}

// isTrusted reports whether a is inside one of the trusted prefixes.
func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHostAddr reads an IP address written alone or with a port
// ("192.0.2.1", "192.0.2.1:443", "2001:db8::1", "[2001:db8::1]",
// "[2001:db8::1]:443"). The
// result is unmapped (::ffff:192.0.2.1 is 192.0.2.1) and has no zone, so
// that it matches IpAddress conditions and trusted prefixes.
func parseHostAddr(s string) (netip.Addr, bool) {
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}
