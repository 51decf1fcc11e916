package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Config is everything `gatehouse serve` is configured with.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string
	// DataDir holds the SQLite database, the master key file and the root
	// credentials file.
	DataDir string
	// Store is "" (SQLite in DataDir) or a postgres:// URL.
	Store string
	// AccountID is the account created on first start.
	AccountID string
	// Region is the default region of regional services.
	Region string
	// RootAccessKeyID and RootSecretAccessKey, when set, are the first
	// account's root key instead of a generated one.
	RootAccessKeyID     string
	RootSecretAccessKey string
	// MasterKey, when set, is the master key (hex or base64) instead of
	// the key file in DataDir.
	MasterKey string
	// TLSCert and TLSKey, when set (both or neither), are the PEM files of
	// the certificate chain and private key: the server then speaks HTTPS
	// on Addr, and requests carry aws:SecureTransport "true".
	TLSCert string
	TLSKey  string
	// TrustedProxies are the CIDRs (or single addresses) of the reverse
	// proxies whose X-Forwarded-For header names the client. A request
	// from any other peer has the peer's address as aws:SourceIp, whatever
	// its headers say.
	TrustedProxies []string
	// ViewerCountryHeader names the request header in which a trusted
	// proxy (TrustedProxies) gives the viewer's country, ISO 3166-1
	// alpha-2 (CloudFront's CloudFront-Viewer-Country, say): playback
	// restriction policies read it. The header is ignored on requests from
	// any other peer, and without it a viewer's country is unknown.
	ViewerCountryHeader string
	// PublicURL is how clients reach this server's HTTP endpoint
	// (http[s]://host:port): IVS playback URLs point at it. "" derives
	// it from Addr.
	PublicURL string
	// RTMPAddr is the listen address of RTMP ingest (RTMPS with TLSCert);
	// "" or "off" turns ingest off.
	RTMPAddr string
	// IngestEndpoint is the host[:port] encoders publish to (an IVS
	// channel's ingestEndpoint): rtmp://IngestEndpoint/app/STREAMKEY, or
	// rtmps:// with TLS. "" takes the host of PublicURL and the port of
	// RTMPAddr, left out when it is the scheme's default (1935 for
	// rtmp://, 443 for rtmps://).
	IngestEndpoint string
	// MetricsAllow are the CIDRs (or single addresses) of the clients
	// that may read /metrics: nil allows loopback (127.0.0.0/8 and ::1),
	// and ["off"] turns metrics off (nothing is counted). The client's
	// address is the one trusted proxies report.
	MetricsAllow []string
	// AuditLog, when set, is a file (or "-" for standard output) that also
	// receives every audit event as one JSON line.
	AuditLog string
	// AuditRetention is how long audit events are kept in the store (0:
	// 90 days, the window of CloudTrail's LookupEvents).
	AuditRetention time.Duration
	// AuditDisabled turns the audit trail off (for benchmarks).
	AuditDisabled bool
	// ReadHeaderTimeout bounds the reading of a request's headers: a
	// client slower than that is disconnected (0: 10 s).
	ReadHeaderTimeout time.Duration
	// RateLimit is how many API requests a second one principal may send
	// sustained, and RateBurst how many at once above it; the requests
	// refused before authentication are limited the same way per client
	// address. A RateLimit of 0 turns rate limiting off. `gatehouse
	// serve` defaults to DefaultRateLimit and DefaultRateBurst.
	RateLimit float64
	RateBurst int
	// ConsoleIdleTimeout ends a console session after this long without a
	// request (0: 30 minutes); a session lasts 12 hours at most.
	ConsoleIdleTimeout time.Duration
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: %w", c.Addr, err))
	}
	if !rtmpOff(c.RTMPAddr) {
		if _, _, err := net.SplitHostPort(c.RTMPAddr); err != nil {
			errs = append(errs, fmt.Errorf("--rtmp-addr %q: %w", c.RTMPAddr, err))
		}
	}
	errs = append(errs, c.storageErrors()...)
	if len(c.AccountID) != 12 || strings.Trim(c.AccountID, "0123456789") != "" {
		errs = append(errs, fmt.Errorf("--account-id %q is not 12 digits", c.AccountID))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--public-url %q is not an http(s)://host[:port] URL", c.PublicURL))
		}
	}
	if c.AuditRetention < 0 {
		errs = append(errs, fmt.Errorf("--audit-retention %v is negative", c.AuditRetention))
	}
	if c.ConsoleIdleTimeout < 0 {
		errs = append(errs, fmt.Errorf("--console-idle-timeout %v is negative", c.ConsoleIdleTimeout))
	}
	if c.RateLimit < 0 || c.RateBurst < 0 || c.ReadHeaderTimeout < 0 {
		errs = append(errs, fmt.Errorf("--rate-limit %v, --rate-burst %d and the read-header timeout %v must not be negative", c.RateLimit, c.RateBurst, c.ReadHeaderTimeout))
	}
	if c.Region == "" {
		errs = append(errs, errors.New("--region is empty"))
	}
	if (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == "") {
		errs = append(errs, errors.New("set both GATEHOUSE_ROOT_ACCESS_KEY_ID and GATEHOUSE_ROOT_SECRET_ACCESS_KEY, or neither"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("set both --tls-cert and --tls-key, or neither"))
	}
	if _, err := parseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	if _, _, err := parseMetricsAllow(c.MetricsAllow); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// storageErrors checks what opening the store and the master key needs:
// the part of the configuration that `gatehouse account` shares with serve.
func (c *Config) storageErrors() []error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is empty"))
	}
	if c.Store != "" && !strings.HasPrefix(c.Store, "postgres://") && !strings.HasPrefix(c.Store, "postgresql://") && !strings.HasPrefix(c.Store, "sqlite:") {
		errs = append(errs, fmt.Errorf("--store %q: use postgres://… (or leave it empty for SQLite in the data directory)", c.Store))
	}
	return errs
}

// parseTrustedProxies parses --trusted-proxy values.
func parseTrustedProxies(vals []string) ([]netip.Prefix, error) {
	return parsePrefixes("--trusted-proxy", vals)
}

// parsePrefixes parses the values of the address-list flag named flag:
// CIDRs, or single addresses that stand for themselves. IPv4-mapped IPv6
// forms are unmapped, so that they match IPv4 peers.
func parsePrefixes(flag string, vals []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if !strings.Contains(v, "/") {
			a, err := netip.ParseAddr(v)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%s %q is neither a CIDR nor an IP address", flag, v)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, fmt.Errorf("%s %q is not a CIDR: %w", flag, v, err)
		}
		if a := p.Addr(); a.Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return nil, fmt.Errorf("%s %q: an IPv4-mapped prefix needs at least 96 bits", flag, v)
			}
			p = netip.PrefixFrom(a.Unmap(), bits)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
