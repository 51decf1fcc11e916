package iam

import (
	"context"
	"strings"
	"testing"
)

func TestUserLifecycle(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	out := must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice", Path: "/video/", Tags: []Tag{{"team", "blue"}}}))
	if out.User.Arn != "arn:aws:iam::123456789012:user/video/alice" || !strings.HasPrefix(out.User.UserID, "AIDA") || len(out.User.UserID) != 21 {
		t.Fatalf("created %+v", out.User)
	}
	_, err := e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "ALICE"})
	wantCode(t, err, "EntityAlreadyExists")
	_, err = e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "bad name"})
	wantCode(t, err, "ValidationError")
	_, err = e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "x", Tags: []Tag{{"aws:x", "y"}}})
	wantCode(t, err, "InvalidInput")

	for _, n := range []string{"bob", "carol", "dave"} {
		must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: n}))
	}
	two := 2
	page1 := must[*ListUsersOutput](t)(e.svc.ListUsers(ctx, e.root, &ListUsersInput{MaxItems: &two}))
	if len(page1.Users.Member) != 2 || !page1.IsTruncated || page1.Marker == "" {
		t.Fatalf("page 1: %+v", page1)
	}
	page2 := must[*ListUsersOutput](t)(e.svc.ListUsers(ctx, e.root, &ListUsersInput{MaxItems: &two, Marker: page1.Marker}))
	if len(page2.Users.Member) != 2 || page2.IsTruncated {
		t.Fatalf("page 2: %+v", page2)
	}
	video := must[*ListUsersOutput](t)(e.svc.ListUsers(ctx, e.root, &ListUsersInput{PathPrefix: "/video/"}))
	if len(video.Users.Member) != 1 || video.Users.Member[0].UserName != "alice" {
		t.Fatalf("path prefix: %+v", video)
	}

	must[*Empty](t)(e.svc.UpdateUser(ctx, e.root, &UpdateUserInput{UserName: "alice", NewUserName: "alice2"}))
	_, err = e.svc.GetUser(ctx, e.root, &GetUserInput{UserName: "alice"})
	wantCode(t, err, "NoSuchEntity")
	got := must[*GetUserOutput](t)(e.svc.GetUser(ctx, e.root, &GetUserInput{UserName: "Alice2"}))
	if got.User.UserID != out.User.UserID || got.User.Arn != "arn:aws:iam::123456789012:user/video/alice2" {
		t.Fatalf("renamed: %+v", got.User)
	}

	key := must[*CreateAccessKeyOutput](t)(e.svc.CreateAccessKey(ctx, e.root, &CreateAccessKeyInput{UserName: "alice2"}))
	_, err = e.svc.DeleteUser(ctx, e.root, &DeleteUserInput{UserName: "alice2"})
	wantCode(t, err, "DeleteConflict")
	must[*Empty](t)(e.svc.DeleteAccessKey(ctx, e.root, &DeleteAccessKeyInput{UserName: "alice2", AccessKeyID: key.AccessKey.AccessKeyID}))
	must[*Empty](t)(e.svc.DeleteUser(ctx, e.root, &DeleteUserInput{UserName: "alice2"}))
	_, err = e.svc.DeleteUser(ctx, e.root, &DeleteUserInput{UserName: "alice2"})
	wantCode(t, err, "NoSuchEntity")
}

func TestAccessKeys(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice"}))
	k1 := must[*CreateAccessKeyOutput](t)(e.svc.CreateAccessKey(ctx, e.root, &CreateAccessKeyInput{UserName: "alice"}))
	if !strings.HasPrefix(k1.AccessKey.AccessKeyID, "AKIA") || len(k1.AccessKey.AccessKeyID) != 20 || len(k1.AccessKey.SecretAccessKey) != 40 {
		t.Fatalf("key %+v", k1.AccessKey)
	}
	must[*CreateAccessKeyOutput](t)(e.svc.CreateAccessKey(ctx, e.root, &CreateAccessKeyInput{UserName: "alice"}))
	_, err := e.svc.CreateAccessKey(ctx, e.root, &CreateAccessKeyInput{UserName: "alice"})
	wantCode(t, err, "LimitExceeded")
	list := must[*ListAccessKeysOutput](t)(e.svc.ListAccessKeys(ctx, e.root, &ListAccessKeysInput{UserName: "alice"}))
	if len(list.AccessKeyMetadata.Member) != 2 {
		t.Fatalf("list: %+v", list)
	}
	must[*Empty](t)(e.svc.UpdateAccessKey(ctx, e.root, &UpdateAccessKeyInput{UserName: "alice", AccessKeyID: k1.AccessKey.AccessKeyID, Status: "Inactive"}))
	_, err = e.svc.UpdateAccessKey(ctx, e.root, &UpdateAccessKeyInput{UserName: "alice", AccessKeyID: k1.AccessKey.AccessKeyID, Status: "Disabled"})
	wantCode(t, err, "ValidationError")
	_, err = e.svc.DeleteAccessKey(ctx, e.root, &DeleteAccessKeyInput{UserName: "alice", AccessKeyID: "AKIANOTAKEY000000000"})
	wantCode(t, err, "NoSuchEntity")
	last := must[*GetAccessKeyLastUsedOutput](t)(e.svc.GetAccessKeyLastUsed(ctx, e.root, &GetAccessKeyLastUsedInput{AccessKeyID: k1.AccessKey.AccessKeyID}))
	if last.UserName != "alice" || last.AccessKeyLastUsed.ServiceName != "N/A" {
		t.Fatalf("last used: %+v", last)
	}

	// A user without policies is denied, with AWS's message.
	alice := e.userCaller(t, "alice")
	_, err = e.svc.ListUsers(ctx, alice, &ListUsersInput{})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(err.Error(), "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action") {
		t.Errorf("message: %v", err)
	}
	// Without a user name, GetUser answers for the caller; the root user's
	// keys are its own.
	_, err = e.svc.GetUser(ctx, alice, &GetUserInput{})
	wantCode(t, err, "AccessDenied")
	rootKey := must[*CreateAccessKeyOutput](t)(e.svc.CreateAccessKey(ctx, e.root, &CreateAccessKeyInput{}))
	if rootKey.AccessKey.UserName != "" {
		t.Fatalf("root key: %+v", rootKey.AccessKey)
	}
}
