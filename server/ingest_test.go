package server

import (
	"net"
	"testing"
)

func TestIVSEndpointsIngest(t *testing.T) {
	t.Parallel()
	tcp := func(port int) net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port} }
	tests := []struct {
		name string
		cfg  Config
		rtmp net.Addr
		want string
	}{
		{"ingest off", Config{Addr: "127.0.0.1:4580"}, nil, "127.0.0.1"},
		{"default port", Config{Addr: "127.0.0.1:4580"}, tcp(1935), "127.0.0.1"},
		{"other port", Config{Addr: "127.0.0.1:4580"}, tcp(19350), "127.0.0.1:19350"},
		{"public host", Config{Addr: "0.0.0.0:4580", PublicURL: "https://gatehouse.example"}, tcp(1935), "gatehouse.example"},
		{"wildcard listen", Config{Addr: "0.0.0.0:4580"}, tcp(2000), "localhost:2000"},
		{"RTMPS on 443", Config{Addr: "127.0.0.1:4580", TLSCert: "c.pem"}, tcp(443), "127.0.0.1"},
		{"RTMPS on 1935", Config{Addr: "127.0.0.1:4580", TLSCert: "c.pem"}, tcp(1935), "127.0.0.1:1935"},
		{"IPv6", Config{Addr: "[::1]:4580"}, tcp(2000), "[::1]:2000"},
		{"configured", Config{Addr: "127.0.0.1:4580", IngestEndpoint: "ingest.example"}, tcp(2000), "ingest.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ivsEndpoints(tc.cfg, tc.rtmp).Ingest; got != tc.want {
				t.Errorf("ingest endpoint %q, want %q", got, tc.want)
			}
		})
	}
}
