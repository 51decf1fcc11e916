package iam

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
)

func versionIDs(vs []PolicyVersion) string {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.VersionID
		if v.IsDefaultVersion {
			ids[i] += "*"
		}
	}
	return strings.Join(ids, ",")
}

func TestPolicyVersions(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	arn := mpCreate(t, e, "p", "", mpAllow("iam:ListUsers"))
	list := func() string {
		t.Helper()
		out := must[*ListPolicyVersionsOutput](t)(e.svc.ListPolicyVersions(ctx, e.root, &ListPolicyVersionsInput{PolicyArn: arn}))
		for _, v := range out.Versions.Member {
			if v.Document != "" {
				t.Errorf("ListPolicyVersions returned a document for %s", v.VersionID)
			}
		}
		return versionIDs(out.Versions.Member)
	}
	create := func(def bool) PolicyVersion {
		t.Helper()
		return must[*CreatePolicyVersionOutput](t)(e.svc.CreatePolicyVersion(ctx, e.root, &CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: mpAllow("iam:GetUser"), SetAsDefault: def})).PolicyVersion
	}

	if v := create(false); v.VersionID != "v2" || v.IsDefaultVersion {
		t.Fatalf("v2: %+v", v)
	}
	if v := create(true); v.VersionID != "v3" || !v.IsDefaultVersion {
		t.Fatalf("v3: %+v", v)
	}
	create(false)
	create(false)
	if got := list(); got != "v5,v4,v3*,v2,v1" {
		t.Fatalf("versions: %s", got)
	}
	_, err := e.svc.CreatePolicyVersion(ctx, e.root, &CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: mpAllow("iam:GetUser")})
	wantCode(t, err, "LimitExceeded")
	if !strings.Contains(err.Error(), "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.") {
		t.Errorf("message: %v", err)
	}

	// The default cannot be deleted; ids are never reused.
	_, err = e.svc.DeletePolicyVersion(ctx, e.root, &DeletePolicyVersionInput{PolicyArn: arn, VersionID: "v3"})
	wantCode(t, err, "DeleteConflict")
	if !strings.Contains(err.Error(), "Cannot delete the default version of a policy.") {
		t.Errorf("message: %v", err)
	}
	must[*Empty](t)(e.svc.DeletePolicyVersion(ctx, e.root, &DeletePolicyVersionInput{PolicyArn: arn, VersionID: "v5"}))
	if v := create(false); v.VersionID != "v6" {
		t.Fatalf("after delete: %+v", v)
	}
	if got := list(); got != "v6,v4,v3*,v2,v1" {
		t.Fatalf("versions: %s", got)
	}

	must[*Empty](t)(e.svc.SetDefaultPolicyVersion(ctx, e.root, &SetDefaultPolicyVersionInput{PolicyArn: arn, VersionID: "v1"}))
	pol := must[*GetPolicyOutput](t)(e.svc.GetPolicy(ctx, e.root, &GetPolicyInput{PolicyArn: arn}))
	if pol.Policy.DefaultVersionID != "v1" {
		t.Fatalf("default: %+v", pol.Policy)
	}
	v1 := must[*GetPolicyVersionOutput](t)(e.svc.GetPolicyVersion(ctx, e.root, &GetPolicyVersionInput{PolicyArn: arn, VersionID: "v1"}))
	if string(v1.PolicyVersion.Document) != mpAllow("iam:ListUsers") || !v1.PolicyVersion.IsDefaultVersion {
		t.Fatalf("v1: %+v", v1.PolicyVersion)
	}
	// On the wire the document is percent-encoded.
	b, err := xml.Marshal(v1.PolicyVersion)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<Document>%7B%22Version%22%3A%222012-10-17%22") {
		t.Fatalf("xml: %s", b)
	}

	for _, tc := range []struct {
		name, version, code string
	}{
		{"missing", "v9", "NoSuchEntity"},
		{"deleted", "v5", "NoSuchEntity"},
		{"malformed id", "1", "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.GetPolicyVersion(ctx, e.root, &GetPolicyVersionInput{PolicyArn: arn, VersionID: tc.version})
			wantCode(t, err, tc.code)
			_, err = e.svc.SetDefaultPolicyVersion(ctx, e.root, &SetDefaultPolicyVersionInput{PolicyArn: arn, VersionID: tc.version})
			wantCode(t, err, tc.code)
			_, err = e.svc.DeletePolicyVersion(ctx, e.root, &DeletePolicyVersionInput{PolicyArn: arn, VersionID: tc.version})
			wantCode(t, err, tc.code)
		})
	}

	_, err = e.svc.CreatePolicyVersion(ctx, e.root, &CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: `{"Statement":[]`})
	wantCode(t, err, "MalformedPolicyDocument")
	_, err = e.svc.CreatePolicyVersion(ctx, e.root, &CreatePolicyVersionInput{PolicyArn: "arn:aws:iam::123456789012:policy/none", PolicyDocument: mpAllow("iam:GetUser")})
	wantCode(t, err, "NoSuchEntity")
}

func TestListPolicyVersionsPaging(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	arn := mpCreate(t, e, "p", "", mpAllow("iam:ListUsers"))
	for range 3 {
		must[*CreatePolicyVersionOutput](t)(e.svc.CreatePolicyVersion(ctx, e.root, &CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: mpAllow("iam:GetUser")}))
	}
	two := 2
	p1 := must[*ListPolicyVersionsOutput](t)(e.svc.ListPolicyVersions(ctx, e.root, &ListPolicyVersionsInput{PolicyArn: arn, MaxItems: &two}))
	if versionIDs(p1.Versions.Member) != "v4,v3" || !p1.IsTruncated {
		t.Fatalf("page 1: %+v", p1)
	}
	p2 := must[*ListPolicyVersionsOutput](t)(e.svc.ListPolicyVersions(ctx, e.root, &ListPolicyVersionsInput{PolicyArn: arn, MaxItems: &two, Marker: p1.Marker}))
	if versionIDs(p2.Versions.Member) != "v2,v1*" || p2.IsTruncated {
		t.Fatalf("page 2: %+v", p2)
	}
}

// TestNewDefaultVersionTakesEffect shows that SetDefaultPolicyVersion
// changes what an attached policy allows at once.
func TestNewDefaultVersionTakesEffect(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice"}))
	alice := e.userCaller(t, "alice")
	arn := mpCreate(t, e, "p", "", mpAllow("iam:GetUser"))
	must[*Empty](t)(e.svc.AttachUserPolicy(ctx, e.root, &AttachUserPolicyInput{UserName: "alice", PolicyArn: arn}))
	_, err := e.svc.ListUsers(ctx, alice, &ListUsersInput{})
	wantCode(t, err, "AccessDenied")
	must[*CreatePolicyVersionOutput](t)(e.svc.CreatePolicyVersion(ctx, e.root, &CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: mpAllow("iam:ListUsers"), SetAsDefault: true}))
	must[*ListUsersOutput](t)(e.svc.ListUsers(ctx, alice, &ListUsersInput{}))
	must[*Empty](t)(e.svc.SetDefaultPolicyVersion(ctx, e.root, &SetDefaultPolicyVersionInput{PolicyArn: arn, VersionID: "v1"}))
	_, err = e.svc.ListUsers(ctx, alice, &ListUsersInput{})
	wantCode(t, err, "AccessDenied")
}
