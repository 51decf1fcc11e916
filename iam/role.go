package iam

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/arn"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Role session-duration bounds, in seconds.
const (
	minSessionDuration     = 3600
	maxSessionDuration     = 43200
	defaultSessionDuration = 3600
)

// maxPolicyDocumentLength is the model's length limit of a policy document
// parameter, before the size quota.
const maxPolicyDocumentLength = 131072

var roleDescriptionPattern = regexp.MustCompile(`^[\t\n\r\x{20}-\x{7E}\x{A1}-\x{FF}]*$`)

// checkTrustPolicy validates a role trust policy as IAM does: the model's
// length, the grammar of a trust policy, then the ACLSizePerRole quota.
func checkTrustPolicy(member, doc string) error {
	if doc == "" {
		return validation(member, doc, "Member must have length greater than or equal to 1")
	}
	if len(doc) > maxPolicyDocumentLength {
		return awserr.New(awserr.ValidationError, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", member, maxPolicyDocumentLength)
	}
	if _, err := policy.Parse([]byte(doc), policy.KindTrust); err != nil {
		var errs policy.Errors
		if errors.As(err, &errs) && len(errs) > 0 {
			return awserr.New(awserr.MalformedPolicyDocument, "%s", errs[0].Error())
		}
		return awserr.New(awserr.MalformedPolicyDocument, "%s", err.Error())
	}
	if err := policy.CheckSize([]byte(doc), policy.LimitTrust); err != nil {
		return awserr.New(awserr.LimitExceeded, "Cannot exceed quota for ACLSizePerRole: %d", int(policy.LimitTrust))
	}
	return nil
}

// checkRoleDescription validates a role description.
func checkRoleDescription(v string) error {
	if utf8.RuneCountInString(v) > 1000 {
		return validation("description", v, "Member must have length less than or equal to 1000")
	}
	if !roleDescriptionPattern.MatchString(v) {
		return validation("description", v, `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`)
	}
	return nil
}

// checkMaxSessionDuration validates MaxSessionDuration; nil means the
// default.
func checkMaxSessionDuration(v *int) (int, error) {
	if v == nil {
		return defaultSessionDuration, nil
	}
	switch {
	case *v < minSessionDuration:
		return 0, validation("maxSessionDuration", fmt.Sprint(*v), fmt.Sprintf("Member must have value greater than or equal to %d", minSessionDuration))
	case *v > maxSessionDuration:
		return 0, validation("maxSessionDuration", fmt.Sprint(*v), fmt.Sprintf("Member must have value less than or equal to %d", maxSessionDuration))
	}
	return *v, nil
}

// checkBoundaryARN validates a PermissionsBoundary parameter.
func checkBoundaryARN(v string) error {
	if len(v) < 20 || len(v) > 2048 {
		return validation("permissionsBoundary", v, "Member must have length less than or equal to 2048 and greater than or equal to 20")
	}
	if _, err := arn.Parse(v); err != nil {
		return awserr.New(awserr.InvalidInput, "ARN %s is not valid.", v)
	}
	return nil
}

// CreateRoleInput is the input of CreateRole.
type CreateRoleInput struct {
	Path                     string `query:"Path"`
	RoleName                 string `query:"RoleName,required"`
	AssumeRolePolicyDocument string `query:"AssumeRolePolicyDocument,required"`
	Description              string `query:"Description"`
	MaxSessionDuration       *int   `query:"MaxSessionDuration"`
	PermissionsBoundary      string `query:"PermissionsBoundary"`
	Tags                     []Tag  `query:"Tags"`
}

// CreateRoleOutput is the output of CreateRole.
type CreateRoleOutput struct {
	Role Role `xml:"Role"`
}

// CreateRole creates a role with a trust policy. A PermissionsBoundary
// also needs iam:PutRolePermissionsBoundary on the role. Errors:
// EntityAlreadyExists, MalformedPolicyDocument, LimitExceeded (trust policy
// size, tags), NoSuchEntity (boundary policy), InvalidInput,
// ValidationError, AccessDenied.
func (s *Service) CreateRole(ctx context.Context, c *authz.Caller, in *CreateRoleInput) (*CreateRoleOutput, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	path, err := validatePath("path", in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkRoleDescription(in.Description); err != nil {
		return nil, err
	}
	maxSession, err := checkMaxSessionDuration(in.MaxSessionDuration)
	if err != nil {
		return nil, err
	}
	if in.PermissionsBoundary != "" {
		if err := checkBoundaryARN(in.PermissionsBoundary); err != nil {
			return nil, err
		}
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTags {
		return nil, awserr.New(awserr.LimitExceeded, "The number of tags has reached the maximum limit.")
	}
	if err := checkTrustPolicy("assumeRolePolicyDocument", in.AssumeRolePolicyDocument); err != nil {
		return nil, err
	}
	acct := c.Account()
	r := &store.Role{ID: newID("AROA"), Name: in.RoleName, Path: path, ARN: entityARN(acct, "role", path, in.RoleName),
		CreatedAt: s.timestamp(), TrustPolicy: in.AssumeRolePolicyDocument, Description: in.Description,
		MaxSessionDuration: maxSession, Boundary: in.PermissionsBoundary}
	for _, t := range in.Tags {
		r.Tags = append(r.Tags, store.Tag{Key: t.Key, Value: t.Value})
	}
	if err := s.authorize(ctx, c, "CreateRole", r.ARN, tagContext(in.Tags)); err != nil {
		return nil, err
	}
	if r.Boundary != "" {
		if err := s.authorize(ctx, c, "PutRolePermissionsBoundary", r.ARN, boundaryContext(r.Boundary)); err != nil {
			return nil, err
		}
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if r.Boundary != "" {
			if err := s.useBoundary(ctx, tx, acct, r.Boundary, store.KindRole, r.ID); err != nil {
				return err
			}
		}
		if err := store.CreateJSON(ctx, tx, acct, store.RoleKey(r.Name), r); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return awserr.New(awserr.EntityAlreadyExists, "Role with name %s already exists.", r.Name)
			}
			return err
		}
		return tx.Put(ctx, acct, store.RoleIDKey(r.ID), []byte(strings.ToLower(r.Name)))
	})
	if err != nil {
		return nil, err
	}
	return &CreateRoleOutput{Role: roleShape(r, true)}, nil
}

// GetRoleInput is the input of GetRole.
type GetRoleInput struct {
	RoleName string `query:"RoleName,required"`
}

// GetRoleOutput is the output of GetRole.
type GetRoleOutput struct {
	Role Role `xml:"Role"`
}

// GetRole returns a role with its trust policy, boundary and tags. Errors:
// NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) GetRole(ctx context.Context, c *authz.Caller, in *GetRoleInput) (*GetRoleOutput, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	var out *GetRoleOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		r, err := s.authorizedRole(ctx, tx, c, "GetRole", in.RoleName, nil)
		if err != nil {
			return err
		}
		out = &GetRoleOutput{Role: roleShape(r, true)}
		out.Role.RoleLastUsed = &RoleLastUsed{}
		var use store.RoleUse
		switch err := store.GetJSON(ctx, tx, store.UsagePartition, store.RoleUseKey(c.Account(), r.ID), &use); {
		case err == nil:
			out.Role.RoleLastUsed = &RoleLastUsed{LastUsedDate: &use.At, Region: use.Region}
		case !isNotFound(err):
			return err
		}
		return nil
	})
	return out, err
}

// ListRolesInput is the input of ListRoles.
type ListRolesInput struct {
	PathPrefix string `query:"PathPrefix"`
	Marker     string `query:"Marker"`
	MaxItems   *int   `query:"MaxItems"`
}

// ListRolesOutput is the output of ListRoles.
type ListRolesOutput struct {
	Roles       List[Role] `xml:"Roles"`
	IsTruncated bool       `xml:"IsTruncated"`
	Marker      string     `xml:"Marker,omitempty"`
}

// ListRoles lists the account's roles whose path starts with PathPrefix,
// ordered by name. As in IAM, the items carry no tags and no permissions
// boundary. Errors: ValidationError, InvalidInput (bad Marker),
// AccessDenied.
func (s *Service) ListRoles(ctx context.Context, c *authz.Caller, in *ListRolesInput) (*ListRolesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "ListRoles", entityARN(c.Account(), "role", prefix, ""), nil); err != nil {
		return nil, err
	}
	out := &ListRolesOutput{Roles: List[Role]{Member: []Role{}}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		roles, marker, err := page(ctx, tx, c.Account(), "role/", in.Marker, in.MaxItems, func(r *store.Role) bool {
			return strings.HasPrefix(r.Path, prefix)
		})
		if err != nil {
			return err
		}
		out.Roles.Member = out.Roles.Member[:0]
		for i := range roles {
			item := roleShape(&roles[i], false)
			item.PermissionsBoundary = nil
			out.Roles.Member = append(out.Roles.Member, item)
		}
		out.Marker, out.IsTruncated = marker, marker != ""
		return nil
	})
	return out, err
}

// UpdateRoleInput is the input of UpdateRole. Absent members are left
// unchanged.
type UpdateRoleInput struct {
	RoleName           string  `query:"RoleName,required"`
	Description        *string `query:"Description"`
	MaxSessionDuration *int    `query:"MaxSessionDuration"`
}

// UpdateRoleOutput is the empty output of UpdateRole. Unlike operations
// without output, IAM's model gives UpdateRole a result element, and SDK
// decoders fail without it; the blank field makes the encoder write an
// empty <UpdateRoleResult/>.
type UpdateRoleOutput struct {
	_ struct{}
}

// UpdateRole changes a role's description or maximum session duration.
// Errors: NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) UpdateRole(ctx context.Context, c *authz.Caller, in *UpdateRoleInput) (*UpdateRoleOutput, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	if in.Description != nil {
		if err := checkRoleDescription(*in.Description); err != nil {
			return nil, err
		}
	}
	var maxSession int
	if in.MaxSessionDuration != nil {
		var err error
		if maxSession, err = checkMaxSessionDuration(in.MaxSessionDuration); err != nil {
			return nil, err
		}
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		r, err := s.authorizedRole(ctx, tx, c, "UpdateRole", in.RoleName, nil)
		if err != nil {
			return err
		}
		if in.Description != nil {
			r.Description = *in.Description
		}
		if in.MaxSessionDuration != nil {
			r.MaxSessionDuration = maxSession
		}
		return store.PutJSON(ctx, tx, c.Account(), store.RoleKey(r.Name), r)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateRoleOutput{}, nil
}

// UpdateAssumeRolePolicyInput is the input of UpdateAssumeRolePolicy.
type UpdateAssumeRolePolicyInput struct {
	RoleName       string `query:"RoleName,required"`
	PolicyDocument string `query:"PolicyDocument,required"`
}

// UpdateAssumeRolePolicy replaces a role's trust policy. Errors:
// NoSuchEntity, MalformedPolicyDocument, LimitExceeded, ValidationError,
// AccessDenied.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, c *authz.Caller, in *UpdateAssumeRolePolicyInput) (*Empty, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	if err := checkTrustPolicy("policyDocument", in.PolicyDocument); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		r, err := s.authorizedRole(ctx, tx, c, "UpdateAssumeRolePolicy", in.RoleName, nil)
		if err != nil {
			return err
		}
		r.TrustPolicy = in.PolicyDocument
		return store.PutJSON(ctx, tx, c.Account(), store.RoleKey(r.Name), r)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DeleteRoleInput is the input of DeleteRole.
type DeleteRoleInput struct {
	RoleName string `query:"RoleName,required"`
}

// DeleteRole deletes a role that has no inline or attached policies left.
// Its permissions boundary, if any, is released. Errors: NoSuchEntity,
// DeleteConflict, ValidationError, AccessDenied.
func (s *Service) DeleteRole(ctx context.Context, c *authz.Caller, in *DeleteRoleInput) (*Empty, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		r, err := s.authorizedRole(ctx, tx, c, "DeleteRole", in.RoleName, nil)
		if err != nil {
			return err
		}
		conflicts := []struct{ prefix, msg string }{
			{store.InlinePrefix(store.KindRole, r.ID), "Cannot delete entity, must delete policies first."},
			{store.AttachPrefix(store.KindRole, r.ID), "Cannot delete entity, must detach all policies first."},
		}
		if err := checkDeleteConflicts(ctx, tx, acct, conflicts); err != nil {
			return err
		}
		if r.Boundary != "" {
			if err := tx.Delete(ctx, acct, store.BoundaryUseKey(r.Boundary, store.KindRole, r.ID)); err != nil && !isNotFound(err) {
				return err
			}
		}
		if err := tx.Delete(ctx, acct, store.RoleIDKey(r.ID)); err != nil && !isNotFound(err) {
			return err
		}
		if err := tx.Delete(ctx, store.UsagePartition, store.RoleUseKey(acct, r.ID)); err != nil && !isNotFound(err) {
			return err
		}
		return tx.Delete(ctx, acct, store.RoleKey(r.Name))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// TagRoleInput is the input of TagRole.
type TagRoleInput struct {
	RoleName string `query:"RoleName,required"`
	Tags     []Tag  `query:"Tags,required"`
}

// TagRole adds or replaces tags of a role. Errors: NoSuchEntity,
// LimitExceeded, InvalidInput, ValidationError, AccessDenied.
func (s *Service) TagRole(ctx context.Context, c *authz.Caller, in *TagRoleInput) (*Empty, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		r, err := s.authorizedRole(ctx, tx, c, "TagRole", in.RoleName, tagContext(in.Tags))
		if err != nil {
			return err
		}
		if r.Tags, err = mergeTags(r.Tags, in.Tags); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, c.Account(), store.RoleKey(r.Name), r)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// UntagRoleInput is the input of UntagRole.
type UntagRoleInput struct {
	RoleName string   `query:"RoleName,required"`
	TagKeys  []string `query:"TagKeys,required"`
}

// UntagRole removes tags from a role; keys it does not have are ignored.
// Errors: NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) UntagRole(ctx context.Context, c *authz.Caller, in *UntagRoleInput) (*Empty, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		r, err := s.authorizedRole(ctx, tx, c, "UntagRole", in.RoleName, tagKeysContext(in.TagKeys))
		if err != nil {
			return err
		}
		r.Tags = removeTags(r.Tags, in.TagKeys)
		return store.PutJSON(ctx, tx, c.Account(), store.RoleKey(r.Name), r)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListRoleTagsInput is the input of ListRoleTags.
type ListRoleTagsInput struct {
	RoleName string `query:"RoleName,required"`
	Marker   string `query:"Marker"`
	MaxItems *int   `query:"MaxItems"`
}

// ListRoleTagsOutput is the output of ListRoleTags.
type ListRoleTagsOutput struct {
	Tags        List[Tag] `xml:"Tags"`
	IsTruncated bool      `xml:"IsTruncated"`
	Marker      string    `xml:"Marker,omitempty"`
}

// ListRoleTags lists a role's tags in the order they were added. Errors:
// NoSuchEntity, ValidationError, InvalidInput (bad Marker), AccessDenied.
func (s *Service) ListRoleTags(ctx context.Context, c *authz.Caller, in *ListRoleTagsInput) (*ListRoleTagsOutput, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	if _, err := pageLimit(in.MaxItems); err != nil {
		return nil, err
	}
	var out *ListRoleTagsOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		r, err := s.authorizedRole(ctx, tx, c, "ListRoleTags", in.RoleName, nil)
		if err != nil {
			return err
		}
		tags, marker, err := pageInMemory(r.Tags, func(i int) string { return fmt.Sprintf("tag/%04d", i) }, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		out = &ListRoleTagsOutput{Tags: allTags(tags), IsTruncated: marker != "", Marker: marker}
		return nil
	})
	return out, err
}
