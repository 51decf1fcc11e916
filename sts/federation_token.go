package sts

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
)

// GetFederationTokenInput is the input of GetFederationToken.
type GetFederationTokenInput struct {
	Name            string             `query:"Name,required"`
	Policy          *string            `query:"Policy"`
	PolicyArns      []PolicyDescriptor `query:"PolicyArns"`
	DurationSeconds *int               `query:"DurationSeconds"`
	Tags            []Tag              `query:"Tags"`
}

// FederatedUser identifies a federated-user session.
type FederatedUser struct {
	FederatedUserID string `xml:"FederatedUserId"`
	Arn             string `xml:"Arn"`
}

// GetFederationTokenOutput is the output of GetFederationToken.
type GetFederationTokenOutput struct {
	Credentials      Credentials   `xml:"Credentials"`
	FederatedUser    FederatedUser `xml:"FederatedUser"`
	PackedPolicySize *int          `xml:"PackedPolicySize,omitempty"`
}

// GetFederationToken returns credentials of a federated user,
// arn:aws:sts::ACCOUNT:federated-user/NAME, whose permissions are the
// calling user's intersected with the session policies: without a session
// policy it has none. The caller needs sts:GetFederationToken on the
// federated user's ARN (and sts:TagSession to pass tags). The root user's
// sessions last an hour at most. Errors: ValidationError,
// MalformedPolicyDocument, PackedPolicyTooLarge, AccessDenied.
func (s *Service) GetFederationToken(ctx context.Context, c *authz.Caller, in *GetFederationTokenInput) (*GetFederationTokenOutput, error) {
	if err := checkName("name", in.Name, 2, 32); err != nil {
		return nil, err
	}
	if err := checkPolicyParams(in.Policy, in.PolicyArns, maxInlinePolicyLength); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	duration, err := checkDuration(in.DurationSeconds, maxTokenDuration, defaultTokenDuration)
	if err != nil {
		return nil, err
	}
	if in.Policy != nil {
		if err := parseInlinePolicy(*in.Policy); err != nil {
			return nil, err
		}
	}
	if c.IsTemporary() {
		return nil, sessionDeniesSTS("GetFederationToken")
	}
	acct := c.Account()
	fedARN := "arn:aws:sts::" + acct + ":federated-user/" + in.Name
	if err := s.authz.Require(ctx, c, authz.Check{Action: "sts:GetFederationToken", Resource: fedARN}, awserr.AccessDenied); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		tagCtx := func(pc *policy.Context) { requestTagContext(pc, in.Tags) }
		if err := s.authz.Require(ctx, c, authz.Check{Action: "sts:TagSession", Resource: fedARN, Context: tagCtx}, awserr.AccessDenied); err != nil {
			return nil, err
		}
	}
	if c.IsRoot() && duration > maxRootDuration {
		duration = maxRootDuration
	}
	docs, err := s.sessionPolicies(ctx, acct, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	var packed *int
	if in.Policy != nil || len(in.PolicyArns) > 0 || len(in.Tags) > 0 {
		n := packedSize(in.Policy, in.PolicyArns, in.Tags)
		if n > 100 {
			return nil, packedTooLarge(n)
		}
		packed = &n
	}
	now := s.timestamp()
	cl := &Claims{Issuer: IssuerGetFederationToken, Account: acct, ARN: fedARN, UserID: acct + ":" + in.Name,
		UserName: c.Principal.Username, SessionName: in.Name, IssuedAt: now,
		Expires: now.Add(time.Duration(duration) * time.Second), Policies: docs,
		Tags: mergeTags(principalTags(c.Principal.Tags), in.Tags)}
	creds, err := s.issue(ctx, cl)
	if err != nil {
		return nil, err
	}
	return &GetFederationTokenOutput{Credentials: *creds, FederatedUser: FederatedUser{FederatedUserID: cl.UserID, Arn: fedARN},
		PackedPolicySize: packed}, nil
}
