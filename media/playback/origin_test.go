package playback

import "testing"

func TestMatchOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, origin string
		want            bool
	}{
		{"*", "https://a.test", true},
		{"*", "null", true},
		{"https://a.test", "https://a.test", true},
		{"https://a.test", "HTTPS://A.TEST", true},
		{"https://a.test/", "https://a.test", true},
		{"https://a.test", "http://a.test", false},
		{"https://a.test", "https://b.test", false},
		{"https://a.test", "https://a.test.evil", false},
		{"https://a.test", "null", false},
		{"https://a.test", "", false},
		{"https://a.test:443", "https://a.test", true},
		{"https://a.test", "https://a.test:443", true},
		{"https://a.test:8443", "https://a.test", false},
		{"https://a.test:8443", "https://a.test:8443", true},
		{"http://localhost:3000", "http://localhost:3000", true},
		{"http://localhost:3000", "http://localhost:3001", false},
		{"https://*.example.com", "https://a.example.com", true},
		{"https://*.example.com", "https://a.b.example.com", true},
		{"https://*.example.com", "https://example.com", false},
		{"https://*.example.com", "https://.example.com", false},
		{"https://*.example.com", "https://evilexample.com", false},
		{"https://*.example.com", "http://a.example.com", false},
		{"https://*.example.com", "https://a.example.com.evil", false},
		{"https://*example.com", "https://myexample.com", true},
		{"https://*", "https://anything.test", true},
		{"https://*", "http://anything.test", false},
		{"a.test", "https://a.test", true},
		{"a.test", "http://a.test", true},
		{"*.a.test", "https://x.a.test", true},
		{"a.test:8080", "http://a.test:8080", true},
		{"a.test:443", "https://a.test", true},
		{"https://[::1]:8443", "https://[::1]:8443", true},
		{"https://a.test", "https://a.test/path", false},
		{"https://a.test", "https://user@a.test", false},
		{"not a pattern/", "not a pattern/", false},
	}
	for _, tc := range tests {
		if got := matchOrigin(tc.pattern, tc.origin); got != tc.want {
			t.Errorf("matchOrigin(%q, %q) = %v, want %v", tc.pattern, tc.origin, got, tc.want)
		}
	}
}

func FuzzMatchOrigin(f *testing.F) {
	f.Add("https://*.example.com", "https://a.example.com")
	f.Add("*", "null")
	f.Add("a.test:80", "http://[::1]")
	f.Fuzz(func(t *testing.T, pattern, origin string) {
		if matchOrigin(pattern, origin) && pattern != "*" && origin == "" {
			t.Fatalf("%q matched an empty Origin", pattern)
		}
	})
}
