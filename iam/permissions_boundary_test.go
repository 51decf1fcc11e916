package iam

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

const ivsReadOnly = "arn:aws:iam::aws:policy/IVSReadOnlyAccess"

// inlineSeedPolicy writes a customer-managed policy record directly,
// independent of CreatePolicy.
func inlineSeedPolicy(t *testing.T, e *testEnv, name, doc string) *store.ManagedPolicy {
	t.Helper()
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	mp := &store.ManagedPolicy{ID: newID("ANPA"), Name: name, Path: "/", ARN: "arn:aws:iam::" + testAccount + ":policy/" + name,
		DefaultVersion: "v1", NextVersion: 2, Versions: []store.PolicyVersion{{ID: "v1", Document: doc, CreatedAt: at}}, CreatedAt: at, UpdatedAt: at}
	err := e.st.Update(context.Background(), func(tx store.Tx) error {
		return store.PutJSON(context.Background(), tx, testAccount, store.PolicyKey(name), mp)
	})
	if err != nil {
		t.Fatal(err)
	}
	return mp
}

// boundaryUses lists the boundary-use records of a policy.
func boundaryUses(t *testing.T, e *testEnv, arn string) []string {
	t.Helper()
	var keys []string
	err := e.st.View(context.Background(), func(tx store.Tx) error {
		items, err := tx.List(context.Background(), testAccount, store.BoundaryUsePrefix(arn), "", 0)
		for _, it := range items {
			keys = append(keys, strings.TrimPrefix(it.Key, store.BoundaryUsePrefix(arn)))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestUserPermissionsBoundaryTakesEffect(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice"}))
	must[*Empty](t)(e.svc.PutUserPolicy(ctx, e.root, &PutUserPolicyInput{UserName: "alice", PolicyName: "admin",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`}))
	alice := e.userCaller(t, "alice")
	must[*ListUsersOutput](t)(e.svc.ListUsers(ctx, alice, &ListUsersInput{}))

	must[*Empty](t)(e.svc.PutUserPermissionsBoundary(ctx, e.root, &PutUserPermissionsBoundaryInput{UserName: "alice", PermissionsBoundary: ivsReadOnly}))
	got := must[*GetUserOutput](t)(e.svc.GetUser(ctx, e.root, &GetUserInput{UserName: "alice"}))
	if b := got.User.PermissionsBoundary; b == nil || b.PermissionsBoundaryArn != ivsReadOnly || b.PermissionsBoundaryType != "PermissionsBoundaryPolicy" {
		t.Fatalf("boundary: %+v", b)
	}
	_, err := e.svc.ListUsers(ctx, alice, &ListUsersInput{})
	wantCode(t, err, "AccessDenied")
	if want := "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no permissions boundary allows the iam:ListUsers action"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q, want %q", err, want)
	}

	must[*Empty](t)(e.svc.DeleteUserPermissionsBoundary(ctx, e.root, &DeleteUserPermissionsBoundaryInput{UserName: "alice"}))
	must[*ListUsersOutput](t)(e.svc.ListUsers(ctx, alice, &ListUsersInput{}))
	if uses := boundaryUses(t, e, ivsReadOnly); len(uses) != 0 {
		t.Errorf("boundary uses left: %v", uses)
	}
	got = must[*GetUserOutput](t)(e.svc.GetUser(ctx, e.root, &GetUserInput{UserName: "alice"}))
	if got.User.PermissionsBoundary != nil {
		t.Errorf("boundary after delete: %+v", got.User.PermissionsBoundary)
	}
	// Deleting an absent boundary is not an error.
	must[*Empty](t)(e.svc.DeleteUserPermissionsBoundary(ctx, e.root, &DeleteUserPermissionsBoundaryInput{UserName: "alice"}))
}

func TestPermissionsBoundaries(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	u := must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice"})).User
	r := inlineSeedRole(t, e, "streamer", "/")
	local := inlineSeedPolicy(t, e, "Cap", readIVS)

	type op struct {
		kind, id string
		put      func(entity, arn string) error
		del      func(entity string) error
		boundary func() string
	}
	ops := []op{
		{
			kind: store.KindUser, id: u.UserID,
			put: func(entity, arn string) error {
				_, err := e.svc.PutUserPermissionsBoundary(ctx, e.root, &PutUserPermissionsBoundaryInput{UserName: entity, PermissionsBoundary: arn})
				return err
			},
			del: func(entity string) error {
				_, err := e.svc.DeleteUserPermissionsBoundary(ctx, e.root, &DeleteUserPermissionsBoundaryInput{UserName: entity})
				return err
			},
			boundary: func() string {
				var rec store.User
				_ = e.st.View(ctx, func(tx store.Tx) error { return store.GetJSON(ctx, tx, testAccount, store.UserKey("alice"), &rec) })
				return rec.Boundary
			},
		},
		{
			kind: store.KindRole, id: r.ID,
			put: func(entity, arn string) error {
				_, err := e.svc.PutRolePermissionsBoundary(ctx, e.root, &PutRolePermissionsBoundaryInput{RoleName: entity, PermissionsBoundary: arn})
				return err
			},
			del: func(entity string) error {
				_, err := e.svc.DeleteRolePermissionsBoundary(ctx, e.root, &DeleteRolePermissionsBoundaryInput{RoleName: entity})
				return err
			},
			boundary: func() string {
				var rec store.Role
				_ = e.st.View(ctx, func(tx store.Tx) error { return store.GetJSON(ctx, tx, testAccount, store.RoleKey("streamer"), &rec) })
				return rec.Boundary
			},
		},
	}
	entity := map[string]string{store.KindUser: "alice", store.KindRole: "streamer"}
	for _, o := range ops {
		t.Run(o.kind, func(t *testing.T) {
			name := entity[o.kind]
			errCases := []struct{ name, entity, arn, code string }{
				{"too short", name, "arn:aws:iam::aws", "ValidationError"},
				{"not an ARN", name, "not-an-arn-at-all-really", "InvalidInput"},
				{"not a policy", name, "arn:aws:iam::123456789012:user/alice", "InvalidInput"},
				{"missing AWS policy", name, "arn:aws:iam::aws:policy/NoSuchPolicy", "NoSuchEntity"},
				{"missing local policy", name, "arn:aws:iam::123456789012:policy/Nope", "NoSuchEntity"},
				{"other account", name, "arn:aws:iam::210987654321:policy/Cap", "NoSuchEntity"},
				{"no entity", "nobody", ivsReadOnly, "NoSuchEntity"},
			}
			for _, tc := range errCases {
				wantCode(t, o.put(tc.entity, tc.arn), tc.code)
			}
			if err := o.put(name, ivsReadOnly); err != nil {
				t.Fatal(err)
			}
			if got := boundaryUses(t, e, ivsReadOnly); len(got) != 1 || got[0] != o.kind+"/"+o.id {
				t.Fatalf("uses of %s: %v", ivsReadOnly, got)
			}
			// Replacing moves the use record; putting the same one again
			// keeps it.
			for range 2 {
				if err := o.put(name, local.ARN); err != nil {
					t.Fatal(err)
				}
			}
			if got := boundaryUses(t, e, ivsReadOnly); len(got) != 0 {
				t.Fatalf("old boundary still used: %v", got)
			}
			if got := boundaryUses(t, e, local.ARN); len(got) != 1 || got[0] != o.kind+"/"+o.id || o.boundary() != local.ARN {
				t.Fatalf("uses of %s: %v, record %q", local.ARN, got, o.boundary())
			}
			// A failed replacement changes nothing.
			wantCode(t, o.put(name, "arn:aws:iam::aws:policy/NoSuchPolicy"), "NoSuchEntity")
			if o.boundary() != local.ARN || len(boundaryUses(t, e, local.ARN)) != 1 {
				t.Fatalf("failed put changed the boundary")
			}
			if err := o.del(name); err != nil {
				t.Fatal(err)
			}
			if o.boundary() != "" || len(boundaryUses(t, e, local.ARN)) != 0 {
				t.Fatalf("boundary after delete: %q", o.boundary())
			}
			wantCode(t, o.del("nobody"), "NoSuchEntity")
		})
	}
}

func TestPermissionsBoundaryCondition(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	for _, n := range []string{"admin", "dev"} {
		must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: n}))
	}
	// admin may set only IVSReadOnlyAccess as a boundary, and may remove
	// only that boundary.
	must[*Empty](t)(e.svc.PutUserPolicy(ctx, e.root, &PutUserPolicyInput{UserName: "admin", PolicyName: "delegate", PolicyDocument: `{
		"Version": "2012-10-17",
		"Statement": [{
			"Effect": "Allow",
			"Action": ["iam:PutUserPermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
			"Resource": "*",
			"Condition": {"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::aws:policy/IVSReadOnlyAccess"}}
		}]}`}))
	admin := e.userCaller(t, "admin")
	_, err := e.svc.PutUserPermissionsBoundary(ctx, admin, &PutUserPermissionsBoundaryInput{UserName: "dev", PermissionsBoundary: "arn:aws:iam::aws:policy/IVSFullAccess"})
	wantCode(t, err, "AccessDenied")
	must[*Empty](t)(e.svc.PutUserPermissionsBoundary(ctx, admin, &PutUserPermissionsBoundaryInput{UserName: "dev", PermissionsBoundary: ivsReadOnly}))
	must[*Empty](t)(e.svc.DeleteUserPermissionsBoundary(ctx, admin, &DeleteUserPermissionsBoundaryInput{UserName: "dev"}))
	must[*Empty](t)(e.svc.PutUserPermissionsBoundary(ctx, e.root, &PutUserPermissionsBoundaryInput{UserName: "dev", PermissionsBoundary: "arn:aws:iam::aws:policy/IVSFullAccess"}))
	_, err = e.svc.DeleteUserPermissionsBoundary(ctx, admin, &DeleteUserPermissionsBoundaryInput{UserName: "dev"})
	wantCode(t, err, "AccessDenied")
}
