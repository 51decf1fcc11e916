package iam

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// maxAttachedPolicies is IAM's default quota of managed policies attached
// to one user, group or role.
const maxAttachedPolicies = 10

// attachQuota names the quota of attached policies per kind of entity.
var attachQuota = map[string]string{
	store.KindUser:  "PoliciesPerUser",
	store.KindGroup: "PoliciesPerGroup",
	store.KindRole:  "PoliciesPerRole",
}

// attachTarget is the user, group or role an attachment operation acts on.
type attachTarget struct {
	kind, id, path string
}

// checkTargetName validates the UserName, GroupName or RoleName of an
// attachment operation.
func checkTargetName(kind, name string) error {
	switch kind {
	case store.KindUser:
		return validateName("userName", name, 64)
	case store.KindGroup:
		return validateName("groupName", name, 128)
	default:
		return validateName("roleName", name, 64)
	}
}

// authorizedTarget loads the user, group or role named and authorizes
// action on it.
func (s *Service) authorizedTarget(ctx context.Context, tx store.Tx, c *authz.Caller, kind, action, name string, extra func(*policy.Context)) (attachTarget, error) {
	switch kind {
	case store.KindUser:
		u, err := s.authorizedUser(ctx, tx, c, action, name, extra)
		if err != nil {
			return attachTarget{}, err
		}
		return attachTarget{kind: kind, id: u.ID, path: u.Path}, nil
	case store.KindGroup:
		g, err := s.authorizedGroup(ctx, tx, c, action, name, extra)
		if err != nil {
			return attachTarget{}, err
		}
		return attachTarget{kind: kind, id: g.ID, path: g.Path}, nil
	default:
		r, err := s.authorizedRole(ctx, tx, c, action, name, extra)
		if err != nil {
			return attachTarget{}, err
		}
		return attachTarget{kind: kind, id: r.ID, path: r.Path}, nil
	}
}

// checkRoleModifiable refuses changes to service-linked roles.
func checkRoleModifiable(t attachTarget, name string) error {
	if t.kind == store.KindRole && strings.HasPrefix(t.path, "/aws-service-role/") {
		return awserr.New(awserr.UnmodifiableEntity, "Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", name)
	}
	return nil
}

// attachPolicy attaches a managed policy to a user, group or role; the
// caller needs action on the entity, with iam:PolicyARN in the context.
// Attaching an attached policy again changes nothing.
func (s *Service) attachPolicy(ctx context.Context, c *authz.Caller, kind, action, name, policyARN string) (*Empty, error) {
	if err := checkTargetName(kind, name); err != nil {
		return nil, err
	}
	if err := checkPolicyARN(policyARN); err != nil {
		return nil, err
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		t, err := s.authorizedTarget(ctx, tx, c, kind, action, name, policyARNContext(policyARN))
		if err != nil {
			return err
		}
		if err := checkRoleModifiable(t, name); err != nil {
			return err
		}
		ref, err := loadPolicyRef(ctx, tx, acct, policyARN)
		if err != nil {
			return err
		}
		if _, err := tx.Get(ctx, acct, store.AttachKey(kind, t.id, ref.ARN)); err == nil {
			return nil
		} else if !isNotFound(err) {
			return err
		}
		have, err := tx.List(ctx, acct, store.AttachPrefix(kind, t.id), "", 0)
		if err != nil {
			return err
		}
		if len(have) >= maxAttachedPolicies {
			return awserr.New(awserr.LimitExceeded, "Cannot exceed quota for %s: %d", attachQuota[kind], maxAttachedPolicies)
		}
		at := store.Attachment{PolicyARN: ref.ARN, PolicyName: ref.name(), OwnerKind: kind, OwnerID: t.id}
		if err := store.PutJSON(ctx, tx, acct, store.AttachKey(kind, t.id, ref.ARN), &at); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, acct, store.AttachedToKey(ref.ARN, kind, t.id), &at)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// detachPolicy removes both records of an attachment.
func (s *Service) detachPolicy(ctx context.Context, c *authz.Caller, kind, action, name, policyARN string) (*Empty, error) {
	if err := checkTargetName(kind, name); err != nil {
		return nil, err
	}
	if err := checkPolicyARN(policyARN); err != nil {
		return nil, err
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		t, err := s.authorizedTarget(ctx, tx, c, kind, action, name, policyARNContext(policyARN))
		if err != nil {
			return err
		}
		if err := checkRoleModifiable(t, name); err != nil {
			return err
		}
		if err := tx.Delete(ctx, acct, store.AttachKey(kind, t.id, policyARN)); err != nil {
			if isNotFound(err) {
				return awserr.New(awserr.NoSuchEntity, "Policy %s was not found.", policyARN)
			}
			return err
		}
		if err := tx.Delete(ctx, acct, store.AttachedToKey(policyARN, kind, t.id)); err != nil && !isNotFound(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListAttachedPoliciesOutput is the output of ListAttachedUserPolicies,
// ListAttachedGroupPolicies and ListAttachedRolePolicies.
type ListAttachedPoliciesOutput struct {
	AttachedPolicies List[AttachedPolicy] `xml:"AttachedPolicies"`
	IsTruncated      bool                 `xml:"IsTruncated"`
	Marker           string               `xml:"Marker,omitempty"`
}

// listAttached lists the managed policies attached to an entity whose
// path starts with pathPrefix, ordered by ARN.
func (s *Service) listAttached(ctx context.Context, c *authz.Caller, kind, action, name, pathPrefix, marker string, maxItems *int) (*ListAttachedPoliciesOutput, error) {
	if err := checkTargetName(kind, name); err != nil {
		return nil, err
	}
	prefix, err := checkPathPrefix(pathPrefix)
	if err != nil {
		return nil, err
	}
	var out *ListAttachedPoliciesOutput
	err = s.st.View(ctx, func(tx store.Tx) error {
		t, err := s.authorizedTarget(ctx, tx, c, kind, action, name, nil)
		if err != nil {
			return err
		}
		ats, next, err := page(ctx, tx, c.Account(), store.AttachPrefix(kind, t.id), marker, maxItems, func(at *store.Attachment) bool {
			return strings.HasPrefix(policyPathOf(at.PolicyARN), prefix)
		})
		if err != nil {
			return err
		}
		out = &ListAttachedPoliciesOutput{AttachedPolicies: List[AttachedPolicy]{Member: make([]AttachedPolicy, 0, len(ats))}, IsTruncated: next != "", Marker: next}
		for _, at := range ats {
			out.AttachedPolicies.Member = append(out.AttachedPolicies.Member, AttachedPolicy{PolicyName: at.PolicyName, PolicyArn: at.PolicyARN})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AttachUserPolicyInput is the input of AttachUserPolicy.
type AttachUserPolicyInput struct {
	UserName  string `query:"UserName,required"`
	PolicyArn string `query:"PolicyArn,required"`
}

// AttachUserPolicy attaches a managed policy to a user. Errors:
// NoSuchEntity, LimitExceeded, InvalidInput, ValidationError,
// AccessDenied.
func (s *Service) AttachUserPolicy(ctx context.Context, c *authz.Caller, in *AttachUserPolicyInput) (*Empty, error) {
	return s.attachPolicy(ctx, c, store.KindUser, "AttachUserPolicy", in.UserName, in.PolicyArn)
}

// DetachUserPolicyInput is the input of DetachUserPolicy.
type DetachUserPolicyInput struct {
	UserName  string `query:"UserName,required"`
	PolicyArn string `query:"PolicyArn,required"`
}

// DetachUserPolicy detaches a managed policy from a user. Errors:
// NoSuchEntity, InvalidInput, ValidationError, AccessDenied.
func (s *Service) DetachUserPolicy(ctx context.Context, c *authz.Caller, in *DetachUserPolicyInput) (*Empty, error) {
	return s.detachPolicy(ctx, c, store.KindUser, "DetachUserPolicy", in.UserName, in.PolicyArn)
}

// ListAttachedUserPoliciesInput is the input of ListAttachedUserPolicies.
type ListAttachedUserPoliciesInput struct {
	UserName   string `query:"UserName,required"`
	PathPrefix string `query:"PathPrefix"`
	Marker     string `query:"Marker"`
	MaxItems   *int   `query:"MaxItems"`
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
// Errors: NoSuchEntity, InvalidInput, ValidationError, AccessDenied.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, c *authz.Caller, in *ListAttachedUserPoliciesInput) (*ListAttachedPoliciesOutput, error) {
	return s.listAttached(ctx, c, store.KindUser, "ListAttachedUserPolicies", in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
}

// AttachGroupPolicyInput is the input of AttachGroupPolicy.
type AttachGroupPolicyInput struct {
	GroupName string `query:"GroupName,required"`
	PolicyArn string `query:"PolicyArn,required"`
}

// AttachGroupPolicy attaches a managed policy to a group. Errors:
// NoSuchEntity, LimitExceeded, InvalidInput, ValidationError,
// AccessDenied.
func (s *Service) AttachGroupPolicy(ctx context.Context, c *authz.Caller, in *AttachGroupPolicyInput) (*Empty, error) {
	return s.attachPolicy(ctx, c, store.KindGroup, "AttachGroupPolicy", in.GroupName, in.PolicyArn)
}

// DetachGroupPolicyInput is the input of DetachGroupPolicy.
type DetachGroupPolicyInput struct {
	GroupName string `query:"GroupName,required"`
	PolicyArn string `query:"PolicyArn,required"`
}

// DetachGroupPolicy detaches a managed policy from a group. Errors:
// NoSuchEntity, InvalidInput, ValidationError, AccessDenied.
func (s *Service) DetachGroupPolicy(ctx context.Context, c *authz.Caller, in *DetachGroupPolicyInput) (*Empty, error) {
	return s.detachPolicy(ctx, c, store.KindGroup, "DetachGroupPolicy", in.GroupName, in.PolicyArn)
}

// ListAttachedGroupPoliciesInput is the input of ListAttachedGroupPolicies.
type ListAttachedGroupPoliciesInput struct {
	GroupName  string `query:"GroupName,required"`
	PathPrefix string `query:"PathPrefix"`
	Marker     string `query:"Marker"`
	MaxItems   *int   `query:"MaxItems"`
}

// ListAttachedGroupPolicies lists the managed policies attached to a
// group. Errors: NoSuchEntity, InvalidInput, ValidationError,
// AccessDenied.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, c *authz.Caller, in *ListAttachedGroupPoliciesInput) (*ListAttachedPoliciesOutput, error) {
	return s.listAttached(ctx, c, store.KindGroup, "ListAttachedGroupPolicies", in.GroupName, in.PathPrefix, in.Marker, in.MaxItems)
}

// AttachRolePolicyInput is the input of AttachRolePolicy.
type AttachRolePolicyInput struct {
	RoleName  string `query:"RoleName,required"`
	PolicyArn string `query:"PolicyArn,required"`
}

// AttachRolePolicy attaches a managed policy to a role. Errors:
// NoSuchEntity, LimitExceeded, InvalidInput, UnmodifiableEntity
// (service-linked role), ValidationError, AccessDenied.
func (s *Service) AttachRolePolicy(ctx context.Context, c *authz.Caller, in *AttachRolePolicyInput) (*Empty, error) {
	return s.attachPolicy(ctx, c, store.KindRole, "AttachRolePolicy", in.RoleName, in.PolicyArn)
}

// DetachRolePolicyInput is the input of DetachRolePolicy.
type DetachRolePolicyInput struct {
	RoleName  string `query:"RoleName,required"`
	PolicyArn string `query:"PolicyArn,required"`
}

// DetachRolePolicy detaches a managed policy from a role. Errors:
// NoSuchEntity, InvalidInput, UnmodifiableEntity, ValidationError,
// AccessDenied.
func (s *Service) DetachRolePolicy(ctx context.Context, c *authz.Caller, in *DetachRolePolicyInput) (*Empty, error) {
	return s.detachPolicy(ctx, c, store.KindRole, "DetachRolePolicy", in.RoleName, in.PolicyArn)
}

// ListAttachedRolePoliciesInput is the input of ListAttachedRolePolicies.
type ListAttachedRolePoliciesInput struct {
	RoleName   string `query:"RoleName,required"`
	PathPrefix string `query:"PathPrefix"`
	Marker     string `query:"Marker"`
	MaxItems   *int   `query:"MaxItems"`
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
// Errors: NoSuchEntity, InvalidInput, ValidationError, AccessDenied.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, c *authz.Caller, in *ListAttachedRolePoliciesInput) (*ListAttachedPoliciesOutput, error) {
	return s.listAttached(ctx, c, store.KindRole, "ListAttachedRolePolicies", in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
}

// PolicyUser is a user in ListEntitiesForPolicy.
type PolicyUser struct {
	UserName string `xml:"UserName"`
	UserID   string `xml:"UserId"`
}

// PolicyGroup is a group in ListEntitiesForPolicy.
type PolicyGroup struct {
	GroupName string `xml:"GroupName"`
	GroupID   string `xml:"GroupId"`
}

// PolicyRole is a role in ListEntitiesForPolicy.
type PolicyRole struct {
	RoleName string `xml:"RoleName"`
	RoleID   string `xml:"RoleId"`
}

// ListEntitiesForPolicyInput is the input of ListEntitiesForPolicy.
type ListEntitiesForPolicyInput struct {
	PolicyArn         string `query:"PolicyArn,required"`
	EntityFilter      string `query:"EntityFilter"`
	PathPrefix        string `query:"PathPrefix"`
	PolicyUsageFilter string `query:"PolicyUsageFilter"`
	Marker            string `query:"Marker"`
	MaxItems          *int   `query:"MaxItems"`
}

// ListEntitiesForPolicyOutput is the output of ListEntitiesForPolicy.
type ListEntitiesForPolicyOutput struct {
	PolicyGroups List[PolicyGroup] `xml:"PolicyGroups"`
	PolicyUsers  List[PolicyUser]  `xml:"PolicyUsers"`
	PolicyRoles  List[PolicyRole]  `xml:"PolicyRoles"`
	IsTruncated  bool              `xml:"IsTruncated"`
	Marker       string            `xml:"Marker,omitempty"`
}

// entityFilterKinds maps an EntityFilter to the kinds it keeps. The
// managed-policy values of the shared enum match no entity.
var entityFilterKinds = map[string][]string{
	"":                   {store.KindUser, store.KindGroup, store.KindRole},
	"User":               {store.KindUser},
	"Group":              {store.KindGroup},
	"Role":               {store.KindRole},
	"LocalManagedPolicy": nil,
	"AWSManagedPolicy":   nil,
}

// ListEntitiesForPolicy lists the users, groups and roles in the account
// that have a managed policy attached (PolicyUsageFilter
// PermissionsPolicy), use it as permissions boundary (PermissionsBoundary),
// or either (no filter). Entities whose path starts with PathPrefix are
// listed, groups, then roles, then users, each by id; one Marker pages
// through all three lists. Errors: NoSuchEntity, InvalidInput,
// ValidationError, AccessDenied.
func (s *Service) ListEntitiesForPolicy(ctx context.Context, c *authz.Caller, in *ListEntitiesForPolicyInput) (*ListEntitiesForPolicyOutput, error) {
	kinds, ok := entityFilterKinds[in.EntityFilter]
	if !ok {
		return nil, validation("entityFilter", in.EntityFilter, "Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]")
	}
	if err := checkUsageFilter(in.PolicyUsageFilter); err != nil {
		return nil, err
	}
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	acct := c.Account()
	var out *ListEntitiesForPolicyOutput
	err = s.st.View(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "ListEntitiesForPolicy", in.PolicyArn, nil)
		if err != nil {
			return err
		}
		var owners []policyOwner
		if in.PolicyUsageFilter != usageBoundary {
			at, err := policyOwners(ctx, tx, acct, store.AttachedToPrefix(ref.ARN))
			if err != nil {
				return err
			}
			owners = append(owners, at...)
		}
		if in.PolicyUsageFilter != usagePermissionsPolicy {
			bu, err := policyOwners(ctx, tx, acct, store.BoundaryUsePrefix(ref.ARN))
			if err != nil {
				return err
			}
			owners = append(owners, bu...)
		}
		sort.Slice(owners, func(i, j int) bool { return owners[i].key() < owners[j].key() })
		// Keep each entity once, of the kinds asked for, under the path
		// prefix; dangling records are skipped.
		type entity struct {
			key      string
			kind     string
			name, id string
		}
		var entities []entity
		for i, o := range owners {
			if i > 0 && owners[i-1] == o || !slices.Contains(kinds, o.Kind) {
				continue
			}
			e, ok, err := loadPolicyOwner(ctx, tx, acct, o)
			if err != nil {
				return err
			}
			if ok && strings.HasPrefix(e.path, prefix) {
				entities = append(entities, entity{key: o.key(), kind: o.Kind, name: e.name, id: o.ID})
			}
		}
		items, marker, err := pageInMemory(entities, func(i int) string { return entities[i].key }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		out = &ListEntitiesForPolicyOutput{
			PolicyGroups: List[PolicyGroup]{Member: []PolicyGroup{}},
			PolicyUsers:  List[PolicyUser]{Member: []PolicyUser{}},
			PolicyRoles:  List[PolicyRole]{Member: []PolicyRole{}},
			IsTruncated:  marker != "", Marker: marker,
		}
		for _, e := range items {
			switch e.kind {
			case store.KindUser:
				out.PolicyUsers.Member = append(out.PolicyUsers.Member, PolicyUser{UserName: e.name, UserID: e.id})
			case store.KindGroup:
				out.PolicyGroups.Member = append(out.PolicyGroups.Member, PolicyGroup{GroupName: e.name, GroupID: e.id})
			default:
				out.PolicyRoles.Member = append(out.PolicyRoles.Member, PolicyRole{RoleName: e.name, RoleID: e.id})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ownerEntity is the name and path of a user, group or role.
type ownerEntity struct {
	name, path string
}

// loadPolicyOwner reads a policy owner by id; ok is false when it no longer
// exists.
func loadPolicyOwner(ctx context.Context, tx store.Tx, acct string, o policyOwner) (ownerEntity, bool, error) {
	var (
		e   ownerEntity
		err error
	)
	switch o.Kind {
	case store.KindUser:
		var u *store.User
		if u, err = loadByID[store.User](ctx, tx, acct, store.UserIDKey, store.UserKey, o.ID); err == nil {
			e = ownerEntity{name: u.Name, path: u.Path}
		}
	case store.KindGroup:
		var g *store.Group
		if g, err = loadByID[store.Group](ctx, tx, acct, store.GroupIDKey, store.GroupKey, o.ID); err == nil {
			e = ownerEntity{name: g.Name, path: g.Path}
		}
	default:
		var r *store.Role
		if r, err = loadByID[store.Role](ctx, tx, acct, store.RoleIDKey, store.RoleKey, o.ID); err == nil {
			e = ownerEntity{name: r.Name, path: r.Path}
		}
	}
	if isNotFound(err) {
		return ownerEntity{}, false, nil
	}
	return e, err == nil, err
}
