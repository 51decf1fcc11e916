package iam

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/store"
)

const testTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

func roleNames(rs []Role) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.RoleName
	}
	return strings.Join(names, ",")
}

func intPtr(v int) *int { return &v }

func TestRoleLifecycle(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	out := must[*CreateRoleOutput](t)(e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: "Deployer", Path: "/ops/",
		AssumeRolePolicyDocument: testTrust, Description: "deploys", Tags: []Tag{{"team", "blue"}}}))
	r := out.Role
	if r.Arn != "arn:aws:iam::123456789012:role/ops/Deployer" || !strings.HasPrefix(r.RoleID, "AROA") || len(r.RoleID) != 21 ||
		r.MaxSessionDuration != 3600 || r.Description != "deploys" || string(r.AssumeRolePolicyDocument) != testTrust ||
		r.Tags == nil || len(r.Tags.Member) != 1 || r.PermissionsBoundary != nil {
		t.Fatalf("created %+v", r)
	}
	_, err := e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: "DEPLOYER", AssumeRolePolicyDocument: testTrust})
	wantCode(t, err, "EntityAlreadyExists")
	if !strings.Contains(err.Error(), "Role with name DEPLOYER already exists.") {
		t.Errorf("message: %v", err)
	}

	got := must[*GetRoleOutput](t)(e.svc.GetRole(ctx, e.root, &GetRoleInput{RoleName: "deployer"}))
	if got.Role.RoleID != r.RoleID || got.Role.Tags == nil || got.Role.Tags.Member[0] != (Tag{"team", "blue"}) {
		t.Fatalf("get: %+v", got.Role)
	}
	// The trust policy is percent-encoded on the wire.
	b, err := xml.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22") {
		t.Fatalf("xml: %s", b)
	}
	_, err = e.svc.GetRole(ctx, e.root, &GetRoleInput{RoleName: "nobody"})
	wantCode(t, err, "NoSuchEntity")
	if !strings.Contains(err.Error(), "The role with name nobody cannot be found.") {
		t.Errorf("message: %v", err)
	}

	for _, n := range []string{"alpha", "beta", "gamma"} {
		must[*CreateRoleOutput](t)(e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: n, AssumeRolePolicyDocument: testTrust}))
	}
	two := 2
	p1 := must[*ListRolesOutput](t)(e.svc.ListRoles(ctx, e.root, &ListRolesInput{MaxItems: &two}))
	if roleNames(p1.Roles.Member) != "alpha,beta" || !p1.IsTruncated || p1.Marker == "" {
		t.Fatalf("page 1: %+v", p1)
	}
	p2 := must[*ListRolesOutput](t)(e.svc.ListRoles(ctx, e.root, &ListRolesInput{MaxItems: &two, Marker: p1.Marker}))
	if roleNames(p2.Roles.Member) != "Deployer,gamma" || p2.IsTruncated {
		t.Fatalf("page 2: %+v", p2)
	}
	if d := p2.Roles.Member[0]; d.Tags != nil || d.AssumeRolePolicyDocument == "" || d.MaxSessionDuration != 3600 {
		t.Fatalf("list item: %+v", d)
	}
	ops := must[*ListRolesOutput](t)(e.svc.ListRoles(ctx, e.root, &ListRolesInput{PathPrefix: "/ops/"}))
	if roleNames(ops.Roles.Member) != "Deployer" {
		t.Fatalf("path prefix: %+v", ops)
	}

	desc := "ships releases"
	must[*UpdateRoleOutput](t)(e.svc.UpdateRole(ctx, e.root, &UpdateRoleInput{RoleName: "deployer", Description: &desc, MaxSessionDuration: intPtr(7200)}))
	// Absent members stay as they are.
	must[*UpdateRoleOutput](t)(e.svc.UpdateRole(ctx, e.root, &UpdateRoleInput{RoleName: "deployer"}))
	got = must[*GetRoleOutput](t)(e.svc.GetRole(ctx, e.root, &GetRoleInput{RoleName: "deployer"}))
	if got.Role.Description != desc || got.Role.MaxSessionDuration != 7200 {
		t.Fatalf("updated: %+v", got.Role)
	}
	trust2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	must[*Empty](t)(e.svc.UpdateAssumeRolePolicy(ctx, e.root, &UpdateAssumeRolePolicyInput{RoleName: "deployer", PolicyDocument: trust2}))
	got = must[*GetRoleOutput](t)(e.svc.GetRole(ctx, e.root, &GetRoleInput{RoleName: "deployer"}))
	if string(got.Role.AssumeRolePolicyDocument) != trust2 {
		t.Fatalf("trust policy: %s", got.Role.AssumeRolePolicyDocument)
	}
	_, err = e.svc.UpdateAssumeRolePolicy(ctx, e.root, &UpdateAssumeRolePolicyInput{RoleName: "nobody", PolicyDocument: trust2})
	wantCode(t, err, "NoSuchEntity")

	// RoleLastUsed: empty until the role's sessions are used (the server
	// records that use), then when and where.
	if last := got.Role.RoleLastUsed; last == nil || last.LastUsedDate != nil || last.Region != "" {
		t.Fatalf("RoleLastUsed of an unused role: %+v", last)
	}
	usedAt := time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
	if err := e.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(ctx, tx, store.UsagePartition, store.RoleUseKey(testAccount, r.RoleID), &store.RoleUse{At: usedAt, Region: "us-west-2"})
	}); err != nil {
		t.Fatal(err)
	}
	got = must[*GetRoleOutput](t)(e.svc.GetRole(ctx, e.root, &GetRoleInput{RoleName: "deployer"}))
	if last := got.Role.RoleLastUsed; last == nil || last.LastUsedDate == nil || !last.LastUsedDate.Equal(usedAt) || last.Region != "us-west-2" {
		t.Fatalf("RoleLastUsed: %+v", last)
	}
	if l := must[*ListRolesOutput](t)(e.svc.ListRoles(ctx, e.root, &ListRolesInput{PathPrefix: "/ops/"})); l.Roles.Member[0].RoleLastUsed != nil {
		t.Fatalf("ListRoles returns RoleLastUsed: %+v", l.Roles.Member[0])
	}

	must[*Empty](t)(e.svc.DeleteRole(ctx, e.root, &DeleteRoleInput{RoleName: "Deployer"}))
	_, err = e.svc.DeleteRole(ctx, e.root, &DeleteRoleInput{RoleName: "Deployer"})
	wantCode(t, err, "NoSuchEntity")
	err = e.st.View(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(ctx, store.UsagePartition, store.RoleUseKey(testAccount, r.RoleID)); !isNotFound(err) {
			return fmt.Errorf("the role's usage outlived it: %v", err)
		}
		_, err := tx.Get(ctx, testAccount, store.RoleIDKey(r.RoleID))
		return err
	})
	if !isNotFound(err) {
		t.Fatalf("role id index after delete: %v", err)
	}
}

func TestRoleValidation(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateRoleOutput](t)(e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: testTrust}))
	tests := []struct {
		name string
		in   CreateRoleInput
		code string
	}{
		{"name with slash", CreateRoleInput{RoleName: "a/b", AssumeRolePolicyDocument: testTrust}, "ValidationError"},
		{"name too long", CreateRoleInput{RoleName: strings.Repeat("r", 65), AssumeRolePolicyDocument: testTrust}, "ValidationError"},
		{"bad path", CreateRoleInput{RoleName: "x", Path: "/ops", AssumeRolePolicyDocument: testTrust}, "ValidationError"},
		{"description too long", CreateRoleInput{RoleName: "x", Description: strings.Repeat("d", 1001), AssumeRolePolicyDocument: testTrust}, "ValidationError"},
		{"description bad character", CreateRoleInput{RoleName: "x", Description: "snow ☃", AssumeRolePolicyDocument: testTrust}, "ValidationError"},
		{"reserved tag", CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: testTrust, Tags: []Tag{{"aws:team", "x"}}}, "InvalidInput"},
		{"duplicate tag keys", CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: testTrust, Tags: []Tag{{"a", "1"}, {"A", "2"}}}, "InvalidInput"},
		{"boundary not an arn", CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: testTrust, PermissionsBoundary: "policy/IVSReadOnlyAccess"}, "InvalidInput"},
		{"boundary missing", CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: testTrust, PermissionsBoundary: "arn:aws:iam::123456789012:policy/nope"}, "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateRole(ctx, e.root, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
	latin1 := "café"
	must[*UpdateRoleOutput](t)(e.svc.UpdateRole(ctx, e.root, &UpdateRoleInput{RoleName: "r", Description: &latin1}))
	// Nothing was created by the failed calls.
	if out := must[*ListRolesOutput](t)(e.svc.ListRoles(ctx, e.root, &ListRolesInput{})); roleNames(out.Roles.Member) != "r" {
		t.Fatalf("roles: %+v", out)
	}
}

func TestRoleTrustPolicyValidation(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateRoleOutput](t)(e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: testTrust}))
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` + strings.Repeat("x", 2000) + `"}}}]}`
	tests := []struct {
		name, doc, code, msg string
	}{
		{"empty", "", "ValidationError", "Member must have length greater than or equal to 1"},
		{"invalid json", `{"Version":"2012-10-17","Statement":[`, "MalformedPolicyDocument", "line 1"},
		{"missing principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, "MalformedPolicyDocument", "must specify a Principal"},
		{"not principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`, "MalformedPolicyDocument", "must not use NotPrincipal"},
		{"resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Resource":"*"}]}`, "MalformedPolicyDocument", "must not specify a Resource"},
		{"non-sts action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"iam:GetRole"}]}`, "MalformedPolicyDocument", "may only specify STS actions"},
		{"too large", big, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: "new", AssumeRolePolicyDocument: tc.doc})
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("create: message %q lacks %q", err, tc.msg)
			}
			_, err = e.svc.UpdateAssumeRolePolicy(ctx, e.root, &UpdateAssumeRolePolicyInput{RoleName: "r", PolicyDocument: tc.doc})
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("update: message %q lacks %q", err, tc.msg)
			}
		})
	}
	// The role keeps its trust policy.
	if got := must[*GetRoleOutput](t)(e.svc.GetRole(ctx, e.root, &GetRoleInput{RoleName: "r"})); string(got.Role.AssumeRolePolicyDocument) != testTrust {
		t.Fatalf("trust policy changed: %s", got.Role.AssumeRolePolicyDocument)
	}
}

func TestRoleMaxSessionDuration(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateRoleOutput](t)(e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: testTrust}))
	tests := []struct {
		name string
		v    *int
		want int // 0: ValidationError
	}{
		{"default", nil, 3600},
		{"minimum", intPtr(3600), 3600},
		{"maximum", intPtr(43200), 43200},
		{"below minimum", intPtr(3599), 0},
		{"above maximum", intPtr(43201), 0},
		{"zero", intPtr(0), 0},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: fmt.Sprintf("r%d", i), AssumeRolePolicyDocument: testTrust, MaxSessionDuration: tc.v})
			if tc.want == 0 {
				wantCode(t, err, "ValidationError")
				if !strings.Contains(err.Error(), "at 'maxSessionDuration' failed to satisfy constraint") {
					t.Errorf("message: %v", err)
				}
			} else if err != nil || out.Role.MaxSessionDuration != tc.want {
				t.Fatalf("create: %v, %+v", err, out)
			}
			if tc.v == nil {
				return
			}
			_, err = e.svc.UpdateRole(ctx, e.root, &UpdateRoleInput{RoleName: "r", MaxSessionDuration: tc.v})
			if tc.want == 0 {
				wantCode(t, err, "ValidationError")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := must[*GetRoleOutput](t)(e.svc.GetRole(ctx, e.root, &GetRoleInput{RoleName: "r"})); got.Role.MaxSessionDuration != tc.want {
				t.Fatalf("updated: %+v", got.Role)
			}
		})
	}
}

func TestRoleTags(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateRoleOutput](t)(e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: testTrust, Tags: []Tag{{"team", "blue"}}}))
	must[*Empty](t)(e.svc.TagRole(ctx, e.root, &TagRoleInput{RoleName: "r", Tags: []Tag{{"Team", "red"}, {"env", "prod"}, {"cost", "42"}}}))
	tags := must[*ListRoleTagsOutput](t)(e.svc.ListRoleTags(ctx, e.root, &ListRoleTagsInput{RoleName: "r"}))
	if fmt.Sprint(tags.Tags.Member) != "[{Team red} {env prod} {cost 42}]" || tags.IsTruncated {
		t.Fatalf("tags: %+v", tags)
	}
	two := 2
	p1 := must[*ListRoleTagsOutput](t)(e.svc.ListRoleTags(ctx, e.root, &ListRoleTagsInput{RoleName: "r", MaxItems: &two}))
	p2 := must[*ListRoleTagsOutput](t)(e.svc.ListRoleTags(ctx, e.root, &ListRoleTagsInput{RoleName: "r", MaxItems: &two, Marker: p1.Marker}))
	if len(p1.Tags.Member) != 2 || !p1.IsTruncated || fmt.Sprint(p2.Tags.Member) != "[{cost 42}]" || p2.IsTruncated {
		t.Fatalf("tag pages: %+v %+v", p1, p2)
	}
	must[*Empty](t)(e.svc.UntagRole(ctx, e.root, &UntagRoleInput{RoleName: "r", TagKeys: []string{"TEAM", "absent"}}))
	tags = must[*ListRoleTagsOutput](t)(e.svc.ListRoleTags(ctx, e.root, &ListRoleTagsInput{RoleName: "r"}))
	if fmt.Sprint(tags.Tags.Member) != "[{env prod} {cost 42}]" {
		t.Fatalf("after untag: %+v", tags)
	}

	_, err := e.svc.TagRole(ctx, e.root, &TagRoleInput{RoleName: "r", Tags: []Tag{{"aws:x", "y"}}})
	wantCode(t, err, "InvalidInput")
	_, err = e.svc.TagRole(ctx, e.root, &TagRoleInput{RoleName: "nobody", Tags: []Tag{{"x", "y"}}})
	wantCode(t, err, "NoSuchEntity")
	_, err = e.svc.ListRoleTags(ctx, e.root, &ListRoleTagsInput{RoleName: "nobody"})
	wantCode(t, err, "NoSuchEntity")
	_, err = e.svc.ListRoleTags(ctx, e.root, &ListRoleTagsInput{RoleName: "nobody", MaxItems: intPtr(0)})
	wantCode(t, err, "ValidationError")

	var many []Tag
	for i := range 48 {
		many = append(many, Tag{fmt.Sprintf("k%02d", i), "v"})
	}
	must[*Empty](t)(e.svc.TagRole(ctx, e.root, &TagRoleInput{RoleName: "r", Tags: many}))
	_, err = e.svc.TagRole(ctx, e.root, &TagRoleInput{RoleName: "r", Tags: []Tag{{"one", "too"}, {"many", "tags"}}})
	wantCode(t, err, "LimitExceeded")
	_, err = e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: "r2", AssumeRolePolicyDocument: testTrust, Tags: append(many, Tag{"a", ""}, Tag{"b", ""}, Tag{"c", ""})})
	wantCode(t, err, "LimitExceeded")
}

func TestRoleDeleteConflicts(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	const boundary = "arn:aws:iam::aws:policy/IVSReadOnlyAccess"
	r := must[*CreateRoleOutput](t)(e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: testTrust, PermissionsBoundary: boundary})).Role
	if r.PermissionsBoundary == nil || r.PermissionsBoundary.PermissionsBoundaryArn != boundary {
		t.Fatalf("boundary: %+v", r.PermissionsBoundary)
	}
	if l := must[*ListRolesOutput](t)(e.svc.ListRoles(ctx, e.root, &ListRolesInput{})); l.Roles.Member[0].PermissionsBoundary != nil {
		t.Fatalf("list item has a boundary: %+v", l.Roles.Member[0])
	}
	useKey := store.BoundaryUseKey(boundary, store.KindRole, r.RoleID)
	hasUse := func() bool {
		err := e.st.View(ctx, func(tx store.Tx) error {
			_, err := tx.Get(ctx, testAccount, useKey)
			return err
		})
		if err != nil && !isNotFound(err) {
			t.Fatal(err)
		}
		return err == nil
	}
	if !hasUse() {
		t.Fatal("boundary use not recorded")
	}

	putInlineRecord(t, e, store.KindRole, r.RoleID, "p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:*","Resource":"*"}]}`)
	_, err := e.svc.DeleteRole(ctx, e.root, &DeleteRoleInput{RoleName: "r"})
	wantCode(t, err, "DeleteConflict")
	if !strings.Contains(err.Error(), "Cannot delete entity, must delete policies first.") {
		t.Errorf("message: %v", err)
	}
	deleteRecord(t, e, store.InlineKey(store.KindRole, r.RoleID, "p"))
	key := putAttachRecord(t, e, store.KindRole, r.RoleID, boundary)
	_, err = e.svc.DeleteRole(ctx, e.root, &DeleteRoleInput{RoleName: "r"})
	wantCode(t, err, "DeleteConflict")
	if !strings.Contains(err.Error(), "Cannot delete entity, must detach all policies first.") {
		t.Errorf("message: %v", err)
	}
	deleteRecord(t, e, key)
	must[*Empty](t)(e.svc.DeleteRole(ctx, e.root, &DeleteRoleInput{RoleName: "r"}))
	if hasUse() {
		t.Fatal("boundary use left after DeleteRole")
	}
}

func TestRoleAuthorization(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	ids := createUsersNamed(t, e, "alice")
	for _, r := range []struct{ name, path, team string }{{"deploy", "/ops/", "blue"}, {"billing", "/", "red"}} {
		must[*CreateRoleOutput](t)(e.svc.CreateRole(ctx, e.root, &CreateRoleInput{RoleName: r.name, Path: r.path, AssumeRolePolicyDocument: testTrust, Tags: []Tag{{"team", r.team}}}))
	}
	alice := e.userCaller(t, "alice")

	_, err := e.svc.GetRole(ctx, alice, &GetRoleInput{RoleName: "deploy"})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(err.Error(), "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:GetRole on resource: arn:aws:iam::123456789012:role/ops/deploy because no identity-based policy allows the iam:GetRole action") {
		t.Errorf("message: %v", err)
	}

	putInlineRecord(t, e, store.KindUser, ids["alice"], "p", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:GetRole","iam:CreateRole","iam:DeleteRole"],"Resource":"arn:aws:iam::123456789012:role/ops/*"},
		{"Effect":"Allow","Action":"iam:TagRole","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}},
		{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"},
		{"Effect":"Deny","Action":"iam:CreateRole","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"red"}}}]}`)

	tests := []struct {
		name string
		call func(c *authz.Caller) error
		want string // "" for success, else the error code
		msg  string
	}{
		{"get ops role", func(c *authz.Caller) error {
			_, err := e.svc.GetRole(ctx, c, &GetRoleInput{RoleName: "deploy"})
			return err
		}, "", ""},
		{"get other role", func(c *authz.Caller) error {
			_, err := e.svc.GetRole(ctx, c, &GetRoleInput{RoleName: "billing"})
			return err
		}, "AccessDenied", "iam:GetRole on resource: arn:aws:iam::123456789012:role/billing because"},
		{"get missing role is not revealed", func(c *authz.Caller) error {
			_, err := e.svc.GetRole(ctx, c, &GetRoleInput{RoleName: "ghost"})
			return err
		}, "AccessDenied", "role/ghost"},
		{"update not granted", func(c *authz.Caller) error {
			_, err := e.svc.UpdateRole(ctx, c, &UpdateRoleInput{RoleName: "deploy", MaxSessionDuration: intPtr(7200)})
			return err
		}, "AccessDenied", "iam:UpdateRole"},
		{"create in ops", func(c *authz.Caller) error {
			_, err := e.svc.CreateRole(ctx, c, &CreateRoleInput{RoleName: "new", Path: "/ops/", AssumeRolePolicyDocument: testTrust, Tags: []Tag{{"team", "blue"}}})
			return err
		}, "", ""},
		{"create outside ops", func(c *authz.Caller) error {
			_, err := e.svc.CreateRole(ctx, c, &CreateRoleInput{RoleName: "new2", AssumeRolePolicyDocument: testTrust})
			return err
		}, "AccessDenied", "role/new2"},
		{"create with denied request tag", func(c *authz.Caller) error {
			_, err := e.svc.CreateRole(ctx, c, &CreateRoleInput{RoleName: "new3", Path: "/ops/", AssumeRolePolicyDocument: testTrust, Tags: []Tag{{"team", "red"}}})
			return err
		}, "AccessDenied", "iam:CreateRole on resource: arn:aws:iam::123456789012:role/ops/new3 with an explicit deny in a"},
		{"create with boundary needs PutRolePermissionsBoundary", func(c *authz.Caller) error {
			_, err := e.svc.CreateRole(ctx, c, &CreateRoleInput{RoleName: "new4", Path: "/ops/", AssumeRolePolicyDocument: testTrust, PermissionsBoundary: "arn:aws:iam::aws:policy/IVSReadOnlyAccess"})
			return err
		}, "AccessDenied", "iam:PutRolePermissionsBoundary"},
		{"tag blue role", func(c *authz.Caller) error {
			_, err := e.svc.TagRole(ctx, c, &TagRoleInput{RoleName: "deploy", Tags: []Tag{{"env", "prod"}}})
			return err
		}, "", ""},
		{"tag red role", func(c *authz.Caller) error {
			_, err := e.svc.TagRole(ctx, c, &TagRoleInput{RoleName: "billing", Tags: []Tag{{"env", "prod"}}})
			return err
		}, "AccessDenied", "iam:TagRole"},
		{"list roles", func(c *authz.Caller) error {
			out, err := e.svc.ListRoles(ctx, c, &ListRolesInput{})
			if err == nil && roleNames(out.Roles.Member) != "billing,deploy,new" {
				return fmt.Errorf("listed %s", roleNames(out.Roles.Member))
			}
			return err
		}, "", ""},
		{"delete ops role", func(c *authz.Caller) error {
			_, err := e.svc.DeleteRole(ctx, c, &DeleteRoleInput{RoleName: "new"})
			return err
		}, "", ""},
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
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q lacks %q", err, tc.msg)
			}
		})
	}
}
