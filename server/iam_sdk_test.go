package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const (
	trustDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	readDoc  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`
)

// TestEveryIAMOperationWithSDK calls each IAM operation once through
// aws-sdk-go-v2, so that every response shape is decoded by the real
// client, and checks a few fields of each.
func TestEveryIAMOperationWithSDK(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	c := ts.rootIAM()
	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	s := aws.String

	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: s("alice")})
	step("CreateUser", err)
	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: s("ops"), Path: s("/teams/")})
	step("CreateGroup", err)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: s("ops"), UserName: s("alice")})
	step("AddUserToGroup", err)
	g, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: s("ops")})
	step("GetGroup", err)
	if len(g.Users) != 1 || aws.ToString(g.Group.Arn) != "arn:aws:iam::123456789012:group/teams/ops" {
		t.Fatalf("GetGroup: %+v", g)
	}
	gs, err := c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: s("alice")})
	step("ListGroupsForUser", err)
	if len(gs.Groups) != 1 {
		t.Fatalf("ListGroupsForUser: %+v", gs)
	}
	_, err = c.ListGroups(ctx, &iam.ListGroupsInput{PathPrefix: s("/teams/")})
	step("ListGroups", err)
	_, err = c.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: s("ops"), NewGroupName: s("ops2")})
	step("UpdateGroup", err)

	r, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: s("StreamOps"), Path: s("/media/"), AssumeRolePolicyDocument: s(trustDoc),
		MaxSessionDuration: aws.Int32(7200), Tags: []iamtypes.Tag{{Key: s("team"), Value: s("video")}}})
	step("CreateRole", err)
	if doc, _ := url.QueryUnescape(aws.ToString(r.Role.AssumeRolePolicyDocument)); doc != trustDoc {
		t.Fatalf("CreateRole trust policy: %q", aws.ToString(r.Role.AssumeRolePolicyDocument))
	}
	gr, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: s("StreamOps")})
	step("GetRole", err)
	if aws.ToInt32(gr.Role.MaxSessionDuration) != 7200 || len(gr.Role.Tags) != 1 {
		t.Fatalf("GetRole: %+v", gr.Role)
	}
	_, err = c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: s("StreamOps"), Description: s("streaming operators")})
	step("UpdateRole", err)
	_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: s("StreamOps"), PolicyDocument: s(trustDoc)})
	step("UpdateAssumeRolePolicy", err)
	_, err = c.ListRoles(ctx, &iam.ListRolesInput{})
	step("ListRoles", err)
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: s("StreamOps"), Tags: []iamtypes.Tag{{Key: s("env"), Value: s("prod")}}})
	step("TagRole", err)
	_, err = c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: s("StreamOps"), TagKeys: []string{"env"}})
	step("UntagRole", err)
	rt, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: s("StreamOps")})
	step("ListRoleTags", err)
	if len(rt.Tags) != 1 {
		t.Fatalf("ListRoleTags: %+v", rt.Tags)
	}

	p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: s("Read"), PolicyDocument: s(readDoc), Description: s("read IAM")})
	step("CreatePolicy", err)
	arn := p.Policy.Arn
	_, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	step("GetPolicy", err)
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: s(readDoc), SetAsDefault: true})
	step("CreatePolicyVersion", err)
	pv, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: s("v2")})
	step("GetPolicyVersion", err)
	if doc, _ := url.QueryUnescape(aws.ToString(pv.PolicyVersion.Document)); doc != readDoc || !pv.PolicyVersion.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion: %+v", pv.PolicyVersion)
	}
	vs, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn})
	step("ListPolicyVersions", err)
	if len(vs.Versions) != 2 {
		t.Fatalf("ListPolicyVersions: %+v", vs.Versions)
	}
	_, err = c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: s("v1")})
	step("SetDefaultPolicyVersion", err)
	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: s("v2")})
	step("DeletePolicyVersion", err)
	lp, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws})
	step("ListPolicies", err)
	names := []string{}
	for _, p := range lp.Policies {
		names = append(names, aws.ToString(p.PolicyName))
	}
	if strings.Join(names, ",") != "IVSFullAccess,IVSReadOnlyAccess" {
		t.Fatalf("ListPolicies Scope=AWS: %v", names)
	}
	_, err = c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: []iamtypes.Tag{{Key: s("a"), Value: s("b")}}})
	step("TagPolicy", err)
	_, err = c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn})
	step("ListPolicyTags", err)
	_, err = c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"a"}})
	step("UntagPolicy", err)

	for _, call := range []struct {
		name string
		err  error
	}{
		{"AttachUserPolicy", func() error {
			_, e := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: s("alice"), PolicyArn: arn})
			return e
		}()},
		{"AttachGroupPolicy", func() error {
			_, e := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: s("ops2"), PolicyArn: s("arn:aws:iam::aws:policy/IVSReadOnlyAccess")})
			return e
		}()},
		{"AttachRolePolicy", func() error {
			_, e := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: s("StreamOps"), PolicyArn: s("arn:aws:iam::aws:policy/IVSFullAccess")})
			return e
		}()},
		{"PutUserPolicy", func() error {
			_, e := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: s("alice"), PolicyName: s("inline"), PolicyDocument: s(readDoc)})
			return e
		}()},
		{"PutGroupPolicy", func() error {
			_, e := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: s("ops2"), PolicyName: s("inline"), PolicyDocument: s(readDoc)})
			return e
		}()},
		{"PutRolePolicy", func() error {
			_, e := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: s("StreamOps"), PolicyName: s("inline"), PolicyDocument: s(readDoc)})
			return e
		}()},
		{"PutUserPermissionsBoundary", func() error {
			_, e := c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: s("alice"), PermissionsBoundary: arn})
			return e
		}()},
		{"PutRolePermissionsBoundary", func() error {
			_, e := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: s("StreamOps"), PermissionsBoundary: arn})
			return e
		}()},
	} {
		step(call.name, call.err)
	}
	up, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: s("alice"), PolicyName: s("inline")})
	step("GetUserPolicy", err)
	if doc, _ := url.QueryUnescape(aws.ToString(up.PolicyDocument)); doc != readDoc {
		t.Fatalf("GetUserPolicy: %q", aws.ToString(up.PolicyDocument))
	}
	_, err = c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: s("ops2"), PolicyName: s("inline")})
	step("GetGroupPolicy", err)
	_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: s("StreamOps"), PolicyName: s("inline")})
	step("GetRolePolicy", err)
	lup, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: s("alice")})
	step("ListUserPolicies", err)
	if len(lup.PolicyNames) != 1 {
		t.Fatalf("ListUserPolicies: %v", lup.PolicyNames)
	}
	_, err = c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: s("ops2")})
	step("ListGroupPolicies", err)
	_, err = c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: s("StreamOps")})
	step("ListRolePolicies", err)
	au, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: s("alice")})
	step("ListAttachedUserPolicies", err)
	if len(au.AttachedPolicies) != 1 {
		t.Fatalf("ListAttachedUserPolicies: %+v", au)
	}
	_, err = c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: s("ops2")})
	step("ListAttachedGroupPolicies", err)
	_, err = c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: s("StreamOps")})
	step("ListAttachedRolePolicies", err)
	ents, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: arn})
	step("ListEntitiesForPolicy", err)
	if len(ents.PolicyUsers) != 1 {
		t.Fatalf("ListEntitiesForPolicy: %+v", ents)
	}
	u, err := c.GetUser(ctx, &iam.GetUserInput{UserName: s("alice")})
	step("GetUser", err)
	if u.User.PermissionsBoundary == nil || aws.ToString(u.User.PermissionsBoundary.PermissionsBoundaryArn) != aws.ToString(arn) {
		t.Fatalf("GetUser boundary: %+v", u.User)
	}
	det, err := c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{})
	step("GetAccountAuthorizationDetails", err)
	if len(det.UserDetailList) != 1 || len(det.GroupDetailList) != 1 || len(det.RoleDetailList) != 1 {
		t.Fatalf("GetAccountAuthorizationDetails: %d users, %d groups, %d roles", len(det.UserDetailList), len(det.GroupDetailList), len(det.RoleDetailList))
	}
	sum, err := c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	step("GetAccountSummary", err)
	if sum.SummaryMap["Users"] != 1 || sum.SummaryMap["Groups"] != 1 || sum.SummaryMap["AccessKeysPerUserQuota"] != 2 {
		t.Fatalf("GetAccountSummary: %v", sum.SummaryMap)
	}

	// Tear it all down: every Delete… and Detach… and Remove…
	for _, call := range []struct {
		name string
		err  error
	}{
		{"DeleteUserPermissionsBoundary", func() error {
			_, e := c.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: s("alice")})
			return e
		}()},
		{"DeleteRolePermissionsBoundary", func() error {
			_, e := c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: s("StreamOps")})
			return e
		}()},
		{"DeleteUserPolicy", func() error {
			_, e := c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: s("alice"), PolicyName: s("inline")})
			return e
		}()},
		{"DeleteGroupPolicy", func() error {
			_, e := c.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: s("ops2"), PolicyName: s("inline")})
			return e
		}()},
		{"DeleteRolePolicy", func() error {
			_, e := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: s("StreamOps"), PolicyName: s("inline")})
			return e
		}()},
		{"DetachUserPolicy", func() error {
			_, e := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: s("alice"), PolicyArn: arn})
			return e
		}()},
		{"DetachGroupPolicy", func() error {
			_, e := c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: s("ops2"), PolicyArn: s("arn:aws:iam::aws:policy/IVSReadOnlyAccess")})
			return e
		}()},
		{"DetachRolePolicy", func() error {
			_, e := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: s("StreamOps"), PolicyArn: s("arn:aws:iam::aws:policy/IVSFullAccess")})
			return e
		}()},
		{"RemoveUserFromGroup", func() error {
			_, e := c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: s("ops2"), UserName: s("alice")})
			return e
		}()},
		{"DeletePolicy", func() error { _, e := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn}); return e }()},
		{"DeleteRole", func() error { _, e := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: s("StreamOps")}); return e }()},
		{"DeleteGroup", func() error { _, e := c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: s("ops2")}); return e }()},
		{"DeleteUser", func() error { _, e := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: s("alice")}); return e }()},
	} {
		step(call.name, call.err)
	}
	left, err := c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{})
	step("GetAccountAuthorizationDetails", err)
	if len(left.UserDetailList)+len(left.GroupDetailList)+len(left.RoleDetailList)+len(left.Policies) != 0 {
		t.Fatalf("left over after deleting everything: %+v", left)
	}
}
