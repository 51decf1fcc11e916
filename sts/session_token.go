package sts

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/policy"
)

// GetSessionTokenInput is the input of GetSessionToken.
type GetSessionTokenInput struct {
	DurationSeconds *int    `query:"DurationSeconds"`
	SerialNumber    *string `query:"SerialNumber"`
	TokenCode       *string `query:"TokenCode"`
}

// GetSessionTokenOutput is the output of GetSessionToken.
type GetSessionTokenOutput struct {
	Credentials Credentials `xml:"Credentials"`
}

// GetSessionToken returns temporary credentials of the calling IAM user
// (or root user), with its permissions; with SerialNumber and TokenCode the
// session is MFA-authenticated. It needs no permission. The root user's
// sessions last an hour at most (a longer DurationSeconds is cut to one
// hour). Errors: ValidationError, AccessDenied (session credentials, wrong
// MFA code).
func (s *Service) GetSessionToken(ctx context.Context, c *authz.Caller, in *GetSessionTokenInput) (*GetSessionTokenOutput, error) {
	duration, err := checkDuration(in.DurationSeconds, maxTokenDuration, defaultTokenDuration)
	if err != nil {
		return nil, err
	}
	if err := checkMFAParams(in.SerialNumber, in.TokenCode); err != nil {
		return nil, err
	}
	if c.IsTemporary() {
		return nil, sessionDeniesSTS("GetSessionToken")
	}
	if c.IsRoot() && duration > maxRootDuration {
		duration = maxRootDuration
	}
	mfa, err := s.verifyMFA(ctx, c, in.SerialNumber, in.TokenCode)
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	cl := &Claims{Issuer: IssuerGetSessionToken, Account: c.Account(), ARN: c.Principal.ARN, UserID: c.Principal.UserID,
		IssuedAt: now, Expires: now.Add(time.Duration(duration) * time.Second), Tags: principalTags(c.Principal.Tags)}
	if c.Principal.Type == policy.User {
		cl.UserName = c.Principal.Username
	}
	if mfa {
		cl.MFA, cl.MFAAuthTime = true, now
	}
	creds, err := s.issue(ctx, cl)
	if err != nil {
		return nil, err
	}
	return &GetSessionTokenOutput{Credentials: *creds}, nil
}
