package ivs

import (
	"regexp"
	"testing"
)

// arnRegexp is the pattern splitARN implements.
var arnRegexp = regexp.MustCompile(`^arn:aws:ivs:([a-z0-9-]+):([0-9]+):([a-z-]+)/([a-zA-Z0-9-]+)$`)

// FuzzSplitARN: splitARN accepts exactly what the regular expression does,
// with the same parts.
func FuzzSplitARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:ivs:us-west-2:123456789012:channel/VgNkEJgOVX9N",
		"arn:aws:ivs:us-west-2:123456789012:stream-key/g1H2I3j4k5L6",
		"arn:aws:ivs:us-west-2:123456789012:playback-key/abc",
		"arn:aws:ivs:us-west-2:12345678901a:channel/x",
		"arn:aws:ivs:US-west-2:123456789012:channel/x",
		"arn:aws:ivs::123456789012:channel/x",
		"arn:aws:ivs:us-west-2:123456789012:channel/",
		"arn:aws:ivs:us-west-2:123456789012:/x",
		"arn:aws:ivs:us-west-2:123456789012:channel/a/b",
		"arn:aws:ivs:us-west-2:123456789012:channel/a_b",
		"arn:aws:ivs:us-west-2:123456789012:Channel/x",
		"arn:aws:ivs:us-west-2:123:456:channel/x",
		"arn:aws:ivs:us-west-2:123456789012:channel/x\n",
		"arn:aws:s3:us-west-2:123456789012:channel/x",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := splitARN(s)
		m := arnRegexp.FindStringSubmatch(s)
		if ok != (m != nil) {
			t.Fatalf("splitARN(%q) ok = %v, the regexp says %v", s, ok, m != nil)
		}
		if ok && (a.Region != m[1] || a.Account != m[2] || a.Kind != m[3] || a.ID != m[4] || a.ARN != s) {
			t.Fatalf("splitARN(%q) = %+v, the regexp says %q", s, a, m[1:])
		}
	})
}
