package iam

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/store"
)

// mpSeedGroup writes a group record directly, independent of CreateGroup.
func mpSeedGroup(t *testing.T, e *testEnv, name, path string) *store.Group {
	t.Helper()
	g := &store.Group{ID: newID("AGPA"), Name: name, Path: path, ARN: entityARN(testAccount, "group", path, name), CreatedAt: e.svc.timestamp()}
	mpSeed(t, e, store.GroupKey(name), g, store.GroupIDKey(g.ID), name)
	return g
}

// mpSeedRole writes a role record directly, independent of CreateRole.
func mpSeedRole(t *testing.T, e *testEnv, name, path string) *store.Role {
	t.Helper()
	r := &store.Role{ID: newID("AROA"), Name: name, Path: path, ARN: entityARN(testAccount, "role", path, name), CreatedAt: e.svc.timestamp(),
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`, MaxSessionDuration: 3600}
	mpSeed(t, e, store.RoleKey(name), r, store.RoleIDKey(r.ID), name)
	return r
}

func mpSeed(t *testing.T, e *testEnv, key string, v any, idKey, name string) {
	t.Helper()
	ctx := context.Background()
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if err := store.PutJSON(ctx, tx, testAccount, key, v); err != nil {
			return err
		}
		return tx.Put(ctx, testAccount, idKey, []byte(strings.ToLower(name)))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// mpAddMember puts a user in a group, writing both membership records.
func mpAddMember(t *testing.T, e *testEnv, groupID, userID string) {
	t.Helper()
	ctx := context.Background()
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put(ctx, testAccount, store.MemberKey(groupID, userID), []byte("{}")); err != nil {
			return err
		}
		return tx.Put(ctx, testAccount, store.GroupsOfKey(userID, groupID), []byte("{}"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// attachKind runs the attachment operations of one kind of entity.
type attachKind struct {
	kind   string
	quota  string
	seed   func(t *testing.T, e *testEnv, name string)
	attach func(e *testEnv, name, arn string) error
	detach func(e *testEnv, name, arn string) error
	list   func(e *testEnv, name, prefix, marker string, max *int) (*ListAttachedPoliciesOutput, error)
}

var attachKinds = []attachKind{
	{
		kind: "user", quota: "PoliciesPerUser",
		seed: func(t *testing.T, e *testEnv, name string) {
			must[*CreateUserOutput](t)(e.svc.CreateUser(context.Background(), e.root, &CreateUserInput{UserName: name}))
		},
		attach: func(e *testEnv, name, arn string) error {
			_, err := e.svc.AttachUserPolicy(context.Background(), e.root, &AttachUserPolicyInput{UserName: name, PolicyArn: arn})
			return err
		},
		detach: func(e *testEnv, name, arn string) error {
			_, err := e.svc.DetachUserPolicy(context.Background(), e.root, &DetachUserPolicyInput{UserName: name, PolicyArn: arn})
			return err
		},
		list: func(e *testEnv, name, prefix, marker string, max *int) (*ListAttachedPoliciesOutput, error) {
			return e.svc.ListAttachedUserPolicies(context.Background(), e.root, &ListAttachedUserPoliciesInput{UserName: name, PathPrefix: prefix, Marker: marker, MaxItems: max})
		},
	},
	{
		kind: "group", quota: "PoliciesPerGroup",
		seed: func(t *testing.T, e *testEnv, name string) { mpSeedGroup(t, e, name, "/") },
		attach: func(e *testEnv, name, arn string) error {
			_, err := e.svc.AttachGroupPolicy(context.Background(), e.root, &AttachGroupPolicyInput{GroupName: name, PolicyArn: arn})
			return err
		},
		detach: func(e *testEnv, name, arn string) error {
			_, err := e.svc.DetachGroupPolicy(context.Background(), e.root, &DetachGroupPolicyInput{GroupName: name, PolicyArn: arn})
			return err
		},
		list: func(e *testEnv, name, prefix, marker string, max *int) (*ListAttachedPoliciesOutput, error) {
			return e.svc.ListAttachedGroupPolicies(context.Background(), e.root, &ListAttachedGroupPoliciesInput{GroupName: name, PathPrefix: prefix, Marker: marker, MaxItems: max})
		},
	},
	{
		kind: "role", quota: "PoliciesPerRole",
		seed: func(t *testing.T, e *testEnv, name string) { mpSeedRole(t, e, name, "/") },
		attach: func(e *testEnv, name, arn string) error {
			_, err := e.svc.AttachRolePolicy(context.Background(), e.root, &AttachRolePolicyInput{RoleName: name, PolicyArn: arn})
			return err
		},
		detach: func(e *testEnv, name, arn string) error {
			_, err := e.svc.DetachRolePolicy(context.Background(), e.root, &DetachRolePolicyInput{RoleName: name, PolicyArn: arn})
			return err
		},
		list: func(e *testEnv, name, prefix, marker string, max *int) (*ListAttachedPoliciesOutput, error) {
			return e.svc.ListAttachedRolePolicies(context.Background(), e.root, &ListAttachedRolePoliciesInput{RoleName: name, PathPrefix: prefix, Marker: marker, MaxItems: max})
		},
	},
}

func attachedNames(out *ListAttachedPoliciesOutput) string {
	names := make([]string, len(out.AttachedPolicies.Member))
	for i, p := range out.AttachedPolicies.Member {
		names[i] = p.PolicyName
	}
	return strings.Join(names, ",")
}

func TestAttachDetach(t *testing.T) {
	for _, k := range attachKinds {
		t.Run(k.kind, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			ctx := context.Background()
			k.seed(t, e, "ent")
			local := mpCreate(t, e, "Local", "/team/", mpAllow("iam:ListUsers"))

			if err := k.attach(e, "ent", local); err != nil {
				t.Fatal(err)
			}
			if err := k.attach(e, "ent", mpIVSReadOnly); err != nil {
				t.Fatal(err)
			}
			// Attaching again changes nothing.
			if err := k.attach(e, "ent", local); err != nil {
				t.Fatal(err)
			}
			out := must[*ListAttachedPoliciesOutput](t)(k.list(e, "ent", "", "", nil))
			if attachedNames(out) != "Local,IVSReadOnlyAccess" || out.IsTruncated {
				t.Fatalf("attached: %+v", out)
			}
			if out.AttachedPolicies.Member[0].PolicyArn != local {
				t.Fatalf("arn: %+v", out.AttachedPolicies.Member[0])
			}
			team := must[*ListAttachedPoliciesOutput](t)(k.list(e, "ent", "/team/", "", nil))
			if attachedNames(team) != "Local" {
				t.Fatalf("path prefix: %s", attachedNames(team))
			}
			for _, arn := range []string{local, mpIVSReadOnly} {
				p := must[*GetPolicyOutput](t)(e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: arn}))
				if p.Policy.AttachmentCount != 1 {
					t.Fatalf("%s attachment count %d", arn, p.Policy.AttachmentCount)
				}
			}

			missing := "arn:aws:iam::123456789012:policy/Missing"
			err := k.attach(e, "ent", missing)
			wantCode(t, err, "NoSuchEntity")
			if !strings.Contains(err.Error(), "Policy "+missing+" does not exist or is not attachable.") {
				t.Errorf("message: %v", err)
			}
			wantCode(t, k.attach(e, "ent", "arn:aws:iam::123456789012:role/x"), "InvalidInput")
			wantCode(t, k.attach(e, "nobody", local), "NoSuchEntity")
			wantCode(t, k.attach(e, "bad name", local), "ValidationError")

			if err := k.detach(e, "ent", local); err != nil {
				t.Fatal(err)
			}
			err = k.detach(e, "ent", local)
			wantCode(t, err, "NoSuchEntity")
			if !strings.Contains(err.Error(), "Policy "+local+" was not found.") {
				t.Errorf("message: %v", err)
			}
			p := must[*GetPolicyOutput](t)(e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: local}))
			if p.Policy.AttachmentCount != 0 {
				t.Fatalf("after detach: %+v", p.Policy)
			}
			out = must[*ListAttachedPoliciesOutput](t)(k.list(e, "ent", "", "", nil))
			if attachedNames(out) != "IVSReadOnlyAccess" {
				t.Fatalf("after detach: %s", attachedNames(out))
			}
		})
	}
}

func TestAttachLimit(t *testing.T) {
	for _, k := range attachKinds {
		t.Run(k.kind, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			k.seed(t, e, "ent")
			var arns []string
			for i := range 11 {
				arns = append(arns, mpCreate(t, e, fmt.Sprintf("p%02d", i), "", mpAllow("iam:ListUsers")))
			}
			for _, arn := range arns[:10] {
				if err := k.attach(e, "ent", arn); err != nil {
					t.Fatal(err)
				}
			}
			// The eleventh is over the quota; one already attached is not.
			err := k.attach(e, "ent", arns[10])
			wantCode(t, err, "LimitExceeded")
			if !strings.Contains(err.Error(), "Cannot exceed quota for "+k.quota+": 10") {
				t.Errorf("message: %v", err)
			}
			if err := k.attach(e, "ent", arns[3]); err != nil {
				t.Fatal(err)
			}

			// Pages of four cover the ten attachments.
			var names []string
			marker := ""
			for {
				four := 4
				out := must[*ListAttachedPoliciesOutput](t)(k.list(e, "ent", "", marker, &four))
				names = append(names, attachedNames(out))
				if !out.IsTruncated {
					break
				}
				marker = out.Marker
			}
			if got := strings.Join(names, "|"); got != "p00,p01,p02,p03|p04,p05,p06,p07|p08,p09" {
				t.Fatalf("pages: %s", got)
			}
		})
	}
}

func TestServiceLinkedRoleAttach(t *testing.T) {
	e := newTestEnv(t)
	mpSeedRole(t, e, "AWSServiceRoleForIVS", "/aws-service-role/ivs.amazonaws.com/")
	wantCode(t, attachKinds[2].attach(e, "AWSServiceRoleForIVS", mpIVSFull), "UnmodifiableEntity")
}

func TestListEntitiesForPolicy(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice"}))
	bob := must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "bob", Path: "/ops/"})).User
	g := mpSeedGroup(t, e, "viewers", "/")
	r := mpSeedRole(t, e, "builder", "/ops/")
	arn := mpCreate(t, e, "p", "", mpAllow("iam:ListUsers"))
	// A policy whose ARN extends the first one's must not be counted with it.
	nested := mpCreate(t, e, "q", "/p/", mpAllow("iam:ListUsers"))
	if !strings.HasPrefix(nested, arn+"/") {
		t.Fatalf("nested ARN %s", nested)
	}
	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "alice", PolicyArn: nested}))

	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "bob", PolicyArn: arn}))
	must[*Empty](t)(e.svc.AttachGroupPolicy(ctx, e.root, &AttachGroupPolicyInput{GroupName: "viewers", PolicyArn: arn}))
	must[*Empty](t)(e.svc.AttachRolePolicy(ctx, e.root, &AttachRolePolicyInput{RoleName: "builder", PolicyArn: arn}))
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "carol", PermissionsBoundary: arn}))

	p := must[*GetPolicyOutput](t)(e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: arn}))
	if p.Policy.AttachmentCount != 3 || p.Policy.PermissionsBoundaryUsageCount != 1 {
		t.Fatalf("counts: %+v", p.Policy)
	}

	entities := func(out *ListEntitiesForPolicyOutput) string {
		var s []string
		for _, g := range out.PolicyGroups.Member {
			s = append(s, "g:"+g.GroupName)
		}
		for _, r := range out.PolicyRoles.Member {
			s = append(s, "r:"+r.RoleName)
		}
		for _, u := range out.PolicyUsers.Member {
			s = append(s, "u:"+u.UserName)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		name string
		in   ListEntitiesForPolicyInput
		want string
	}{
		{"permissions policy", ListEntitiesForPolicyInput{PolicyUsageFilter: "PermissionsPolicy"}, "g:viewers,r:builder,u:bob"},
		{"boundary", ListEntitiesForPolicyInput{PolicyUsageFilter: "PermissionsBoundary"}, "u:carol"},
		{"users", ListEntitiesForPolicyInput{EntityFilter: "User", PolicyUsageFilter: "PermissionsPolicy"}, "u:bob"},
		{"groups", ListEntitiesForPolicyInput{EntityFilter: "Group"}, "g:viewers"},
		{"roles", ListEntitiesForPolicyInput{EntityFilter: "Role"}, "r:builder"},
		{"path prefix", ListEntitiesForPolicyInput{PathPrefix: "/ops/"}, "r:builder,u:bob"},
		{"managed policy filter", ListEntitiesForPolicyInput{EntityFilter: "AWSManagedPolicy"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.PolicyArn = arn
			out := must[*ListEntitiesForPolicyOutput](t)(e.svc.ListEntitiesForPolicy(ctx, e.root, &in))
			if got := entities(out); got != tc.want || out.IsTruncated {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	all := must[*ListEntitiesForPolicyOutput](t)(e.svc.ListEntitiesForPolicy(ctx, e.root, &ListEntitiesForPolicyInput{PolicyArn: arn}))
	if all.PolicyUsers.Member[0].UserID != bob.UserID && all.PolicyUsers.Member[1].UserID != bob.UserID ||
		all.PolicyGroups.Member[0].GroupID != g.ID || all.PolicyRoles.Member[0].RoleID != r.ID {
		t.Fatalf("ids: %+v", all)
	}

	// One marker pages through groups, roles and users.
	var pages []string
	marker := ""
	for {
		two := 2
		out := must[*ListEntitiesForPolicyOutput](t)(e.svc.ListEntitiesForPolicy(ctx, e.root, &ListEntitiesForPolicyInput{PolicyArn: arn, MaxItems: &two, Marker: marker}))
		pages = append(pages, entities(out))
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if len(pages) != 2 || !strings.HasPrefix(pages[0], "g:viewers,r:builder") {
		t.Fatalf("pages: %q", pages)
	}

	// AWS managed policies list this account's entities.
	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "alice", PolicyArn: mpIVSReadOnly}))
	aws := must[*ListEntitiesForPolicyOutput](t)(e.svc.ListEntitiesForPolicy(ctx, e.root, &ListEntitiesForPolicyInput{PolicyArn: mpIVSReadOnly}))
	if entities(aws) != "u:alice" {
		t.Fatalf("AWS managed: %s", entities(aws))
	}
	_, err := e.svc.ListEntitiesForPolicy(ctx, e.root, &ListEntitiesForPolicyInput{PolicyArn: arn, EntityFilter: "Robot"})
	wantCode(t, err, "ValidationError")
	_, err = e.svc.ListEntitiesForPolicy(ctx, e.root, &ListEntitiesForPolicyInput{PolicyArn: "arn:aws:iam::123456789012:policy/none"})
	wantCode(t, err, "NoSuchEntity")
}

// TestAttachedPolicyAuthorizationEffect attaches and detaches managed
// policies and checks, through authz, that a user's rights change at once.
func TestAttachedPolicyAuthorizationEffect(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice"}))
	alice := e.userCaller(t, "alice")
	listUsers := func() error {
		_, err := e.svc.ListUsers(ctx, alice, &ListUsersInput{})
		return err
	}
	arn := mpCreate(t, e, "ListUsers", "", mpAllow("iam:ListUsers"))

	wantCode(t, listUsers(), "AccessDenied")
	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "alice", PolicyArn: arn}))
	if err := listUsers(); err != nil {
		t.Fatalf("attached: %v", err)
	}
	must[*Empty](t)(e.svc.DetachUserPolicy(ctx, e.root, &DetachUserPolicyInput{UserName: "alice", PolicyArn: arn}))
	wantCode(t, listUsers(), "AccessDenied")

	// IVSReadOnlyAccess grants ivs reads, not iam.
	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "alice", PolicyArn: mpIVSReadOnly}))
	wantCode(t, listUsers(), "AccessDenied")

	// A policy attached to a group applies to its members.
	g := mpSeedGroup(t, e, "readers", "/")
	mpAddMember(t, e, g.ID, alice.Principal.UserID)
	wantCode(t, listUsers(), "AccessDenied")
	must[*Empty](t)(e.svc.AttachGroupPolicy(ctx, e.root, &AttachGroupPolicyInput{GroupName: "readers", PolicyArn: arn}))
	if err := listUsers(); err != nil {
		t.Fatalf("group attachment: %v", err)
	}
	must[*Empty](t)(e.svc.DetachGroupPolicy(ctx, e.root, &DetachGroupPolicyInput{GroupName: "readers", PolicyArn: arn}))
	wantCode(t, listUsers(), "AccessDenied")
}

// TestAttachPolicyARNCondition checks the authorization of attachments:
// the resource is the entity, and iam:PolicyARN names the policy.
func TestAttachPolicyARNCondition(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "admin"}))
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "dev"}))
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "ops"}))
	delegate := mpCreate(t, e, "Delegate", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["iam:AttachUserPolicy","iam:DetachUserPolicy"],"Resource":"arn:aws:iam::123456789012:user/dev",
		"Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/IVSReadOnlyAccess"}}}]}`)
	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "admin", PolicyArn: delegate}))
	admin := e.userCaller(t, "admin")

	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, admin, &AttachUserPolicyInput{UserName: "dev", PolicyArn: mpIVSReadOnly}))
	_, err := e.svc.AttachUserPolicy(ctx, admin, &AttachUserPolicyInput{UserName: "dev", PolicyArn: mpIVSFull})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(err.Error(), "iam:AttachUserPolicy on resource: arn:aws:iam::123456789012:user/dev") {
		t.Errorf("message: %v", err)
	}
	_, err = e.svc.AttachUserPolicy(ctx, admin, &AttachUserPolicyInput{UserName: "ops", PolicyArn: mpIVSReadOnly})
	wantCode(t, err, "AccessDenied")
	// Denied callers do not learn whether the entity exists.
	_, err = e.svc.AttachUserPolicy(ctx, admin, &AttachUserPolicyInput{UserName: "ghost", PolicyArn: mpIVSReadOnly})
	wantCode(t, err, "AccessDenied")
	must[*Empty](t)(e.svc.DetachUserPolicy(ctx, admin, &DetachUserPolicyInput{UserName: "dev", PolicyArn: mpIVSReadOnly}))
}
