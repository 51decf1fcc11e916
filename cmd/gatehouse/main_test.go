package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return out.String() + errOut.String(), code
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const seed = "../../policy/testdata/seed/"

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"seed policies", []string{"policy", "validate", seed + "access-one-channel.json", seed + "view-own-permissions.json"}, 0,
			[]string{"access-one-channel.json: valid identity-based policy (3 statements, 0 findings)"}},
		{"warning only", []string{"policy", "validate", seed + "ivs-console.json"}, 0,
			[]string{"ivs-console.json:1:55: warning ADMIN_WILDCARD: statement 1: Action: \"ivs:*\" grants every IVS action"}},
		{"errors", []string{"policy", "validate", writeFile(t, "bad.json", "{\"Statement\": [\n {\"Effect\": \"Permit\", \"Action\": \"ivs:GetChannel\", \"Resource\": \"channel/x\"}]}")}, 1,
			[]string{"bad.json:2:13: error: statement 1: Effect: must be \"Allow\" or \"Deny\", not \"Permit\"", "bad.json:2:63: error: statement 1: Resource: \"channel/x\" is not an ARN"}},
		{"trust kind", []string{"policy", "validate", "--kind", "trust", writeFile(t, "t.json", `{"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole"}}`)}, 1,
			[]string{"must specify a Principal"}},
		{"size limit", []string{"policy", "validate", "--limit", "user-inline", writeFile(t, "big.json", `{"Statement": {"Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "arn:aws:ivs:*:*:channel/`+strings.Repeat("a", 2100)+`"}}`)}, 1,
			[]string{"over the limit of 2048"}},
		{"missing file", []string{"policy", "validate", "/nonexistent.json"}, 1, []string{"no such file"}},
		{"bad kind", []string{"policy", "validate", "--kind", "x", seed + "ivs-console.json"}, 2, []string{`unknown --kind "x"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
			}
			for _, w := range tc.wants {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestPolicyEval(t *testing.T) {
	const ch = "arn:aws:ivs:us-west-2:123456789012:channel/VgNkEJgOVX9N"
	trust := writeFile(t, "trust.json", `{"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"}, "Action": "sts:AssumeRole"}}`)
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"tag owner", []string{"--policy", seed + "view-channels-by-tag.json", "--principal", "arn:aws:iam::123456789012:user/richard-roe",
			"--action", "ivs:GetChannel", "--resource", ch, "--context", "aws:ResourceTag/owner=richard-roe"}, 0,
			[]string{"Allow\n", `statement 2 (Sid "ViewChannelIfOwner")`}},
		{"denied with reason", []string{"--policy", seed + "access-one-channel.json", "--principal", "arn:aws:iam::123456789012:user/mateojackson",
			"--action", "ivs:DeleteChannel", "--resource", ch}, 1,
			[]string{"ImplicitDeny: no identity-based policy allows the ivs:DeleteChannel action on " + ch}},
		{"json", []string{"--json", "--policy", seed + "access-one-channel.json", "--principal", "arn:aws:iam::123456789012:user/m",
			"--action", "ivs:StopStream", "--resource", ch}, 0,
			[]string{`"decision": "Allow"`, `"sid": "ManageChannel"`, `"index": 2`}},
		{"boundary", []string{"--policy", seed + "ivs-console.json", "--boundary", seed + "access-one-channel.json",
			"--principal", "arn:aws:sts::123456789012:assumed-role/Ops/s1", "--action", "ivs:DeleteChannel", "--resource", ch}, 1,
			[]string{"no permissions boundary allows"}},
		{"trust policy", []string{"--resource-policy", trust, "--principal", "arn:aws:iam::123456789012:user/alice",
			"--action", "sts:AssumeRole", "--resource", "arn:aws:iam::123456789012:role/StreamOps"}, 0,
			[]string{"Allow", "resource-based policy"}},
		{"multi-valued context", []string{"--policy", writeFile(t, "tk.json", `{"Statement": {"Effect": "Allow", "Action": "ivs:TagResource", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}}}`),
			"--principal", "arn:aws:iam::123456789012:user/a", "--action", "ivs:TagResource", "--resource", ch, "--context", "aws:TagKeys=a", "--context", "aws:TagKeys=c"}, 1,
			[]string{"ImplicitDeny"}},
		{"root", []string{"--principal", "arn:aws:iam::123456789012:root", "--action", "ivs:DeleteChannel", "--resource", ch}, 0,
			[]string{"root user may act in its own account"}},
		{"bad principal", []string{"--principal", "alice", "--action", "ivs:GetChannel"}, 2, []string{"invalid ARN"}},
		{"invalid policy", []string{"--policy", writeFile(t, "x.json", `{}`), "--principal", "arn:aws:iam::1:root", "--action", "a:b"}, 2, []string{"no Statement element"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runCLI(t, append([]string{"policy", "eval"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
			}
			for _, w := range tc.wants {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestPolicyTest(t *testing.T) {
	out, code := runCLI(t, "policy", "test", "--cases", "../../policy/testdata/conformance.jsonl")
	if code != 0 || !strings.HasSuffix(out, "230 passed, 0 failed\n") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	bad := writeFile(t, "bad.jsonl", `{"id": "X-001", "topic": "action", "about": "wrong on purpose", "doc": "d", "request": {"principal": {"arn": "arn:aws:iam::123456789012:user/a", "account": "123456789012", "type": "User", "username": "a", "userid": "AIDA"}, "action": "ivs:GetChannel", "resource": "*", "context": {}}, "identity_policies": [], "expect": "allow"}`+"\n")
	out, code = runCLI(t, "policy", "test", "--cases", bad)
	if code != 1 || !strings.Contains(out, "FAIL X-001 (line 1) wrong on purpose: expected allow, got implicit_deny") || !strings.HasSuffix(out, "0 passed, 1 failed\n") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestVersion(t *testing.T) {
	out, code := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "gatehouse ") {
		t.Fatalf("exit %d: %s", code, out)
	}
}
