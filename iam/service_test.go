package iam

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

const testAccount = "123456789012"

// testEnv is a Service on a fresh SQLite store, with the account created.
type testEnv struct {
	svc  *Service
	st   store.Store
	root *authz.Caller
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	ctx := context.Background()
	raw, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	box, err := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	az := authz.New(raw)
	st := az.WrapStore(raw)
	now := func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
	if _, _, err := EnsureAccount(ctx, st, box, testAccount, "", "", now()); err != nil {
		t.Fatal(err)
	}
	root := &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:iam::" + testAccount + ":root", Account: testAccount, Type: policy.Root, UserID: testAccount}}
	return &testEnv{svc: New(st, az, box, now, nil), st: st, root: root}
}

// userCaller returns the caller of an existing user.
func (e *testEnv) userCaller(t *testing.T, name string) *authz.Caller {
	t.Helper()
	out, err := e.svc.GetUser(context.Background(), e.root, &GetUserInput{UserName: name})
	if err != nil {
		t.Fatal(err)
	}
	u := out.User
	return &authz.Caller{Principal: policy.Principal{ARN: u.Arn, Account: testAccount, Type: policy.User, Username: u.UserName, UserID: u.UserID}}
}

// wantCode asserts that err is an AWS error with the code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
