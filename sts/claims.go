package sts

import (
	"fmt"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/policy"
)

// The STS operations that issue sessions, as Claims.Issuer names them.
const (
	IssuerAssumeRole         = "AssumeRole"
	IssuerGetSessionToken    = "GetSessionToken"
	IssuerGetFederationToken = "GetFederationToken"
)

// Claims are what a session token holds: everything needed to
// authenticate a request signed with the session's credentials and to
// build its caller, so that no store lookup is needed per session.
type Claims struct {
	// Issuer is the operation that made the session (IssuerAssumeRole, …).
	Issuer string `json:"iss"`
	// Account is the account the session acts in.
	Account string `json:"acct"`
	// ARN is the session's identity: the assumed-role session ARN, the
	// federated-user ARN, or (GetSessionToken) the user or root ARN.
	ARN string `json:"arn"`
	// UserID is aws:userid: AROA…:session, ACCOUNT:name, AIDA…, or the
	// account id for the root user.
	UserID string `json:"uid"`
	// UserName is the IAM user who made the session (GetSessionToken,
	// GetFederationToken); "" for the root user and for role sessions.
	UserName string `json:"user,omitempty"`
	// RoleARN is the assumed role's ARN, path included.
	RoleARN string `json:"role,omitempty"`
	// SessionName is the role session name or the federated user's name.
	SessionName string    `json:"name,omitempty"`
	IssuedAt    time.Time `json:"iat"`
	Expires     time.Time `json:"exp"`
	// Policies are the session policy documents: the inline Policy and
	// the documents of PolicyArns as they were when the session was made.
	Policies []string `json:"pol,omitempty"`
	// Tags are the effective principal tags (aws:PrincipalTag/…).
	Tags []Tag `json:"tags,omitempty"`
	// TransitiveTagKeys name the tags passed on by role chaining.
	TransitiveTagKeys []string `json:"tt,omitempty"`
	SourceIdentity    string   `json:"src,omitempty"`
	// MFA reports whether MFA authenticated the session, at MFAAuthTime.
	MFA         bool      `json:"mfa,omitempty"`
	MFAAuthTime time.Time `json:"mfat,omitzero"`
	// AccessKeyID and Secret are the session's credentials.
	AccessKeyID string `json:"ak"`
	Secret      string `json:"sk"`
}

// Principal returns the principal requests of the session are made by.
func (c *Claims) Principal() policy.Principal {
	p := policy.Principal{ARN: c.ARN, Account: c.Account, UserID: c.UserID}
	switch c.Issuer {
	case IssuerAssumeRole:
		p.Type, p.RoleARN = policy.AssumedRole, c.RoleARN
	case IssuerGetFederationToken:
		p.Type = policy.FederatedUser
	default:
		if c.UserName == "" {
			p.Type = policy.Root
		} else {
			p.Type, p.Username = policy.User, c.UserName
		}
	}
	for _, t := range c.Tags {
		p.Tags = append(p.Tags, policy.Tag{Key: t.Key, Value: t.Value})
	}
	return p
}

// Session returns what the caller of a request carries over from the
// session.
func (c *Claims) Session() *authz.Session {
	s := &authz.Session{ID: c.AccessKeyID, Issuer: c.Issuer, IssuedAt: c.IssuedAt, Expires: c.Expires,
		SourceIdentity: c.SourceIdentity, MFA: c.MFA, MFAAuthTime: c.MFAAuthTime}
	if c.Issuer == IssuerGetFederationToken {
		s.SourceUserName = c.UserName
	}
	for _, k := range c.TransitiveTagKeys {
		for _, t := range c.Tags {
			if equalFold(t.Key, k) {
				s.TransitiveTags = append(s.TransitiveTags, policy.Tag{Key: t.Key, Value: t.Value})
			}
		}
	}
	return s
}

// CompilePolicies compiles the session policies. They were validated when
// the session was made, so an error means a grammar change since.
func (c *Claims) CompilePolicies() ([]*policy.Compiled, error) {
	if len(c.Policies) == 0 {
		return nil, nil
	}
	out := make([]*policy.Compiled, 0, len(c.Policies))
	for i, doc := range c.Policies {
		p, err := policy.ParseCompiled(fmt.Sprintf("session/%d", i), []byte(doc), policy.KindIdentity)
		if err != nil {
			return nil, fmt.Errorf("sts: session policy %d no longer parses: %w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}
