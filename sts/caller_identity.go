package sts

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/authz"
)

// GetCallerIdentityInput is the input of GetCallerIdentity.
type GetCallerIdentityInput struct{}

// GetCallerIdentityOutput is the output of GetCallerIdentity.
type GetCallerIdentityOutput struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

// GetCallerIdentity returns who the caller is. It needs no permission and
// an explicit Deny cannot block it. Errors: none.
func (s *Service) GetCallerIdentity(_ context.Context, c *authz.Caller, _ *GetCallerIdentityInput) (*GetCallerIdentityOutput, error) {
	return &GetCallerIdentityOutput{UserID: c.Principal.UserID, Account: c.Account(), Arn: c.Principal.ARN}, nil
}
