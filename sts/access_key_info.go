package sts

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/keyid"
	"github.com/gatehouse-iam/gatehouse/store"
)

// GetAccessKeyInfoInput is the input of GetAccessKeyInfo.
type GetAccessKeyInfoInput struct {
	AccessKeyID string `query:"AccessKeyId,required"`
}

// GetAccessKeyInfoOutput is the output of GetAccessKeyInfo.
type GetAccessKeyInfoOutput struct {
	Account string `xml:"Account"`
}

var accessKeyIDPattern = regexp.MustCompile(`^\w*$`)

// GetAccessKeyInfo returns the account an access key id belongs to, in
// any account: that of the stored long-term key, or else the account the
// id encodes (package keyid), which covers temporary keys and deleted
// ones, as AWS decodes its key ids. Like AWS it says nothing of the key's
// state. It needs sts:GetAccessKeyInfo (resource *). Errors:
// ValidationError (a malformed id, or one this server neither stores nor
// made), AccessDenied.
func (s *Service) GetAccessKeyInfo(ctx context.Context, c *authz.Caller, in *GetAccessKeyInfoInput) (*GetAccessKeyInfoOutput, error) {
	id := in.AccessKeyID
	switch {
	case len(id) < 16:
		return nil, validation("accessKeyId", id, "Member must have length greater than or equal to 16")
	case len(id) > 128:
		return nil, validation("accessKeyId", id, "Member must have length less than or equal to 128")
	case !accessKeyIDPattern.MatchString(id):
		return nil, validation("accessKeyId", id, `Member must satisfy regular expression pattern: [\w]*`)
	}
	if err := s.authz.Require(ctx, c, authz.Check{Action: "sts:GetAccessKeyInfo", Resource: "*"}, awserr.AccessDenied); err != nil {
		return nil, err
	}
	var k store.AccessKey
	switch err := store.ReadJSON(ctx, s.st, store.Global, store.AccessKeyKey(id), &k); {
	case err == nil:
		return &GetAccessKeyInfoOutput{Account: k.Account}, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, awserr.Internal(fmt.Errorf("read access key: %w", err))
	}
	if acct, ok := keyid.Account(id); ok {
		return &GetAccessKeyInfoOutput{Account: acct}, nil
	}
	return nil, awserr.New(awserr.ValidationError, "The access key ID %s does not exist.", id)
}
