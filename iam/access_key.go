package iam

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/keyid"
	"github.com/gatehouse-iam/gatehouse/store"
)

// maxAccessKeys is IAM's quota of access keys per user.
const maxAccessKeys = 2

// rootKeyOwner is the owner id under which a root user's keys are listed.
const rootKeyOwner = "root"

const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// NewAccessKeyID returns a new long-term access key id (AKIA…) of
// account, which the id encodes (package keyid).
func NewAccessKeyID(account string) string { return keyid.New("AKIA", account) }

// NewSecretAccessKey returns a new 40-character secret access key.
func NewSecretAccessKey() string { return randomString(40, secretAlphabet) }

// CreateAccessKeyInput is the input of CreateAccessKey.
type CreateAccessKeyInput struct {
	UserName string `query:"UserName"`
}

// CreateAccessKeyOutput is the output of CreateAccessKey: the only place
// the secret is ever shown.
type CreateAccessKeyOutput struct {
	AccessKey AccessKey `xml:"AccessKey"`
}

// keyOwner resolves the user an access-key operation acts on: the named
// user, or the caller (a user, or the root user). It returns the user (nil
// for the root) and the resource ARN to authorize.
func (s *Service) keyOwner(ctx context.Context, tx store.Tx, c *authz.Caller, action, name string) (*store.User, string, error) {
	if name == "" && c.IsRoot() {
		return nil, c.Principal.ARN, nil
	}
	name, err := targetUser(c, name)
	if err != nil {
		return nil, "", err
	}
	u, err := s.authorizedUser(ctx, tx, c, action, name, nil)
	if err != nil {
		return nil, "", err
	}
	return u, u.ARN, nil
}

// CreateAccessKey creates an access key for a user (or for the calling
// root user) and returns its secret, once. Errors: NoSuchEntity,
// LimitExceeded, AccessDenied.
func (s *Service) CreateAccessKey(ctx context.Context, c *authz.Caller, in *CreateAccessKeyInput) (*CreateAccessKeyOutput, error) {
	acct := c.Account()
	var out *CreateAccessKeyOutput
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, _, err := s.keyOwner(ctx, tx, c, "CreateAccessKey", in.UserName)
		if err != nil {
			return err
		}
		owner, userName, userID := rootKeyOwner, "", ""
		if u != nil {
			owner, userName, userID = u.ID, u.Name, u.ID
		}
		have, err := tx.List(ctx, acct, store.UserKeysPrefix(owner), "", 0)
		if err != nil {
			return err
		}
		if len(have) >= maxAccessKeys {
			return awserr.New(awserr.LimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
		}
		id, secret := NewAccessKeyID(acct), NewSecretAccessKey()
		ak := store.AccessKey{ID: id, Account: acct, UserID: userID, UserName: userName,
			SealedSecret: s.box.Seal([]byte(secret), []byte(id)), Status: store.StatusActive, CreatedAt: s.timestamp()}
		if err := PutAccessKey(ctx, tx, &ak, owner); err != nil {
			return err
		}
		out = &CreateAccessKeyOutput{AccessKey: AccessKey{UserName: userName, AccessKeyID: id, Status: ak.Status, SecretAccessKey: secret, CreateDate: ak.CreatedAt}}
		return nil
	})
	return out, err
}

// PutAccessKey stores a new access key in the global index and in its
// owner's list (owner is the user id, or "root").
func PutAccessKey(ctx context.Context, tx store.Tx, ak *store.AccessKey, owner string) error {
	if err := store.CreateJSON(ctx, tx, store.Global, store.AccessKeyKey(ak.ID), ak); err != nil {
		return err
	}
	return tx.Put(ctx, ak.Account, store.UserKeyKey(owner, ak.ID), []byte("{}"))
}

// ListAccessKeysInput is the input of ListAccessKeys.
type ListAccessKeysInput struct {
	UserName string `query:"UserName"`
	Marker   string `query:"Marker"`
	MaxItems *int   `query:"MaxItems"`
}

// ListAccessKeysOutput is the output of ListAccessKeys.
type ListAccessKeysOutput struct {
	AccessKeyMetadata List[AccessKeyMetadata] `xml:"AccessKeyMetadata"`
	IsTruncated       bool                    `xml:"IsTruncated"`
	Marker            string                  `xml:"Marker,omitempty"`
}

// ListAccessKeys lists the access keys of a user (or of the calling root
// user), without secrets. Errors: NoSuchEntity, AccessDenied.
func (s *Service) ListAccessKeys(ctx context.Context, c *authz.Caller, in *ListAccessKeysInput) (*ListAccessKeysOutput, error) {
	acct := c.Account()
	out := &ListAccessKeysOutput{AccessKeyMetadata: List[AccessKeyMetadata]{Member: []AccessKeyMetadata{}}}
	err := s.st.View(ctx, func(tx store.Tx) error {
		u, _, err := s.keyOwner(ctx, tx, c, "ListAccessKeys", in.UserName)
		if err != nil {
			return err
		}
		owner := rootKeyOwner
		if u != nil {
			owner = u.ID
		}
		items, err := tx.List(ctx, acct, store.UserKeysPrefix(owner), "", 0)
		if err != nil {
			return err
		}
		for _, it := range items {
			var ak store.AccessKey
			if err := store.GetJSON(ctx, tx, store.Global, store.AccessKeyKey(strings.TrimPrefix(it.Key, store.UserKeysPrefix(owner))), &ak); err != nil {
				return err
			}
			out.AccessKeyMetadata.Member = append(out.AccessKeyMetadata.Member, AccessKeyMetadata{UserName: ak.UserName, AccessKeyID: ak.ID, Status: ak.Status, CreateDate: ak.CreatedAt})
		}
		return nil
	})
	return out, err
}

// ownedKey loads an access key and checks that it belongs to the owner.
func ownedKey(ctx context.Context, tx store.Tx, acct, owner, id string) (*store.AccessKey, error) {
	var ak store.AccessKey
	err := store.GetJSON(ctx, tx, store.Global, store.AccessKeyKey(id), &ak)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	keyOwner := ak.UserID
	if keyOwner == "" {
		keyOwner = rootKeyOwner
	}
	if err != nil || ak.Account != acct || subtle.ConstantTimeCompare([]byte(keyOwner), []byte(owner)) != 1 {
		return nil, awserr.New(awserr.NoSuchEntity, "The Access Key with id %s cannot be found.", id)
	}
	return &ak, nil
}

// UpdateAccessKeyInput is the input of UpdateAccessKey.
type UpdateAccessKeyInput struct {
	UserName    string `query:"UserName"`
	AccessKeyID string `query:"AccessKeyId,required"`
	Status      string `query:"Status,required"`
}

// UpdateAccessKey activates or deactivates an access key; an inactive key
// no longer authenticates. Errors: NoSuchEntity, ValidationError,
// AccessDenied.
func (s *Service) UpdateAccessKey(ctx context.Context, c *authz.Caller, in *UpdateAccessKeyInput) (*Empty, error) {
	if in.Status != store.StatusActive && in.Status != store.StatusInactive {
		return nil, validation("status", in.Status, "Member must satisfy enum value set: [Active, Inactive]")
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, _, err := s.keyOwner(ctx, tx, c, "UpdateAccessKey", in.UserName)
		if err != nil {
			return err
		}
		owner := rootKeyOwner
		if u != nil {
			owner = u.ID
		}
		ak, err := ownedKey(ctx, tx, acct, owner, in.AccessKeyID)
		if err != nil {
			return err
		}
		ak.Status = in.Status
		return store.PutJSON(ctx, tx, store.Global, store.AccessKeyKey(ak.ID), ak)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DeleteAccessKeyInput is the input of DeleteAccessKey.
type DeleteAccessKeyInput struct {
	UserName    string `query:"UserName"`
	AccessKeyID string `query:"AccessKeyId,required"`
}

// DeleteAccessKey deletes an access key. Errors: NoSuchEntity,
// AccessDenied.
func (s *Service) DeleteAccessKey(ctx context.Context, c *authz.Caller, in *DeleteAccessKeyInput) (*Empty, error) {
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, _, err := s.keyOwner(ctx, tx, c, "DeleteAccessKey", in.UserName)
		if err != nil {
			return err
		}
		owner := rootKeyOwner
		if u != nil {
			owner = u.ID
		}
		ak, err := ownedKey(ctx, tx, acct, owner, in.AccessKeyID)
		if err != nil {
			return err
		}
		if err := tx.Delete(ctx, store.Global, store.AccessKeyKey(ak.ID)); err != nil {
			return err
		}
		if err := tx.Delete(ctx, store.UsagePartition, store.KeyUsageKey(ak.ID)); err != nil && !isNotFound(err) {
			return err
		}
		return tx.Delete(ctx, acct, store.UserKeyKey(owner, ak.ID))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// GetAccessKeyLastUsedInput is the input of GetAccessKeyLastUsed.
type GetAccessKeyLastUsedInput struct {
	AccessKeyID string `query:"AccessKeyId,required"`
}

// AccessKeyLastUsed is when and where a key was last used.
type AccessKeyLastUsed struct {
	LastUsedDate *time.Time `xml:"LastUsedDate,omitempty"`
	ServiceName  string     `xml:"ServiceName"`
	Region       string     `xml:"Region"`
}

// GetAccessKeyLastUsedOutput is the output of GetAccessKeyLastUsed.
type GetAccessKeyLastUsedOutput struct {
	UserName          string            `xml:"UserName,omitempty"`
	AccessKeyLastUsed AccessKeyLastUsed `xml:"AccessKeyLastUsed"`
}

// GetAccessKeyLastUsed tells when, with which service and in which region
// a key was last used ("N/A" when never). Errors: AccessDenied.
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, c *authz.Caller, in *GetAccessKeyLastUsedInput) (*GetAccessKeyLastUsedOutput, error) {
	acct := c.Account()
	var out *GetAccessKeyLastUsedOutput
	err := s.st.View(ctx, func(tx store.Tx) error {
		var ak store.AccessKey
		err := store.GetJSON(ctx, tx, store.Global, store.AccessKeyKey(in.AccessKeyID), &ak)
		if err != nil && !isNotFound(err) {
			return err
		}
		if err != nil || ak.Account != acct {
			// AWS answers AccessDenied for keys it does not show.
			return awserr.New(awserr.AccessDenied, "User: %s is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key %s", c.Principal.ARN, in.AccessKeyID)
		}
		resource := c.Principal.ARN
		if ak.UserName != "" {
			resource = entityARN(acct, "user", "/", ak.UserName)
			var u store.User
			if err := store.GetJSON(ctx, tx, acct, store.UserKey(ak.UserName), &u); err == nil {
				resource = u.ARN
			}
		}
		if err := s.authorize(ctx, c, "GetAccessKeyLastUsed", resource, nil); err != nil {
			return err
		}
		out = &GetAccessKeyLastUsedOutput{UserName: ak.UserName, AccessKeyLastUsed: AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}}
		var use store.KeyUsage
		if err := store.GetJSON(ctx, tx, store.UsagePartition, store.KeyUsageKey(ak.ID), &use); err == nil {
			at := use.At
			out.AccessKeyLastUsed = AccessKeyLastUsed{LastUsedDate: &at, ServiceName: use.Service, Region: use.Region}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	return out, err
}
