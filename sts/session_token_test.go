package sts

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/policy"
)

func TestGetSessionToken(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	alice := e.user(t, e.rootA, "alice", allowGetUser, allowAssumeAny)
	tests := []struct {
		name      string
		caller    string
		in        GetSessionTokenInput
		want      time.Duration // session length; 0 when an error is expected
		code, msg string
		mfa       bool
	}{
		{name: "default 12 hours", caller: "alice", want: 12 * time.Hour},
		{name: "36 hours", caller: "alice", in: GetSessionTokenInput{DurationSeconds: ptr(129600)}, want: 36 * time.Hour},
		{name: "15 minutes", caller: "alice", in: GetSessionTokenInput{DurationSeconds: ptr(900)}, want: 15 * time.Minute},
		{name: "too short", caller: "alice", in: GetSessionTokenInput{DurationSeconds: ptr(899)}, code: awserr.ValidationError, msg: "durationSeconds"},
		{name: "too long", caller: "alice", in: GetSessionTokenInput{DurationSeconds: ptr(129601)}, code: awserr.ValidationError, msg: "Member must have value less than or equal to 129600"},
		{name: "root default is an hour", caller: "root", want: time.Hour},
		{name: "root capped at an hour", caller: "root", in: GetSessionTokenInput{DurationSeconds: ptr(7200)}, want: time.Hour},
		{name: "root 15 minutes", caller: "root", in: GetSessionTokenInput{DurationSeconds: ptr(900)}, want: 15 * time.Minute},
		{name: "with MFA", caller: "alice", in: GetSessionTokenInput{SerialNumber: ptr("arn:aws:iam::123456789012:mfa/alice"), TokenCode: ptr("123456")}, want: 12 * time.Hour, mfa: true},
		{name: "wrong MFA code", caller: "alice", in: GetSessionTokenInput{SerialNumber: ptr("arn:aws:iam::123456789012:mfa/alice"), TokenCode: ptr("000000")}, code: awserr.AccessDenied, msg: "MultiFactorAuthentication failed"},
		{name: "bad serial number", caller: "alice", in: GetSessionTokenInput{SerialNumber: ptr("short"), TokenCode: ptr("123456")}, code: awserr.ValidationError, msg: "serialNumber"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := alice
			if tc.caller == "root" {
				c = e.rootA
			}
			out, err := e.svc.GetSessionToken(ctx, c, &tc.in)
			if tc.code != "" {
				wantErr(t, err, tc.code, tc.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !out.Credentials.Expiration.Equal(e.clock.now().Add(tc.want)) {
				t.Errorf("expiration %s, want in %s", out.Credentials.Expiration, tc.want)
			}
			sc := e.caller(t, out.Credentials)
			if sc.Principal.ARN != c.Principal.ARN || sc.Principal.Type != c.Principal.Type || sc.Principal.UserID != c.Principal.UserID || sc.Session.MFA != tc.mfa {
				t.Errorf("session principal %+v, MFA %v", sc.Principal, sc.Session.MFA)
			}
		})
	}

	// The session keeps the user's permissions, may assume roles, and may
	// not make more sessions.
	out, err := e.svc.GetSessionToken(ctx, alice, &GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	sc := e.caller(t, out.Credentials)
	if sc.Principal.Type != policy.User || !e.allowed(t, sc, "iam:GetUser", "*") || e.allowed(t, sc, "iam:ListUsers", "*") {
		t.Error("the session does not have exactly the user's permissions")
	}
	_, err = e.svc.GetSessionToken(ctx, sc, &GetSessionTokenInput{})
	wantErr(t, err, awserr.AccessDenied, "Cannot call GetSessionToken with session credentials")
	_, err = e.svc.GetFederationToken(ctx, sc, &GetFederationTokenInput{Name: "fed"})
	wantErr(t, err, awserr.AccessDenied, "Cannot call GetFederationToken with session credentials")
	roleARN := e.role(t, e.rootA, "r", trustOf("123456789012", ""), 3600)
	if _, err := e.svc.AssumeRole(ctx, sc, &AssumeRoleInput{RoleArn: roleARN, RoleSessionName: "from-session", DurationSeconds: ptr(3600)}); err != nil {
		t.Fatalf("AssumeRole from a GetSessionToken session: %v", err)
	}
}

func TestGetFederationToken(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	alice := e.user(t, e.rootA, "alice", allowFederate, allowIAMRead)
	bob := e.user(t, e.rootA, "bob", allowIAMRead)
	narrow := ptr(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:CreateUser"],"Resource":"*"}]}`)
	tests := []struct {
		name      string
		caller    string
		in        GetFederationTokenInput
		want      time.Duration
		code, msg string
	}{
		{name: "default", caller: "alice", in: GetFederationTokenInput{Name: "fed-user"}, want: 12 * time.Hour},
		{name: "with policy and tags", caller: "alice", in: GetFederationTokenInput{Name: "fed-user", Policy: narrow, DurationSeconds: ptr(129600), Tags: []Tag{{"k", "v"}}}, want: 36 * time.Hour},
		{name: "root capped at an hour", caller: "root", in: GetFederationTokenInput{Name: "fed-root", DurationSeconds: ptr(43200)}, want: time.Hour},
		{name: "name too short", caller: "alice", in: GetFederationTokenInput{Name: "f"}, code: awserr.ValidationError, msg: "'name'"},
		{name: "name too long", caller: "alice", in: GetFederationTokenInput{Name: "abcdefghijklmnopqrstuvwxyz0123456"}, code: awserr.ValidationError, msg: "Member must have length less than or equal to 32"},
		{name: "name pattern", caller: "alice", in: GetFederationTokenInput{Name: "a/b"}, code: awserr.ValidationError, msg: "regular expression"},
		{name: "duration too long", caller: "alice", in: GetFederationTokenInput{Name: "fed", DurationSeconds: ptr(129601)}, code: awserr.ValidationError, msg: "durationSeconds"},
		{name: "policy over the model length", caller: "alice", in: GetFederationTokenInput{Name: "fed", Policy: ptr(`{"Version":"2012-10-17",` + strings.Repeat(" ", 2100) + `}`)}, code: awserr.ValidationError, msg: "policy"},
		{name: "malformed policy", caller: "alice", in: GetFederationTokenInput{Name: "fed", Policy: ptr(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}`)}, code: awserr.MalformedPolicyDocument},
		{name: "not allowed", caller: "bob", in: GetFederationTokenInput{Name: "fed"}, code: awserr.AccessDenied,
			msg: "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::123456789012:federated-user/fed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := map[string]*authz.Caller{"alice": alice, "bob": bob, "root": e.rootA}[tc.caller]
			out, err := e.svc.GetFederationToken(ctx, c, &tc.in)
			if tc.code != "" {
				wantErr(t, err, tc.code, tc.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantARN := "arn:aws:sts::123456789012:federated-user/" + tc.in.Name
			if out.FederatedUser.Arn != wantARN || out.FederatedUser.FederatedUserID != "123456789012:"+tc.in.Name ||
				!out.Credentials.Expiration.Equal(e.clock.now().Add(tc.want)) {
				t.Errorf("output %+v", out)
			}
			if (out.PackedPolicySize != nil) != (tc.in.Policy != nil || len(tc.in.Tags) > 0) {
				t.Errorf("PackedPolicySize %v", out.PackedPolicySize)
			}
		})
	}

	// Without a session policy a federated user has no permissions; with
	// one, the intersection of the user's and the policy's.
	for _, tc := range []struct {
		name   string
		policy *string
		allow  map[string]bool
	}{
		{"no policy", nil, map[string]bool{"iam:GetUser": false, "iam:ListUsers": false, "iam:CreateUser": false}},
		{"narrowing policy", narrow, map[string]bool{"iam:GetUser": true, "iam:ListUsers": false, "iam:CreateUser": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.GetFederationToken(ctx, alice, &GetFederationTokenInput{Name: "fed", Policy: tc.policy})
			if err != nil {
				t.Fatal(err)
			}
			fc := e.caller(t, out.Credentials)
			if fc.Principal.Type != policy.FederatedUser || fc.Principal.UserID != "123456789012:fed" || fc.Session.SourceUserName != "alice" {
				t.Fatalf("principal %+v, session %+v", fc.Principal, fc.Session)
			}
			for action, want := range tc.allow {
				if got := e.allowed(t, fc, action, "*"); got != want {
					t.Errorf("%s: allowed %v, want %v", action, got, want)
				}
			}
			_, err = e.svc.AssumeRole(ctx, fc, &AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/any", RoleSessionName: "s1"})
			wantErr(t, err, awserr.AccessDenied, "federated-user/fed is not authorized to perform: sts:AssumeRole")
		})
	}

	// The root user's federated users have what their session policy
	// allows.
	out, err := e.svc.GetFederationToken(ctx, e.rootA, &GetFederationTokenInput{Name: "fed-root", Policy: narrow})
	if err != nil {
		t.Fatal(err)
	}
	fc := e.caller(t, out.Credentials)
	if !e.allowed(t, fc, "iam:CreateUser", "*") || e.allowed(t, fc, "iam:DeleteUser", "*") {
		t.Error("root federated user's permissions are not its session policy's")
	}
}

// TestSessionsOutliveTheirSource: two users federating under one name get
// their own rights, and a deleted role's sessions get none (not an error).
func TestSessionsOutliveTheirSource(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	anyPolicy := ptr(allowAll)
	reader := e.user(t, e.rootA, "reader", allowFederate, allowGetUser)
	writer := e.user(t, e.rootA, "writer", allowFederate, allowAll)
	var fed []*authz.Caller
	for _, u := range []*authz.Caller{reader, writer} {
		out, err := e.svc.GetFederationToken(ctx, u, &GetFederationTokenInput{Name: "same-name", Policy: anyPolicy})
		if err != nil {
			t.Fatal(err)
		}
		fed = append(fed, e.caller(t, out.Credentials))
	}
	// Warm the cache with the reader's set first.
	if !e.allowed(t, fed[0], "iam:GetUser", "*") || e.allowed(t, fed[0], "iam:CreateUser", "*") {
		t.Error("reader's federated user")
	}
	if !e.allowed(t, fed[1], "iam:CreateUser", "*") {
		t.Error("writer's federated user has the reader's rights")
	}

	roleARN := e.role(t, e.rootA, "short-lived", trustOf("arn:aws:iam::123456789012:user/reader", ""), 3600, allowAll)
	out, err := e.svc.AssumeRole(ctx, reader, &AssumeRoleInput{RoleArn: roleARN, RoleSessionName: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	rc := e.caller(t, out.Credentials)
	if !e.allowed(t, rc, "iam:CreateUser", "*") {
		t.Fatal("role session lacks the role's rights")
	}
	if _, err := e.iam.DeleteRolePolicy(ctx, e.rootA, &iam.DeleteRolePolicyInput{RoleName: "short-lived", PolicyName: "p0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.iam.DeleteRole(ctx, e.rootA, &iam.DeleteRoleInput{RoleName: "short-lived"}); err != nil {
		t.Fatal(err)
	}
	if e.allowed(t, rc, "iam:CreateUser", "*") {
		t.Error("a deleted role's session keeps its rights")
	}
	// A new role of the same name does not revive the old sessions.
	e.role(t, e.rootA, "short-lived", trustOf("arn:aws:iam::123456789012:user/reader", ""), 3600, allowAll)
	if e.allowed(t, rc, "iam:CreateUser", "*") {
		t.Error("an old session has the rights of a new role of the same name")
	}
}
