package server

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

func TestFillContext(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name    string
		peer    string
		xff     []string // X-Forwarded-For lines
		trusted []string
		tls     bool
		wantIP  string // "" for no aws:SourceIp
	}{
		{name: "peer only", peer: "192.0.2.10:51000", wantIP: "192.0.2.10"},
		{name: "peer over TLS", peer: "192.0.2.10:51000", tls: true, wantIP: "192.0.2.10"},
		{name: "header ignored without trusted proxies", peer: "192.0.2.10:51000", xff: []string{"203.0.113.7"}, wantIP: "192.0.2.10"},
		{name: "untrusted peer with spoofed header", peer: "192.0.2.10:51000", xff: []string{"10.0.0.1"}, trusted: []string{"10.0.0.0/8"}, wantIP: "192.0.2.10"},
		{name: "trusted proxy", peer: "10.0.0.2:41000", xff: []string{"203.0.113.7"}, trusted: []string{"10.0.0.0/8"}, wantIP: "203.0.113.7"},
		{name: "trusted proxy without header", peer: "10.0.0.2:41000", trusted: []string{"10.0.0.0/8"}, wantIP: "10.0.0.2"},
		{name: "chain of trusted proxies", peer: "10.0.0.2:41000", xff: []string{"203.0.113.7, 10.1.1.1, 10.2.2.2"}, trusted: []string{"10.0.0.0/8"}, wantIP: "203.0.113.7"},
		{name: "chain over several header lines", peer: "10.0.0.2:41000", xff: []string{"203.0.113.7", "10.2.2.2"}, trusted: []string{"10.0.0.0/8"}, wantIP: "203.0.113.7"},
		{name: "client spoofs entries left of itself", peer: "10.0.0.2:41000", xff: []string{"1.2.3.4, 203.0.113.7, 10.2.2.2"}, trusted: []string{"10.0.0.0/8"}, wantIP: "203.0.113.7"},
		{name: "client claims a trusted address", peer: "10.0.0.2:41000", xff: []string{"10.9.9.9, 198.51.100.1"}, trusted: []string{"10.0.0.0/8"}, wantIP: "198.51.100.1"},
		{name: "every hop trusted", peer: "10.0.0.2:41000", xff: []string{"10.3.3.3, 10.2.2.2"}, trusted: []string{"10.0.0.0/8"}, wantIP: "10.3.3.3"},
		{name: "single trusted address", peer: "127.0.0.1:41000", xff: []string{"203.0.113.7"}, trusted: []string{"127.0.0.1"}, wantIP: "203.0.113.7"},
		{name: "two trusted ranges", peer: "127.0.0.1:41000", xff: []string{"203.0.113.7, 172.16.0.9"}, trusted: []string{"127.0.0.0/8", "172.16.0.0/12"}, wantIP: "203.0.113.7"},
		{name: "malformed entry stops at the proxy that wrote it", peer: "10.0.0.2:41000", xff: []string{"203.0.113.7, garbage"}, trusted: []string{"10.0.0.0/8"}, wantIP: "10.0.0.2"},
		{name: "malformed entry behind an untrusted hop is never read", peer: "10.0.0.2:41000", xff: []string{"unknown, 203.0.113.7"}, trusted: []string{"10.0.0.0/8"}, wantIP: "203.0.113.7"},
		{name: "entry with port", peer: "10.0.0.2:41000", xff: []string{"203.0.113.7:4711"}, trusted: []string{"10.0.0.0/8"}, wantIP: "203.0.113.7"},
		{name: "IPv6 peer", peer: "[2001:db8::5]:51000", wantIP: "2001:db8::5"},
		{name: "IPv6 peer with zone", peer: "[fe80::1%eth0]:51000", wantIP: "fe80::1"},
		{name: "IPv6 trusted proxy and client", peer: "[fd00::2]:41000", xff: []string{"2001:db8::7, fd00::3"}, trusted: []string{"fd00::/8"}, wantIP: "2001:db8::7"},
		{name: "IPv6 bracketed entry", peer: "[fd00::2]:41000", xff: []string{"[2001:db8::7]:443"}, trusted: []string{"fd00::/8"}, wantIP: "2001:db8::7"},
		{name: "IPv6 untrusted peer with spoofed header", peer: "[2001:db8::5]:51000", xff: []string{"fd00::3"}, trusted: []string{"fd00::/8"}, wantIP: "2001:db8::5"},
		{name: "IPv4-mapped peer matches an IPv4 range", peer: "[::ffff:10.0.0.2]:41000", xff: []string{"203.0.113.7"}, trusted: []string{"10.0.0.0/8"}, wantIP: "203.0.113.7"},
		{name: "IPv4 client behind an IPv6 proxy", peer: "[::1]:41000", xff: []string{"203.0.113.7"}, trusted: []string{"::1/128"}, wantIP: "203.0.113.7"},
		{name: "unparseable peer", peer: "pipe", wantIP: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			trusted, err := parseTrustedProxies(tc.trusted)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(""))
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			signed := &sigv4.Signed{Scope: sigv4.Scope{Date: "20250304", Region: "eu-central-1", Service: "iam"}}
			var pc policy.Context
			fillContext(&pc, clientRequest(r, trusted), signed, now, &timeStrings{})
			if r.RemoteAddr != tc.peer {
				t.Errorf("the request was modified: RemoteAddr %q", r.RemoteAddr)
			}
			want := map[string]string{
				"aws:CurrentTime":            "2025-03-04T04:06:07Z",
				"aws:EpochTime":              "1741061167",
				"aws:SecureTransport":        map[bool]string{true: "true", false: "false"}[tc.tls],
				"aws:RequestedRegion":        "eu-central-1",
				"aws:SourceIp":               tc.wantIP,
				"aws:MultiFactorAuthPresent": "", // from sessions only
			}
			for k, w := range want {
				got, ok := pc.Get(k)
				switch {
				case w == "" && ok:
					t.Errorf("%s = %q, want absent", k, got)
				case w != "" && (!ok || len(got) != 1 || got[0] != w):
					t.Errorf("%s = %q (present %v), want %q", k, got, ok, w)
				}
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      []string
		want    string
		wantErr string
	}{
		{in: []string{"10.0.0.0/8", " 192.168.1.7 ", "", "fd00::/8"}, want: "10.0.0.0/8 192.168.1.7/32 fd00::/8"},
		{in: []string{"10.1.2.3/8"}, want: "10.0.0.0/8"},
		{in: []string{"::ffff:10.0.0.0/104", "::ffff:127.0.0.1"}, want: "10.0.0.0/8 127.0.0.1/32"},
		{in: []string{"10.0.0.0/33"}, wantErr: `--trusted-proxy "10.0.0.0/33" is not a CIDR`},
		{in: []string{"proxy.internal"}, wantErr: `--trusted-proxy "proxy.internal" is neither a CIDR nor an IP address`},
		{in: []string{"::ffff:0.0.0.0/80"}, wantErr: "needs at least 96 bits"},
	}
	for _, tc := range tests {
		got, err := parseTrustedProxies(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if err != nil || strings.Join(s, " ") != tc.want {
			t.Errorf("%q: %v %v, want %s", tc.in, s, err, tc.want)
		}
	}
}

func TestConfigValidateTLSAndProxies(t *testing.T) {
	t.Parallel()
	base := Config{Addr: "127.0.0.1:0", DataDir: "d", AccountID: "123456789012", Region: "us-west-2"}
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string
	}{
		{name: "neither", mod: func(*Config) {}},
		{name: "both", mod: func(c *Config) { c.TLSCert, c.TLSKey = "c.pem", "k.pem" }},
		{name: "cert only", mod: func(c *Config) { c.TLSCert = "c.pem" }, wantErr: "set both --tls-cert and --tls-key, or neither"},
		{name: "key only", mod: func(c *Config) { c.TLSKey = "k.pem" }, wantErr: "set both --tls-cert and --tls-key, or neither"},
		{name: "proxies", mod: func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", "::1"} }},
		{name: "bad proxy", mod: func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", "nope"} }, wantErr: `--trusted-proxy "nope"`},
		{name: "rtmp", mod: func(c *Config) { c.RTMPAddr = "0.0.0.0:1935" }},
		{name: "rtmp off", mod: func(c *Config) { c.RTMPAddr = "off" }},
		{name: "bad rtmp", mod: func(c *Config) { c.RTMPAddr = "1935" }, wantErr: `--rtmp-addr "1935"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.mod(&c)
			err := c.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate: %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestTimeStrings: the time keys are formatted once a second, and change
// with the second.
func TestTimeStrings(t *testing.T) {
	var ts timeStrings
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 100, time.UTC)
	for _, tc := range []struct {
		at             time.Time
		current, epoch string
	}{
		{t0, "2026-11-28T10:00:00Z", "1795860000"},
		{t0.Add(900 * time.Millisecond), "2026-11-28T10:00:00Z", "1795860000"},
		{t0.Add(time.Second), "2026-11-28T10:00:01Z", "1795860001"},
		{t0.In(time.FixedZone("x", 3600)).Add(-time.Second), "2026-11-28T09:59:59Z", "1795859999"},
	} {
		if c, e := ts.at(tc.at); c != tc.current || e != tc.epoch {
			t.Errorf("at(%v) = %s, %s; want %s, %s", tc.at, c, e, tc.current, tc.epoch)
		}
	}
	if n := testing.AllocsPerRun(100, func() { ts.at(t0) }); n != 0 {
		t.Errorf("%v allocations within one second, want 0", n)
	}
}
