package iam

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/store"
)

// putInlineRecord writes an inline policy record directly, standing in for
// Put…Policy in tests of other operations.
func putInlineRecord(t *testing.T, e *testEnv, kind, ownerID, name, doc string) {
	t.Helper()
	ctx := context.Background()
	err := e.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(ctx, tx, testAccount, store.InlineKey(kind, ownerID, name), store.InlinePolicy{Name: name, Document: doc})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// deleteRecord removes a record written by putInlineRecord or
// putAttachRecord.
func deleteRecord(t *testing.T, e *testEnv, key string) {
	t.Helper()
	ctx := context.Background()
	if err := e.st.Update(ctx, func(tx store.Tx) error { return tx.Delete(ctx, testAccount, key) }); err != nil {
		t.Fatal(err)
	}
}

// putAttachRecord records a managed-policy attachment directly.
func putAttachRecord(t *testing.T, e *testEnv, kind, ownerID, policyARN string) string {
	t.Helper()
	ctx := context.Background()
	key := store.AttachKey(kind, ownerID, policyARN)
	err := e.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(ctx, tx, testAccount, key, store.Attachment{PolicyARN: policyARN, PolicyName: "p", OwnerKind: kind, OwnerID: ownerID})
	})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// createUsersNamed creates users with the given names and returns their
// ids by name.
func createUsersNamed(t *testing.T, e *testEnv, names ...string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, n := range names {
		out := must[*CreateUserOutput](t)(e.svc.CreateUser(context.Background(), e.root, &CreateUserInput{UserName: n}))
		ids[n] = out.User.UserID
	}
	return ids
}

func groupNames(gs []Group) string {
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = g.GroupName
	}
	return strings.Join(names, ",")
}

func userNames(us []User) string {
	names := make([]string, len(us))
	for i, u := range us {
		names[i] = u.UserName
	}
	return strings.Join(names, ",")
}

func TestGroupLifecycle(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	out := must[*CreateGroupOutput](t)(e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: "Admins", Path: "/ops/"}))
	if out.Group.Arn != "arn:aws:iam::123456789012:group/ops/Admins" || !strings.HasPrefix(out.Group.GroupID, "AGPA") || len(out.Group.GroupID) != 21 || out.Group.Path != "/ops/" {
		t.Fatalf("created %+v", out.Group)
	}
	_, err := e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: "admins"})
	wantCode(t, err, "EntityAlreadyExists")
	if !strings.Contains(err.Error(), "Group with name admins already exists.") {
		t.Errorf("message: %v", err)
	}

	got := must[*GetGroupOutput](t)(e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "ADMINS"}))
	if got.Group != out.Group || len(got.Users.Member) != 0 || got.IsTruncated {
		t.Fatalf("get: %+v", got)
	}
	_, err = e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "nobody"})
	wantCode(t, err, "NoSuchEntity")
	if !strings.Contains(err.Error(), "The group with name nobody cannot be found.") {
		t.Errorf("message: %v", err)
	}

	for _, n := range []string{"devs", "qa", "video"} {
		must[*CreateGroupOutput](t)(e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: n}))
	}
	two := 2
	p1 := must[*ListGroupsOutput](t)(e.svc.ListGroups(ctx, e.root, &ListGroupsInput{MaxItems: &two}))
	if groupNames(p1.Groups.Member) != "Admins,devs" || !p1.IsTruncated || p1.Marker == "" {
		t.Fatalf("page 1: %+v", p1)
	}
	p2 := must[*ListGroupsOutput](t)(e.svc.ListGroups(ctx, e.root, &ListGroupsInput{MaxItems: &two, Marker: p1.Marker}))
	if groupNames(p2.Groups.Member) != "qa,video" || p2.IsTruncated || p2.Marker != "" {
		t.Fatalf("page 2: %+v", p2)
	}
	ops := must[*ListGroupsOutput](t)(e.svc.ListGroups(ctx, e.root, &ListGroupsInput{PathPrefix: "/ops"}))
	if groupNames(ops.Groups.Member) != "Admins" {
		t.Fatalf("path prefix: %+v", ops)
	}
	_, err = e.svc.ListGroups(ctx, e.root, &ListGroupsInput{PathPrefix: "ops/"})
	wantCode(t, err, "ValidationError")

	// Rename and move; the id stays, the old name is gone.
	must[*Empty](t)(e.svc.UpdateGroup(ctx, e.root, &UpdateGroupInput{GroupName: "admins", NewGroupName: "operators", NewPath: "/"}))
	_, err = e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "Admins"})
	wantCode(t, err, "NoSuchEntity")
	moved := must[*GetGroupOutput](t)(e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "operators"}))
	if moved.Group.GroupID != out.Group.GroupID || moved.Group.Arn != "arn:aws:iam::123456789012:group/operators" {
		t.Fatalf("renamed: %+v", moved.Group)
	}
	_, err = e.svc.UpdateGroup(ctx, e.root, &UpdateGroupInput{GroupName: "operators", NewGroupName: "QA"})
	wantCode(t, err, "EntityAlreadyExists")
	// A change of case only keeps the record in place.
	must[*Empty](t)(e.svc.UpdateGroup(ctx, e.root, &UpdateGroupInput{GroupName: "operators", NewGroupName: "Operators"}))
	if g := must[*GetGroupOutput](t)(e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "operators"})); g.Group.GroupName != "Operators" {
		t.Fatalf("case rename: %+v", g.Group)
	}
	_, err = e.svc.UpdateGroup(ctx, e.root, &UpdateGroupInput{GroupName: "nobody", NewGroupName: "x"})
	wantCode(t, err, "NoSuchEntity")

	must[*Empty](t)(e.svc.DeleteGroup(ctx, e.root, &DeleteGroupInput{GroupName: "operators"}))
	_, err = e.svc.DeleteGroup(ctx, e.root, &DeleteGroupInput{GroupName: "operators"})
	wantCode(t, err, "NoSuchEntity")
	// The name is free again, and the id index is gone.
	must[*CreateGroupOutput](t)(e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: "Operators"}))
	err = e.st.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(ctx, testAccount, store.GroupIDKey(out.Group.GroupID))
		return err
	})
	if !isNotFound(err) {
		t.Fatalf("group id index after delete: %v", err)
	}
}

func TestGroupValidation(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	zero, big := 0, 1001
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"name with space", func() error {
			_, err := e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: "a b"})
			return err
		}, "ValidationError"},
		{"name too long", func() error {
			_, err := e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: strings.Repeat("g", 129)})
			return err
		}, "ValidationError"},
		{"bad path", func() error {
			_, err := e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: "g", Path: "ops"})
			return err
		}, "ValidationError"},
		{"bad new name", func() error {
			_, err := e.svc.UpdateGroup(ctx, e.root, &UpdateGroupInput{GroupName: "g", NewGroupName: "a/b"})
			return err
		}, "ValidationError"},
		{"bad new path", func() error {
			_, err := e.svc.UpdateGroup(ctx, e.root, &UpdateGroupInput{GroupName: "g", NewPath: "/x"})
			return err
		}, "ValidationError"},
		{"max items zero", func() error {
			_, err := e.svc.ListGroups(ctx, e.root, &ListGroupsInput{MaxItems: &zero})
			return err
		}, "ValidationError"},
		{"max items too big", func() error {
			_, err := e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "g", MaxItems: &big})
			return err
		}, "ValidationError"},
		{"bad marker", func() error {
			_, err := e.svc.ListGroups(ctx, e.root, &ListGroupsInput{Marker: "!!!"})
			return err
		}, "InvalidInput"},
		{"bad user name", func() error {
			_, err := e.svc.AddUserToGroup(ctx, e.root, &AddUserToGroupInput{GroupName: "g", UserName: "a b"})
			return err
		}, "ValidationError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.call(), tc.code)
		})
	}
	// The longest name is accepted.
	must[*CreateGroupOutput](t)(e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: strings.Repeat("g", 128)}))
}

func TestGroupMembership(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	ids := createUsersNamed(t, e, "dave", "Carol", "bob", "alice", "erin")
	g := must[*CreateGroupOutput](t)(e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: "video"})).Group
	for _, n := range []string{"dave", "carol", "bob", "alice"} {
		must[*Empty](t)(e.svc.AddUserToGroup(ctx, e.root, &AddUserToGroupInput{GroupName: "Video", UserName: n}))
	}
	// Adding a member again is a no-op.
	must[*Empty](t)(e.svc.AddUserToGroup(ctx, e.root, &AddUserToGroupInput{GroupName: "video", UserName: "alice"}))

	all := must[*GetGroupOutput](t)(e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "video"}))
	if userNames(all.Users.Member) != "alice,bob,Carol,dave" || all.IsTruncated {
		t.Fatalf("members: %+v", all)
	}
	if u := all.Users.Member[0]; u.UserID != ids["alice"] || u.Arn != "arn:aws:iam::123456789012:user/alice" || u.Tags != nil {
		t.Fatalf("member shape: %+v", u)
	}
	three := 3
	p1 := must[*GetGroupOutput](t)(e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "video", MaxItems: &three}))
	if userNames(p1.Users.Member) != "alice,bob,Carol" || !p1.IsTruncated || p1.Marker == "" {
		t.Fatalf("page 1: %+v", p1)
	}
	p2 := must[*GetGroupOutput](t)(e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "video", MaxItems: &three, Marker: p1.Marker}))
	if userNames(p2.Users.Member) != "dave" || p2.IsTruncated || p2.Group.GroupID != g.GroupID {
		t.Fatalf("page 2: %+v", p2)
	}

	_, err := e.svc.AddUserToGroup(ctx, e.root, &AddUserToGroupInput{GroupName: "video", UserName: "nobody"})
	wantCode(t, err, "NoSuchEntity")
	if !strings.Contains(err.Error(), "The user with name nobody cannot be found.") {
		t.Errorf("message: %v", err)
	}
	_, err = e.svc.AddUserToGroup(ctx, e.root, &AddUserToGroupInput{GroupName: "nogroup", UserName: "alice"})
	wantCode(t, err, "NoSuchEntity")
	if !strings.Contains(err.Error(), "The group with name nogroup cannot be found.") {
		t.Errorf("message: %v", err)
	}

	// Removing a user that is not a member is NoSuchEntity.
	_, err = e.svc.RemoveUserFromGroup(ctx, e.root, &RemoveUserFromGroupInput{GroupName: "video", UserName: "erin"})
	wantCode(t, err, "NoSuchEntity")
	if !strings.Contains(err.Error(), "The user with name erin cannot be found.") {
		t.Errorf("message: %v", err)
	}

	// A member cannot be deleted, nor a group with members.
	_, err = e.svc.DeleteUser(ctx, e.root, &DeleteUserInput{UserName: "dave"})
	wantCode(t, err, "DeleteConflict")
	_, err = e.svc.DeleteGroup(ctx, e.root, &DeleteGroupInput{GroupName: "video"})
	wantCode(t, err, "DeleteConflict")
	if !strings.Contains(err.Error(), "Cannot delete entity, must remove users from group first.") {
		t.Errorf("message: %v", err)
	}

	// Renaming a user or the group keeps the membership.
	must[*Empty](t)(e.svc.UpdateUser(ctx, e.root, &UpdateUserInput{UserName: "dave", NewUserName: "zed"}))
	must[*Empty](t)(e.svc.UpdateGroup(ctx, e.root, &UpdateGroupInput{GroupName: "video", NewGroupName: "media"}))
	forZed := must[*ListGroupsOutput](t)(e.svc.ListGroupsForUser(ctx, e.root, &ListGroupsForUserInput{UserName: "zed"}))
	if groupNames(forZed.Groups.Member) != "media" {
		t.Fatalf("groups for zed: %+v", forZed)
	}
	if m := must[*GetGroupOutput](t)(e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "media"})); userNames(m.Users.Member) != "alice,bob,Carol,zed" {
		t.Fatalf("members after renames: %+v", m.Users)
	}

	for _, n := range []string{"alice", "bob", "carol", "zed"} {
		must[*Empty](t)(e.svc.RemoveUserFromGroup(ctx, e.root, &RemoveUserFromGroupInput{GroupName: "media", UserName: n}))
	}
	if m := must[*GetGroupOutput](t)(e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "media"})); len(m.Users.Member) != 0 {
		t.Fatalf("members after removal: %+v", m.Users)
	}
	must[*Empty](t)(e.svc.DeleteUser(ctx, e.root, &DeleteUserInput{UserName: "zed"}))
	must[*Empty](t)(e.svc.DeleteGroup(ctx, e.root, &DeleteGroupInput{GroupName: "media"}))
	_, err = e.svc.ListGroupsForUser(ctx, e.root, &ListGroupsForUserInput{UserName: "zed"})
	wantCode(t, err, "NoSuchEntity")
}

func TestGroupsPerUserLimit(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	createUsersNamed(t, e, "alice")
	for i := range maxGroupsPerUser + 1 {
		must[*CreateGroupOutput](t)(e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: fmt.Sprintf("g%02d", i)}))
	}
	for i := range maxGroupsPerUser {
		must[*Empty](t)(e.svc.AddUserToGroup(ctx, e.root, &AddUserToGroupInput{GroupName: fmt.Sprintf("g%02d", i), UserName: "alice"}))
	}
	// Re-adding at the limit is still a no-op, not an error.
	must[*Empty](t)(e.svc.AddUserToGroup(ctx, e.root, &AddUserToGroupInput{GroupName: "g00", UserName: "alice"}))
	_, err := e.svc.AddUserToGroup(ctx, e.root, &AddUserToGroupInput{GroupName: "g10", UserName: "alice"})
	wantCode(t, err, "LimitExceeded")
	if !strings.Contains(err.Error(), "Cannot exceed quota for GroupsPerUser: 10") {
		t.Errorf("message: %v", err)
	}

	four := 4
	var got []string
	marker := ""
	for pages := 0; ; pages++ {
		out := must[*ListGroupsOutput](t)(e.svc.ListGroupsForUser(ctx, e.root, &ListGroupsForUserInput{UserName: "alice", MaxItems: &four, Marker: marker}))
		got = append(got, groupNames(out.Groups.Member))
		if !out.IsTruncated {
			if out.Marker != "" || pages != 2 {
				t.Fatalf("last page %d: %+v", pages, out)
			}
			break
		}
		marker = out.Marker
	}
	if strings.Join(got, "|") != "g00,g01,g02,g03|g04,g05,g06,g07|g08,g09" {
		t.Fatalf("pages: %v", got)
	}
}

func TestGroupDeleteConflicts(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	g := must[*CreateGroupOutput](t)(e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: "g"})).Group
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`
	putInlineRecord(t, e, store.KindGroup, g.GroupID, "p", doc)
	_, err := e.svc.DeleteGroup(ctx, e.root, &DeleteGroupInput{GroupName: "g"})
	wantCode(t, err, "DeleteConflict")
	if !strings.Contains(err.Error(), "must delete policies first") {
		t.Errorf("message: %v", err)
	}
	deleteRecord(t, e, store.InlineKey(store.KindGroup, g.GroupID, "p"))
	key := putAttachRecord(t, e, store.KindGroup, g.GroupID, "arn:aws:iam::aws:policy/IVSReadOnlyAccess")
	_, err = e.svc.DeleteGroup(ctx, e.root, &DeleteGroupInput{GroupName: "g"})
	wantCode(t, err, "DeleteConflict")
	if !strings.Contains(err.Error(), "must detach all policies first") {
		t.Errorf("message: %v", err)
	}
	deleteRecord(t, e, key)
	must[*Empty](t)(e.svc.DeleteGroup(ctx, e.root, &DeleteGroupInput{GroupName: "g"}))
}

func TestGroupAuthorization(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	ids := createUsersNamed(t, e, "alice", "bob")
	must[*CreateGroupOutput](t)(e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: "ops-team", Path: "/ops/"}))
	must[*CreateGroupOutput](t)(e.svc.CreateGroup(ctx, e.root, &CreateGroupInput{GroupName: "finance"}))
	alice := e.userCaller(t, "alice")

	// Without policies, everything is denied with AWS's message, and a
	// missing group is not revealed.
	_, err := e.svc.CreateGroup(ctx, alice, &CreateGroupInput{GroupName: "new"})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(err.Error(), "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:CreateGroup on resource: arn:aws:iam::123456789012:group/new because no identity-based policy allows the iam:CreateGroup action") {
		t.Errorf("message: %v", err)
	}
	_, err = e.svc.GetGroup(ctx, alice, &GetGroupInput{GroupName: "ghost"})
	wantCode(t, err, "AccessDenied")
	_, err = e.svc.ListGroups(ctx, alice, &ListGroupsInput{})
	wantCode(t, err, "AccessDenied")

	putInlineRecord(t, e, store.KindUser, ids["alice"], "p", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:AddUserToGroup","iam:RemoveUserFromGroup","iam:GetGroup","iam:UpdateGroup"],"Resource":"arn:aws:iam::123456789012:group/ops/*"},
		{"Effect":"Allow","Action":"iam:ListGroupsForUser","Resource":"arn:aws:iam::123456789012:user/bob"}]}`)

	tests := []struct {
		name string
		call func(c *authz.Caller) error
		want string // "" for success, else the error code
	}{
		{"add to ops group", func(c *authz.Caller) error {
			_, err := e.svc.AddUserToGroup(ctx, c, &AddUserToGroupInput{GroupName: "ops-team", UserName: "bob"})
			return err
		}, ""},
		{"add to other group", func(c *authz.Caller) error {
			_, err := e.svc.AddUserToGroup(ctx, c, &AddUserToGroupInput{GroupName: "finance", UserName: "bob"})
			return err
		}, "AccessDenied"},
		{"add missing user to ops group", func(c *authz.Caller) error {
			_, err := e.svc.AddUserToGroup(ctx, c, &AddUserToGroupInput{GroupName: "ops-team", UserName: "nobody"})
			return err
		}, "NoSuchEntity"},
		{"get ops group", func(c *authz.Caller) error {
			_, err := e.svc.GetGroup(ctx, c, &GetGroupInput{GroupName: "ops-team"})
			return err
		}, ""},
		{"get other group", func(c *authz.Caller) error {
			_, err := e.svc.GetGroup(ctx, c, &GetGroupInput{GroupName: "finance"})
			return err
		}, "AccessDenied"},
		{"rename out of ops path", func(c *authz.Caller) error {
			_, err := e.svc.UpdateGroup(ctx, c, &UpdateGroupInput{GroupName: "ops-team", NewPath: "/"})
			return err
		}, "AccessDenied"},
		{"groups of bob", func(c *authz.Caller) error {
			_, err := e.svc.ListGroupsForUser(ctx, c, &ListGroupsForUserInput{UserName: "bob"})
			return err
		}, ""},
		{"groups of alice", func(c *authz.Caller) error {
			_, err := e.svc.ListGroupsForUser(ctx, c, &ListGroupsForUserInput{UserName: "alice"})
			return err
		}, "AccessDenied"},
		{"remove from ops group", func(c *authz.Caller) error {
			_, err := e.svc.RemoveUserFromGroup(ctx, c, &RemoveUserFromGroupInput{GroupName: "ops-team", UserName: "bob"})
			return err
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(alice)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.want)
		})
	}

	// A group's inline policy applies to its members.
	fin := must[*GetGroupOutput](t)(e.svc.GetGroup(ctx, e.root, &GetGroupInput{GroupName: "finance"})).Group
	putInlineRecord(t, e, store.KindGroup, fin.GroupID, "list", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListGroups","Resource":"*"}]}`)
	bob := e.userCaller(t, "bob")
	_, err = e.svc.ListGroups(ctx, bob, &ListGroupsInput{})
	wantCode(t, err, "AccessDenied")
	must[*Empty](t)(e.svc.AddUserToGroup(ctx, e.root, &AddUserToGroupInput{GroupName: "finance", UserName: "bob"}))
	if out := must[*ListGroupsOutput](t)(e.svc.ListGroups(ctx, bob, &ListGroupsInput{})); groupNames(out.Groups.Member) != "finance,ops-team" {
		t.Fatalf("list as bob: %+v", out)
	}
	must[*Empty](t)(e.svc.RemoveUserFromGroup(ctx, e.root, &RemoveUserFromGroupInput{GroupName: "finance", UserName: "bob"}))
	_, err = e.svc.ListGroups(ctx, bob, &ListGroupsInput{})
	wantCode(t, err, "AccessDenied")
}
