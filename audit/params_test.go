package audit

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestRedactForm(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in, want url.Values
	}{
		{"no secret", url.Values{"UserName": {"alice"}, "Action": {"GetUser"}}, nil},
		{"passwords", url.Values{"OldPassword": {"Old-1"}, "NewPassword": {"New-2"}, "Action": {"ChangePassword"}},
			url.Values{"OldPassword": {Hidden}, "NewPassword": {Hidden}, "Action": {"ChangePassword"}}},
		{"any case", url.Values{"password": {"p"}, "PASSWORD": {"q"}}, url.Values{"password": {Hidden}, "PASSWORD": {Hidden}}},
		{"nested", url.Values{"Creds.member.1.SecretAccessKey": {"s"}, "Creds.member.1.Id": {"i"}},
			url.Values{"Creds.member.1.SecretAccessKey": {Hidden}, "Creds.member.1.Id": {"i"}}},
		{"MFA codes", url.Values{"AuthenticationCode1": {"123456"}, "AuthenticationCode2": {"654321"}, "TokenCode": {"111111"}},
			url.Values{"AuthenticationCode1": {Hidden}, "AuthenticationCode2": {Hidden}, "TokenCode": {Hidden}}},
		{"a name only like a secret", url.Values{"PasswordResetRequired": {"true"}, "PasswordPolicy": {"x"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := url.Values{}
			for k, v := range tc.in {
				orig[k] = append([]string(nil), v...)
			}
			got := RedactForm(tc.in)
			want := tc.want
			if want == nil {
				want = orig
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if !reflect.DeepEqual(tc.in, orig) {
				t.Errorf("the form given was changed: %v", tc.in)
			}
		})
	}
	clean := url.Values{"Action": {"GetUser"}, "UserName": {"alice"}, "Tags.member.1.Key": {"k"}}
	if n := testing.AllocsPerRun(100, func() { RedactForm(clean) }); n != 0 {
		t.Errorf("RedactForm allocates %v times for a form without secrets", n)
	}
}

// TestRecordsResponse: CloudTrail carries responseElements for writes and
// for STS's calls that issue credentials, not for reads.
func TestRecordsResponse(t *testing.T) {
	for _, tc := range []struct {
		service, op string
		want        bool
	}{
		{"iam", "CreateUser", true},
		{"iam", "GetUser", false},
		{"ivs", "GetChannel", false},
		{"ivs", "CreateChannel", true},
		{"sts", "AssumeRole", true},
		{"sts", "GetSessionToken", true},
		{"sts", "GetFederationToken", true},
		{"sts", "GetCallerIdentity", false},
	} {
		if got := RecordsResponse(tc.service, tc.op); got != tc.want {
			t.Errorf("RecordsResponse(%s, %s) = %v, want %v", tc.service, tc.op, got, tc.want)
		}
	}
}

// TestRedactBody: a body that names no secret is kept as it is (not even
// parsed); one that does has the secrets' values hidden.
func TestRedactBody(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"arn":"arn:aws:ivs:us-west-2:123456789012:channel/x"}`, `{"arn":"arn:aws:ivs:us-west-2:123456789012:channel/x"}`},
		{`{"name":"show","tags":{"team":"live"}}`, `{"name":"show","tags":{"team":"live"}}`},
		{`not json`, `not json`},
		{`{"Password":"hunter2","name":"x"}`, `{"Password":"` + Hidden + `","name":"x"}`},
		{`{"streamKey":{"value":"sk_live","arn":"a"}}`, `{"streamKey":{"arn":"a","value":"` + Hidden + `"}}`},
		{`{"nested":[{"SessionToken":"t"}]}`, `{"nested":[{"SessionToken":"` + Hidden + `"}]}`},
		{`{"broken": "password`, `{}`},
	} {
		got := string(RedactBody([]byte(tc.in)))
		var g, w any
		if json.Unmarshal([]byte(got), &g) != nil || json.Unmarshal([]byte(tc.want), &w) != nil {
			if got != tc.want {
				t.Errorf("RedactBody(%s) = %s, want %s", tc.in, got, tc.want)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("RedactBody(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// namesSecret is mayNameSecret's definition: one of secretNames in b
// with its ASCII letters lower-cased.
func namesSecret(b []byte) bool {
	lower := bytes.Clone(b)
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	for _, n := range secretNames {
		if bytes.Contains(lower, []byte(n)) {
			return true
		}
	}
	return false
}

func TestMayNameSecret(t *testing.T) {
	bodies := []string{"", "{}", `{"arn":"arn:aws:ivs:us-west-2:123456789012:channel/abc"}`, `{"Token":"x"}`,
		`{"x":"SECRETACCESSKEY"}`, `{"name":"sessiontoke"}`, "tokenizer", "TOKE", "toke\u00f1", "to\u212aen", "\xffPassWord\x00",
		`{"streamKey":{"value":"sk_us-west-2_abc"}}`, "base32stringsee", "QRCodePNG", "authenticationCode1",
		"privatekey", "a token", strings.Repeat("x", 5000) + "PrivateKey"}
	for _, n := range secretNames {
		bodies = append(bodies, n, strings.ToUpper(n), n[:len(n)-1], "_"+n+"_")
	}
	for _, b := range bodies {
		if got, want := mayNameSecret([]byte(b)), namesSecret([]byte(b)); got != want {
			t.Errorf("mayNameSecret(%.60q) = %v, want %v", b, got, want)
		}
	}
}

func FuzzMayNameSecret(f *testing.F) {
	for _, s := range []string{"", "token", "Tok", `{"SessionToken":"x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := mayNameSecret(b), namesSecret(b); got != want {
			t.Fatalf("mayNameSecret(%q) = %v, want %v", b, got, want)
		}
	})
}
