package iam

import (
	"context"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awsmanaged"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// UserDetail is a user in GetAccountAuthorizationDetails.
type UserDetail struct {
	Path                    string                       `xml:"Path"`
	UserName                string                       `xml:"UserName"`
	UserID                  string                       `xml:"UserId"`
	Arn                     string                       `xml:"Arn"`
	CreateDate              time.Time                    `xml:"CreateDate"`
	UserPolicyList          List[PolicyDetail]           `xml:"UserPolicyList"`
	GroupList               List[string]                 `xml:"GroupList"`
	AttachedManagedPolicies List[AttachedPolicy]         `xml:"AttachedManagedPolicies"`
	PermissionsBoundary     *AttachedPermissionsBoundary `xml:"PermissionsBoundary,omitempty"`
	Tags                    List[Tag]                    `xml:"Tags"`
}

// GroupDetail is a group in GetAccountAuthorizationDetails.
type GroupDetail struct {
	Path                    string               `xml:"Path"`
	GroupName               string               `xml:"GroupName"`
	GroupID                 string               `xml:"GroupId"`
	Arn                     string               `xml:"Arn"`
	CreateDate              time.Time            `xml:"CreateDate"`
	GroupPolicyList         List[PolicyDetail]   `xml:"GroupPolicyList"`
	AttachedManagedPolicies List[AttachedPolicy] `xml:"AttachedManagedPolicies"`
}

// RoleDetail is a role in GetAccountAuthorizationDetails.
type RoleDetail struct {
	Path                     string          `xml:"Path"`
	RoleName                 string          `xml:"RoleName"`
	RoleID                   string          `xml:"RoleId"`
	Arn                      string          `xml:"Arn"`
	CreateDate               time.Time       `xml:"CreateDate"`
	AssumeRolePolicyDocument EncodedDocument `xml:"AssumeRolePolicyDocument,omitempty"`
	// InstanceProfileList is always empty: Gatehouse has no instance
	// profiles. It is present because IAM always sends it.
	InstanceProfileList     List[struct{}]               `xml:"InstanceProfileList"`
	RolePolicyList          List[PolicyDetail]           `xml:"RolePolicyList"`
	AttachedManagedPolicies List[AttachedPolicy]         `xml:"AttachedManagedPolicies"`
	PermissionsBoundary     *AttachedPermissionsBoundary `xml:"PermissionsBoundary,omitempty"`
	Tags                    List[Tag]                    `xml:"Tags"`
}

// PolicyVersionDetail is one version of a managed policy in
// GetAccountAuthorizationDetails (IAM's PolicyVersion shape).
type PolicyVersionDetail struct {
	Document         EncodedDocument `xml:"Document"`
	VersionID        string          `xml:"VersionId"`
	IsDefaultVersion bool            `xml:"IsDefaultVersion"`
	CreateDate       time.Time       `xml:"CreateDate"`
}

// ManagedPolicyDetail is a managed policy, with all its versions, in
// GetAccountAuthorizationDetails.
type ManagedPolicyDetail struct {
	PolicyName                    string                    `xml:"PolicyName"`
	PolicyID                      string                    `xml:"PolicyId"`
	Arn                           string                    `xml:"Arn"`
	Path                          string                    `xml:"Path"`
	DefaultVersionID              string                    `xml:"DefaultVersionId"`
	AttachmentCount               int                       `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int                       `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool                      `xml:"IsAttachable"`
	Description                   string                    `xml:"Description,omitempty"`
	CreateDate                    time.Time                 `xml:"CreateDate"`
	UpdateDate                    time.Time                 `xml:"UpdateDate"`
	PolicyVersionList             List[PolicyVersionDetail] `xml:"PolicyVersionList"`
}

// GetAccountAuthorizationDetailsInput is the input of
// GetAccountAuthorizationDetails.
type GetAccountAuthorizationDetailsInput struct {
	Filter   []string `query:"Filter"`
	MaxItems *int     `query:"MaxItems"`
	Marker   string   `query:"Marker"`
}

// GetAccountAuthorizationDetailsOutput is the output of
// GetAccountAuthorizationDetails.
type GetAccountAuthorizationDetailsOutput struct {
	UserDetailList  List[UserDetail]          `xml:"UserDetailList"`
	GroupDetailList List[GroupDetail]         `xml:"GroupDetailList"`
	RoleDetailList  List[RoleDetail]          `xml:"RoleDetailList"`
	Policies        List[ManagedPolicyDetail] `xml:"Policies"`
	IsTruncated     bool                      `xml:"IsTruncated"`
	Marker          string                    `xml:"Marker,omitempty"`
}

// The entity types of GetAccountAuthorizationDetails, in output order.
var detailFilters = []string{"User", "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy"}

// detailRef is one item of the combined GetAccountAuthorizationDetails
// listing: exactly one of its pointers is set. Its sort key orders the
// listing (users, groups, roles, local policies, AWS managed policies;
// each by store key) and serves as the pagination marker.
type detailRef struct {
	sortKey string
	user    *store.User
	group   *store.Group
	role    *store.Role
	local   *store.ManagedPolicy
	aws     *awsmanaged.Policy
}

// GetAccountAuthorizationDetails returns the account's users, groups,
// roles and managed policies with their relationships and policy
// documents (percent-encoded), optionally only the entity types in
// Filter. AWS managed policies appear only when attached to an entity or
// used as a permissions boundary. MaxItems counts users, groups, roles
// and policies together; the Marker resumes after the last item returned,
// in the order users, groups, roles, customer managed policies, AWS
// managed policies. The caller needs iam:GetAccountAuthorizationDetails
// on "*". Errors: ValidationError, InvalidInput (marker), AccessDenied.
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, c *authz.Caller, in *GetAccountAuthorizationDetailsInput) (*GetAccountAuthorizationDetailsOutput, error) {
	want := map[string]bool{}
	for _, f := range in.Filter {
		if !slices.Contains(detailFilters, f) {
			return nil, validation("filter", "["+strings.Join(in.Filter, ", ")+"]",
				"Member must satisfy constraint: [Member must satisfy enum value set: ["+strings.Join(detailFilters, ", ")+"]]")
		}
		want[f] = true
	}
	if len(want) == 0 {
		for _, f := range detailFilters {
			want[f] = true
		}
	}
	limit, err := pageLimit(in.MaxItems)
	if err != nil {
		return nil, err
	}
	after, err := decodeMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "GetAccountAuthorizationDetails", "*", nil); err != nil {
		return nil, err
	}
	acct := c.Account()
	var out *GetAccountAuthorizationDetailsOutput
	err = s.st.View(ctx, func(tx store.Tx) error {
		refs, err := detailRefs(ctx, tx, acct, want)
		if err != nil {
			return err
		}
		out = &GetAccountAuthorizationDetailsOutput{
			UserDetailList:  List[UserDetail]{Member: []UserDetail{}},
			GroupDetailList: List[GroupDetail]{Member: []GroupDetail{}},
			RoleDetailList:  List[RoleDetail]{Member: []RoleDetail{}},
			Policies:        List[ManagedPolicyDetail]{Member: []ManagedPolicyDetail{}},
		}
		n := 0
		for _, ref := range refs {
			if ref.sortKey <= after {
				continue
			}
			if n == limit {
				out.IsTruncated, out.Marker = true, encodeMarker(after)
				break
			}
			if err := addDetail(ctx, tx, acct, out, ref); err != nil {
				return err
			}
			after = ref.sortKey
			n++
		}
		return nil
	})
	return out, err
}

// detailRefs lists, in order, every item of the wanted types.
func detailRefs(ctx context.Context, tx store.Tx, acct string, want map[string]bool) ([]detailRef, error) {
	var refs []detailRef
	if want["User"] {
		users, keys, err := store.ListJSON[store.User](ctx, tx, acct, "user/", "", 0)
		if err != nil {
			return nil, err
		}
		for i := range users {
			refs = append(refs, detailRef{sortKey: "0/" + keys[i], user: &users[i]})
		}
	}
	if want["Group"] {
		groups, keys, err := store.ListJSON[store.Group](ctx, tx, acct, "group/", "", 0)
		if err != nil {
			return nil, err
		}
		for i := range groups {
			refs = append(refs, detailRef{sortKey: "1/" + keys[i], group: &groups[i]})
		}
	}
	if want["Role"] {
		roles, keys, err := store.ListJSON[store.Role](ctx, tx, acct, "role/", "", 0)
		if err != nil {
			return nil, err
		}
		for i := range roles {
			refs = append(refs, detailRef{sortKey: "2/" + keys[i], role: &roles[i]})
		}
	}
	if want["LocalManagedPolicy"] {
		pols, keys, err := store.ListJSON[store.ManagedPolicy](ctx, tx, acct, "policy/", "", 0)
		if err != nil {
			return nil, err
		}
		for i := range pols {
			refs = append(refs, detailRef{sortKey: "3/" + keys[i], local: &pols[i]})
		}
	}
	if want["AWSManagedPolicy"] {
		for _, p := range awsmanaged.All() {
			inUse, err := summaryAny(ctx, tx, acct, store.AttachedToPrefix(p.ARN), store.BoundaryUsePrefix(p.ARN))
			if err != nil {
				return nil, err
			}
			if inUse {
				refs = append(refs, detailRef{sortKey: "4/" + p.ARN, aws: &p})
			}
		}
	}
	return refs, nil
}

// summaryAny reports whether any record exists under one of the prefixes.
func summaryAny(ctx context.Context, tx store.Tx, acct string, prefixes ...string) (bool, error) {
	for _, p := range prefixes {
		items, err := tx.List(ctx, acct, p, "", 1)
		if err != nil {
			return false, err
		}
		if len(items) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// summaryCount counts the records under a prefix; with direct, only those
// whose key has no further '/' (entity records, not records nested in
// them).
func summaryCount(ctx context.Context, tx store.Tx, acct, prefix string, direct bool) (int, error) {
	items, err := tx.List(ctx, acct, prefix, "", 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		if !direct || !strings.Contains(it.Key[len(prefix):], "/") {
			n++
		}
	}
	return n, nil
}

// addDetail appends the detail of one item to the output.
func addDetail(ctx context.Context, tx store.Tx, acct string, out *GetAccountAuthorizationDetailsOutput, ref detailRef) error {
	switch {
	case ref.user != nil:
		u := ref.user
		d := UserDetail{Path: u.Path, UserName: u.Name, UserID: u.ID, Arn: u.ARN, CreateDate: u.CreatedAt,
			PermissionsBoundary: boundaryOf(u.Boundary), Tags: allTags(u.Tags), GroupList: List[string]{Member: []string{}}}
		var err error
		if d.UserPolicyList, err = inlineDetails(ctx, tx, acct, store.KindUser, u.ID); err != nil {
			return err
		}
		if d.AttachedManagedPolicies, err = attachedDetails(ctx, tx, acct, store.KindUser, u.ID); err != nil {
			return err
		}
		gids, err := idsUnder(ctx, tx, acct, store.GroupsOfPrefix(u.ID))
		if err != nil {
			return err
		}
		for _, gid := range gids {
			g, err := loadByID[store.Group](ctx, tx, acct, store.GroupIDKey, store.GroupKey, gid)
			if err != nil {
				if isNotFound(err) {
					continue
				}
				return err
			}
			d.GroupList.Member = append(d.GroupList.Member, g.Name)
		}
		slices.SortFunc(d.GroupList.Member, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		out.UserDetailList.Member = append(out.UserDetailList.Member, d)
	case ref.group != nil:
		g := ref.group
		d := GroupDetail{Path: g.Path, GroupName: g.Name, GroupID: g.ID, Arn: g.ARN, CreateDate: g.CreatedAt}
		var err error
		if d.GroupPolicyList, err = inlineDetails(ctx, tx, acct, store.KindGroup, g.ID); err != nil {
			return err
		}
		if d.AttachedManagedPolicies, err = attachedDetails(ctx, tx, acct, store.KindGroup, g.ID); err != nil {
			return err
		}
		out.GroupDetailList.Member = append(out.GroupDetailList.Member, d)
	case ref.role != nil:
		r := ref.role
		d := RoleDetail{Path: r.Path, RoleName: r.Name, RoleID: r.ID, Arn: r.ARN, CreateDate: r.CreatedAt,
			AssumeRolePolicyDocument: EncodedDocument(r.TrustPolicy), PermissionsBoundary: boundaryOf(r.Boundary),
			Tags: allTags(r.Tags), InstanceProfileList: List[struct{}]{Member: []struct{}{}}}
		var err error
		if d.RolePolicyList, err = inlineDetails(ctx, tx, acct, store.KindRole, r.ID); err != nil {
			return err
		}
		if d.AttachedManagedPolicies, err = attachedDetails(ctx, tx, acct, store.KindRole, r.ID); err != nil {
			return err
		}
		out.RoleDetailList.Member = append(out.RoleDetailList.Member, d)
	case ref.local != nil:
		p := ref.local
		d := ManagedPolicyDetail{PolicyName: p.Name, PolicyID: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionID: p.DefaultVersion,
			IsAttachable: true, Description: p.Description, CreateDate: p.CreatedAt, UpdateDate: p.UpdatedAt,
			PolicyVersionList: List[PolicyVersionDetail]{Member: []PolicyVersionDetail{}}}
		if err := fillDetailUsage(ctx, tx, acct, &d); err != nil {
			return err
		}
		for _, v := range p.Versions {
			d.PolicyVersionList.Member = append(d.PolicyVersionList.Member, PolicyVersionDetail{Document: EncodedDocument(v.Document),
				VersionID: v.ID, IsDefaultVersion: v.ID == p.DefaultVersion, CreateDate: v.CreatedAt})
		}
		out.Policies.Member = append(out.Policies.Member, d)
	case ref.aws != nil:
		p := ref.aws
		d := ManagedPolicyDetail{PolicyName: p.Name, PolicyID: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionID: p.Version,
			IsAttachable: true, Description: p.Description, CreateDate: p.CreatedAt, UpdateDate: p.UpdatedAt,
			PolicyVersionList: List[PolicyVersionDetail]{Member: []PolicyVersionDetail{{Document: EncodedDocument(p.Document),
				VersionID: p.Version, IsDefaultVersion: true, CreateDate: p.UpdatedAt}}}}
		if err := fillDetailUsage(ctx, tx, acct, &d); err != nil {
			return err
		}
		out.Policies.Member = append(out.Policies.Member, d)
	}
	return nil
}

// fillDetailUsage fills a policy's attachment and boundary-use counts.
func fillDetailUsage(ctx context.Context, tx store.Tx, acct string, d *ManagedPolicyDetail) error {
	var err error
	if d.AttachmentCount, err = summaryCount(ctx, tx, acct, store.AttachedToPrefix(d.Arn), false); err != nil {
		return err
	}
	d.PermissionsBoundaryUsageCount, err = summaryCount(ctx, tx, acct, store.BoundaryUsePrefix(d.Arn), false)
	return err
}

// inlineDetails lists an owner's inline policies with their documents.
func inlineDetails(ctx context.Context, tx store.Tx, acct, kind, id string) (List[PolicyDetail], error) {
	pols, _, err := store.ListJSON[store.InlinePolicy](ctx, tx, acct, store.InlinePrefix(kind, id), "", 0)
	if err != nil {
		return List[PolicyDetail]{}, err
	}
	l := List[PolicyDetail]{Member: make([]PolicyDetail, 0, len(pols))}
	for _, p := range pols {
		l.Member = append(l.Member, PolicyDetail{PolicyName: p.Name, PolicyDocument: EncodedDocument(p.Document)})
	}
	return l, nil
}

// attachedDetails lists the managed policies attached to an owner.
func attachedDetails(ctx context.Context, tx store.Tx, acct, kind, id string) (List[AttachedPolicy], error) {
	ats, _, err := store.ListJSON[store.Attachment](ctx, tx, acct, store.AttachPrefix(kind, id), "", 0)
	if err != nil {
		return List[AttachedPolicy]{}, err
	}
	l := List[AttachedPolicy]{Member: make([]AttachedPolicy, 0, len(ats))}
	for _, at := range ats {
		l.Member = append(l.Member, AttachedPolicy{PolicyName: at.PolicyName, PolicyArn: at.PolicyARN})
	}
	return l, nil
}

// SummaryMap is GetAccountSummary's map of usage counts and quotas. It
// renders as IAM's XML map:
// <SummaryMap><entry><key>Users</key><value>3</value></entry>…</SummaryMap>,
// entries sorted by key.
type SummaryMap map[string]int

// MarshalXML writes the map as <entry><key/><value/></entry> elements.
func (m SummaryMap) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	type entry struct {
		Key   string `xml:"key"`
		Value int    `xml:"value"`
	}
	for _, k := range keys {
		if err := e.EncodeElement(entry{Key: k, Value: m[k]}, xml.StartElement{Name: xml.Name{Local: "entry"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// GetAccountSummaryInput is the input of GetAccountSummary (it has no
// parameters).
type GetAccountSummaryInput struct{}

// GetAccountSummaryOutput is the output of GetAccountSummary.
type GetAccountSummaryOutput struct {
	SummaryMap SummaryMap `xml:"SummaryMap"`
}

// accountQuotas are the fixed quota entries of GetAccountSummary, IAM's
// defaults.
var accountQuotas = map[string]int{
	"AccessKeysPerUserQuota":          maxAccessKeys,
	"AssumeRolePolicySizeQuota":       int(policy.LimitTrust),
	"AttachedPoliciesPerGroupQuota":   10,
	"AttachedPoliciesPerRoleQuota":    10,
	"AttachedPoliciesPerUserQuota":    10,
	"GlobalEndpointTokenVersion":      1,
	"GroupPolicySizeQuota":            int(policy.LimitGroupInline),
	"GroupsPerUserQuota":              10,
	"GroupsQuota":                     300,
	"InstanceProfilesQuota":           1000,
	"PoliciesQuota":                   1500,
	"PolicySizeQuota":                 int(policy.LimitManaged),
	"PolicyVersionsInUseQuota":        10000,
	"RolePolicySizeQuota":             int(policy.LimitRoleInline),
	"RolesQuota":                      1000,
	"ServerCertificatesQuota":         20,
	"SigningCertificatesPerUserQuota": 2,
	"UserPolicySizeQuota":             int(policy.LimitUserInline),
	"UsersQuota":                      5000,
	"VersionsPerPolicyQuota":          5,
}

// GetAccountSummary returns the account's entity counts and IAM quotas.
// Counts: Users, Groups, Roles, Policies (customer managed),
// PolicyVersionsInUse (managed-policy attachments), MFADevices (virtual
// MFA devices), MFADevicesInUse (enabled ones), AccountMFAEnabled (root MFA),
// AccountAccessKeysPresent (root access keys); the features Gatehouse
// lacks (instance profiles, server and signing certificates, identity
// providers) count 0. The caller needs iam:GetAccountSummary on "*".
// Errors: AccessDenied.
func (s *Service) GetAccountSummary(ctx context.Context, c *authz.Caller, _ *GetAccountSummaryInput) (*GetAccountSummaryOutput, error) {
	if err := s.authorize(ctx, c, "GetAccountSummary", "*", nil); err != nil {
		return nil, err
	}
	acct := c.Account()
	var out *GetAccountSummaryOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		m := SummaryMap{}
		for k, v := range accountQuotas {
			m[k] = v
		}
		m["AccountSigningCertificatesPresent"] = 0
		m["InstanceProfiles"] = 0
		m["Providers"] = 0
		m["ServerCertificates"] = 0
		counts := []struct {
			key, prefix string
			direct      bool
		}{
			{"Users", "user/", true},
			{"Groups", "group/", true},
			{"Roles", "role/", true},
			{"Policies", "policy/", true},
			{"PolicyVersionsInUse", "attach/", false},
			{"MFADevicesInUse", "mfa-of/", false},
			{"MFADevices", store.MFADevicesPrefix, false},
		}
		for _, cn := range counts {
			n, err := summaryCount(ctx, tx, acct, cn.prefix, cn.direct)
			if err != nil {
				return fmt.Errorf("count %s: %w", cn.key, err)
			}
			m[cn.key] = n
		}
		rootMFA, err := summaryAny(ctx, tx, acct, store.UserMFAPrefix(rootKeyOwner))
		if err != nil {
			return err
		}
		rootKeys, err := summaryAny(ctx, tx, acct, store.UserKeysPrefix(rootKeyOwner))
		if err != nil {
			return err
		}
		m["AccountMFAEnabled"] = summaryFlag(rootMFA)
		m["AccountAccessKeysPresent"] = summaryFlag(rootKeys)
		out = &GetAccountSummaryOutput{SummaryMap: m}
		return nil
	})
	return out, err
}

// summaryFlag is 1 for true, 0 for false, as the summary reports flags.
func summaryFlag(b bool) int {
	if b {
		return 1
	}
	return 0
}
