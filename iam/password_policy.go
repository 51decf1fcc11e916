package iam

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// The account password policy, the rules every new console password obeys
// (the policy's, or IAM's default ones, and reuse prevention), and
// ChangePassword, with which a user sets its own.

// passwordSymbols are the non-alphanumeric characters IAM counts as
// symbols.
const passwordSymbols = "!@#$%^&*()_+-=[]{}|'"

// IAM's default rules, for an account without a password policy: at least
// 8 characters, of at least 3 of the 4 kinds (upper case, lower case,
// digits, symbols).
const (
	defaultMinimumPasswordLength = 8
	defaultPasswordKinds         = 3
)

// validatePassword checks a password as IAM's model does: 1 to 128
// characters among tab, line feed, carriage return and U+0020–U+00FF. The
// message never quotes the value, which is a secret (as AWS does for
// sensitive members).
func validatePassword(member, v string) error {
	if n := utf8.RuneCountInString(v); n < 1 || n > 128 {
		return awserr.New(awserr.ValidationError, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to 128 and greater than or equal to 1", member)
	}
	for _, r := range v {
		if r != '\t' && r != '\n' && r != '\r' && (r < 0x20 || r > 0xFF) {
			return awserr.New(awserr.ValidationError, `1 validation error detected: Value at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`, member)
		}
	}
	return nil
}

// passwordKinds tells which kinds of characters a password has.
type passwordKinds struct{ upper, lower, number, symbol bool }

func kindsOf(password string) passwordKinds {
	var k passwordKinds
	for _, r := range password {
		switch {
		case r >= 'A' && r <= 'Z':
			k.upper = true
		case r >= 'a' && r <= 'z':
			k.lower = true
		case r >= '0' && r <= '9':
			k.number = true
		case strings.ContainsRune(passwordSymbols, r):
			k.symbol = true
		}
	}
	return k
}

func (k passwordKinds) count() int {
	n := 0
	for _, b := range []bool{k.upper, k.lower, k.number, k.symbol} {
		if b {
			n++
		}
	}
	return n
}

// policyViolation is IAM's error for a password the policy refuses.
func policyViolation(format string, args ...any) error {
	return awserr.New(PasswordPolicyViolation, format, args...)
}

// checkPasswordPolicy checks a new password's length and characters
// against the account's policy, or IAM's default rules when pol is nil.
// Reuse is checked by the caller, which has the user's hashes.
func checkPasswordPolicy(pol *store.AccountPasswordPolicy, password string) error {
	n := utf8.RuneCountInString(password)
	k := kindsOf(password)
	if pol == nil {
		if n < defaultMinimumPasswordLength {
			return policyViolation("Password should have a minimum length of %d", defaultMinimumPasswordLength)
		}
		if k.count() < defaultPasswordKinds {
			return policyViolation("Password should have at least %d of the following: uppercase letters, lowercase letters, numbers and symbols (%s)", defaultPasswordKinds, passwordSymbols)
		}
		return nil
	}
	switch {
	case n < pol.MinimumPasswordLength:
		return policyViolation("Password should have a minimum length of %d", pol.MinimumPasswordLength)
	case pol.RequireUppercaseCharacters && !k.upper:
		return policyViolation("Password should have at least one uppercase letter")
	case pol.RequireLowercaseCharacters && !k.lower:
		return policyViolation("Password should have at least one lowercase letter")
	case pol.RequireNumbers && !k.number:
		return policyViolation("Password should have at least one number")
	case pol.RequireSymbols && !k.symbol:
		return policyViolation("Password should have at least one symbol (%s)", passwordSymbols)
	}
	return nil
}

// loadPasswordPolicy reads the account's password policy; nil when it has
// none.
func loadPasswordPolicy(ctx context.Context, tx store.Tx, acct string) (*store.AccountPasswordPolicy, error) {
	var p store.AccountPasswordPolicy
	if err := store.GetJSON(ctx, tx, acct, store.PasswordPolicyKey, &p); err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &p, nil
}

// UpdateAccountPasswordPolicyInput is the input of
// UpdateAccountPasswordPolicy. A parameter left out takes its default:
// the operation replaces the whole policy.
type UpdateAccountPasswordPolicyInput struct {
	MinimumPasswordLength      *int `query:"MinimumPasswordLength"`
	RequireSymbols             bool `query:"RequireSymbols"`
	RequireNumbers             bool `query:"RequireNumbers"`
	RequireUppercaseCharacters bool `query:"RequireUppercaseCharacters"`
	RequireLowercaseCharacters bool `query:"RequireLowercaseCharacters"`
	AllowUsersToChangePassword bool `query:"AllowUsersToChangePassword"`
	MaxPasswordAge             *int `query:"MaxPasswordAge"`
	PasswordReusePrevention    *int `query:"PasswordReusePrevention"`
	HardExpiry                 bool `query:"HardExpiry"`
}

// rangeCheck checks an optional integer parameter's range.
func rangeCheck(member string, v *int, lo, hi int) error {
	if v != nil && (*v < lo || *v > hi) {
		return validation(member, fmt.Sprint(*v), fmt.Sprintf("Member must have value less than or equal to %d and greater than or equal to %d", hi, lo))
	}
	return nil
}

// UpdateAccountPasswordPolicy sets the account's password policy, all of
// it: MinimumPasswordLength defaults to 6, the rest to false or 0. New and
// changed passwords must satisfy it; a MaxPasswordAge applies at once to
// the age of every password. The caller needs
// iam:UpdateAccountPasswordPolicy. Errors: ValidationError, AccessDenied.
func (s *Service) UpdateAccountPasswordPolicy(ctx context.Context, c *authz.Caller, in *UpdateAccountPasswordPolicyInput) (*Empty, error) {
	if err := rangeCheck("minimumPasswordLength", in.MinimumPasswordLength, 6, 128); err != nil {
		return nil, err
	}
	if err := rangeCheck("maxPasswordAge", in.MaxPasswordAge, 1, 1095); err != nil {
		return nil, err
	}
	if err := rangeCheck("passwordReusePrevention", in.PasswordReusePrevention, 1, 24); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "UpdateAccountPasswordPolicy", "*", nil); err != nil {
		return nil, err
	}
	p := store.AccountPasswordPolicy{MinimumPasswordLength: 6, RequireSymbols: in.RequireSymbols, RequireNumbers: in.RequireNumbers,
		RequireUppercaseCharacters: in.RequireUppercaseCharacters, RequireLowercaseCharacters: in.RequireLowercaseCharacters,
		AllowUsersToChangePassword: in.AllowUsersToChangePassword, HardExpiry: in.HardExpiry}
	if in.MinimumPasswordLength != nil {
		p.MinimumPasswordLength = *in.MinimumPasswordLength
	}
	if in.MaxPasswordAge != nil {
		p.MaxPasswordAge = *in.MaxPasswordAge
	}
	if in.PasswordReusePrevention != nil {
		p.PasswordReusePrevention = *in.PasswordReusePrevention
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(ctx, tx, c.Account(), store.PasswordPolicyKey, &p)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// PasswordPolicy is the IAM PasswordPolicy shape.
type PasswordPolicy struct {
	MinimumPasswordLength      int  `xml:"MinimumPasswordLength"`
	RequireSymbols             bool `xml:"RequireSymbols"`
	RequireNumbers             bool `xml:"RequireNumbers"`
	RequireUppercaseCharacters bool `xml:"RequireUppercaseCharacters"`
	RequireLowercaseCharacters bool `xml:"RequireLowercaseCharacters"`
	AllowUsersToChangePassword bool `xml:"AllowUsersToChangePassword"`
	ExpirePasswords            bool `xml:"ExpirePasswords"`
	MaxPasswordAge             int  `xml:"MaxPasswordAge,omitempty"`
	PasswordReusePrevention    int  `xml:"PasswordReusePrevention,omitempty"`
	HardExpiry                 bool `xml:"HardExpiry,omitempty"`
}

// GetAccountPasswordPolicyOutput is the output of GetAccountPasswordPolicy.
type GetAccountPasswordPolicyOutput struct {
	PasswordPolicy PasswordPolicy `xml:"PasswordPolicy"`
}

// GetAccountPasswordPolicyInput is the input of GetAccountPasswordPolicy
// (it has no parameters).
type GetAccountPasswordPolicyInput struct{}

// GetAccountPasswordPolicy returns the account's password policy. The
// caller needs iam:GetAccountPasswordPolicy, which the policy's
// AllowUsersToChangePassword grants every IAM user. Errors: NoSuchEntity
// (no policy set: the default rules apply), AccessDenied.
func (s *Service) GetAccountPasswordPolicy(ctx context.Context, c *authz.Caller, _ *GetAccountPasswordPolicyInput) (*GetAccountPasswordPolicyOutput, error) {
	var p *store.AccountPasswordPolicy
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = loadPasswordPolicy(ctx, tx, c.Account())
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.authorizeSelfService(ctx, c, "GetAccountPasswordPolicy", "*", p); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, noSuchPasswordPolicy(c.Account())
	}
	return &GetAccountPasswordPolicyOutput{PasswordPolicy: PasswordPolicy{MinimumPasswordLength: p.MinimumPasswordLength,
		RequireSymbols: p.RequireSymbols, RequireNumbers: p.RequireNumbers, RequireUppercaseCharacters: p.RequireUppercaseCharacters,
		RequireLowercaseCharacters: p.RequireLowercaseCharacters, AllowUsersToChangePassword: p.AllowUsersToChangePassword,
		ExpirePasswords: p.MaxPasswordAge > 0, MaxPasswordAge: p.MaxPasswordAge, PasswordReusePrevention: p.PasswordReusePrevention,
		HardExpiry: p.HardExpiry}}, nil
}

// noSuchPasswordPolicy is IAM's answer for an account without a policy.
func noSuchPasswordPolicy(acct string) error {
	return awserr.New(awserr.NoSuchEntity, "The Password Policy with domain name %s cannot be found.", acct)
}

// DeleteAccountPasswordPolicyInput is the input of
// DeleteAccountPasswordPolicy (it has no parameters).
type DeleteAccountPasswordPolicyInput struct{}

// DeleteAccountPasswordPolicy removes the account's password policy; IAM's
// default rules apply again. The caller needs
// iam:DeleteAccountPasswordPolicy. Errors: NoSuchEntity, AccessDenied.
func (s *Service) DeleteAccountPasswordPolicy(ctx context.Context, c *authz.Caller, _ *DeleteAccountPasswordPolicyInput) (*Empty, error) {
	if err := s.authorize(ctx, c, "DeleteAccountPasswordPolicy", "*", nil); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Delete(ctx, c.Account(), store.PasswordPolicyKey); err != nil {
			if isNotFound(err) {
				return noSuchPasswordPolicy(c.Account())
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// newPassword checks password against the policy, and the user's latest
// passwords when the policy prevents reuse, and returns the profile with
// it set (and the reset requirement cleared).
func (s *Service) newPassword(ctx context.Context, pol *store.AccountPasswordPolicy, lp *store.LoginProfile, password string) (*store.LoginProfile, error) {
	if err := checkPasswordPolicy(pol, password); err != nil {
		return nil, err
	}
	// latest are the passwords the new one may not repeat, newest first;
	// the first keep of them become its history.
	var (
		keep   int
		latest []string
	)
	if pol != nil && pol.PasswordReusePrevention > 0 {
		keep = pol.PasswordReusePrevention - 1
		latest = append([]string{lp.Hash}, lp.History[:min(keep, len(lp.History))]...)
		reused, err := s.pw.matchesAny(ctx, latest, password)
		if err != nil {
			return nil, err
		}
		if reused {
			return nil, awserr.New(PasswordPolicyViolation, "Password was used recently: the account's password policy forbids reusing any of the last %d passwords.", pol.PasswordReusePrevention)
		}
	}
	hash, err := s.pw.hash(ctx, password)
	if err != nil {
		return nil, err
	}
	next := *lp
	next.History = nil
	if keep > 0 {
		next.History = latest[:min(keep, len(latest))]
	}
	next.Hash, next.SetAt, next.ResetRequired = hash, s.timestamp(), false
	return &next, nil
}

// ChangePasswordInput is the input of ChangePassword.
type ChangePasswordInput struct {
	OldPassword string `query:"OldPassword,required"`
	NewPassword string `query:"NewPassword,required"`
}

// ChangePassword changes the calling IAM user's own password, given the
// current one; the new one must satisfy the account's password policy. The
// caller needs iam:ChangePassword on its own user ARN, which the policy's
// AllowUsersToChangePassword grants every user (an explicit deny still
// wins). It works for an expired password, HardExpiry or not, as AWS's API
// does. Errors: InvalidUserType (the root user, roles, federated users),
// NoSuchEntity (no password), AccessDenied (also for a wrong
// OldPassword), PasswordPolicyViolation, EntityTemporarilyUnmodifiable,
// ValidationError.
func (s *Service) ChangePassword(ctx context.Context, c *authz.Caller, in *ChangePasswordInput) (*Empty, error) {
	if err := validatePassword("oldPassword", in.OldPassword); err != nil {
		return nil, err
	}
	if err := validatePassword("newPassword", in.NewPassword); err != nil {
		return nil, err
	}
	if c.Principal.Type != policy.User {
		return nil, awserr.New(InvalidUserType, "Only IAM users can change their own password; use UpdateLoginProfile to set another user's.")
	}
	acct := c.Account()
	var (
		u    *store.User
		seen *store.LoginProfile
		pol  *store.AccountPasswordPolicy
	)
	err := s.st.View(ctx, func(tx store.Tx) error {
		var err error
		if pol, err = loadPasswordPolicy(ctx, tx, acct); err != nil {
			return err
		}
		if err := s.authorizeSelfService(ctx, c, "ChangePassword", c.Principal.ARN, pol); err != nil {
			return err
		}
		u, seen, err = loadLoginProfile(ctx, tx, acct, c.Principal.Username)
		return err
	})
	if err != nil {
		return nil, err
	}
	ok, _, err := s.pw.verify(ctx, seen.Hash, in.OldPassword)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, awserr.New(awserr.AccessDenied, "The old password is incorrect.")
	}
	next, err := s.newPassword(ctx, pol, seen, in.NewPassword)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		return storePassword(ctx, tx, acct, u, seen, next)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// authorizeSelfService authorizes a user's action on its own password:
// an identity policy may allow it, and so does the account password
// policy's AllowUsersToChangePassword when nothing denies it.
func (s *Service) authorizeSelfService(ctx context.Context, c *authz.Caller, action, resource string, pol *store.AccountPasswordPolicy) error {
	chk := authz.Check{Action: "iam:" + action, Resource: resource}
	d, err := s.authz.Authorize(ctx, c, chk)
	if err != nil {
		return err
	}
	if d.Allowed() {
		return nil
	}
	if c.Principal.Type == policy.User && pol != nil && pol.AllowUsersToChangePassword && d.Outcome == policy.ImplicitDeny && d.Missing == policy.SourceIdentity {
		return nil
	}
	return &awserr.Error{Code: awserr.AccessDenied, Message: authz.DeniedMessage(c, chk.Action, chk.Resource, &d)}
}
