package iam

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/awsmanaged"
)

// mpAllow is a managed policy document allowing actions on everything.
func mpAllow(actions ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
}

const (
	mpIVSReadOnly = awsmanaged.ARNPrefix + "IVSReadOnlyAccess"
	mpIVSFull     = awsmanaged.ARNPrefix + "IVSFullAccess"
)

// mpCreate creates a customer-managed policy and returns its ARN.
func mpCreate(t *testing.T, e *testEnv, name, path, doc string) string {
	t.Helper()
	out := must[*CreatePolicyOutput](t)(e.svc.CreatePolicy(context.Background(), e.root, &CreatePolicyInput{PolicyName: name, Path: path, PolicyDocument: doc}))
	return out.Policy.Arn
}

func TestManagedPolicyLifecycle(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	out := must[*CreatePolicyOutput](t)(e.svc.CreatePolicy(ctx, e.root, &CreatePolicyInput{
		PolicyName: "ReadUsers", Path: "/video/", PolicyDocument: mpAllow("iam:ListUsers"),
		Description: "lists users", Tags: []Tag{{"team", "blue"}},
	}))
	p := out.Policy
	if p.Arn != "arn:aws:iam::123456789012:policy/video/ReadUsers" || !strings.HasPrefix(p.PolicyID, "ANPA") || len(p.PolicyID) != 21 ||
		p.DefaultVersionID != "v1" || !p.IsAttachable || p.AttachmentCount != 0 || p.Tags == nil || len(p.Tags.Member) != 1 {
		t.Fatalf("created %+v", p)
	}
	_, err := e.svc.CreatePolicy(ctx, e.root, &CreatePolicyInput{PolicyName: "readusers", PolicyDocument: mpAllow("iam:ListUsers")})
	wantCode(t, err, "EntityAlreadyExists")
	if !strings.Contains(err.Error(), "A policy called readusers already exists. Duplicate names are not allowed.") {
		t.Errorf("message: %v", err)
	}

	got := must[*GetPolicyOutput](t)(e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: p.Arn}))
	if got.Policy.PolicyID != p.PolicyID || got.Policy.Description != "lists users" || got.Policy.Path != "/video/" {
		t.Fatalf("get %+v", got.Policy)
	}
	// The same name under another path is another ARN, which does not exist.
	_, err = e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: "arn:aws:iam::123456789012:policy/ReadUsers"})
	wantCode(t, err, "NoSuchEntity")
	if !strings.Contains(err.Error(), "Policy arn:aws:iam::123456789012:policy/ReadUsers does not exist or is not attachable.") {
		t.Errorf("message: %v", err)
	}

	must[*Empty](t)(e.svc.DeletePolicy(ctx, e.root, &DeletePolicyInput{PolicyArn: p.Arn}))
	_, err = e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: p.Arn})
	wantCode(t, err, "NoSuchEntity")
	_, err = e.svc.DeletePolicy(ctx, e.root, &DeletePolicyInput{PolicyArn: p.Arn})
	wantCode(t, err, "NoSuchEntity")
}

func TestCreatePolicyValidation(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"arn:aws:iam::123456789012:user/` + strings.Repeat("a", 6200) + `"}]}`
	cases := []struct {
		name string
		in   CreatePolicyInput
		code string
		msg  string
	}{
		{"bad name", CreatePolicyInput{PolicyName: "bad name", PolicyDocument: mpAllow("iam:ListUsers")}, "ValidationError", ""},
		{"long name", CreatePolicyInput{PolicyName: strings.Repeat("p", 129), PolicyDocument: mpAllow("iam:ListUsers")}, "ValidationError", ""},
		{"bad path", CreatePolicyInput{PolicyName: "p", Path: "video", PolicyDocument: mpAllow("iam:ListUsers")}, "ValidationError", ""},
		{"long description", CreatePolicyInput{PolicyName: "p", Description: strings.Repeat("d", 1001), PolicyDocument: mpAllow("iam:ListUsers")}, "ValidationError", ""},
		{"reserved tag", CreatePolicyInput{PolicyName: "p", PolicyDocument: mpAllow("iam:ListUsers"), Tags: []Tag{{"aws:x", "y"}}}, "InvalidInput", ""},
		{"not json", CreatePolicyInput{PolicyName: "p", PolicyDocument: "{"}, "MalformedPolicyDocument", ""},
		{"principal", CreatePolicyInput{PolicyName: "p", PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"iam:ListUsers","Resource":"*"}]}`}, "MalformedPolicyDocument", "Principal"},
		{"too big", CreatePolicyInput{PolicyName: "p", PolicyDocument: big}, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreatePolicy(ctx, e.root, &tc.in)
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message: %v", err)
			}
		})
	}
}

func TestPolicyARNValidation(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	for _, tc := range []struct{ arn, code string }{
		{"not-an-arn", "InvalidInput"},
		{"arn:aws:iam::123456789012:user/alice", "InvalidInput"},
		{"arn:aws:s3:::bucket/policy/x", "InvalidInput"},
		{"arn:aws:iam::12345:policy/x", "InvalidInput"},
		{"arn:aws:iam::123456789012:policy/missing", "NoSuchEntity"},
		{"arn:aws:iam::210987654321:policy/other-account", "AccessDenied"}, // another account's policy
		{"arn:aws:iam::aws:policy/NoSuchAWSPolicy", "NoSuchEntity"},
	} {
		t.Run(tc.arn, func(t *testing.T) {
			_, err := e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: tc.arn})
			wantCode(t, err, tc.code)
			if tc.code == "InvalidInput" && !strings.Contains(err.Error(), "ARN "+tc.arn+" is not valid.") {
				t.Errorf("message: %v", err)
			}
		})
	}
}

func TestAWSManagedPolicies(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	got := must[*GetPolicyOutput](t)(e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: mpIVSReadOnly}))
	if got.Policy.PolicyName != "IVSReadOnlyAccess" || got.Policy.DefaultVersionID != "v7" || !got.Policy.IsAttachable || got.Policy.Description == "" {
		t.Fatalf("get %+v", got.Policy)
	}
	v := must[*GetPolicyVersionOutput](t)(e.svc.GetPolicyVersion(ctx, e.root, &GetPolicyVersionInput{PolicyArn: mpIVSReadOnly, VersionID: "v7"}))
	if !v.PolicyVersion.IsDefaultVersion || !strings.Contains(string(v.PolicyVersion.Document), "ivs:") {
		t.Fatalf("version %+v", v.PolicyVersion)
	}
	_, err := e.svc.GetPolicyVersion(ctx, e.root, &GetPolicyVersionInput{PolicyArn: mpIVSReadOnly, VersionID: "v1"})
	wantCode(t, err, "NoSuchEntity")
	versions := must[*ListPolicyVersionsOutput](t)(e.svc.ListPolicyVersions(ctx, e.root, &ListPolicyVersionsInput{PolicyArn: mpIVSReadOnly}))
	if len(versions.Versions.Member) != 1 || versions.Versions.Member[0].VersionID != "v7" {
		t.Fatalf("versions %+v", versions)
	}

	// AWS managed policies cannot be changed, whoever asks.
	for name, call := range map[string]func() error{
		"DeletePolicy": func() error {
			_, err := e.svc.DeletePolicy(ctx, e.root, &DeletePolicyInput{PolicyArn: mpIVSReadOnly})
			return err
		},
		"CreatePolicyVersion": func() error {
			_, err := e.svc.CreatePolicyVersion(ctx, e.root, &CreatePolicyVersionInput{PolicyArn: mpIVSReadOnly, PolicyDocument: mpAllow("iam:*")})
			return err
		},
		"SetDefaultPolicyVersion": func() error {
			_, err := e.svc.SetDefaultPolicyVersion(ctx, e.root, &SetDefaultPolicyVersionInput{PolicyArn: mpIVSReadOnly, VersionID: "v7"})
			return err
		},
		"DeletePolicyVersion": func() error {
			_, err := e.svc.DeletePolicyVersion(ctx, e.root, &DeletePolicyVersionInput{PolicyArn: mpIVSReadOnly, VersionID: "v7"})
			return err
		},
		"TagPolicy": func() error {
			_, err := e.svc.TagPolicy(ctx, e.root, &TagPolicyInput{PolicyArn: mpIVSReadOnly, Tags: []Tag{{"a", "b"}}})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, call(), "UnmodifiableEntity") })
	}

	// Listed with Scope=AWS, first with Scope=All, never with Local.
	mpCreate(t, e, "Mine", "", mpAllow("iam:ListUsers"))
	aws := must[*ListPoliciesOutput](t)(e.svc.ListPolicies(ctx, e.root, &ListPoliciesInput{Scope: "AWS"}))
	if policyNames(aws.Policies.Member) != "IVSFullAccess,IVSReadOnlyAccess" {
		t.Fatalf("Scope=AWS: %s", policyNames(aws.Policies.Member))
	}
	all := must[*ListPoliciesOutput](t)(e.svc.ListPolicies(ctx, e.root, &ListPoliciesInput{}))
	if policyNames(all.Policies.Member) != "IVSFullAccess,IVSReadOnlyAccess,Mine" || all.IsTruncated {
		t.Fatalf("Scope=All: %s", policyNames(all.Policies.Member))
	}
	local := must[*ListPoliciesOutput](t)(e.svc.ListPolicies(ctx, e.root, &ListPoliciesInput{Scope: "Local"}))
	if policyNames(local.Policies.Member) != "Mine" {
		t.Fatalf("Scope=Local: %s", policyNames(local.Policies.Member))
	}
	_, err = e.svc.ListPolicies(ctx, e.root, &ListPoliciesInput{Scope: "Mine"})
	wantCode(t, err, "ValidationError")
}

func policyNames(ps []Policy) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.PolicyName
	}
	return strings.Join(names, ",")
}

func TestListPoliciesPaging(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	for _, n := range []string{"p1", "p2", "p3"} {
		mpCreate(t, e, n, "", mpAllow("iam:ListUsers"))
	}
	mpCreate(t, e, "video1", "/video/", mpAllow("iam:ListUsers"))
	var names []string
	marker := ""
	pages := 0
	for {
		two := 2
		out := must[*ListPoliciesOutput](t)(e.svc.ListPolicies(ctx, e.root, &ListPoliciesInput{MaxItems: &two, Marker: marker}))
		pages++
		if len(out.Policies.Member) > 2 || out.IsTruncated != (out.Marker != "") {
			t.Fatalf("page %d: %+v", pages, out)
		}
		for _, p := range out.Policies.Member {
			names = append(names, p.PolicyName)
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if strings.Join(names, ",") != "IVSFullAccess,IVSReadOnlyAccess,p1,p2,p3,video1" || pages != 3 {
		t.Fatalf("%d pages: %v", pages, names)
	}
	video := must[*ListPoliciesOutput](t)(e.svc.ListPolicies(ctx, e.root, &ListPoliciesInput{PathPrefix: "/video/"}))
	if policyNames(video.Policies.Member) != "video1" {
		t.Fatalf("path prefix: %s", policyNames(video.Policies.Member))
	}
	_, err := e.svc.ListPolicies(ctx, e.root, &ListPoliciesInput{Marker: "!!"})
	wantCode(t, err, "InvalidInput")
}

func TestListPoliciesUsageFilters(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice"}))
	attached := mpCreate(t, e, "attached", "", mpAllow("iam:ListUsers"))
	boundary := mpCreate(t, e, "boundary", "", mpAllow("iam:*"))
	mpCreate(t, e, "unused", "", mpAllow("iam:ListUsers"))
	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "alice", PolicyArn: attached}))
	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "alice", PolicyArn: mpIVSFull}))
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "bob", PermissionsBoundary: boundary}))

	for _, tc := range []struct {
		name string
		in   ListPoliciesInput
		want string
	}{
		{"only attached", ListPoliciesInput{OnlyAttached: true}, "IVSFullAccess,attached"},
		{"only attached local", ListPoliciesInput{OnlyAttached: true, Scope: "Local"}, "attached"},
		{"permissions policies", ListPoliciesInput{PolicyUsageFilter: "PermissionsPolicy"}, "IVSFullAccess,attached"},
		{"boundaries", ListPoliciesInput{PolicyUsageFilter: "PermissionsBoundary"}, "boundary"},
		{"all local", ListPoliciesInput{Scope: "Local"}, "attached,boundary,unused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := must[*ListPoliciesOutput](t)(e.svc.ListPolicies(ctx, e.root, &tc.in))
			if got := policyNames(out.Policies.Member); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	got := must[*GetPolicyOutput](t)(e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: boundary}))
	if got.Policy.PermissionsBoundaryUsageCount != 1 || got.Policy.AttachmentCount != 0 {
		t.Fatalf("boundary counts: %+v", got.Policy)
	}
	_, err := e.svc.ListPolicies(ctx, e.root, &ListPoliciesInput{PolicyUsageFilter: "Sometimes"})
	wantCode(t, err, "ValidationError")
}

func TestDeletePolicyConflicts(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice"}))
	arn := mpCreate(t, e, "p", "", mpAllow("iam:ListUsers"))

	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "alice", PolicyArn: arn}))
	_, err := e.svc.DeletePolicy(ctx, e.root, &DeletePolicyInput{PolicyArn: arn})
	wantCode(t, err, "DeleteConflict")
	if !strings.Contains(err.Error(), "Cannot delete a policy attached to entities.") {
		t.Errorf("message: %v", err)
	}
	must[*Empty](t)(e.svc.DetachUserPolicy(ctx, e.root, &DetachUserPolicyInput{UserName: "alice", PolicyArn: arn}))

	// A permissions boundary counts as a use.
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "bob", PermissionsBoundary: arn}))
	_, err = e.svc.DeletePolicy(ctx, e.root, &DeletePolicyInput{PolicyArn: arn})
	wantCode(t, err, "DeleteConflict")
	must[*Empty](t)(e.svc.DeleteUser(ctx, e.root, &DeleteUserInput{UserName: "bob"}))

	must[*CreatePolicyVersionOutput](t)(e.svc.CreatePolicyVersion(ctx, e.root, &CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: mpAllow("iam:GetUser")}))
	_, err = e.svc.DeletePolicy(ctx, e.root, &DeletePolicyInput{PolicyArn: arn})
	wantCode(t, err, "DeleteConflict")
	if !strings.Contains(err.Error(), "This policy has more than one version. Before you delete a policy, you must delete the policy's versions.") {
		t.Errorf("message: %v", err)
	}
	must[*Empty](t)(e.svc.DeletePolicyVersion(ctx, e.root, &DeletePolicyVersionInput{PolicyArn: arn, VersionID: "v2"}))
	must[*Empty](t)(e.svc.DeletePolicy(ctx, e.root, &DeletePolicyInput{PolicyArn: arn}))

	// The name is free again and its version numbering starts over.
	arn = mpCreate(t, e, "p", "", mpAllow("iam:ListUsers"))
	got := must[*GetPolicyOutput](t)(e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: arn}))
	if got.Policy.DefaultVersionID != "v1" {
		t.Fatalf("recreated: %+v", got.Policy)
	}
}

func TestPolicyTags(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	arn := mpCreate(t, e, "p", "", mpAllow("iam:ListUsers"))
	must[*Empty](t)(e.svc.TagPolicy(ctx, e.root, &TagPolicyInput{PolicyArn: arn, Tags: []Tag{{"team", "blue"}, {"env", "dev"}}}))
	must[*Empty](t)(e.svc.TagPolicy(ctx, e.root, &TagPolicyInput{PolicyArn: arn, Tags: []Tag{{"TEAM", "red"}}}))
	tags := must[*ListTagsOutput](t)(e.svc.ListPolicyTags(ctx, e.root, &ListPolicyTagsInput{PolicyArn: arn}))
	if len(tags.Tags.Member) != 2 || tags.Tags.Member[0] != (Tag{"TEAM", "red"}) {
		t.Fatalf("tags %+v", tags.Tags.Member)
	}
	must[*Empty](t)(e.svc.UntagPolicy(ctx, e.root, &UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"team"}}))
	tags = must[*ListTagsOutput](t)(e.svc.ListPolicyTags(ctx, e.root, &ListPolicyTagsInput{PolicyArn: arn}))
	if len(tags.Tags.Member) != 1 || tags.Tags.Member[0].Key != "env" {
		t.Fatalf("after untag %+v", tags.Tags.Member)
	}
	_, err := e.svc.TagPolicy(ctx, e.root, &TagPolicyInput{PolicyArn: arn, Tags: []Tag{{"aws:x", "y"}}})
	wantCode(t, err, "InvalidInput")
	aws := must[*ListTagsOutput](t)(e.svc.ListPolicyTags(ctx, e.root, &ListPolicyTagsInput{PolicyArn: mpIVSFull}))
	if len(aws.Tags.Member) != 0 {
		t.Fatalf("AWS managed tags %+v", aws.Tags.Member)
	}
}

func TestManagedPolicyAuthorization(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice"}))
	alice := e.userCaller(t, "alice")
	arn := mpCreate(t, e, "Secret", "/team/", mpAllow("iam:ListUsers"))

	// Without policies alice may neither read nor learn whether a policy
	// exists.
	_, err := e.svc.GetPolicy(ctx, alice, &GetPolicyInput{PolicyArn: arn})
	wantCode(t, err, "AccessDenied")
	_, err = e.svc.GetPolicy(ctx, alice, &GetPolicyInput{PolicyArn: "arn:aws:iam::123456789012:policy/Missing"})
	wantCode(t, err, "AccessDenied")
	_, err = e.svc.CreatePolicy(ctx, alice, &CreatePolicyInput{PolicyName: "x", PolicyDocument: mpAllow("iam:ListUsers")})
	wantCode(t, err, "AccessDenied")
	_, err = e.svc.ListPolicies(ctx, alice, &ListPoliciesInput{})
	wantCode(t, err, "AccessDenied")

	// A policy scoped to /team/ policies lets alice manage those only.
	scoped := mpCreate(t, e, "TeamPolicies", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetPolicy","iam:CreatePolicyVersion","iam:ListPolicyVersions"],"Resource":"arn:aws:iam::123456789012:policy/team/*"}]}`)
	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "alice", PolicyArn: scoped}))
	must[*GetPolicyOutput](t)(e.svc.GetPolicy(ctx, alice, &GetPolicyInput{PolicyArn: arn}))
	must[*CreatePolicyVersionOutput](t)(e.svc.CreatePolicyVersion(ctx, alice, &CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: mpAllow("iam:GetUser")}))
	_, err = e.svc.GetPolicy(ctx, alice, &GetPolicyInput{PolicyArn: scoped})
	wantCode(t, err, "AccessDenied")
	_, err = e.svc.SetDefaultPolicyVersion(ctx, alice, &SetDefaultPolicyVersionInput{PolicyArn: arn, VersionID: "v2"})
	wantCode(t, err, "AccessDenied")
}
