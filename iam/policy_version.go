package iam

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// maxPolicyVersions is IAM's quota of versions per managed policy.
const maxPolicyVersions = 5

// PolicyVersion is the IAM PolicyVersion shape. Document is set by
// GetPolicyVersion only.
type PolicyVersion struct {
	Document         EncodedDocument `xml:"Document,omitempty"`
	VersionID        string          `xml:"VersionId"`
	IsDefaultVersion bool            `xml:"IsDefaultVersion"`
	CreateDate       time.Time       `xml:"CreateDate"`
}

// checkManagedDocument validates a managed policy document as IAM does
// before storing it. Errors: MalformedPolicyDocument (with the parser's
// first problem), LimitExceeded (size).
func checkManagedDocument(doc string) error {
	if _, err := policy.Parse([]byte(doc), policy.KindIdentity); err != nil {
		var errs policy.Errors
		if errors.As(err, &errs) && len(errs) > 0 {
			return awserr.New(awserr.MalformedPolicyDocument, "%s", errs[0].Error())
		}
		return awserr.New(awserr.MalformedPolicyDocument, "%s", err.Error())
	}
	if err := policy.CheckSize([]byte(doc), policy.LimitManaged); err != nil {
		return awserr.New(awserr.LimitExceeded, "Cannot exceed quota for PolicySize: %d", int(policy.LimitManaged))
	}
	return nil
}

var versionIDPattern = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)

// checkVersionID validates a VersionId parameter.
func checkVersionID(v string) error {
	if !versionIDPattern.MatchString(v) {
		return validation("versionId", v, `Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	}
	return nil
}

// noSuchVersion is IAM's error for a version a policy does not have.
func noSuchVersion(policyARN, id string) error {
	return awserr.New(awserr.NoSuchEntity, "Policy %s version %s does not exist or is not attachable.", policyARN, id)
}

// policyVersions returns a policy's versions, oldest first.
func policyVersions(ref *policyRef) []store.PolicyVersion {
	if ref.Local != nil {
		return ref.Local.Versions
	}
	return []store.PolicyVersion{{ID: ref.AWS.Version, Document: ref.AWS.Document, CreatedAt: ref.AWS.UpdatedAt}}
}

// defaultVersion returns the id of a policy's default version.
func defaultVersion(ref *policyRef) string {
	if ref.Local != nil {
		return ref.Local.DefaultVersion
	}
	return ref.AWS.Version
}

// versionIndex returns the index of version id in mp, or -1.
func versionIndex(mp *store.ManagedPolicy, id string) int {
	for i, v := range mp.Versions {
		if v.ID == id {
			return i
		}
	}
	return -1
}

// CreatePolicyVersionInput is the input of CreatePolicyVersion.
type CreatePolicyVersionInput struct {
	PolicyArn      string `query:"PolicyArn,required"`
	PolicyDocument string `query:"PolicyDocument,required"`
	SetAsDefault   bool   `query:"SetAsDefault"`
}

// CreatePolicyVersionOutput is the output of CreatePolicyVersion.
type CreatePolicyVersionOutput struct {
	PolicyVersion PolicyVersion `xml:"PolicyVersion"`
}

// CreatePolicyVersion adds a version to a customer-managed policy (ids
// v1, v2, … are never reused), making it the default if SetAsDefault.
// Errors: NoSuchEntity, MalformedPolicyDocument, LimitExceeded (five
// versions, size), InvalidInput, UnmodifiableEntity, AccessDenied.
func (s *Service) CreatePolicyVersion(ctx context.Context, c *authz.Caller, in *CreatePolicyVersionInput) (*CreatePolicyVersionOutput, error) {
	if err := checkPolicyARN(in.PolicyArn); err != nil {
		return nil, err
	}
	if err := checkManagedDocument(in.PolicyDocument); err != nil {
		return nil, err
	}
	now := s.timestamp()
	var out *CreatePolicyVersionOutput
	err := s.st.Update(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "CreatePolicyVersion", in.PolicyArn, nil)
		if err != nil {
			return err
		}
		mp, err := ref.modifiable()
		if err != nil {
			return err
		}
		if len(mp.Versions) >= maxPolicyVersions {
			return awserr.New(awserr.LimitExceeded, "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		n := max(mp.NextVersion, len(mp.Versions)+1)
		v := store.PolicyVersion{ID: "v" + strconv.Itoa(n), Document: in.PolicyDocument, CreatedAt: now}
		mp.Versions = append(mp.Versions, v)
		mp.NextVersion = n + 1
		mp.UpdatedAt = now
		if in.SetAsDefault {
			mp.DefaultVersion = v.ID
		}
		if err := store.PutJSON(ctx, tx, c.Account(), store.PolicyKey(mp.Name), mp); err != nil {
			return err
		}
		out = &CreatePolicyVersionOutput{PolicyVersion: PolicyVersion{VersionID: v.ID, IsDefaultVersion: in.SetAsDefault, CreateDate: now}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetPolicyVersionInput is the input of GetPolicyVersion.
type GetPolicyVersionInput struct {
	PolicyArn string `query:"PolicyArn,required"`
	VersionID string `query:"VersionId,required"`
}

// GetPolicyVersionOutput is the output of GetPolicyVersion.
type GetPolicyVersionOutput struct {
	PolicyVersion PolicyVersion `xml:"PolicyVersion"`
}

// GetPolicyVersion returns one version of a managed policy with its
// document (percent-encoded on the wire). Errors: NoSuchEntity,
// InvalidInput, ValidationError, AccessDenied.
func (s *Service) GetPolicyVersion(ctx context.Context, c *authz.Caller, in *GetPolicyVersionInput) (*GetPolicyVersionOutput, error) {
	if err := checkVersionID(in.VersionID); err != nil {
		return nil, err
	}
	var out *GetPolicyVersionOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "GetPolicyVersion", in.PolicyArn, nil)
		if err != nil {
			return err
		}
		def := defaultVersion(ref)
		for _, v := range policyVersions(ref) {
			if v.ID == in.VersionID {
				out = &GetPolicyVersionOutput{PolicyVersion: PolicyVersion{Document: EncodedDocument(v.Document), VersionID: v.ID, IsDefaultVersion: v.ID == def, CreateDate: v.CreatedAt}}
				return nil
			}
		}
		return noSuchVersion(ref.ARN, in.VersionID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListPolicyVersionsInput is the input of ListPolicyVersions.
type ListPolicyVersionsInput struct {
	PolicyArn string `query:"PolicyArn,required"`
	Marker    string `query:"Marker"`
	MaxItems  *int   `query:"MaxItems"`
}

// ListPolicyVersionsOutput is the output of ListPolicyVersions.
type ListPolicyVersionsOutput struct {
	Versions    List[PolicyVersion] `xml:"Versions"`
	IsTruncated bool                `xml:"IsTruncated"`
	Marker      string              `xml:"Marker,omitempty"`
}

// ListPolicyVersions lists a managed policy's versions, newest first,
// without their documents. Errors: NoSuchEntity, InvalidInput,
// AccessDenied.
func (s *Service) ListPolicyVersions(ctx context.Context, c *authz.Caller, in *ListPolicyVersionsInput) (*ListPolicyVersionsOutput, error) {
	var out *ListPolicyVersionsOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "ListPolicyVersions", in.PolicyArn, nil)
		if err != nil {
			return err
		}
		def := defaultVersion(ref)
		stored := policyVersions(ref)
		all := make([]PolicyVersion, 0, len(stored))
		for i := len(stored) - 1; i >= 0; i-- {
			v := stored[i]
			all = append(all, PolicyVersion{VersionID: v.ID, IsDefaultVersion: v.ID == def, CreateDate: v.CreatedAt})
		}
		// Newest first is ascending order of this key.
		key := func(i int) string {
			n, _ := strconv.Atoi(all[i].VersionID[1:])
			return fmt.Sprintf("%010d", 1<<31-n)
		}
		items, marker, err := pageInMemory(all, key, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		out = &ListPolicyVersionsOutput{Versions: List[PolicyVersion]{Member: items}, IsTruncated: marker != "", Marker: marker}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetDefaultPolicyVersionInput is the input of SetDefaultPolicyVersion.
type SetDefaultPolicyVersionInput struct {
	PolicyArn string `query:"PolicyArn,required"`
	VersionID string `query:"VersionId,required"`
}

// SetDefaultPolicyVersion makes a version the one in effect. Errors:
// NoSuchEntity, InvalidInput, ValidationError, UnmodifiableEntity,
// AccessDenied.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, c *authz.Caller, in *SetDefaultPolicyVersionInput) (*Empty, error) {
	if err := checkVersionID(in.VersionID); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "SetDefaultPolicyVersion", in.PolicyArn, nil)
		if err != nil {
			return err
		}
		mp, err := ref.modifiable()
		if err != nil {
			return err
		}
		if versionIndex(mp, in.VersionID) < 0 {
			return noSuchVersion(mp.ARN, in.VersionID)
		}
		mp.DefaultVersion = in.VersionID
		return store.PutJSON(ctx, tx, c.Account(), store.PolicyKey(mp.Name), mp)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DeletePolicyVersionInput is the input of DeletePolicyVersion.
type DeletePolicyVersionInput struct {
	PolicyArn string `query:"PolicyArn,required"`
	VersionID string `query:"VersionId,required"`
}

// DeletePolicyVersion deletes a version other than the default one.
// Errors: NoSuchEntity, DeleteConflict, InvalidInput, ValidationError,
// UnmodifiableEntity, AccessDenied.
func (s *Service) DeletePolicyVersion(ctx context.Context, c *authz.Caller, in *DeletePolicyVersionInput) (*Empty, error) {
	if err := checkVersionID(in.VersionID); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		ref, err := s.authorizedPolicy(ctx, tx, c, "DeletePolicyVersion", in.PolicyArn, nil)
		if err != nil {
			return err
		}
		mp, err := ref.modifiable()
		if err != nil {
			return err
		}
		i := versionIndex(mp, in.VersionID)
		if i < 0 {
			return noSuchVersion(mp.ARN, in.VersionID)
		}
		if mp.DefaultVersion == in.VersionID {
			return awserr.New(awserr.DeleteConflict, "Cannot delete the default version of a policy.")
		}
		mp.Versions = append(mp.Versions[:i:i], mp.Versions[i+1:]...)
		return store.PutJSON(ctx, tx, c.Account(), store.PolicyKey(mp.Name), mp)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
