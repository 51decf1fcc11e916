package iam

import (
	"context"
	"encoding/xml"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/store"
)

// detailsFixture is an account with two users (alice in group Editors,
// with an inline policy, an attached customer policy and a boundary), a
// role with an inline policy, and IVSFullAccess attached to the group.
type detailsFixture struct {
	e      *testEnv
	alice  string // user id
	group  *store.Group
	role   *store.Role
	policy *store.ManagedPolicy
}

func newDetailsFixture(t *testing.T) *detailsFixture {
	t.Helper()
	e := newTestEnv(t)
	ctx := context.Background()
	alice := must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "alice", Path: "/video/", Tags: []Tag{{"team", "blue"}}})).User
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "bob"}))
	must[*Empty](t)(e.svc.PutUserPolicy(ctx, e.root, &PutUserPolicyInput{UserName: "alice", PolicyName: "ReadIVS", PolicyDocument: readIVS}))
	must[*Empty](t)(e.svc.PutUserPermissionsBoundary(ctx, e.root, &PutUserPermissionsBoundaryInput{UserName: "alice", PermissionsBoundary: ivsReadOnly}))
	g := inlineSeedGroup(t, e, "Editors")
	r := inlineSeedRole(t, e, "streamer", "/")
	must[*Empty](t)(e.svc.PutRolePolicy(ctx, e.root, &PutRolePolicyInput{RoleName: "streamer", PolicyName: "Stream", PolicyDocument: readIVS}))
	mp := inlineSeedPolicy(t, e, "Cap", readIVS)
	full := "arn:aws:iam::aws:policy/IVSFullAccess"
	err := e.st.Update(ctx, func(tx store.Tx) error {
		for _, kv := range []struct{ k, v string }{
			{store.MemberKey(g.ID, alice.UserID), "{}"},
			{store.GroupsOfKey(alice.UserID, g.ID), "{}"},
			{store.AttachedToKey(mp.ARN, store.KindUser, alice.UserID), "{}"},
			{store.AttachedToKey(full, store.KindGroup, g.ID), "{}"},
		} {
			if err := tx.Put(ctx, testAccount, kv.k, []byte(kv.v)); err != nil {
				return err
			}
		}
		if err := store.PutJSON(ctx, tx, testAccount, store.AttachKey(store.KindUser, alice.UserID, mp.ARN),
			&store.Attachment{PolicyARN: mp.ARN, PolicyName: mp.Name, OwnerKind: store.KindUser, OwnerID: alice.UserID}); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, testAccount, store.AttachKey(store.KindGroup, g.ID, full),
			&store.Attachment{PolicyARN: full, PolicyName: "IVSFullAccess", OwnerKind: store.KindGroup, OwnerID: g.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	return &detailsFixture{e: e, alice: alice.UserID, group: g, role: r, policy: mp}
}

// detailNames lists the names of every item of a details page, in order.
func detailNames(out *GetAccountAuthorizationDetailsOutput) []string {
	var names []string
	for _, u := range out.UserDetailList.Member {
		names = append(names, "user:"+u.UserName)
	}
	for _, g := range out.GroupDetailList.Member {
		names = append(names, "group:"+g.GroupName)
	}
	for _, r := range out.RoleDetailList.Member {
		names = append(names, "role:"+r.RoleName)
	}
	for _, p := range out.Policies.Member {
		names = append(names, "policy:"+p.PolicyName)
	}
	return names
}

func TestGetAccountAuthorizationDetails(t *testing.T) {
	f := newDetailsFixture(t)
	e, ctx := f.e, context.Background()
	all := must[*GetAccountAuthorizationDetailsOutput](t)(e.svc.GetAccountAuthorizationDetails(ctx, e.root, &GetAccountAuthorizationDetailsInput{}))
	want := []string{"user:alice", "user:bob", "group:Editors", "role:streamer", "policy:Cap", "policy:IVSFullAccess", "policy:IVSReadOnlyAccess"}
	if got := detailNames(all); !slices.Equal(got, want) || all.IsTruncated || all.Marker != "" {
		t.Fatalf("items %v (truncated %v), want %v", got, all.IsTruncated, want)
	}

	alice := all.UserDetailList.Member[0]
	if alice.Arn != "arn:aws:iam::123456789012:user/video/alice" || alice.UserID != f.alice || alice.Path != "/video/" ||
		len(alice.UserPolicyList.Member) != 1 || alice.UserPolicyList.Member[0].PolicyName != "ReadIVS" ||
		string(alice.UserPolicyList.Member[0].PolicyDocument) != readIVS ||
		!slices.Equal(alice.GroupList.Member, []string{"Editors"}) ||
		len(alice.AttachedManagedPolicies.Member) != 1 || alice.AttachedManagedPolicies.Member[0] != (AttachedPolicy{PolicyName: "Cap", PolicyArn: f.policy.ARN}) ||
		alice.PermissionsBoundary == nil || alice.PermissionsBoundary.PermissionsBoundaryArn != ivsReadOnly ||
		len(alice.Tags.Member) != 1 || alice.Tags.Member[0] != (Tag{"team", "blue"}) {
		t.Errorf("alice: %+v", alice)
	}
	bob := all.UserDetailList.Member[1]
	if len(bob.UserPolicyList.Member)+len(bob.GroupList.Member)+len(bob.AttachedManagedPolicies.Member) != 0 || bob.PermissionsBoundary != nil {
		t.Errorf("bob: %+v", bob)
	}
	g := all.GroupDetailList.Member[0]
	if g.GroupID != f.group.ID || len(g.GroupPolicyList.Member) != 0 || len(g.AttachedManagedPolicies.Member) != 1 || g.AttachedManagedPolicies.Member[0].PolicyName != "IVSFullAccess" {
		t.Errorf("group: %+v", g)
	}
	r := all.RoleDetailList.Member[0]
	if r.RoleID != f.role.ID || string(r.AssumeRolePolicyDocument) != f.role.TrustPolicy || len(r.RolePolicyList.Member) != 1 || r.RolePolicyList.Member[0].PolicyName != "Stream" {
		t.Errorf("role: %+v", r)
	}
	cp := all.Policies.Member[0]
	if cp.Arn != f.policy.ARN || cp.PolicyID != f.policy.ID || cp.DefaultVersionID != "v1" || cp.AttachmentCount != 1 || cp.PermissionsBoundaryUsageCount != 0 || !cp.IsAttachable ||
		len(cp.PolicyVersionList.Member) != 1 || !cp.PolicyVersionList.Member[0].IsDefaultVersion || string(cp.PolicyVersionList.Member[0].Document) != readIVS {
		t.Errorf("customer policy: %+v", cp)
	}
	if full, ro := all.Policies.Member[1], all.Policies.Member[2]; full.AttachmentCount != 1 || ro.PermissionsBoundaryUsageCount != 1 || ro.DefaultVersionID != "v7" || len(ro.PolicyVersionList.Member) != 1 {
		t.Errorf("AWS policies: %+v %+v", full, ro)
	}

	filters := []struct {
		filter []string
		want   []string
	}{
		{[]string{"Role"}, []string{"role:streamer"}},
		{[]string{"User", "Group"}, []string{"user:alice", "user:bob", "group:Editors"}},
		{[]string{"LocalManagedPolicy"}, []string{"policy:Cap"}},
		{[]string{"AWSManagedPolicy"}, []string{"policy:IVSFullAccess", "policy:IVSReadOnlyAccess"}},
	}
	for _, tc := range filters {
		t.Run(strings.Join(tc.filter, ","), func(t *testing.T) {
			out := must[*GetAccountAuthorizationDetailsOutput](t)(e.svc.GetAccountAuthorizationDetails(ctx, e.root, &GetAccountAuthorizationDetailsInput{Filter: tc.filter}))
			if got := detailNames(out); !slices.Equal(got, tc.want) {
				t.Errorf("items %v, want %v", got, tc.want)
			}
		})
	}
	_, err := e.svc.GetAccountAuthorizationDetails(ctx, e.root, &GetAccountAuthorizationDetailsInput{Filter: []string{"User", "Bogus"}})
	wantCode(t, err, "ValidationError")
	_, err = e.svc.GetAccountAuthorizationDetails(ctx, e.root, &GetAccountAuthorizationDetailsInput{Marker: "%%%"})
	wantCode(t, err, "InvalidInput")

	// Pages of MaxItems items cover the listing once, in order.
	for _, size := range []int{1, 2, 3, 7} {
		var got []string
		marker := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			out := must[*GetAccountAuthorizationDetailsOutput](t)(e.svc.GetAccountAuthorizationDetails(ctx, e.root, &GetAccountAuthorizationDetailsInput{MaxItems: &size, Marker: marker}))
			names := detailNames(out)
			if len(names) > size {
				t.Fatalf("page of %d items with MaxItems %d", len(names), size)
			}
			got = append(got, names...)
			if !out.IsTruncated {
				break
			}
			marker = out.Marker
		}
		if !slices.Equal(got, want) {
			t.Errorf("MaxItems %d: %v", size, got)
		}
	}

	// Callers need iam:GetAccountAuthorizationDetails on "*".
	_, err = e.svc.GetAccountAuthorizationDetails(ctx, e.userCaller(t, "bob"), &GetAccountAuthorizationDetailsInput{})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(err.Error(), "iam:GetAccountAuthorizationDetails on resource: *") {
		t.Errorf("message: %v", err)
	}
}

func TestGetAccountAuthorizationDetailsXML(t *testing.T) {
	f := newDetailsFixture(t)
	out := must[*GetAccountAuthorizationDetailsOutput](t)(f.e.svc.GetAccountAuthorizationDetails(context.Background(), f.e.root, &GetAccountAuthorizationDetailsInput{Filter: []string{"User", "Role"}}))
	b, err := xml.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	enc := strings.ReplaceAll(url.QueryEscape(readIVS), "+", "%20")
	for _, want := range []string{
		`<UserPolicyList><member><PolicyName>ReadIVS</PolicyName><PolicyDocument>` + enc + `</PolicyDocument></member></UserPolicyList>`,
		`<GroupList><member>Editors</member></GroupList>`,
		`<PermissionsBoundary><PermissionsBoundaryType>PermissionsBoundaryPolicy</PermissionsBoundaryType><PermissionsBoundaryArn>arn:aws:iam::aws:policy/IVSReadOnlyAccess</PermissionsBoundaryArn></PermissionsBoundary>`,
		`<InstanceProfileList></InstanceProfileList>`,
		`<GroupDetailList></GroupDetailList>`,
		`<Policies></Policies>`,
		`<IsTruncated>false</IsTruncated>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("XML lacks %s\n%s", want, s)
		}
	}
}

func TestGetAccountSummary(t *testing.T) {
	f := newDetailsFixture(t)
	e, ctx := f.e, context.Background()
	out := must[*GetAccountSummaryOutput](t)(e.svc.GetAccountSummary(ctx, e.root, &GetAccountSummaryInput{}))
	want := map[string]int{
		"Users": 2, "Groups": 1, "Roles": 1, "Policies": 1, "PolicyVersionsInUse": 2,
		"AccessKeysPerUserQuota": 2, "AttachedPoliciesPerUserQuota": 10, "AttachedPoliciesPerGroupQuota": 10, "AttachedPoliciesPerRoleQuota": 10,
		"GroupsPerUserQuota": 10, "PolicySizeQuota": 6144, "UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240,
		"AssumeRolePolicySizeQuota": 2048, "VersionsPerPolicyQuota": 5, "UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
		"MFADevices": 0, "MFADevicesInUse": 0, "AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1, "AccountSigningCertificatesPresent": 0, "ServerCertificates": 0,
	}
	for k, v := range want {
		if got, ok := out.SummaryMap[k]; !ok || got != v {
			t.Errorf("%s = %d (present %v), want %d", k, got, ok, v)
		}
	}

	b, err := xml.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `<GetAccountSummaryOutput><SummaryMap><entry><key>AccessKeysPerUserQuota</key><value>2</value></entry><entry><key>AccountAccessKeysPresent</key><value>1</value></entry>`) ||
		!strings.Contains(string(b), `<entry><key>Users</key><value>2</value></entry>`) || !strings.HasSuffix(string(b), `</SummaryMap></GetAccountSummaryOutput>`) {
		t.Errorf("XML: %s", b)
	}

	// Counts follow changes; without root keys the flag drops.
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "carol"}))
	err = e.st.Update(ctx, func(tx store.Tx) error {
		items, err := tx.List(ctx, testAccount, store.UserKeysPrefix(rootKeyOwner), "", 0)
		for _, it := range items {
			if err := tx.Delete(ctx, testAccount, it.Key); err != nil {
				return err
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out = must[*GetAccountSummaryOutput](t)(e.svc.GetAccountSummary(ctx, e.root, &GetAccountSummaryInput{}))
	if out.SummaryMap["Users"] != 3 || out.SummaryMap["AccountAccessKeysPresent"] != 0 {
		t.Errorf("after changes: %v", out.SummaryMap)
	}

	_, err = e.svc.GetAccountSummary(ctx, e.userCaller(t, "bob"), &GetAccountSummaryInput{})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(err.Error(), "iam:GetAccountSummary on resource: *") {
		t.Errorf("message: %v", err)
	}
}
