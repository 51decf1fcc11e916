package sts

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
)

func TestAssumeRoleValidation(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	alice := e.user(t, e.rootA, "alice")
	roleARN := e.role(t, e.rootA, "r", trustOf("arn:aws:iam::123456789012:user/alice", ""), 3600)
	bigPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":[` +
		strings.Repeat(`"arn:aws:iam::123456789012:user/abcdefghijklmnopqrstuvwxyz",`, 50) + `"*"]}]}`
	tests := []struct {
		name      string
		in        AssumeRoleInput
		code, msg string
	}{
		{"session name too short", AssumeRoleInput{RoleSessionName: "a"}, awserr.ValidationError, "at 'roleSessionName' failed to satisfy constraint: Member must have length"},
		{"session name too long", AssumeRoleInput{RoleSessionName: strings.Repeat("s", 65)}, awserr.ValidationError, "roleSessionName"},
		{"session name pattern", AssumeRoleInput{RoleSessionName: "my session"}, awserr.ValidationError, `Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"duration too short", AssumeRoleInput{DurationSeconds: ptr(899)}, awserr.ValidationError, "Member must have value greater than or equal to 900"},
		{"duration above the model", AssumeRoleInput{DurationSeconds: ptr(43201)}, awserr.ValidationError, "Member must have value less than or equal to 43200"},
		{"duration above the role's maximum", AssumeRoleInput{DurationSeconds: ptr(7200)}, awserr.ValidationError, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"session policy too large", AssumeRoleInput{Policy: &bigPolicy}, "PackedPolicyTooLarge", "Packed policy consumes"},
		{"session policy with a principal", AssumeRoleInput{Policy: ptr(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`)}, awserr.MalformedPolicyDocument, ""},
		{"session policy not JSON", AssumeRoleInput{Policy: ptr(`{"Statement":`)}, awserr.MalformedPolicyDocument, ""},
		{"too many policy ARNs", AssumeRoleInput{PolicyArns: make([]PolicyDescriptor, 11)}, awserr.ValidationError, "policyArns"},
		{"unknown policy ARN", AssumeRoleInput{PolicyArns: []PolicyDescriptor{{Arn: "arn:aws:iam::123456789012:policy/nope"}}}, awserr.MalformedPolicyDocument, "does not exist"},
		{"transitive key not a tag", AssumeRoleInput{Tags: []Tag{{"a", "1"}}, TransitiveTagKeys: []string{"b"}}, awserr.InvalidParameterValue, "transitive tag key b"},
		{"reserved tag key", AssumeRoleInput{Tags: []Tag{{"aws:x", "1"}}}, awserr.InvalidParameterValue, "aws:"},
		{"too many tags", AssumeRoleInput{Tags: make([]Tag, 51)}, awserr.ValidationError, "tags"},
		{"external id too short", AssumeRoleInput{ExternalID: ptr("x")}, awserr.ValidationError, "externalId"},
		{"token code not six digits", AssumeRoleInput{SerialNumber: ptr("arn:aws:iam::123456789012:mfa/alice"), TokenCode: ptr("12345")}, awserr.ValidationError, "tokenCode"},
		{"role ARN not a role", AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:user/alice"}, awserr.ValidationError, "Request ARN is invalid"},
		{"role ARN too short", AssumeRoleInput{RoleArn: "arn:aws:iam::1:role"}, awserr.ValidationError, "roleArn"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.RoleArn == "" {
				in.RoleArn = roleARN
			}
			if in.RoleSessionName == "" {
				in.RoleSessionName = "s1"
			}
			for i := range in.PolicyArns {
				if in.PolicyArns[i].Arn == "" {
					in.PolicyArns[i].Arn = "arn:aws:iam::aws:policy/IVSReadOnlyAccess"
				}
			}
			for i := range in.Tags {
				if in.Tags[i].Key == "" {
					in.Tags[i].Key = "k" + strings.Repeat("x", i)
				}
			}
			_, err := e.svc.AssumeRole(ctx, alice, &in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}

func TestAssumeRoleTrust(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	alice := e.user(t, e.rootA, "alice")                 // no policies
	bob := e.user(t, e.rootA, "bob", allowAssumeAny)     // may assume any role
	carol := e.user(t, e.rootB, "carol", allowAssumeAny) // another account
	dave := e.user(t, e.rootB, "dave")                   // another account, no policies
	eve := e.user(t, e.rootA, "eve", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	denied := e.user(t, e.rootA, "mallory", allowAssumeAny, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)
	namesAlice := e.role(t, e.rootA, "names-alice", trustOf("arn:aws:iam::123456789012:user/alice", ""), 3600)
	namesAccount := e.role(t, e.rootA, "names-account", trustOf("123456789012", ""), 3600)
	namesOther := e.role(t, e.rootA, "names-other", trustOf("arn:aws:iam::123456789012:user/nobody", ""), 3600)
	crossExt := e.role(t, e.rootA, "cross", trustOf("arn:aws:iam::111122223333:root", `{"StringEquals":{"sts:ExternalId":"ext-123"}}`), 3600)
	mfaRole := e.role(t, e.rootA, "needs-mfa", trustOf("123456789012", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`), 3600)
	assumeOnly := e.role(t, e.rootA, "no-tags", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`, 3600)
	missing := "arn:aws:iam::123456789012:role/missing"

	tests := []struct {
		name   string
		caller *authz.Caller
		in     AssumeRoleInput
		denial string // "" when allowed
	}{
		{"trust names the user: no identity policy needed", alice, AssumeRoleInput{RoleArn: namesAlice}, ""},
		{"trust names the account: identity policy needed", alice, AssumeRoleInput{RoleArn: namesAccount}, "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: " + namesAccount},
		{"trust names the account and identity allows", bob, AssumeRoleInput{RoleArn: namesAccount}, ""},
		{"identity allows but trust names someone else", bob, AssumeRoleInput{RoleArn: namesOther}, "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: " + namesOther},
		{"explicit deny", denied, AssumeRoleInput{RoleArn: namesAccount}, "is not authorized to perform: sts:AssumeRole"},
		{"root refused", e.rootA, AssumeRoleInput{RoleArn: namesAccount}, "Roles may not be assumed by root accounts."},
		{"missing role", bob, AssumeRoleInput{RoleArn: missing}, "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: " + missing},
		{"role ARN with the wrong path", bob, AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/x/names-account"}, "is not authorized"},
		{"cross account with the external id", carol, AssumeRoleInput{RoleArn: crossExt, ExternalID: ptr("ext-123")}, ""},
		{"cross account without the external id", carol, AssumeRoleInput{RoleArn: crossExt}, "User: arn:aws:iam::111122223333:user/carol is not authorized to perform: sts:AssumeRole on resource: " + crossExt},
		{"cross account with a wrong external id", carol, AssumeRoleInput{RoleArn: crossExt, ExternalID: ptr("ext-999")}, "is not authorized"},
		{"cross account without an identity policy", dave, AssumeRoleInput{RoleArn: crossExt, ExternalID: ptr("ext-123")}, "User: arn:aws:iam::111122223333:user/dave is not authorized"},
		{"cross account root refused", e.rootB, AssumeRoleInput{RoleArn: crossExt, ExternalID: ptr("ext-123")}, "Roles may not be assumed by root accounts."},
		{"tags need sts:TagSession in the trust policy", bob, AssumeRoleInput{RoleArn: assumeOnly, Tags: []Tag{{"project", "x"}}}, "is not authorized to perform: sts:TagSession on resource: " + assumeOnly},
		{"tags need sts:TagSession in the identity policy", eve, AssumeRoleInput{RoleArn: namesAccount, Tags: []Tag{{"project", "x"}}}, "sts:TagSession"},
		{"tags with sts:TagSession", bob, AssumeRoleInput{RoleArn: namesAccount, Tags: []Tag{{"project", "x"}}}, ""},
		{"source identity needs sts:SetSourceIdentity", bob, AssumeRoleInput{RoleArn: assumeOnly, SourceIdentity: ptr("alice@example.com")}, "sts:SetSourceIdentity"},
		{"MFA required and missing", bob, AssumeRoleInput{RoleArn: mfaRole}, "is not authorized"},
		{"MFA code of another user's device", bob, AssumeRoleInput{RoleArn: mfaRole, SerialNumber: ptr("arn:aws:iam::123456789012:mfa/alice"), TokenCode: ptr("123456")}, "MultiFactorAuthentication failed with invalid MFA one time pass code."},
		{"MFA wrong code", alice, AssumeRoleInput{RoleArn: namesAlice, SerialNumber: ptr("arn:aws:iam::123456789012:mfa/alice"), TokenCode: ptr("654321")}, "MultiFactorAuthentication failed"},
		{"MFA serial without code", alice, AssumeRoleInput{RoleArn: namesAlice, SerialNumber: ptr("arn:aws:iam::123456789012:mfa/alice")}, "MultiFactorAuthentication failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.RoleSessionName = "sess"
			out, err := e.svc.AssumeRole(ctx, tc.caller, &in)
			if tc.denial != "" {
				wantErr(t, err, awserr.AccessDenied, tc.denial)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			roleName := in.RoleArn[strings.LastIndexByte(in.RoleArn, '/')+1:]
			if got, want := out.AssumedRoleUser.Arn, "arn:aws:sts::123456789012:assumed-role/"+roleName+"/sess"; got != want {
				t.Errorf("Arn = %s, want %s", got, want)
			}
			if !strings.HasPrefix(out.AssumedRoleUser.AssumedRoleID, "AROA") || !strings.HasSuffix(out.AssumedRoleUser.AssumedRoleID, ":sess") {
				t.Errorf("AssumedRoleId = %s", out.AssumedRoleUser.AssumedRoleID)
			}
			if c := out.Credentials; !strings.HasPrefix(c.AccessKeyID, "ASIA") || len(c.AccessKeyID) != 20 || len(c.SecretAccessKey) != 40 ||
				len(c.SessionToken) > 2048 || !c.Expiration.Equal(e.clock.now().Add(time.Hour)) {
				t.Errorf("credentials %s, %d-char secret, %d-char token, expiring %s", c.AccessKeyID, len(c.SecretAccessKey), len(c.SessionToken), c.Expiration)
			}
		})
	}
}

func TestAssumeRoleWithMFA(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	alice := e.user(t, e.rootA, "alice", allowAssumeAny)
	mfaRole := e.role(t, e.rootA, "needs-mfa", trustOf("123456789012", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`), 3600, allowAll)
	out, err := e.svc.AssumeRole(ctx, alice, &AssumeRoleInput{RoleArn: mfaRole, RoleSessionName: "s1",
		SerialNumber: ptr("arn:aws:iam::123456789012:mfa/alice"), TokenCode: ptr("123456")})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := e.ring.Open(ctx, out.Credentials.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if !cl.MFA || !cl.MFAAuthTime.Equal(e.clock.now()) {
		t.Errorf("MFA %v at %s", cl.MFA, cl.MFAAuthTime)
	}
	// Without an MFA verifier, MFA is refused.
	e.svc.mfa = nil
	_, err = e.svc.AssumeRole(ctx, alice, &AssumeRoleInput{RoleArn: mfaRole, RoleSessionName: "s1",
		SerialNumber: ptr("arn:aws:iam::123456789012:mfa/alice"), TokenCode: ptr("123456")})
	wantErr(t, err, awserr.AccessDenied, "MultiFactorAuthentication failed with invalid MFA one time pass code.")
}

func TestAssumeRoleSession(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	carol := e.user(t, e.rootB, "carol", allowAssumeAny)
	roleARN := e.role(t, e.rootA, "video-admin", trustOf("111122223333", ""), 43200, allowIAMRead)
	out, err := e.svc.AssumeRole(ctx, carol, &AssumeRoleInput{RoleArn: roleARN, RoleSessionName: "carol@b", DurationSeconds: ptr(43200),
		Policy:     ptr(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListRoles","sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}]}`),
		PolicyArns: []PolicyDescriptor{{Arn: "arn:aws:iam::aws:policy/IVSReadOnlyAccess"}},
		Tags:       []Tag{{"project", "falcon"}, {"env", "dev"}}, TransitiveTagKeys: []string{"project"}, SourceIdentity: ptr("carol")})
	if err != nil {
		t.Fatal(err)
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize < 1 || *out.PackedPolicySize > 100 || out.SourceIdentity != "carol" {
		t.Errorf("PackedPolicySize %v, SourceIdentity %q", out.PackedPolicySize, out.SourceIdentity)
	}
	if !out.Credentials.Expiration.Equal(e.clock.now().Add(12 * time.Hour)) {
		t.Errorf("expiration %s", out.Credentials.Expiration)
	}
	c := e.caller(t, out.Credentials)
	p := c.Principal
	if p.ARN != "arn:aws:sts::123456789012:assumed-role/video-admin/carol@b" || p.Account != accountA || p.RoleARN != roleARN || !strings.HasSuffix(p.UserID, ":carol@b") {
		t.Fatalf("principal %+v", p)
	}
	// Session tags override the role's tags with the same key.
	tags := map[string]string{}
	for _, t := range p.Tags {
		tags[t.Key] = t.Value
	}
	if tags["env"] != "dev" || tags["project"] != "falcon" || len(tags) != 2 {
		t.Errorf("tags %v", p.Tags)
	}
	// The session policies narrow the role's permissions.
	for _, tc := range []struct {
		action string
		want   bool
	}{
		{"iam:GetUser", true},   // role and inline session policy
		{"iam:ListRoles", true}, // role and inline session policy
		{"iam:GetRole", false},  // role only
		{"ivs:GetChannel", false},
		{"iam:CreateUser", false},
	} {
		if got := e.allowed(t, c, tc.action, "*"); got != tc.want {
			t.Errorf("%s: allowed %v, want %v", tc.action, got, tc.want)
		}
	}

	// Role chaining: at most an hour, transitive tags and the source
	// identity carried over. The trust policy names the role, so the
	// session policy (not the role's policies) must allow the calls.
	e.role(t, e.rootA, "next", trustOf(roleARN, ""), 43200, allowAll)
	nextARN := "arn:aws:iam::123456789012:role/next"
	_, err = e.svc.AssumeRole(ctx, c, &AssumeRoleInput{RoleArn: nextARN, RoleSessionName: "hop", DurationSeconds: ptr(3601)})
	wantErr(t, err, awserr.ValidationError, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	_, err = e.svc.AssumeRole(ctx, c, &AssumeRoleInput{RoleArn: nextARN, RoleSessionName: "hop", Tags: []Tag{{"Project", "other"}}})
	wantErr(t, err, awserr.InvalidParameterValue, "transitive")
	_, err = e.svc.AssumeRole(ctx, c, &AssumeRoleInput{RoleArn: nextARN, RoleSessionName: "hop", SourceIdentity: ptr("mallory")})
	wantErr(t, err, awserr.AccessDenied, "sts:SetSourceIdentity")
	hop, err := e.svc.AssumeRole(ctx, c, &AssumeRoleInput{RoleArn: nextARN, RoleSessionName: "hop", DurationSeconds: ptr(3600)})
	if err != nil {
		t.Fatal(err)
	}
	hc := e.caller(t, hop.Credentials)
	if hc.Session.SourceIdentity != "carol" || len(hc.Session.TransitiveTags) != 1 || hc.Session.TransitiveTags[0] != (policy.Tag{Key: "project", Value: "falcon"}) {
		t.Errorf("chained session %+v", hc.Session)
	}
	if !e.allowed(t, hc, "iam:CreateUser", "*") {
		t.Error("the chained session lacks the next role's permissions")
	}
}
