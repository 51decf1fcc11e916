package iam

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/store"
)

// inlineSeedGroup writes a group record directly, independent of
// CreateGroup.
func inlineSeedGroup(t *testing.T, e *testEnv, name string) *store.Group {
	t.Helper()
	g := &store.Group{ID: newID("AGPA"), Name: name, Path: "/", ARN: entityARN(testAccount, "group", "/", name), CreatedAt: e.svc.timestamp()}
	err := e.st.Update(context.Background(), func(tx store.Tx) error {
		if err := store.PutJSON(context.Background(), tx, testAccount, store.GroupKey(name), g); err != nil {
			return err
		}
		return tx.Put(context.Background(), testAccount, store.GroupIDKey(g.ID), []byte(strings.ToLower(name)))
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// inlineSeedRole writes a role record directly, independent of CreateRole.
func inlineSeedRole(t *testing.T, e *testEnv, name, path string) *store.Role {
	t.Helper()
	r := &store.Role{ID: newID("AROA"), Name: name, Path: path, ARN: entityARN(testAccount, "role", path, name), CreatedAt: e.svc.timestamp(),
		TrustPolicy:        `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`,
		MaxSessionDuration: 3600}
	err := e.st.Update(context.Background(), func(tx store.Tx) error {
		if err := store.PutJSON(context.Background(), tx, testAccount, store.RoleKey(name), r); err != nil {
			return err
		}
		return tx.Put(context.Background(), testAccount, store.RoleIDKey(r.ID), []byte(strings.ToLower(name)))
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// inlineOps runs the four inline-policy operations of one entity kind.
type inlineOps struct {
	kind   string
	create func(t *testing.T, e *testEnv, name string)
	put    func(e *testEnv, c *authz.Caller, entity, name, doc string) error
	get    func(e *testEnv, c *authz.Caller, entity, name string) (entityName, policyName, doc string, err error)
	list   func(e *testEnv, c *authz.Caller, entity, marker string, max *int) (*ListPoliciesOfEntityOutput, error)
	del    func(e *testEnv, c *authz.Caller, entity, name string) error
	limit  int
}

var inlineKinds = []inlineOps{
	{
		kind: "user", limit: 2048,
		create: func(t *testing.T, e *testEnv, name string) {
			must[*CreateUserOutput](t)(e.svc.CreateUser(context.Background(), e.root, &CreateUserInput{UserName: name}))
		},
		put: func(e *testEnv, c *authz.Caller, entity, name, doc string) error {
			_, err := e.svc.PutUserPolicy(context.Background(), c, &PutUserPolicyInput{UserName: entity, PolicyName: name, PolicyDocument: doc})
			return err
		},
		get: func(e *testEnv, c *authz.Caller, entity, name string) (string, string, string, error) {
			out, err := e.svc.GetUserPolicy(context.Background(), c, &GetUserPolicyInput{UserName: entity, PolicyName: name})
			if err != nil {
				return "", "", "", err
			}
			return out.UserName, out.PolicyName, string(out.PolicyDocument), nil
		},
		list: func(e *testEnv, c *authz.Caller, entity, marker string, max *int) (*ListPoliciesOfEntityOutput, error) {
			return e.svc.ListUserPolicies(context.Background(), c, &ListUserPoliciesInput{UserName: entity, Marker: marker, MaxItems: max})
		},
		del: func(e *testEnv, c *authz.Caller, entity, name string) error {
			_, err := e.svc.DeleteUserPolicy(context.Background(), c, &DeleteUserPolicyInput{UserName: entity, PolicyName: name})
			return err
		},
	},
	{
		kind: "group", limit: 5120,
		create: func(t *testing.T, e *testEnv, name string) { inlineSeedGroup(t, e, name) },
		put: func(e *testEnv, c *authz.Caller, entity, name, doc string) error {
			_, err := e.svc.PutGroupPolicy(context.Background(), c, &PutGroupPolicyInput{GroupName: entity, PolicyName: name, PolicyDocument: doc})
			return err
		},
		get: func(e *testEnv, c *authz.Caller, entity, name string) (string, string, string, error) {
			out, err := e.svc.GetGroupPolicy(context.Background(), c, &GetGroupPolicyInput{GroupName: entity, PolicyName: name})
			if err != nil {
				return "", "", "", err
			}
			return out.GroupName, out.PolicyName, string(out.PolicyDocument), nil
		},
		list: func(e *testEnv, c *authz.Caller, entity, marker string, max *int) (*ListPoliciesOfEntityOutput, error) {
			return e.svc.ListGroupPolicies(context.Background(), c, &ListGroupPoliciesInput{GroupName: entity, Marker: marker, MaxItems: max})
		},
		del: func(e *testEnv, c *authz.Caller, entity, name string) error {
			_, err := e.svc.DeleteGroupPolicy(context.Background(), c, &DeleteGroupPolicyInput{GroupName: entity, PolicyName: name})
			return err
		},
	},
	{
		kind: "role", limit: 10240,
		create: func(t *testing.T, e *testEnv, name string) { inlineSeedRole(t, e, name, "/") },
		put: func(e *testEnv, c *authz.Caller, entity, name, doc string) error {
			_, err := e.svc.PutRolePolicy(context.Background(), c, &PutRolePolicyInput{RoleName: entity, PolicyName: name, PolicyDocument: doc})
			return err
		},
		get: func(e *testEnv, c *authz.Caller, entity, name string) (string, string, string, error) {
			out, err := e.svc.GetRolePolicy(context.Background(), c, &GetRolePolicyInput{RoleName: entity, PolicyName: name})
			if err != nil {
				return "", "", "", err
			}
			return out.RoleName, out.PolicyName, string(out.PolicyDocument), nil
		},
		list: func(e *testEnv, c *authz.Caller, entity, marker string, max *int) (*ListPoliciesOfEntityOutput, error) {
			return e.svc.ListRolePolicies(context.Background(), c, &ListRolePoliciesInput{RoleName: entity, Marker: marker, MaxItems: max})
		},
		del: func(e *testEnv, c *authz.Caller, entity, name string) error {
			_, err := e.svc.DeleteRolePolicy(context.Background(), c, &DeleteRolePolicyInput{RoleName: entity, PolicyName: name})
			return err
		},
	},
}

const readIVS = `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "ivs:Get*", "Resource": "*"}]
}`

// docOfSize returns a valid identity policy of exactly n characters, white
// space not counted (n ≥ 80).
func docOfSize(n int) string {
	base := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:Get","Resource":"*","Sid":"%s"}]}`
	pad := n - len(fmt.Sprintf(base, ""))
	return fmt.Sprintf(base, strings.Repeat("A", pad))
}

func TestInlinePolicies(t *testing.T) {
	for _, k := range inlineKinds {
		t.Run(k.kind, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			k.create(t, e, "Ent")

			if err := k.put(e, e.root, "ent", "ReadIVS", readIVS); err != nil {
				t.Fatal(err)
			}
			name, pol, doc, err := k.get(e, e.root, "ENT", "readivs")
			if err != nil {
				t.Fatal(err)
			}
			if name != "Ent" || pol != "ReadIVS" || doc != readIVS {
				t.Fatalf("get: %q %q %q", name, pol, doc)
			}
			text, _ := EncodedDocument(doc).MarshalText()
			if strings.ContainsAny(string(text), " {\"\n") {
				t.Errorf("document not percent-encoded: %s", text)
			}
			if dec, _ := url.PathUnescape(string(text)); dec != readIVS {
				t.Errorf("encoded document decodes to %q", dec)
			}

			// Replacing under another case keeps one policy, named as last put.
			if err := k.put(e, e.root, "Ent", "READivs", readIVS); err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"b", "C", "a"} {
				if err := k.put(e, e.root, "Ent", n, readIVS); err != nil {
					t.Fatal(err)
				}
			}
			all := must[*ListPoliciesOfEntityOutput](t)(k.list(e, e.root, "Ent", "", nil))
			if got := strings.Join(all.PolicyNames.Member, ","); got != "a,b,C,READivs" || all.IsTruncated {
				t.Fatalf("list: %s truncated=%v", got, all.IsTruncated)
			}
			two := 2
			p1 := must[*ListPoliciesOfEntityOutput](t)(k.list(e, e.root, "Ent", "", &two))
			p2 := must[*ListPoliciesOfEntityOutput](t)(k.list(e, e.root, "Ent", p1.Marker, &two))
			if !p1.IsTruncated || p1.Marker == "" || p2.IsTruncated || strings.Join(append(p1.PolicyNames.Member, p2.PolicyNames.Member...), ",") != "a,b,C,READivs" {
				t.Fatalf("pages: %+v %+v", p1, p2)
			}

			errCases := []struct {
				name, entity, policy, doc, code, msg string
			}{
				{"malformed", "Ent", "p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`, "MalformedPolicyDocument", "statement 1: Action: the statement has neither Action nor NotAction"},
				{"not json", "Ent", "p", `{`, "MalformedPolicyDocument", ""},
				{"bad policy name", "Ent", "bad name", readIVS, "ValidationError", "at 'policyName'"},
				{"policy name too long", "Ent", strings.Repeat("p", 129), readIVS, "ValidationError", "at 'policyName'"},
				{"not latin-1", "Ent", "p", `{"Version":"2012-10-17","Statement":[{"Sid":"✓","Effect":"Allow","Action":"*","Resource":"*"}]}`, "ValidationError", "at 'policyDocument'"},
				{"empty document", "Ent", "p", "", "ValidationError", "at 'policyDocument'"},
				{"no entity", "nobody", "p", readIVS, "NoSuchEntity", "The " + k.kind + " with name nobody cannot be found."},
				{"over quota", "Ent", "big", docOfSize(k.limit), "LimitExceeded",
					fmt.Sprintf("Maximum policy size of %d bytes exceeded for %s Ent", k.limit, k.kind)},
			}
			for _, tc := range errCases {
				t.Run(tc.name, func(t *testing.T) {
					err := k.put(e, e.root, tc.entity, tc.policy, tc.doc)
					wantCode(t, err, tc.code)
					if !strings.Contains(err.Error(), tc.msg) {
						t.Errorf("message %q lacks %q", err, tc.msg)
					}
				})
			}

			// The quota counts all inline policies together, without white
			// space: one that fits alone fits in place of all the others.
			for _, n := range []string{"a", "b", "C", "READivs"} {
				if err := k.del(e, e.root, "Ent", n); err != nil {
					t.Fatal(err)
				}
			}
			if err := k.put(e, e.root, "Ent", "big", docOfSize(k.limit)); err != nil {
				t.Fatalf("policy of exactly the quota: %v", err)
			}
			if err := k.put(e, e.root, "Ent", "big", strings.ReplaceAll(docOfSize(k.limit), ",", ",\n   ")); err != nil {
				t.Fatalf("white space counted: %v", err)
			}
			wantCode(t, k.put(e, e.root, "Ent", "small", readIVS), "LimitExceeded")

			_, _, _, err = k.get(e, e.root, "Ent", "missing")
			wantCode(t, err, "NoSuchEntity")
			if want := "The " + k.kind + " policy with name missing cannot be found."; !strings.Contains(err.Error(), want) {
				t.Errorf("message %q, want %q", err, want)
			}
			wantCode(t, k.del(e, e.root, "Ent", "missing"), "NoSuchEntity")
			if err := k.del(e, e.root, "Ent", "BIG"); err != nil {
				t.Fatal(err)
			}
			empty := must[*ListPoliciesOfEntityOutput](t)(k.list(e, e.root, "Ent", "", nil))
			if len(empty.PolicyNames.Member) != 0 {
				t.Fatalf("after delete: %+v", empty)
			}
			_, err = k.list(e, e.root, "nobody", "", nil)
			wantCode(t, err, "NoSuchEntity")
		})
	}
}

func TestInlinePolicyAuthorization(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	for _, n := range []string{"alice", "bob"} {
		must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: n}))
	}
	alice := e.userCaller(t, "alice")
	// Without policies alice may not act on bob, nor learn whether a user
	// exists.
	_, err := e.svc.PutUserPolicy(ctx, alice, &PutUserPolicyInput{UserName: "bob", PolicyName: "p", PolicyDocument: readIVS})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(err.Error(), "iam:PutUserPolicy on resource: arn:aws:iam::123456789012:user/bob") {
		t.Errorf("message: %v", err)
	}
	_, err = e.svc.GetUserPolicy(ctx, alice, &GetUserPolicyInput{UserName: "ghost", PolicyName: "p"})
	wantCode(t, err, "AccessDenied")

	// Allowed only to manage bob's policies while bob has no boundary.
	must[*Empty](t)(e.svc.PutUserPolicy(ctx, e.root, &PutUserPolicyInput{UserName: "alice", PolicyName: "manage", PolicyDocument: `{
		"Version": "2012-10-17",
		"Statement": [
			{"Effect": "Allow", "Action": ["iam:PutUserPolicy", "iam:GetUserPolicy", "iam:ListUserPolicies", "iam:DeleteUserPolicy"], "Resource": "arn:aws:iam::123456789012:user/bob"},
			{"Effect": "Deny", "Action": ["iam:PutUserPolicy", "iam:DeleteUserPolicy"], "Resource": "*", "Condition": {"Null": {"iam:PermissionsBoundary": "false"}}}
		]}`}))
	must[*Empty](t)(e.svc.PutUserPolicy(ctx, alice, &PutUserPolicyInput{UserName: "bob", PolicyName: "p", PolicyDocument: readIVS}))
	must[*ListPoliciesOfEntityOutput](t)(e.svc.ListUserPolicies(ctx, alice, &ListUserPoliciesInput{UserName: "bob"}))
	must[*Empty](t)(e.svc.PutUserPermissionsBoundary(ctx, e.root, &PutUserPermissionsBoundaryInput{UserName: "bob", PermissionsBoundary: ivsReadOnly}))
	_, err = e.svc.DeleteUserPolicy(ctx, alice, &DeleteUserPolicyInput{UserName: "bob", PolicyName: "p"})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(err.Error(), "with an explicit deny in") {
		t.Errorf("message: %v", err)
	}
	must[*GetUserPolicyOutput](t)(e.svc.GetUserPolicy(ctx, alice, &GetUserPolicyInput{UserName: "bob", PolicyName: "p"}))
}

func TestServiceLinkedRoleInlinePolicy(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	inlineSeedRole(t, e, "AWSServiceRoleForIVS", "/aws-service-role/ivs.amazonaws.com/")
	_, err := e.svc.PutRolePolicy(ctx, e.root, &PutRolePolicyInput{RoleName: "AWSServiceRoleForIVS", PolicyName: "p", PolicyDocument: readIVS})
	wantCode(t, err, "UnmodifiableEntity")
	_, err = e.svc.DeleteRolePolicy(ctx, e.root, &DeleteRolePolicyInput{RoleName: "AWSServiceRoleForIVS", PolicyName: "p"})
	wantCode(t, err, "UnmodifiableEntity")
	_, err = e.svc.PutRolePermissionsBoundary(ctx, e.root, &PutRolePermissionsBoundaryInput{RoleName: "AWSServiceRoleForIVS", PermissionsBoundary: ivsReadOnly})
	wantCode(t, err, "UnmodifiableEntity")
	must[*ListPoliciesOfEntityOutput](t)(e.svc.ListRolePolicies(ctx, e.root, &ListRolePoliciesInput{RoleName: "AWSServiceRoleForIVS"}))
}

func TestGetUserPolicyXML(t *testing.T) {
	out := &GetUserPolicyOutput{UserName: "alice", PolicyName: "p", PolicyDocument: EncodedDocument(`{"a": "b c"}`)}
	b, err := xml.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `<GetUserPolicyOutput><UserName>alice</UserName><PolicyName>p</PolicyName><PolicyDocument>%7B%22a%22%3A%20%22b%20c%22%7D</PolicyDocument></GetUserPolicyOutput>`
	if string(b) != want {
		t.Errorf("xml\n got %s\nwant %s", b, want)
	}
	l := &ListPoliciesOfEntityOutput{PolicyNames: List[string]{Member: []string{}}}
	b, _ = xml.Marshal(l)
	if want := `<ListPoliciesOfEntityOutput><PolicyNames></PolicyNames><IsTruncated>false</IsTruncated></ListPoliciesOfEntityOutput>`; string(b) != want {
		t.Errorf("xml\n got %s\nwant %s", b, want)
	}
}
