package sts

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

const (
	accountA = "123456789012"
	accountB = "111122223333"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeMFA accepts code "123456" for the devices it knows.
type fakeMFA map[string]string // serial → user name

func (f fakeMFA) Verify(_ context.Context, _, serial, code string) (string, error) {
	user, ok := f[serial]
	if !ok || code != "123456" {
		return "", errors.New("invalid code")
	}
	return user, nil
}

// testEnv is an STS service and an IAM service on one fresh store, with
// accounts A and B.
type testEnv struct {
	svc   *Service
	iam   *iam.Service
	ring  *KeyRing
	st    store.Store
	box   *seal.Box
	clock *fakeClock
	rootA *authz.Caller
	rootB *authz.Caller
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	ctx := context.Background()
	raw, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	box, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	az := authz.New(raw)
	st := az.WrapStore(raw)
	clock := &fakeClock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	for _, acct := range []string{accountA, accountB} {
		if _, _, err := iam.EnsureAccount(ctx, st, box, acct, "", "", clock.now()); err != nil {
			t.Fatal(err)
		}
	}
	ring := NewKeyRing(st, box, clock.now)
	mfa := fakeMFA{"arn:aws:iam::" + accountA + ":mfa/alice": "alice"}
	return &testEnv{
		svc: New(st, az, ring, mfa, clock.now, nil), iam: iam.New(st, az, box, clock.now, nil),
		ring: ring, st: st, box: box, clock: clock,
		rootA: rootCaller(accountA), rootB: rootCaller(accountB),
	}
}

func rootCaller(acct string) *authz.Caller {
	return &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:iam::" + acct + ":root", Account: acct, Type: policy.Root, UserID: acct}}
}

// user creates a user with inline policies and returns it as a caller.
func (e *testEnv) user(t *testing.T, root *authz.Caller, name string, docs ...string) *authz.Caller {
	t.Helper()
	ctx := context.Background()
	out, err := e.iam.CreateUser(ctx, root, &iam.CreateUserInput{UserName: name, Tags: []iam.Tag{{Key: "team", Value: "video"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		if _, err := e.iam.PutUserPolicy(ctx, root, &iam.PutUserPolicyInput{UserName: name, PolicyName: "p" + string(rune('0'+i)), PolicyDocument: d}); err != nil {
			t.Fatal(err)
		}
	}
	u := out.User
	return &authz.Caller{Principal: policy.Principal{ARN: u.Arn, Account: root.Account(), Type: policy.User, Username: u.UserName, UserID: u.UserID,
		Tags: []policy.Tag{{Key: "team", Value: "video"}}}}
}

// role creates a role with a trust policy and inline policies.
func (e *testEnv) role(t *testing.T, root *authz.Caller, name, trust string, maxSession int, docs ...string) string {
	t.Helper()
	ctx := context.Background()
	out, err := e.iam.CreateRole(ctx, root, &iam.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: trust, MaxSessionDuration: &maxSession,
		Tags: []iam.Tag{{Key: "env", Value: "prod"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		if _, err := e.iam.PutRolePolicy(ctx, root, &iam.PutRolePolicyInput{RoleName: name, PolicyName: "p" + string(rune('0'+i)), PolicyDocument: d}); err != nil {
			t.Fatal(err)
		}
	}
	return out.Role.Arn
}

// caller opens a session's token and returns its caller, as the server
// builds it.
func (e *testEnv) caller(t *testing.T, creds Credentials) *authz.Caller {
	t.Helper()
	cl, err := e.ring.Open(context.Background(), creds.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if cl.AccessKeyID != creds.AccessKeyID || cl.Secret != creds.SecretAccessKey {
		t.Fatalf("token holds %s, credentials are %s", cl.AccessKeyID, creds.AccessKeyID)
	}
	pols, err := cl.CompilePolicies()
	if err != nil {
		t.Fatal(err)
	}
	c := &authz.Caller{Principal: cl.Principal(), AccessKeyID: cl.AccessKeyID, Session: cl.Session(), SessionPolicies: pols}
	if cl.MFA {
		c.Context.Set("aws:MultiFactorAuthPresent", "true")
	}
	return c
}

// allowed reports whether the caller may perform action on resource.
func (e *testEnv) allowed(t *testing.T, c *authz.Caller, action, resource string) bool {
	t.Helper()
	d, err := e.svc.authz.Authorize(context.Background(), c, authz.Check{Action: action, Resource: resource})
	if err != nil {
		t.Fatal(err)
	}
	return d.Allowed()
}

// wantErr asserts an AWS error's code and, when msg is not empty, that its
// message contains msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Code != code || !strings.Contains(ae.Message, msg) {
		t.Fatalf("error = %v, want %s containing %q", err, code, msg)
	}
}

func ptr[T any](v T) *T { return &v }

const (
	allowAll       = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	allowIAMRead   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`
	allowGetUser   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`
	allowAssumeAny = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}]}`
	allowFederate  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","sts:TagSession"],"Resource":"*"}]}`
)

// trustOf returns a trust policy letting principal assume the role (with
// sts:TagSession too), under an optional condition.
func trustOf(principal, condition string) string {
	cond := ""
	if condition != "" {
		cond = `,"Condition":` + condition
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]` + cond + `}]}`
}

func TestGetCallerIdentity(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	alice := e.user(t, e.rootA, "alice")
	for _, tc := range []struct {
		name string
		c    *authz.Caller
		want GetCallerIdentityOutput
	}{
		{"root", e.rootA, GetCallerIdentityOutput{UserID: accountA, Account: accountA, Arn: "arn:aws:iam::123456789012:root"}},
		{"user", alice, GetCallerIdentityOutput{UserID: alice.Principal.UserID, Account: accountA, Arn: "arn:aws:iam::123456789012:user/alice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.GetCallerIdentity(ctx, tc.c, &GetCallerIdentityInput{})
			if err != nil || *out != tc.want {
				t.Fatalf("got %+v, %v; want %+v", out, err, tc.want)
			}
		})
	}
}
