package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		p, s string
		fold bool
		want bool
	}{
		{"", "", false, true},
		{"*", "", false, true},
		{"*", "anything/with:colons", false, true},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"a?c", "aéc", false, true}, // '?' is one character, not one byte
		{"a*c", "abbbc", false, true},
		{"a*c", "abbbd", false, false},
		{"*Channel*", "listchannels", true, true},
		{"*Channel*", "listchannels", false, false},
		{"get*", "GetStream", true, true},
		{`live\*`, "live*", false, true},
		{`live\*`, "live-now", false, false},
		{`a\?`, "a?", false, true},
		{`a\\b`, `a\b`, false, true},
		{"*a*b*c*", "xxaxxbxxcxx", false, true},
		{"*a*b*c*", "xxaxxcxxbxx", false, false},
		{"ab*", "a", false, false},
	}
	for _, tc := range tests {
		if got := globMatch(tc.p, tc.s, tc.fold); got != tc.want {
			t.Errorf("globMatch(%q, %q, %v) = %v, want %v", tc.p, tc.s, tc.fold, got, tc.want)
		}
		if got := globMatch([]byte(tc.p), tc.s, tc.fold); got != tc.want {
			t.Errorf("globMatch([]byte %q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

func TestARNMatch(t *testing.T) {
	const ch = "arn:aws:ivs:us-west-2:123456789012:channel/VgNkEJgOVX9N"
	tests := []struct {
		p, s string
		want bool
	}{
		{"*", ch, true},
		{ch, ch, true},
		{"arn:aws:ivs:*:*:channel/*", ch, true},
		{"arn:aws:ivs:*:*:channel/VgNkEJgOVX9N", ch, true},
		{"arn:aws:ivs:*:*:stream-key/*", ch, false},
		{"arn:aws:ivs:*", ch, true},            // a trailing '*' covers the rest
		{"arn:aws:ivs:us-west-2:*", ch, true},  //
		{"arn:aws:*", ch, true},                //
		{"arn:aws:ivs:us-*", ch, true},         //
		{"arn:aws:ivs:eu-*", ch, false},        //
		{"arn:aws:ivs", ch, false},             // too few fields, no wildcard
		{"arn:aws:ivs:*:channel/*", ch, false}, // '*' does not swallow the account
		{"arn:aws:ivs:*:123456789012:channel/*", "arn:aws:ivs:us-west-2:999999999999:channel/abc:123456789012:channel/xyz", false},
		{"arn:aws:iam::*:user/division/*", "arn:aws:iam::123456789012:user/division/team/alice", true},
		{"arn:aws:iam:*:*:user/alice", "arn:aws:iam::123456789012:user/alice", true}, // '*' matches the empty region
		{"arn:aws:iam::123456789012:user/Alice", "arn:aws:iam::123456789012:user/alice", false},
		{"arn:aws:logs:*:*:log-group:g:*", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", true},
		{"arn:aws:s3:::bucket/*", "*", false},
		{"*", "*", true},
		{`arn:aws:iam::1:user/a\:b`, "arn:aws:iam::1:user/a:b", true}, // an escaped ':' is literal
	}
	for _, tc := range tests {
		if got := arnMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("arnMatch(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

func TestTemplate(t *testing.T) {
	p := &Principal{ARN: "arn:aws:iam::123456789012:user/alice", Account: "123456789012", Type: User, Username: "alice",
		Tags: []Tag{{"Team", "a*b"}}}
	ctx := &Context{}
	ctx.Set("aws:SourceIp", "192.0.2.1")
	st := evalState{req: &Request{Principal: p, Action: "ivs:GetChannel", Context: ctx}}
	tests := []struct {
		in   string
		mode expandMode
		want string
		ok   bool
	}{
		{"user/${aws:username}", expandText, "user/alice", true},
		{"user/${AWS:UserName}", expandText, "user/alice", true},
		{"${aws:PrincipalTag/team}-*", expandGlob, `a\*b-*`, true},
		{"${aws:PrincipalTag/none}", expandText, "", false},
		{"${aws:PrincipalTag/none, 'dflt'}", expandText, "dflt", true},
		{"${aws:PrincipalTag/none,'x y'}!", expandText, "x y!", true},
		{"${*}${?}${$}", expandGlob, `\*\?$`, true},
		{"${aws:SourceIp}", expandARN, "192.0.2.1", true},
		{"${aws:userid}", expandText, "", false},
	}
	for _, tc := range tests {
		tm := parseTemplate(tc.in)
		if tm == nil {
			t.Fatalf("parseTemplate(%q) = nil", tc.in)
		}
		b, ok := tm.expand(nil, &st, tc.mode)
		if ok != tc.ok || (ok && string(b) != tc.want) {
			t.Errorf("expand(%q) = %q, %v; want %q, %v", tc.in, b, ok, tc.want, tc.ok)
		}
	}
	for _, lit := range []string{"no vars", "${", "${}", "${ }", "${aws:username", "${nocolon}", "${aws:username, unquoted}"} {
		if tm := parseTemplate(lit); tm != nil {
			t.Errorf("parseTemplate(%q) found variables: %+v", lit, tm.parts)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		sec  int64
		okay bool
	}{
		{"2026-01-01T00:00:00Z", 1767225600, true},
		{"2026-01-01T02:00:00+02:00", 1767225600, true},
		{"2026-01-01", 1767225600, true},
		{"2026-01-01T00:00Z", 1767225600, true},
		{"2026-01-01T00:00:00", 1767225600, true},
		{"1767225600", 1767225600, true},
		{"0", 0, true},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		d, ok := parseDate(tc.in)
		if ok != tc.okay || d.sec != tc.sec {
			t.Errorf("parseDate(%q) = %d, %v; want %d, %v", tc.in, d.sec, ok, tc.sec, tc.okay)
		}
	}
}

// TestSplitARNAgreesWithSplitN checks the word-at-a-time colon search
// against strings.SplitN on ARNs of every length and colon placement,
// including ';' (':' + 1) right after ':', the case that fools the simple
// zero-byte test.
func TestSplitARNAgreesWithSplitN(t *testing.T) {
	inputs := []string{"", "arn", "arn:", "arn:aws", "arn:aws:ivs:us-west-2:123456789012:channel/x",
		"arn:aws:iam::123456789012:user/a:b:c", "arn:::::", "arn:;:;:;:;:;", "arn::;;:;;:;;:;;:", "arn:aws:s3:::bucket/key",
		"arn:aws:ivs:*:*:channel/*", "arx:aws:ivs:a:b:c", "arn:aws:sts::123456789012:assumed-role/r/s"}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "::;;9a/*"
	for range 5000 {
		b := []byte("arn:")
		for range rng.IntN(40) {
			b = append(b, alphabet[rng.IntN(len(alphabet))])
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		got, ok := splitARN(in)
		parts := strings.SplitN(in, ":", 6)
		wantOK := strings.HasPrefix(in, "arn:") && len(parts) == 6
		if ok != wantOK {
			t.Fatalf("splitARN(%q): ok %v, want %v", in, ok, wantOK)
		}
		if ok && got != [6]string(parts) {
			t.Fatalf("splitARN(%q) = %q, want %q", in, got, parts)
		}
	}
}
