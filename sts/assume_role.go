package sts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/arn"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// AssumeRoleInput is the input of AssumeRole.
type AssumeRoleInput struct {
	RoleArn           string             `query:"RoleArn,required"`
	RoleSessionName   string             `query:"RoleSessionName,required"`
	PolicyArns        []PolicyDescriptor `query:"PolicyArns"`
	Policy            *string            `query:"Policy"`
	DurationSeconds   *int               `query:"DurationSeconds"`
	Tags              []Tag              `query:"Tags"`
	TransitiveTagKeys []string           `query:"TransitiveTagKeys"`
	ExternalID        *string            `query:"ExternalId"`
	SerialNumber      *string            `query:"SerialNumber"`
	TokenCode         *string            `query:"TokenCode"`
	SourceIdentity    *string            `query:"SourceIdentity"`
}

// AssumedRoleUser identifies a role session.
type AssumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

// AssumeRoleOutput is the output of AssumeRole.
type AssumeRoleOutput struct {
	Credentials      Credentials     `xml:"Credentials"`
	AssumedRoleUser  AssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize *int            `xml:"PackedPolicySize,omitempty"`
	SourceIdentity   string          `xml:"SourceIdentity,omitempty"`
}

// AssumeRole returns credentials of a session of a role, in the role's
// account. The role's trust policy must allow the caller (a caller from
// another account also needs its own identity policy to allow
// sts:AssumeRole on the role); tags need sts:TagSession and a source
// identity sts:SetSourceIdentity, both from the trust policy too. The
// session has the role's permissions, narrowed by the session policies.
// Errors: ValidationError, MalformedPolicyDocument, PackedPolicyTooLarge,
// InvalidParameterValue, AccessDenied (a missing role is AccessDenied, as
// in AWS).
func (s *Service) AssumeRole(ctx context.Context, c *authz.Caller, in *AssumeRoleInput) (*AssumeRoleOutput, error) {
	if err := checkAssumeRoleInput(in); err != nil {
		return nil, err
	}
	duration, err := checkDuration(in.DurationSeconds, maxRoleDuration, defaultRoleDuration)
	if err != nil {
		return nil, err
	}
	if in.Policy != nil {
		if err := parseInlinePolicy(*in.Policy); err != nil {
			return nil, err
		}
	}
	switch c.Principal.Type {
	case policy.Root:
		return nil, awserr.New(awserr.AccessDenied, "Roles may not be assumed by root accounts.")
	case policy.FederatedUser:
		return nil, notAuthorized(c, "sts:AssumeRole", in.RoleArn)
	}
	roleAcct, err := roleAccount(in.RoleArn)
	if err != nil {
		return nil, err
	}
	mfaNow, err := s.verifyMFA(ctx, c, in.SerialNumber, in.TokenCode)
	if err != nil {
		return nil, err
	}
	now := s.timestamp()

	var inherited []policy.Tag
	var inheritedKeys []string
	sourceIdentity := ""
	if c.Session != nil {
		inherited = c.Session.TransitiveTags
		sourceIdentity = c.Session.SourceIdentity
	}
	for _, t := range inherited {
		inheritedKeys = append(inheritedKeys, t.Key)
		for _, p := range in.Tags {
			if equalFold(p.Key, t.Key) {
				return nil, awserr.New(awserr.InvalidParameterValue, "The session tag %s is a transitive tag of the calling session and cannot be overwritten.", p.Key)
			}
		}
	}
	sessionTags := mergeTags(principalTags(inherited), in.Tags)
	if in.SourceIdentity != nil {
		if sourceIdentity != "" && sourceIdentity != *in.SourceIdentity {
			return nil, notAuthorized(c, "sts:SetSourceIdentity", in.RoleArn)
		}
		sourceIdentity = *in.SourceIdentity
	}

	// The role and its trust policy. A missing role is a denial, so that
	// callers cannot probe for roles.
	r, err := s.loadRole(ctx, roleAcct, in.RoleArn)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, notAuthorized(c, "sts:AssumeRole", in.RoleArn)
	}
	trust, err := policy.ParseCompiled(r.ARN+"#trust", []byte(r.TrustPolicy), policy.KindTrust)
	if err != nil {
		return nil, awserr.Internal(fmt.Errorf("trust policy of %s no longer parses: %w", r.ARN, err))
	}
	reqContext := func(pc *policy.Context) {
		pc.Set("sts:RoleSessionName", in.RoleSessionName)
		if in.ExternalID != nil {
			pc.Set("sts:ExternalId", *in.ExternalID)
		}
		if sourceIdentity != "" {
			pc.Set("sts:SourceIdentity", sourceIdentity)
		}
		requestTagContext(pc, sessionTags)
		if len(in.TransitiveTagKeys) > 0 {
			pc.SetMulti("sts:TransitiveTagKeys", in.TransitiveTagKeys)
		}
		if mfaNow {
			pc.Set("aws:MultiFactorAuthPresent", "true")
			pc.Set("aws:MultiFactorAuthAge", "0")
		}
	}
	actions := []string{"sts:AssumeRole"}
	if len(sessionTags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if sourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, action := range actions {
		d, err := s.authz.Authorize(ctx, c, authz.Check{Action: action, Resource: r.ARN, ResourcePolicy: trust, Context: reqContext})
		if err != nil {
			return nil, err
		}
		if !d.Allowed() {
			return nil, notAuthorized(c, action, r.ARN)
		}
	}

	if duration > r.MaxSessionDuration {
		return nil, awserr.New(awserr.ValidationError, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if c.Principal.Type == policy.AssumedRole && duration > maxChainedDuration {
		return nil, awserr.New(awserr.ValidationError, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	docs, err := s.sessionPolicies(ctx, roleAcct, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	var packed *int
	if in.Policy != nil || len(in.PolicyArns) > 0 || len(sessionTags) > 0 {
		n := packedSize(in.Policy, in.PolicyArns, sessionTags)
		if n > 100 {
			return nil, packedTooLarge(n)
		}
		packed = &n
	}

	sessionARN := "arn:aws:sts::" + roleAcct + ":assumed-role/" + r.Name + "/" + in.RoleSessionName
	cl := &Claims{Issuer: IssuerAssumeRole, Account: roleAcct, ARN: sessionARN, UserID: r.ID + ":" + in.RoleSessionName,
		RoleARN: r.ARN, SessionName: in.RoleSessionName, IssuedAt: now, Expires: now.Add(time.Duration(duration) * time.Second),
		Policies: docs, Tags: mergeTags(storeTags(r.Tags), sessionTags), SourceIdentity: sourceIdentity,
		TransitiveTagKeys: unionKeys(inheritedKeys, in.TransitiveTagKeys)}
	switch {
	case mfaNow:
		cl.MFA, cl.MFAAuthTime = true, now
	case c.Session != nil && c.Session.MFA:
		cl.MFA, cl.MFAAuthTime = true, c.Session.MFAAuthTime
	}
	creds, err := s.issue(ctx, cl)
	if err != nil {
		return nil, err
	}
	return &AssumeRoleOutput{Credentials: *creds, AssumedRoleUser: AssumedRoleUser{AssumedRoleID: cl.UserID, Arn: sessionARN},
		PackedPolicySize: packed, SourceIdentity: sourceIdentity}, nil
}

// checkAssumeRoleInput validates AssumeRole's parameters as the model does.
func checkAssumeRoleInput(in *AssumeRoleInput) error {
	if n := utf8.RuneCountInString(in.RoleArn); n < 20 || n > 2048 {
		return validation("roleArn", in.RoleArn, "Member must have length less than or equal to 2048 and greater than or equal to 20")
	}
	if err := checkName("roleSessionName", in.RoleSessionName, 2, 64); err != nil {
		return err
	}
	if err := checkPolicyParams(in.Policy, in.PolicyArns, 0); err != nil {
		return err
	}
	if err := checkTags(in.Tags); err != nil {
		return err
	}
	if len(in.TransitiveTagKeys) > maxSessionTags {
		return awserr.New(awserr.ValidationError, "1 validation error detected: Value at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionTags)
	}
	for i, k := range in.TransitiveTagKeys {
		if k == "" || utf8.RuneCountInString(k) > 128 || !tagKeyPattern.MatchString(k) {
			return validation("transitiveTagKeys."+strconv.Itoa(i+1)+".member", k, `Member must have length less than or equal to 128 and greater than or equal to 1 and satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		}
		found := false
		for _, t := range in.Tags {
			if equalFold(t.Key, k) {
				found = true
			}
		}
		if !found {
			return awserr.New(awserr.InvalidParameterValue, "The specified transitive tag key %s must be included in the requested tags.", k)
		}
	}
	if in.ExternalID != nil {
		if n := len(*in.ExternalID); n < 2 || n > 1224 {
			return validation("externalId", *in.ExternalID, "Member must have length less than or equal to 1224 and greater than or equal to 2")
		}
		if !externalIDPattern.MatchString(*in.ExternalID) {
			return validation("externalId", *in.ExternalID, `Member must satisfy regular expression pattern: [\w+=,.@:\/-]*`)
		}
	}
	if err := checkMFAParams(in.SerialNumber, in.TokenCode); err != nil {
		return err
	}
	if in.SourceIdentity != nil {
		if err := checkName("sourceIdentity", *in.SourceIdentity, 2, 64); err != nil {
			return err
		}
		if strings.HasPrefix(strings.ToLower(*in.SourceIdentity), "aws:") {
			return awserr.New(awserr.ValidationError, "SourceIdentity cannot start with 'aws:'.")
		}
	}
	return nil
}

// roleAccount returns the account of a role ARN.
func roleAccount(roleARN string) (string, error) {
	a, err := arn.Parse(roleARN)
	if err != nil || a.Service != "iam" || !isAccountID(a.Account) || !strings.HasPrefix(a.Resource, "role/") || a.Name() == "" {
		return "", awserr.New(awserr.ValidationError, "Request ARN is invalid")
	}
	return a.Account, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// loadRole reads the role an ARN names, or nil when there is none (or the
// ARN's path is not the role's).
func (s *Service) loadRole(ctx context.Context, account, roleARN string) (*store.Role, error) {
	name := roleARN[strings.LastIndexByte(roleARN, '/')+1:]
	var r store.Role
	err := s.st.View(ctx, func(tx store.Tx) error {
		return store.GetJSON(ctx, tx, account, store.RoleKey(name), &r)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.ARN != roleARN {
		return nil, nil
	}
	return &r, nil
}

// notAuthorized is STS's denial: the classic form, without a reason.
func notAuthorized(c *authz.Caller, action, resource string) error {
	return awserr.New(awserr.AccessDenied, "User: %s is not authorized to perform: %s on resource: %s", c.Principal.ARN, action, resource)
}

// unionKeys returns the keys of a and b, each once (regardless of case).
func unionKeys(a, b []string) []string {
	var out []string
	for _, k := range append(append([]string(nil), a...), b...) {
		dup := false
		for _, o := range out {
			if equalFold(o, k) {
				dup = true
			}
		}
		if !dup {
			out = append(out, k)
		}
	}
	return out
}
