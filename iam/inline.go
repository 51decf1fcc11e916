package iam

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Inline policies are embedded in one user, group or role. Each is stored
// at store.InlineKey(kind, ownerID, name) as a store.InlinePolicy, where
// authz reads them; names compare case-insensitively and keep the case
// they were last put with.

// maxInlineDocumentChars is the model's length limit of a PolicyDocument
// parameter (the size quotas are checked separately).
const maxInlineDocumentChars = 131072

// inlineOwner is the user, group or role whose inline policies an
// operation acts on.
type inlineOwner struct {
	kind  string // store.KindUser, KindGroup or KindRole
	id    string
	name  string
	limit policy.Limit
}

// validatePolicyDocumentParam checks a PolicyDocument parameter against
// the model: 1..131072 characters of tab, line feed, carriage return and
// U+0020..U+00FF.
func validatePolicyDocumentParam(member, doc string) error {
	if doc == "" || utf8.RuneCountInString(doc) > maxInlineDocumentChars {
		return validation(member, doc, "Member must have length less than or equal to 131072 and greater than or equal to 1")
	}
	for _, r := range doc {
		if r != '\t' && r != '\n' && r != '\r' && (r < 0x20 || r > 0xFF) {
			return validation(member, doc, `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`)
		}
	}
	return nil
}

// parseInlineDocument validates an identity-policy document, returning
// MalformedPolicyDocument with the parser's first problem.
func parseInlineDocument(doc string) error {
	_, err := policy.ParseString(doc, policy.KindIdentity)
	if err == nil {
		return nil
	}
	var es policy.Errors
	if errors.As(err, &es) && len(es) > 0 {
		return awserr.New(awserr.MalformedPolicyDocument, "%s", es[0].Error())
	}
	return awserr.New(awserr.MalformedPolicyDocument, "%s", err.Error())
}

// validateInlineInput checks the entity name, policy name and document of
// a Put…Policy request; docErr is the document's MalformedPolicyDocument,
// to report once the caller is authorized.
func validateInlineInput(entityMember, entity string, entityMax int, name, doc string) (docErr error, err error) {
	if err := validateName(entityMember, entity, entityMax); err != nil {
		return nil, err
	}
	if err := validateName("policyName", name, 128); err != nil {
		return nil, err
	}
	if err := validatePolicyDocumentParam("policyDocument", doc); err != nil {
		return nil, err
	}
	return parseInlineDocument(doc), nil
}

// putInline creates or replaces an inline policy, enforcing the owner's
// aggregate size quota (white space not counted).
func putInline(ctx context.Context, tx store.Tx, acct string, o inlineOwner, name, doc string) error {
	have, _, err := store.ListJSON[store.InlinePolicy](ctx, tx, acct, store.InlinePrefix(o.kind, o.id), "", 0)
	if err != nil {
		return err
	}
	total := policy.Size([]byte(doc))
	for _, p := range have {
		if !strings.EqualFold(p.Name, name) {
			total += policy.Size([]byte(p.Document))
		}
	}
	if total > int(o.limit) {
		return awserr.New(awserr.LimitExceeded, "Maximum policy size of %d bytes exceeded for %s %s", int(o.limit), o.kind, o.name)
	}
	return store.PutJSON(ctx, tx, acct, store.InlineKey(o.kind, o.id, name), &store.InlinePolicy{Name: name, Document: doc})
}

// getInline reads one inline policy of an owner.
func getInline(ctx context.Context, tx store.Tx, acct string, o inlineOwner, name string) (*store.InlinePolicy, error) {
	var p store.InlinePolicy
	if err := store.GetJSON(ctx, tx, acct, store.InlineKey(o.kind, o.id, name), &p); err != nil {
		if isNotFound(err) {
			return nil, awserr.New(awserr.NoSuchEntity, "The %s policy with name %s cannot be found.", o.kind, name)
		}
		return nil, err
	}
	return &p, nil
}

// deleteInline removes one inline policy of an owner.
func deleteInline(ctx context.Context, tx store.Tx, acct string, o inlineOwner, name string) error {
	if _, err := getInline(ctx, tx, acct, o, name); err != nil {
		return err
	}
	return tx.Delete(ctx, acct, store.InlineKey(o.kind, o.id, name))
}

// listInline returns a page of an owner's inline policy names, sorted.
func listInline(ctx context.Context, tx store.Tx, acct string, o inlineOwner, marker string, maxItems *int) (*ListPoliciesOfEntityOutput, error) {
	pols, next, err := page[store.InlinePolicy](ctx, tx, acct, store.InlinePrefix(o.kind, o.id), marker, maxItems, nil)
	if err != nil {
		return nil, err
	}
	out := &ListPoliciesOfEntityOutput{PolicyNames: List[string]{Member: make([]string, 0, len(pols))}, IsTruncated: next != "", Marker: next}
	for _, p := range pols {
		out.PolicyNames.Member = append(out.PolicyNames.Member, p.Name)
	}
	return out, nil
}

// ListPoliciesOfEntityOutput is the output of ListUserPolicies,
// ListGroupPolicies and ListRolePolicies.
type ListPoliciesOfEntityOutput struct {
	PolicyNames List[string] `xml:"PolicyNames"`
	IsTruncated bool         `xml:"IsTruncated"`
	Marker      string       `xml:"Marker,omitempty"`
}

// currentBoundaryContext sets iam:PermissionsBoundary to an entity's
// boundary, when it has one: IAM offers the key on the operations that
// change a user's or role's permissions.
func currentBoundaryContext(arn string) func(*policy.Context) {
	if arn == "" {
		return nil
	}
	return boundaryContext(arn)
}

// boundedUser loads a user and authorizes action on it with its tags and
// its current permissions boundary in the request context.
func (s *Service) boundedUser(ctx context.Context, tx store.Tx, c *authz.Caller, action, name string) (*store.User, error) {
	u, err := loadUser(ctx, tx, c.Account(), name)
	if err != nil {
		return nil, s.authorizeMissing(ctx, c, err, action, entityARN(c.Account(), "user", "/", name), nil)
	}
	if err := s.authorize(ctx, c, action, u.ARN, resourceTagContext(u.Tags, currentBoundaryContext(u.Boundary))); err != nil {
		return nil, err
	}
	return u, nil
}

// boundedRole loads a role and authorizes action on it with its tags and
// its current permissions boundary in the request context. Service-linked
// roles are refused: only AWS modifies them.
func (s *Service) boundedRole(ctx context.Context, tx store.Tx, c *authz.Caller, action, name string) (*store.Role, error) {
	r, err := loadRole(ctx, tx, c.Account(), name)
	if err != nil {
		return nil, s.authorizeMissing(ctx, c, err, action, entityARN(c.Account(), "role", "/", name), nil)
	}
	if err := s.authorize(ctx, c, action, r.ARN, resourceTagContext(r.Tags, currentBoundaryContext(r.Boundary))); err != nil {
		return nil, err
	}
	if err := refuseServiceLinkedRole(r); err != nil {
		return nil, err
	}
	return r, nil
}

// refuseServiceLinkedRole returns UnmodifiableEntity for a service-linked
// role (path /aws-service-role/…), which only AWS may change.
func refuseServiceLinkedRole(r *store.Role) error {
	if strings.HasPrefix(r.Path, "/aws-service-role/") {
		return awserr.New(awserr.UnmodifiableEntity, "Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", r.Name)
	}
	return nil
}

func userInlineOwner(u *store.User) inlineOwner {
	return inlineOwner{kind: store.KindUser, id: u.ID, name: u.Name, limit: policy.LimitUserInline}
}

func groupInlineOwner(g *store.Group) inlineOwner {
	return inlineOwner{kind: store.KindGroup, id: g.ID, name: g.Name, limit: policy.LimitGroupInline}
}

func roleInlineOwner(r *store.Role) inlineOwner {
	return inlineOwner{kind: store.KindRole, id: r.ID, name: r.Name, limit: policy.LimitRoleInline}
}

// Users

// PutUserPolicyInput is the input of PutUserPolicy.
type PutUserPolicyInput struct {
	UserName       string `query:"UserName,required"`
	PolicyName     string `query:"PolicyName,required"`
	PolicyDocument string `query:"PolicyDocument,required"`
}

// PutUserPolicy creates or replaces an inline policy of a user. Errors:
// NoSuchEntity, MalformedPolicyDocument, LimitExceeded, ValidationError,
// AccessDenied.
func (s *Service) PutUserPolicy(ctx context.Context, c *authz.Caller, in *PutUserPolicyInput) (*Empty, error) {
	docErr, err := validateInlineInput("userName", in.UserName, 128, in.PolicyName, in.PolicyDocument)
	if err != nil {
		return nil, err
	}
	acct := c.Account()
	err = s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.boundedUser(ctx, tx, c, "PutUserPolicy", in.UserName)
		if err != nil {
			return err
		}
		if docErr != nil {
			return docErr
		}
		return putInline(ctx, tx, acct, userInlineOwner(u), in.PolicyName, in.PolicyDocument)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// GetUserPolicyInput is the input of GetUserPolicy.
type GetUserPolicyInput struct {
	UserName   string `query:"UserName,required"`
	PolicyName string `query:"PolicyName,required"`
}

// GetUserPolicyOutput is the output of GetUserPolicy.
type GetUserPolicyOutput struct {
	UserName       string          `xml:"UserName"`
	PolicyName     string          `xml:"PolicyName"`
	PolicyDocument EncodedDocument `xml:"PolicyDocument"`
}

// GetUserPolicy returns an inline policy of a user, its document
// percent-encoded. Errors: NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) GetUserPolicy(ctx context.Context, c *authz.Caller, in *GetUserPolicyInput) (*GetUserPolicyOutput, error) {
	if err := validateName("userName", in.UserName, 128); err != nil {
		return nil, err
	}
	if err := validateName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	var out *GetUserPolicyOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "GetUserPolicy", in.UserName, nil)
		if err != nil {
			return err
		}
		p, err := getInline(ctx, tx, c.Account(), userInlineOwner(u), in.PolicyName)
		if err != nil {
			return err
		}
		out = &GetUserPolicyOutput{UserName: u.Name, PolicyName: p.Name, PolicyDocument: EncodedDocument(p.Document)}
		return nil
	})
	return out, err
}

// ListUserPoliciesInput is the input of ListUserPolicies.
type ListUserPoliciesInput struct {
	UserName string `query:"UserName,required"`
	Marker   string `query:"Marker"`
	MaxItems *int   `query:"MaxItems"`
}

// ListUserPolicies lists the names of a user's inline policies. Errors:
// NoSuchEntity, InvalidInput (marker), ValidationError, AccessDenied.
func (s *Service) ListUserPolicies(ctx context.Context, c *authz.Caller, in *ListUserPoliciesInput) (*ListPoliciesOfEntityOutput, error) {
	if err := validateName("userName", in.UserName, 128); err != nil {
		return nil, err
	}
	var out *ListPoliciesOfEntityOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "ListUserPolicies", in.UserName, nil)
		if err != nil {
			return err
		}
		out, err = listInline(ctx, tx, c.Account(), userInlineOwner(u), in.Marker, in.MaxItems)
		return err
	})
	return out, err
}

// DeleteUserPolicyInput is the input of DeleteUserPolicy.
type DeleteUserPolicyInput struct {
	UserName   string `query:"UserName,required"`
	PolicyName string `query:"PolicyName,required"`
}

// DeleteUserPolicy deletes an inline policy of a user. Errors:
// NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) DeleteUserPolicy(ctx context.Context, c *authz.Caller, in *DeleteUserPolicyInput) (*Empty, error) {
	if err := validateName("userName", in.UserName, 128); err != nil {
		return nil, err
	}
	if err := validateName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.boundedUser(ctx, tx, c, "DeleteUserPolicy", in.UserName)
		if err != nil {
			return err
		}
		return deleteInline(ctx, tx, c.Account(), userInlineOwner(u), in.PolicyName)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// Groups

// PutGroupPolicyInput is the input of PutGroupPolicy.
type PutGroupPolicyInput struct {
	GroupName      string `query:"GroupName,required"`
	PolicyName     string `query:"PolicyName,required"`
	PolicyDocument string `query:"PolicyDocument,required"`
}

// PutGroupPolicy creates or replaces an inline policy of a group. Errors:
// NoSuchEntity, MalformedPolicyDocument, LimitExceeded, ValidationError,
// AccessDenied.
func (s *Service) PutGroupPolicy(ctx context.Context, c *authz.Caller, in *PutGroupPolicyInput) (*Empty, error) {
	docErr, err := validateInlineInput("groupName", in.GroupName, 128, in.PolicyName, in.PolicyDocument)
	if err != nil {
		return nil, err
	}
	acct := c.Account()
	err = s.st.Update(ctx, func(tx store.Tx) error {
		g, err := s.authorizedGroup(ctx, tx, c, "PutGroupPolicy", in.GroupName, nil)
		if err != nil {
			return err
		}
		if docErr != nil {
			return docErr
		}
		return putInline(ctx, tx, acct, groupInlineOwner(g), in.PolicyName, in.PolicyDocument)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// GetGroupPolicyInput is the input of GetGroupPolicy.
type GetGroupPolicyInput struct {
	GroupName  string `query:"GroupName,required"`
	PolicyName string `query:"PolicyName,required"`
}

// GetGroupPolicyOutput is the output of GetGroupPolicy.
type GetGroupPolicyOutput struct {
	GroupName      string          `xml:"GroupName"`
	PolicyName     string          `xml:"PolicyName"`
	PolicyDocument EncodedDocument `xml:"PolicyDocument"`
}

// GetGroupPolicy returns an inline policy of a group, its document
// percent-encoded. Errors: NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) GetGroupPolicy(ctx context.Context, c *authz.Caller, in *GetGroupPolicyInput) (*GetGroupPolicyOutput, error) {
	if err := validateName("groupName", in.GroupName, 128); err != nil {
		return nil, err
	}
	if err := validateName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	var out *GetGroupPolicyOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		g, err := s.authorizedGroup(ctx, tx, c, "GetGroupPolicy", in.GroupName, nil)
		if err != nil {
			return err
		}
		p, err := getInline(ctx, tx, c.Account(), groupInlineOwner(g), in.PolicyName)
		if err != nil {
			return err
		}
		out = &GetGroupPolicyOutput{GroupName: g.Name, PolicyName: p.Name, PolicyDocument: EncodedDocument(p.Document)}
		return nil
	})
	return out, err
}

// ListGroupPoliciesInput is the input of ListGroupPolicies.
type ListGroupPoliciesInput struct {
	GroupName string `query:"GroupName,required"`
	Marker    string `query:"Marker"`
	MaxItems  *int   `query:"MaxItems"`
}

// ListGroupPolicies lists the names of a group's inline policies. Errors:
// NoSuchEntity, InvalidInput (marker), ValidationError, AccessDenied.
func (s *Service) ListGroupPolicies(ctx context.Context, c *authz.Caller, in *ListGroupPoliciesInput) (*ListPoliciesOfEntityOutput, error) {
	if err := validateName("groupName", in.GroupName, 128); err != nil {
		return nil, err
	}
	var out *ListPoliciesOfEntityOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		g, err := s.authorizedGroup(ctx, tx, c, "ListGroupPolicies", in.GroupName, nil)
		if err != nil {
			return err
		}
		out, err = listInline(ctx, tx, c.Account(), groupInlineOwner(g), in.Marker, in.MaxItems)
		return err
	})
	return out, err
}

// DeleteGroupPolicyInput is the input of DeleteGroupPolicy.
type DeleteGroupPolicyInput struct {
	GroupName  string `query:"GroupName,required"`
	PolicyName string `query:"PolicyName,required"`
}

// DeleteGroupPolicy deletes an inline policy of a group. Errors:
// NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) DeleteGroupPolicy(ctx context.Context, c *authz.Caller, in *DeleteGroupPolicyInput) (*Empty, error) {
	if err := validateName("groupName", in.GroupName, 128); err != nil {
		return nil, err
	}
	if err := validateName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		g, err := s.authorizedGroup(ctx, tx, c, "DeleteGroupPolicy", in.GroupName, nil)
		if err != nil {
			return err
		}
		return deleteInline(ctx, tx, c.Account(), groupInlineOwner(g), in.PolicyName)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// Roles

// PutRolePolicyInput is the input of PutRolePolicy.
type PutRolePolicyInput struct {
	RoleName       string `query:"RoleName,required"`
	PolicyName     string `query:"PolicyName,required"`
	PolicyDocument string `query:"PolicyDocument,required"`
}

// PutRolePolicy creates or replaces an inline policy of a role. Errors:
// NoSuchEntity, MalformedPolicyDocument, LimitExceeded,
// UnmodifiableEntity, ValidationError, AccessDenied.
func (s *Service) PutRolePolicy(ctx context.Context, c *authz.Caller, in *PutRolePolicyInput) (*Empty, error) {
	docErr, err := validateInlineInput("roleName", in.RoleName, 64, in.PolicyName, in.PolicyDocument)
	if err != nil {
		return nil, err
	}
	acct := c.Account()
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := s.boundedRole(ctx, tx, c, "PutRolePolicy", in.RoleName)
		if err != nil {
			return err
		}
		if docErr != nil {
			return docErr
		}
		return putInline(ctx, tx, acct, roleInlineOwner(r), in.PolicyName, in.PolicyDocument)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// GetRolePolicyInput is the input of GetRolePolicy.
type GetRolePolicyInput struct {
	RoleName   string `query:"RoleName,required"`
	PolicyName string `query:"PolicyName,required"`
}

// GetRolePolicyOutput is the output of GetRolePolicy.
type GetRolePolicyOutput struct {
	RoleName       string          `xml:"RoleName"`
	PolicyName     string          `xml:"PolicyName"`
	PolicyDocument EncodedDocument `xml:"PolicyDocument"`
}

// GetRolePolicy returns an inline policy of a role, its document
// percent-encoded. Errors: NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) GetRolePolicy(ctx context.Context, c *authz.Caller, in *GetRolePolicyInput) (*GetRolePolicyOutput, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	if err := validateName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	var out *GetRolePolicyOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		r, err := s.authorizedRole(ctx, tx, c, "GetRolePolicy", in.RoleName, nil)
		if err != nil {
			return err
		}
		p, err := getInline(ctx, tx, c.Account(), roleInlineOwner(r), in.PolicyName)
		if err != nil {
			return err
		}
		out = &GetRolePolicyOutput{RoleName: r.Name, PolicyName: p.Name, PolicyDocument: EncodedDocument(p.Document)}
		return nil
	})
	return out, err
}

// ListRolePoliciesInput is the input of ListRolePolicies.
type ListRolePoliciesInput struct {
	RoleName string `query:"RoleName,required"`
	Marker   string `query:"Marker"`
	MaxItems *int   `query:"MaxItems"`
}

// ListRolePolicies lists the names of a role's inline policies. Errors:
// NoSuchEntity, InvalidInput (marker), ValidationError, AccessDenied.
func (s *Service) ListRolePolicies(ctx context.Context, c *authz.Caller, in *ListRolePoliciesInput) (*ListPoliciesOfEntityOutput, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	var out *ListPoliciesOfEntityOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		r, err := s.authorizedRole(ctx, tx, c, "ListRolePolicies", in.RoleName, nil)
		if err != nil {
			return err
		}
		out, err = listInline(ctx, tx, c.Account(), roleInlineOwner(r), in.Marker, in.MaxItems)
		return err
	})
	return out, err
}

// DeleteRolePolicyInput is the input of DeleteRolePolicy.
type DeleteRolePolicyInput struct {
	RoleName   string `query:"RoleName,required"`
	PolicyName string `query:"PolicyName,required"`
}

// DeleteRolePolicy deletes an inline policy of a role. Errors:
// NoSuchEntity, UnmodifiableEntity, ValidationError, AccessDenied.
func (s *Service) DeleteRolePolicy(ctx context.Context, c *authz.Caller, in *DeleteRolePolicyInput) (*Empty, error) {
	if err := validateName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	if err := validateName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		r, err := s.boundedRole(ctx, tx, c, "DeleteRolePolicy", in.RoleName)
		if err != nil {
			return err
		}
		return deleteInline(ctx, tx, c.Account(), roleInlineOwner(r), in.PolicyName)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
