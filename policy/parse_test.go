package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
		// want is a substring of the first error; line and col its position.
		want      string
		line, col int
	}{
		{"not json", KindIdentity, `{"Version": "2012-10-17",`, "syntax error: unexpected end of input", 1, 26},
		{"trailing comma", KindIdentity, "{\n \"Statement\": [],\n}", "syntax error: unexpected '}'", 3, 1},
		{"not an object", KindIdentity, `["Statement"]`, "must be a JSON object, not an array", 1, 1},
		{"no statement", KindIdentity, `{"Version": "2012-10-17"}`, "no Statement element", 1, 1},
		{"empty statement list", KindIdentity, `{"Statement": []}`, "Statement list is empty", 1, 15},
		{"statement is a string", KindIdentity, `{"Statement": "x"}`, "must be an object or an array of objects", 1, 15},
		{"bad version", KindIdentity, `{"Version": "2012-10-18", "Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*"}}`, `"2012-10-18" is not a policy language version`, 1, 13},
		{"version as number", KindIdentity, `{"Version": 2012, "Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*"}}`, "Version: must be a string", 1, 13},
		{"unknown top element", KindIdentity, `{"Statment": [], "Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*"}}`, `unknown element "Statment"`, 1, 2},
		{"duplicate key", KindIdentity, `{"Statement": {"Effect": "Allow", "Effect": "Deny"}}`, `duplicate member "Effect"`, 1, 35},
		{"effect permit", KindIdentity, `{"Statement": {"Effect": "Permit", "Action": "ivs:*", "Resource": "*"}}`, `statement 1: Effect: must be "Allow" or "Deny", not "Permit"`, 1, 26},
		{"effect lower case", KindIdentity, `{"Statement": {"Effect": "allow", "Action": "ivs:*", "Resource": "*"}}`, `not "allow"`, 1, 26},
		{"no effect", KindIdentity, `{"Statement": {"Action": "ivs:*", "Resource": "*"}}`, "has no Effect", 1, 15},
		{"no action", KindIdentity, `{"Statement": {"Effect": "Allow", "Resource": "*"}}`, "neither Action nor NotAction", 1, 15},
		{"action and notaction", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "NotAction": "iam:*", "Resource": "*"}}`, "Action or NotAction, not both", 1, 67},
		{"no resource", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*"}}`, "neither Resource nor NotResource", 1, 15},
		{"resource and notresource", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "NotResource": "*"}}`, "Resource or NotResource, not both", 1, 86},
		{"action without prefix", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "GetChannel", "Resource": "*"}}`, `"GetChannel" has no service prefix`, 1, 45},
		{"action empty name", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:", "Resource": "*"}}`, "no action name", 1, 45},
		{"action bad char", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:Get Channel", "Resource": "*"}}`, "may contain only", 1, 45},
		{"empty action list", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": [], "Resource": "*"}}`, "Action: the list is empty", 1, 45},
		{"action number", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": [1], "Resource": "*"}}`, "Action: must be a string, not a number", 1, 46},
		{"resource not arn", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "channel/x"}}`, `"channel/x" is not an ARN`, 1, 66},
		{"resource short arn", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "arn:aws"}}`, "not a valid ARN", 1, 66},
		{"principal in identity", KindIdentity, `{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "ivs:*", "Resource": "*"}}`, "must not specify a Principal", 1, 48},
		{"sid with space", KindIdentity, `{"Statement": {"Sid": "a b", "Effect": "Allow", "Action": "ivs:*", "Resource": "*"}}`, "a Sid may contain only ASCII letters and digits", 1, 23},
		{"duplicate sid", KindIdentity, `{"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "ivs:*", "Resource": "*"}, {"Sid": "A", "Effect": "Deny", "Action": "ivs:*", "Resource": "*"}]}`, `statement 2 (Sid "A"): Sid: duplicate Sid "A" (also statement 1)`, 1, 85},
		{"unknown statement element", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Foo": 1}}`, `unknown element "Foo" in a statement`, 1, 71},
		{"unknown operator", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"StringEqual": {"aws:username": "a"}}}}`, `unknown condition operator "StringEqual"`, 1, 85},
		{"unknown set operator", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"ForSomeValues:StringEquals": {"aws:TagKeys": "a"}}}}`, `unknown set operator "ForSomeValues"`, 1, 85},
		{"null if exists", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"NullIfExists": {"aws:TagKeys": "true"}}}}`, "Null operator takes no set operator and no IfExists", 1, 85},
		{"bad key", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"StringEquals": {"username": "a"}}}}`, `"username" is not of the form "prefix:name"`, 1, 102},
		{"bad number", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "soon"}}}}`, `"soon" is not a number`, 1, 131},
		{"bad date", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "tomorrow"}}}}`, `"tomorrow" is not a date`, 1, 121},
		{"bad bool", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "yes"}}}}`, `"yes" is not a boolean`, 1, 117},
		{"bad ip", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}}}`, "is not an IP address or CIDR range", 1, 115},
		{"bad base64", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"BinaryEquals": {"k:b": "!!"}}}}`, "is not base64", 1, 109},
		{"empty value list", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"StringEquals": {"aws:username": []}}}}`, "list of values is empty", 1, 118},
		{"condition value object", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {"StringEquals": {"aws:username": {}}}}}`, "must be a string, number, boolean or an array", 1, 118},
		{"resource policy without principal", KindResource, `{"Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*"}}`, "must specify a Principal or NotPrincipal", 1, 15},
		{"principal partial wildcard", KindResource, `{"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/*"}, "Action": "ivs:*", "Resource": "*"}}`, "cannot contain a partial wildcard", 1, 56},
		{"principal bad type", KindResource, `{"Statement": {"Effect": "Allow", "Principal": {"IAM": "123456789012"}, "Action": "ivs:*", "Resource": "*"}}`, `unknown principal type "IAM"`, 1, 49},
		{"principal string", KindResource, `{"Statement": {"Effect": "Allow", "Principal": "123456789012", "Action": "ivs:*", "Resource": "*"}}`, `must be "*" or an object`, 1, 48},
		{"principal bad account", KindResource, `{"Statement": {"Effect": "Allow", "Principal": {"AWS": "12345"}, "Action": "ivs:*", "Resource": "*"}}`, "not a valid AWS principal", 1, 56},
		{"trust without principal", KindTrust, `{"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole"}}`, "trust policy statement must specify a Principal", 1, 15},
		{"trust with notprincipal", KindTrust, `{"Statement": {"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}}`, "must not use NotPrincipal", 1, 50},
		{"trust with resource", KindTrust, `{"Statement": {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole", "Resource": "*"}}`, "must not specify a Resource", 1, 113},
		{"trust non-sts action", KindTrust, `{"Statement": {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "ivs:GetChannel"}}`, "may only specify STS actions", 1, 83},
		{"deep nesting", KindIdentity, strings.Repeat("[", 100), "nests deeper than 64 levels", 1, 65},
		{"invalid utf8", KindIdentity, "{\"Id\": \"\xff\"}", "not valid UTF-8", 1, 9},
		{"control character", KindIdentity, "{\"Id\": \"a\tb\"}", "control character", 1, 10},
		{"bad escape", KindIdentity, `{"Id": "a\qb"}`, `invalid escape character 'q'`, 1, 11},
		{"multi-line position", KindIdentity, "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"ivs:GetChannel\",\n      \"Resource\": \"VgNkEJgOVX9N\"\n    }\n  ]\n}", `"VgNkEJgOVX9N" is not an ARN`, 7, 19},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseString(tc.doc, tc.kind)
			if err == nil {
				t.Fatalf("Parse accepted %s", tc.doc)
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %v is not Errors", err)
			}
			e := errs[0]
			if !strings.Contains(e.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q (all: %v)", e.Error(), tc.want, err)
			}
			if e.Line != tc.line || e.Column != tc.col {
				t.Errorf("position = %d:%d, want %d:%d (%v)", e.Line, e.Column, tc.line, tc.col, e)
			}
			var one *Error
			if !errors.As(err, &one) {
				t.Errorf("errors.As(*Error) failed")
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
	}{
		{"statement object", KindIdentity, `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "*"}}`},
		{"no version", KindIdentity, `{"Statement": [{"Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "*"}]}`},
		{"old version", KindIdentity, `{"Version": "2008-10-17", "Statement": [{"Effect": "Deny", "NotAction": "ivs:*", "NotResource": "*"}]}`},
		{"id and empty sid", KindIdentity, `{"Id": "x-1", "Statement": [{"Sid": "", "Effect": "Allow", "Action": "*", "Resource": "*"}]}`},
		{"wildcard region in iam arn", KindIdentity, `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam:*:*:user/${aws:username}"}]}`},
		{"short arn", KindIdentity, `{"Statement": [{"Effect": "Allow", "Action": "ivs:*", "Resource": "arn:aws:ivs:*"}]}`},
		{"all operators", KindIdentity, `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ivs:*", "Resource": "*", "Condition": {
			"StringEquals": {"aws:username": "a"}, "StringNotEquals": {"aws:username": ["a", "b"]},
			"StringEqualsIgnoreCase": {"aws:username": "A"}, "StringNotEqualsIgnoreCase": {"aws:username": "A"},
			"StringLike": {"aws:username": "a*"}, "StringNotLike": {"aws:username": "a?"},
			"NumericEquals": {"k:n": 1}, "NumericNotEquals": {"k:n": "1.5"}, "NumericLessThan": {"k:n": -1},
			"NumericLessThanEquals": {"k:n": "1e3"}, "NumericGreaterThan": {"k:n": 0}, "NumericGreaterThanEquals": {"k:n": 0},
			"DateEquals": {"aws:CurrentTime": "2026-01-01"}, "DateNotEquals": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
			"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00.5+02:00"}, "DateLessThanEquals": {"aws:CurrentTime": 1767225600},
			"DateGreaterThan": {"aws:CurrentTime": "1767225600"}, "DateGreaterThanEquals": {"aws:CurrentTime": "2026-01-01T00:00Z"},
			"Bool": {"aws:SecureTransport": true}, "BoolIfExists": {"aws:MultiFactorAuthPresent": "FALSE"},
			"BinaryEquals": {"k:b": "QmluYXJ5VmFsdWU="}, "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"]},
			"NotIpAddress": {"aws:SourceIp": "10.1.0.0/16"}, "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"},
			"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}, "ArnNotEquals": {"aws:SourceArn": "arn:aws:s3:::b"},
			"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::b*"}, "Null": {"aws:TokenIssueTime": "true"},
			"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}, "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "a*"}
		}}]}`},
		{"resource policy", KindResource, `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["123456789012", "arn:aws:iam::111122223333:root", "arn:aws:iam::123456789012:user/a/b", "arn:aws:sts::123456789012:assumed-role/R/s", "*"], "Service": "ivs.amazonaws.com"}, "Action": "ivs:GetChannel", "Resource": "arn:aws:ivs:us-west-2:123456789012:channel/*"}]}`},
		{"resource policy notprincipal", KindResource, `{"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "ivs:*", "NotResource": "arn:aws:ivs:*:*:channel/a"}]}`},
		{"trust policy", KindTrust, `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": ["sts:AssumeRole", "sts:TagSession"], "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]}`},
		{"unicode", KindIdentity, "{\"Id\": \"\\u00e9\\ud83d\\ude00\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"ivs:*\", \"Resource\": \"arn:aws:ivs:*:*:channel/\u00e9\"}}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseString(tc.doc, tc.kind)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(p.Statements) == 0 {
				t.Fatal("no statements")
			}
			checkRoundTrip(t, p)
		})
	}
}

// checkRoundTrip asserts that the policy marshals to JSON that parses back
// to the same policy.
func checkRoundTrip(t *testing.T, p *Policy) {
	t.Helper()
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	q, err := Parse(b, p.Kind)
	if err != nil {
		t.Fatalf("marshaled policy does not parse: %v\n%s", err, b)
	}
	if !samePolicy(p, q) {
		t.Fatalf("round trip changed the policy:\n%s\n%s", p, q)
	}
}

// samePolicy compares two policies, ignoring source positions.
func samePolicy(a, b *Policy) bool {
	return strip(a).String() == strip(b).String() && equalNoPos(a, b)
}

func strip(p *Policy) *Policy {
	c := *p
	c.src = nil
	c.Statements = append([]Statement(nil), p.Statements...)
	for i := range c.Statements {
		c.Statements[i].pos = stmtPos{}
	}
	return &c
}

func equalNoPos(a, b *Policy) bool {
	sa, sb := strip(a), strip(b)
	if sa.Version != sb.Version || sa.ID != sb.ID || sa.Kind != sb.Kind || len(sa.Statements) != len(sb.Statements) {
		return false
	}
	for i := range sa.Statements {
		x, y := sa.Statements[i], sb.Statements[i]
		if x.Sid != y.Sid || x.Effect != y.Effect || !sameList(x.Action, y.Action) || !sameList(x.NotAction, y.NotAction) ||
			!sameList(x.Resource, y.Resource) || !sameList(x.NotResource, y.NotResource) ||
			!samePrincipals(x.Principal, y.Principal) || !samePrincipals(x.NotPrincipal, y.NotPrincipal) ||
			len(x.Condition) != len(y.Condition) {
			return false
		}
		for j := range x.Condition {
			cx, cy := x.Condition[j], y.Condition[j]
			if cx.Operator != cy.Operator || len(cx.Entries) != len(cy.Entries) {
				return false
			}
			for k := range cx.Entries {
				if cx.Entries[k].Key != cy.Entries[k].Key || !sameList(cx.Entries[k].Values, cy.Entries[k].Values) {
					return false
				}
			}
		}
	}
	return true
}

func sameList(a, b []string) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func samePrincipals(a, b *PrincipalSet) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Wildcard != b.Wildcard || len(a.Entries) != len(b.Entries) {
		return false
	}
	for i := range a.Entries {
		if a.Entries[i].Type != b.Entries[i].Type || !sameList(a.Entries[i].Values, b.Entries[i].Values) {
			return false
		}
	}
	return true
}

func TestParseCollectsEveryError(t *testing.T) {
	_, err := ParseString(`{"Statement": [{"Effect": "Permit", "Action": "x", "Resource": "y"}, {"Effect": "Allow"}]}`, KindIdentity)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatal(err)
	}
	if len(errs) != 5 {
		t.Fatalf("got %d errors, want 5: %v", len(errs), errs)
	}
	for i := 1; i < len(errs); i++ {
		if errs[i].Line == errs[i-1].Line && errs[i].Column < errs[i-1].Column {
			t.Errorf("errors not in document order: %v", errs)
		}
	}
	if !strings.Contains(err.Error(), "(and 4 more)") {
		t.Errorf("Error() = %q", err.Error())
	}
}
