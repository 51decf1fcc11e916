package iam

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/arn"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/awsmanaged"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Policy is the IAM Policy shape of a managed policy.
type Policy struct {
	PolicyName                    string     `xml:"PolicyName"`
	PolicyID                      string     `xml:"PolicyId"`
	Arn                           string     `xml:"Arn"`
	Path                          string     `xml:"Path"`
	DefaultVersionID              string     `xml:"DefaultVersionId"`
	AttachmentCount               int        `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int        `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool       `xml:"IsAttachable"`
	Description                   string     `xml:"Description,omitempty"`
	CreateDate                    time.Time  `xml:"CreateDate"`
	UpdateDate                    time.Time  `xml:"UpdateDate"`
	Tags                          *List[Tag] `xml:"Tags,omitempty"`
}

// policyRef is a managed policy an operation names: either one of the
// account's customer-managed policies (Local) or an AWS managed policy
// (AWS), which every account has and none can change.
type policyRef struct {
	ARN   string
	Local *store.ManagedPolicy
	AWS   *awsmanaged.Policy
}

func (p *policyRef) name() string {
	if p.Local != nil {
		return p.Local.Name
	}
	return p.AWS.Name
}

func (p *policyRef) path() string {
	if p.Local != nil {
		return p.Local.Path
	}
	return p.AWS.Path
}

func (p *policyRef) tags() []store.Tag {
	if p.Local != nil {
		return p.Local.Tags
	}
	return nil
}

// modifiable returns the customer-managed policy, or UnmodifiableEntity
// for an AWS managed one.
func (p *policyRef) modifiable() (*store.ManagedPolicy, error) {
	if p.Local == nil {
		return nil, awserr.New(awserr.UnmodifiableEntity, "Policy %s is managed by AWS and cannot be modified.", p.ARN)
	}
	return p.Local, nil
}

// checkPolicyARN checks the syntax of a managed policy's ARN:
// arn:aws:iam::ACCOUNT:policy{path}{name}, ACCOUNT being 12 digits or
// "aws". Errors: InvalidInput.
func checkPolicyARN(s string) error {
	a, err := arn.Parse(s)
	if err != nil || len(s) > 2048 || a.Service != "iam" || a.Region != "" ||
		!strings.HasPrefix(a.Resource, "policy/") || a.Name() == "" ||
		(a.Account != "aws" && !isAccountIDString(a.Account)) {
		return awserr.New(awserr.InvalidInput, "ARN %s is not valid.", s)
	}
	return nil
}

// policyPathOf returns the path of a policy ARN checked by checkPolicyARN.
func policyPathOf(policyARN string) string {
	a, _ := arn.Parse(policyARN)
	rest := strings.TrimPrefix(a.Resource, "policy")
	return rest[:strings.LastIndexByte(rest, '/')+1]
}

// noSuchPolicy is IAM's error for a policy ARN that names no policy.
func noSuchPolicy(policyARN string) error {
	return awserr.New(awserr.NoSuchEntity, "Policy %s does not exist or is not attachable.", policyARN)
}

// loadPolicyRef resolves a policy ARN (checked by checkPolicyARN) to an
// AWS managed policy or a customer-managed policy of the account. Policies
// of other accounts do not exist for the caller. Errors: NoSuchEntity.
func loadPolicyRef(ctx context.Context, tx store.Tx, acct, policyARN string) (*policyRef, error) {
	if p, ok := awsmanaged.Get(policyARN); ok {
		return &policyRef{ARN: p.ARN, AWS: &p}, nil
	}
	a, err := arn.Parse(policyARN)
	if err != nil || a.Account != acct {
		return nil, noSuchPolicy(policyARN)
	}
	var mp store.ManagedPolicy
	if err := store.GetJSON(ctx, tx, acct, store.PolicyKey(a.Name()), &mp); err != nil {
		if isNotFound(err) {
			return nil, noSuchPolicy(policyARN)
		}
		return nil, err
	}
	if mp.ARN != policyARN { // same name, other path
		return nil, noSuchPolicy(policyARN)
	}
	return &policyRef{ARN: mp.ARN, Local: &mp}, nil
}

// authorizedPolicy checks a policy ARN, loads the policy and authorizes
// action on it (with its tags as aws:ResourceTag). A caller not allowed
// the action on the ARN gets AccessDenied, not NoSuchEntity.
func (s *Service) authorizedPolicy(ctx context.Context, tx store.Tx, c *authz.Caller, action, policyARN string, extra func(*policy.Context)) (*policyRef, error) {
	if err := checkPolicyARN(policyARN); err != nil {
		return nil, err
	}
	ref, err := loadPolicyRef(ctx, tx, c.Account(), policyARN)
	if err != nil {
		return nil, s.authorizeMissing(ctx, c, err, action, policyARN, extra)
	}
	if err := s.authorize(ctx, c, action, ref.ARN, resourceTagContext(ref.tags(), extra)); err != nil {
		return nil, err
	}
	return ref, nil
}

// policyOwner is a user, group or role recorded under one of a policy's
// relation prefixes (store.AttachedToPrefix, store.BoundaryUsePrefix).
type policyOwner struct {
	Kind, ID string
}

// key orders owners: "kind/id".
func (o policyOwner) key() string { return o.Kind + "/" + o.ID }

// policyOwners lists the owners recorded under a policy's relation
// prefix. The prefix of policy ".../policy/a/b" also starts the keys of
// policy ".../policy/a/b/c"; only keys of the form prefix+kind/id belong
// to the policy itself.
func policyOwners(ctx context.Context, tx store.Tx, acct, prefix string) ([]policyOwner, error) {
	items, err := tx.List(ctx, acct, prefix, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]policyOwner, 0, len(items))
	for _, it := range items {
		kind, id, ok := strings.Cut(strings.TrimPrefix(it.Key, prefix), "/")
		if !ok || id == "" || strings.Contains(id, "/") {
			continue
		}
		switch kind {
		case store.KindUser, store.KindGroup, store.KindRole:
			out = append(out, policyOwner{Kind: kind, ID: id})
		}
	}
	return out, nil
}

// policyUsage counts the entities a policy is attached to and those that
// use it as permissions boundary, in the account.
func policyUsage(ctx context.Context, tx store.Tx, acct, policyARN string) (attached, boundary int, err error) {
	at, err := policyOwners(ctx, tx, acct, store.AttachedToPrefix(policyARN))
	if err != nil {
		return 0, 0, err
	}
	bu, err := policyOwners(ctx, tx, acct, store.BoundaryUsePrefix(policyARN))
	if err != nil {
		return 0, 0, err
	}
	return len(at), len(bu), nil
}

// policyShape renders a managed policy with its usage counts in the
// account; full adds the description and tags (GetPolicy, CreatePolicy).
func policyShape(ctx context.Context, tx store.Tx, acct string, ref *policyRef, full bool) (Policy, error) {
	attached, boundary, err := policyUsage(ctx, tx, acct, ref.ARN)
	if err != nil {
		return Policy{}, err
	}
	out := Policy{Arn: ref.ARN, AttachmentCount: attached, PermissionsBoundaryUsageCount: boundary, IsAttachable: true}
	if mp := ref.Local; mp != nil {
		out.PolicyName, out.PolicyID, out.Path, out.DefaultVersionID = mp.Name, mp.ID, mp.Path, mp.DefaultVersion
		out.CreateDate, out.UpdateDate = mp.CreatedAt, mp.UpdatedAt
		if full {
			out.Description, out.Tags = mp.Description, tagList(mp.Tags)
		}
	} else {
		p := ref.AWS
		out.PolicyName, out.PolicyID, out.Path, out.DefaultVersionID = p.Name, p.ID, p.Path, p.Version
		out.CreateDate, out.UpdateDate = p.CreatedAt, p.UpdatedAt
		if full {
			out.Description = p.Description
		}
	}
	return out, nil
}

// policyPathPattern is the model's pattern for a managed policy's path.
var policyPathPattern = regexp.MustCompile(`^((/[A-Za-z0-9.,+@=_-]+)*)/$`)

// policyARNContext sets iam:PolicyARN for attachment operations.
func policyARNContext(policyARN string) func(*policy.Context) {
	return func(pc *policy.Context) { pc.Set("iam:PolicyARN", policyARN) }
}

// CreatePolicyInput is the input of CreatePolicy.
type CreatePolicyInput struct {
	PolicyName     string `query:"PolicyName,required"`
	Path           string `query:"Path"`
	PolicyDocument string `query:"PolicyDocument,required"`
	Description    string `query:"Description"`
	Tags           []Tag  `query:"Tags"`
}

// CreatePolicyOutput is the output of CreatePolicy.
type CreatePolicyOutput struct {
	Policy Policy `xml:"Policy"`
}

// CreatePolicy creates a customer-managed policy whose version v1 is the
// document, as default version. Errors: EntityAlreadyExists,
// MalformedPolicyDocument, LimitExceeded (size, tags), InvalidInput,
// ValidationError, AccessDenied.
func (s *Service) CreatePolicy(ctx context.Context, c *authz.Caller, in *CreatePolicyInput) (*CreatePolicyOutput, error) {
	if err := validateName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	path := in.Path
	if path == "" {
		path = "/"
	}
	if len(path) > 512 || !policyPathPattern.MatchString(path) {
		return nil, validation("path", path, `Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/`)
	}
	if utf8.RuneCountInString(in.Description) > 1000 {
		return nil, validation("description", in.Description, "Member must have length less than or equal to 1000")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTags {
		return nil, awserr.New(awserr.LimitExceeded, "The number of tags has reached the maximum limit.")
	}
	if err := checkManagedDocument(in.PolicyDocument); err != nil {
		return nil, err
	}
	acct := c.Account()
	now := s.timestamp()
	mp := &store.ManagedPolicy{
		ID: newID("ANPA"), Name: in.PolicyName, Path: path, ARN: entityARN(acct, "policy", path, in.PolicyName),
		Description: in.Description, DefaultVersion: "v1", NextVersion: 2,
		Versions:  []store.PolicyVersion{{ID: "v1", Document: in.PolicyDocument, CreatedAt: now}},
		CreatedAt: now, UpdatedAt: now,
	}
	for _, t := range in.Tags {
		mp.Tags = append(mp.Tags, store.Tag{Key: t.Key, Value: t.Value})
	}
	if err := s.authorize(ctx, c, "CreatePolicy", mp.ARN, tagContext(in.Tags)); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := store.CreateJSON(ctx, tx, acct, store.PolicyKey(mp.Name), mp); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return awserr.New(awserr.EntityAlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", mp.Name)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := Policy{PolicyName: mp.Name, PolicyID: mp.ID, Arn: mp.ARN, Path: mp.Path, DefaultVersionID: mp.DefaultVersion,
		IsAttachable: true, Description: mp.Description, CreateDate: mp.CreatedAt, UpdateDate: mp.UpdatedAt, Tags: tagList(mp.Tags)}
	return &CreatePolicyOutput{Policy: out}, nil
}

// GetPolicyInput is the input of GetPolicy.
type GetPolicyInput struct {
	PolicyArn string `query:"PolicyArn,required"`
}

// GetPolicyOutput is the output of GetPolicy.
type GetPolicyOutput struct {
	Policy Policy `xml:"Policy"`
}

// GetPolicy returns a managed policy's metadata (not its document), AWS
// managed policies included, with its usage in the caller's account.
// Errors: NoSuchEntity, InvalidInput, AccessDenied.
func (s *Service) GetPolicy(ctx context.Context, c *authz.Caller, in *GetPolicyInput) (*GetPolicyOutput, error) {
	var out *GetPolicyOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "GetPolicy", in.PolicyArn, nil)
		if err != nil {
			return err
		}
		p, err := policyShape(ctx, tx, c.Account(), ref, true)
		if err != nil {
			return err
		}
		out = &GetPolicyOutput{Policy: p}
		return nil
	})
	return out, err
}

// Policy scopes and usage filters of ListPolicies and ListEntitiesForPolicy.
const (
	scopeAll               = "All"
	scopeAWS               = "AWS"
	scopeLocal             = "Local"
	usagePermissionsPolicy = "PermissionsPolicy"
	usageBoundary          = "PermissionsBoundary"
)

// checkUsageFilter validates a PolicyUsageFilter.
func checkUsageFilter(v string) error {
	if v != "" && v != usagePermissionsPolicy && v != usageBoundary {
		return validation("policyUsageFilter", v, "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]")
	}
	return nil
}

// ListPoliciesInput is the input of ListPolicies.
type ListPoliciesInput struct {
	Scope             string `query:"Scope"`
	OnlyAttached      bool   `query:"OnlyAttached"`
	PathPrefix        string `query:"PathPrefix"`
	PolicyUsageFilter string `query:"PolicyUsageFilter"`
	Marker            string `query:"Marker"`
	MaxItems          *int   `query:"MaxItems"`
}

// ListPoliciesOutput is the output of ListPolicies.
type ListPoliciesOutput struct {
	Policies    List[Policy] `xml:"Policies"`
	IsTruncated bool         `xml:"IsTruncated"`
	Marker      string       `xml:"Marker,omitempty"`
}

// ListPolicies lists the managed policies available in the account: with
// Scope All (the default), the AWS managed policies first, by name, then
// the account's own, by lower-cased name. OnlyAttached keeps the policies
// attached to an entity; PolicyUsageFilter keeps those attached
// (PermissionsPolicy) or used as a permissions boundary
// (PermissionsBoundary). Errors: ValidationError, InvalidInput (marker),
// AccessDenied.
func (s *Service) ListPolicies(ctx context.Context, c *authz.Caller, in *ListPoliciesInput) (*ListPoliciesOutput, error) {
	scope := in.Scope
	if scope == "" {
		scope = scopeAll
	}
	if scope != scopeAll && scope != scopeAWS && scope != scopeLocal {
		return nil, validation("scope", in.Scope, "Member must satisfy enum value set: [All, AWS, Local]")
	}
	if err := checkUsageFilter(in.PolicyUsageFilter); err != nil {
		return nil, err
	}
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	limit, err := pageLimit(in.MaxItems)
	if err != nil {
		return nil, err
	}
	after, err := decodeMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	acct := c.Account()
	if err := s.authorize(ctx, c, "ListPolicies", entityARN(acct, "policy", prefix, ""), nil); err != nil {
		return nil, err
	}
	// Markers name the last policy listed in one ordering of both kinds:
	// "aws/<name>" sorts before "local/<store key>".
	out := &ListPoliciesOutput{Policies: List[Policy]{Member: []Policy{}}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		out.Policies.Member, out.IsTruncated, out.Marker = out.Policies.Member[:0], false, ""
		last := ""
		// add renders ref and adds it if it passes the filters; it returns
		// false once the page is full and another policy is due.
		add := func(key string, ref *policyRef) (bool, error) {
			if !strings.HasPrefix(ref.path(), prefix) {
				return true, nil
			}
			p, err := policyShape(ctx, tx, acct, ref, false)
			if err != nil {
				return false, err
			}
			if (in.OnlyAttached || in.PolicyUsageFilter == usagePermissionsPolicy) && p.AttachmentCount == 0 ||
				in.PolicyUsageFilter == usageBoundary && p.PermissionsBoundaryUsageCount == 0 {
				return true, nil
			}
			if len(out.Policies.Member) == limit {
				out.IsTruncated, out.Marker = true, encodeMarker(last)
				return false, nil
			}
			out.Policies.Member = append(out.Policies.Member, p)
			last = key
			return true, nil
		}
		if scope != scopeLocal {
			for _, p := range awsmanaged.All() {
				key := "aws/" + p.Name
				if key <= after {
					continue
				}
				if more, err := add(key, &policyRef{ARN: p.ARN, AWS: &p}); err != nil || !more {
					return err
				}
			}
		}
		if scope == scopeAWS {
			return nil
		}
		storeAfter := strings.TrimPrefix(after, "local/")
		if !strings.HasPrefix(after, "local/") {
			storeAfter = ""
		}
		for {
			batch, keys, err := store.ListJSON[store.ManagedPolicy](ctx, tx, acct, "policy/", storeAfter, limit+1)
			if err != nil {
				return err
			}
			for i := range batch {
				storeAfter = keys[i]
				if more, err := add("local/"+keys[i], &policyRef{ARN: batch[i].ARN, Local: &batch[i]}); err != nil || !more {
					return err
				}
			}
			if len(batch) < limit+1 {
				return nil
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeletePolicyInput is the input of DeletePolicy.
type DeletePolicyInput struct {
	PolicyArn string `query:"PolicyArn,required"`
}

// DeletePolicy deletes a customer-managed policy that is attached to no
// entity, is no entity's permissions boundary and has no version but its
// default one. Errors: NoSuchEntity, DeleteConflict, UnmodifiableEntity
// (AWS managed), InvalidInput, AccessDenied.
func (s *Service) DeletePolicy(ctx context.Context, c *authz.Caller, in *DeletePolicyInput) (*Empty, error) {
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "DeletePolicy", in.PolicyArn, nil)
		if err != nil {
			return err
		}
		mp, err := ref.modifiable()
		if err != nil {
			return err
		}
		attached, boundary, err := policyUsage(ctx, tx, acct, mp.ARN)
		if err != nil {
			return err
		}
		if attached > 0 || boundary > 0 {
			return awserr.New(awserr.DeleteConflict, "Cannot delete a policy attached to entities.")
		}
		if len(mp.Versions) > 1 {
			return awserr.New(awserr.DeleteConflict, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return tx.Delete(ctx, acct, store.PolicyKey(mp.Name))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// TagPolicyInput is the input of TagPolicy.
type TagPolicyInput struct {
	PolicyArn string `query:"PolicyArn,required"`
	Tags      []Tag  `query:"Tags,required"`
}

// TagPolicy adds or replaces tags of a customer-managed policy. Errors:
// NoSuchEntity, LimitExceeded, InvalidInput, UnmodifiableEntity,
// AccessDenied.
func (s *Service) TagPolicy(ctx context.Context, c *authz.Caller, in *TagPolicyInput) (*Empty, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "TagPolicy", in.PolicyArn, tagContext(in.Tags))
		if err != nil {
			return err
		}
		mp, err := ref.modifiable()
		if err != nil {
			return err
		}
		if mp.Tags, err = mergeTags(mp.Tags, in.Tags); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, c.Account(), store.PolicyKey(mp.Name), mp)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// UntagPolicyInput is the input of UntagPolicy.
type UntagPolicyInput struct {
	PolicyArn string   `query:"PolicyArn,required"`
	TagKeys   []string `query:"TagKeys,required"`
}

// UntagPolicy removes tags from a customer-managed policy. Errors:
// NoSuchEntity, InvalidInput, UnmodifiableEntity, AccessDenied.
func (s *Service) UntagPolicy(ctx context.Context, c *authz.Caller, in *UntagPolicyInput) (*Empty, error) {
	err := s.st.Update(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "UntagPolicy", in.PolicyArn, tagKeysContext(in.TagKeys))
		if err != nil {
			return err
		}
		mp, err := ref.modifiable()
		if err != nil {
			return err
		}
		mp.Tags = removeTags(mp.Tags, in.TagKeys)
		return store.PutJSON(ctx, tx, c.Account(), store.PolicyKey(mp.Name), mp)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListPolicyTagsInput is the input of ListPolicyTags.
type ListPolicyTagsInput struct {
	PolicyArn string `query:"PolicyArn,required"`
	Marker    string `query:"Marker"`
	MaxItems  *int   `query:"MaxItems"`
}

// ListPolicyTags lists a managed policy's tags (none for AWS managed
// policies). Errors: NoSuchEntity, InvalidInput, AccessDenied.
func (s *Service) ListPolicyTags(ctx context.Context, c *authz.Caller, in *ListPolicyTagsInput) (*ListTagsOutput, error) {
	var out *ListTagsOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "ListPolicyTags", in.PolicyArn, nil)
		if err != nil {
			return err
		}
		out = &ListTagsOutput{Tags: allTags(ref.tags())}
		return nil
	})
	return out, err
}
