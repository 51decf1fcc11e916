package iam

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Console passwords: the login profiles of IAM users, ChangePassword, and
// VerifyPassword, with which the console signs users in.

// Error codes of the password operations.
const (
	// PasswordPolicyViolation: a new password breaks the account's password
	// policy (or IAM's default rules).
	PasswordPolicyViolation = "PasswordPolicyViolation"
	// InvalidUserType: ChangePassword called by someone other than an IAM
	// user (the root user, a role session, a federated user).
	InvalidUserType = "InvalidUserType"
	// EntityTemporarilyUnmodifiable: the password changed while the
	// request was being made.
	EntityTemporarilyUnmodifiable = "EntityTemporarilyUnmodifiable"
)

// hashParams are the argon2id parameters of a hash.
type hashParams struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
	KeyLen  uint32
}

// defaultHashParams are those of new hashes: OWASP's first recommendation
// for argon2id (19 MiB, 2 passes, 1 lane). Stored hashes keep their own, so
// these may grow; a hash made with others is remade at the next sign-in.
var defaultHashParams = hashParams{Time: 2, Memory: 19 * 1024, Threads: 1, KeyLen: 32}

const saltLen = 16

// passwordHasher hashes and verifies passwords with argon2id. Each hash
// takes Memory KiB for its duration, so at most cap(slots) run at once.
type passwordHasher struct {
	params hashParams
	slots  chan struct{}
	// dummySalt is hashed against when a user has no password, so that a
	// missing profile takes as long as a wrong password.
	dummySalt []byte
}

func newPasswordHasher(p hashParams) *passwordHasher {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails
	return &passwordHasher{params: p, slots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0))), dummySalt: salt}
}

// derive runs argon2id, waiting for a slot (or for ctx to end).
func (h *passwordHasher) derive(ctx context.Context, password string, salt []byte, p hashParams) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

// hash returns the PHC string of password under a new random salt.
func (h *passwordHasher) hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	p := h.params
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// parseHash reads a PHC argon2id string, with bounds on its parameters.
func parseHash(encoded string) (hashParams, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return hashParams{}, nil, nil, errors.New("not an argon2id hash")
	}
	var p hashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return hashParams{}, nil, nil, fmt.Errorf("argon2id parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return hashParams{}, nil, nil, fmt.Errorf("argon2id salt: %w", err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return hashParams{}, nil, nil, fmt.Errorf("argon2id hash: %w", err)
	}
	p.KeyLen = uint32(len(key))
	if p.Time < 1 || p.Time > 64 || p.Memory < 8 || p.Memory > 4<<20 || p.Threads < 1 || p.Threads > 16 || len(salt) < 8 || p.KeyLen < 16 || p.KeyLen > 64 {
		return hashParams{}, nil, nil, errors.New("argon2id parameters out of bounds")
	}
	return p, salt, key, nil
}

// verify reports whether password matches the encoded hash, and whether
// the hash was made with the current parameters.
func (h *passwordHasher) verify(ctx context.Context, encoded, password string) (ok, current bool, err error) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, false, err
	}
	got, err := h.derive(ctx, password, salt, p)
	if err != nil {
		return false, false, err
	}
	return subtle.ConstantTimeCompare(got, key) == 1, p == h.params, nil
}

// dummy spends the time a verification takes, for a user with no password.
func (h *passwordHasher) dummy(ctx context.Context, password string) error {
	_, err := h.derive(ctx, password, h.dummySalt, h.params)
	return err
}

// matchesAny reports whether password matches one of the hashes.
func (h *passwordHasher) matchesAny(ctx context.Context, hashes []string, password string) (bool, error) {
	for _, enc := range hashes {
		ok, _, err := h.verify(ctx, enc, password)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// PasswordCheck is the answer of VerifyPassword. Only OK is meaningful
// when the password is wrong: the other fields are then zero.
type PasswordCheck struct {
	// OK: the password is the user's console password.
	OK bool
	// ResetRequired: an administrator requires a new password before the
	// user goes on (PasswordResetRequired).
	ResetRequired bool
	// Expired: the password is older than the account password policy's
	// MaxPasswordAge.
	Expired bool
	// HardExpiry: the password has Expired and the policy's HardExpiry
	// forbids the user to set a new one; the user may not sign in until an
	// administrator resets it (UpdateLoginProfile).
	HardExpiry bool
	// UserID and UserARN identify the user when OK.
	UserID, UserARN string
}

// VerifyPassword reports whether password is userName's console password in account.
//
// It requires no authorization: the console signs users in with it, and it
// is not part of the HTTP API. A wrong password, a user without a login
// profile, an unknown user or account, and malformed input all give OK
// false and no error, after about the same time (a missing profile hashes
// a dummy); the error is for failures of the store or ctx only. A right
// password that has expired or must be reset is OK, with Expired or
// ResetRequired set: the console must then have the user set a new one
// (ChangePassword as that user), unless HardExpiry. A successful check is
// recorded as the user's PasswordLastUsed, and a hash made with older
// parameters is remade with the current ones.
func (s *Service) VerifyPassword(ctx context.Context, account, userName, password string) (PasswordCheck, error) {
	var (
		u   *store.User
		lp  *store.LoginProfile
		pol *store.AccountPasswordPolicy
	)
	if isAccountIDString(account) && validateName("userName", userName, 64) == nil && validatePassword("password", password) == nil {
		err := s.st.View(ctx, func(tx store.Tx) error {
			var err error
			if u, lp, err = loadLoginProfile(ctx, tx, account, userName); err != nil {
				u, lp = nil, nil
				var ae *awserr.Error
				if errors.As(err, &ae) && ae.Code == awserr.NoSuchEntity {
					return nil
				}
				return err
			}
			pol, err = loadPasswordPolicy(ctx, tx, account)
			return err
		})
		if err != nil {
			return PasswordCheck{}, err
		}
	}
	if lp == nil {
		return PasswordCheck{}, s.pw.dummy(ctx, password)
	}
	ok, current, err := s.pw.verify(ctx, lp.Hash, password)
	if err != nil || !ok {
		return PasswordCheck{}, err
	}
	now := s.now()
	chk := PasswordCheck{OK: true, ResetRequired: lp.ResetRequired, UserID: u.ID, UserARN: u.ARN}
	chk.Expired = passwordExpired(pol, lp, now)
	chk.HardExpiry = chk.Expired && pol.HardExpiry
	if !current {
		s.rehash(ctx, account, lp, password)
	}
	use := store.PasswordUse{At: now.UTC().Truncate(time.Second)}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(ctx, tx, store.UsagePartition, store.PasswordUseKey(account, u.ID), &use)
	})
	return chk, err
}

// rehash stores the hash of a verified password made with the current
// parameters, unless the password changed meanwhile. A failure changes
// nothing: the old hash still verifies.
func (s *Service) rehash(ctx context.Context, account string, seen *store.LoginProfile, password string) {
	h, err := s.pw.hash(ctx, password)
	if err != nil {
		return
	}
	_ = s.st.Update(ctx, func(tx store.Tx) error {
		var lp store.LoginProfile
		if err := store.GetJSON(ctx, tx, account, store.LoginProfileKey(seen.UserID), &lp); err != nil {
			return err
		}
		if lp.Hash != seen.Hash {
			return nil
		}
		lp.Hash = h
		return store.PutJSON(ctx, tx, account, store.LoginProfileKey(lp.UserID), &lp)
	})
}

// passwordLastUsed returns when a user last signed in with its password
// (VerifyPassword), or nil.
func passwordLastUsed(ctx context.Context, tx store.Tx, acct, userID string) (*time.Time, error) {
	var use store.PasswordUse
	if err := store.GetJSON(ctx, tx, store.UsagePartition, store.PasswordUseKey(acct, userID), &use); err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &use.At, nil
}

// passwordExpired reports whether a password is older than the policy's
// MaxPasswordAge (nil: no policy, no expiry).
func passwordExpired(pol *store.AccountPasswordPolicy, lp *store.LoginProfile, now time.Time) bool {
	return pol != nil && pol.MaxPasswordAge > 0 && now.After(lp.SetAt.Add(time.Duration(pol.MaxPasswordAge)*24*time.Hour))
}

// noSuchLoginProfile is IAM's error for a user without a password.
func noSuchLoginProfile(name string) error {
	return awserr.New(awserr.NoSuchEntity, "Login Profile for User %s cannot be found.", name)
}

// loginProfileExists is IAM's error for a second login profile.
func loginProfileExists(name string) error {
	return awserr.New(awserr.EntityAlreadyExists, "Login Profile for User %s already exists.", name)
}

// loadLoginProfile reads a user and its login profile; NoSuchEntity when
// either is missing.
func loadLoginProfile(ctx context.Context, tx store.Tx, acct, name string) (*store.User, *store.LoginProfile, error) {
	u, err := loadUser(ctx, tx, acct, name)
	if err != nil {
		return nil, nil, err
	}
	lp, err := userLoginProfile(ctx, tx, acct, u)
	return u, lp, err
}

// userLoginProfile reads a user's login profile; NoSuchEntity when none.
func userLoginProfile(ctx context.Context, tx store.Tx, acct string, u *store.User) (*store.LoginProfile, error) {
	var lp store.LoginProfile
	if err := store.GetJSON(ctx, tx, acct, store.LoginProfileKey(u.ID), &lp); err != nil {
		if isNotFound(err) {
			return nil, noSuchLoginProfile(u.Name)
		}
		return nil, err
	}
	return &lp, nil
}

// profileUser names the user a login-profile operation acts on: the one
// named (validated), or the calling user.
func profileUser(c *authz.Caller, name string) (string, error) {
	name, err := targetUser(c, name)
	if err != nil {
		return "", err
	}
	return name, validateName("userName", name, 64)
}

// LoginProfile is the IAM LoginProfile shape.
type LoginProfile struct {
	UserName              string    `xml:"UserName"`
	CreateDate            time.Time `xml:"CreateDate"`
	PasswordResetRequired bool      `xml:"PasswordResetRequired"`
}

func loginProfileShape(u *store.User, lp *store.LoginProfile) LoginProfile {
	return LoginProfile{UserName: u.Name, CreateDate: lp.CreatedAt, PasswordResetRequired: lp.ResetRequired}
}

// LoginProfileOutput is the output of CreateLoginProfile and
// GetLoginProfile.
type LoginProfileOutput struct {
	LoginProfile LoginProfile `xml:"LoginProfile"`
}

// CreateLoginProfileInput is the input of CreateLoginProfile.
type CreateLoginProfileInput struct {
	UserName              string `query:"UserName"`
	Password              string `query:"Password"`
	PasswordResetRequired bool   `query:"PasswordResetRequired"`
}

// CreateLoginProfile gives a user a console password, which must satisfy
// the account's password policy. Without UserName it acts on the calling
// user. The caller needs iam:CreateLoginProfile on the user. Errors:
// EntityAlreadyExists, NoSuchEntity, PasswordPolicyViolation,
// ValidationError, AccessDenied.
func (s *Service) CreateLoginProfile(ctx context.Context, c *authz.Caller, in *CreateLoginProfileInput) (*LoginProfileOutput, error) {
	name, err := profileUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	if err := validatePassword("password", in.Password); err != nil {
		return nil, err
	}
	acct := c.Account()
	var pol *store.AccountPasswordPolicy
	err = s.st.View(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "CreateLoginProfile", name, nil)
		if err != nil {
			return err
		}
		if _, err := tx.Get(ctx, acct, store.LoginProfileKey(u.ID)); err == nil {
			return loginProfileExists(u.Name)
		} else if !isNotFound(err) {
			return err
		}
		pol, err = loadPasswordPolicy(ctx, tx, acct)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := checkPasswordPolicy(pol, in.Password); err != nil {
		return nil, err
	}
	hash, err := s.pw.hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	var out *LoginProfileOutput
	err = s.st.Update(ctx, func(tx store.Tx) error {
		u, err := loadUser(ctx, tx, acct, name)
		if err != nil {
			return err
		}
		now := s.timestamp()
		lp := &store.LoginProfile{UserID: u.ID, CreatedAt: now, Hash: hash, SetAt: now, ResetRequired: in.PasswordResetRequired}
		if err := store.CreateJSON(ctx, tx, acct, store.LoginProfileKey(u.ID), lp); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return loginProfileExists(u.Name)
			}
			return err
		}
		out = &LoginProfileOutput{LoginProfile: loginProfileShape(u, lp)}
		return nil
	})
	return out, err
}

// GetLoginProfileInput is the input of GetLoginProfile.
type GetLoginProfileInput struct {
	UserName string `query:"UserName"`
}

// GetLoginProfile returns a user's login profile (never the password).
// Without UserName it acts on the calling user. The caller needs
// iam:GetLoginProfile on the user. Errors: NoSuchEntity, ValidationError,
// AccessDenied.
func (s *Service) GetLoginProfile(ctx context.Context, c *authz.Caller, in *GetLoginProfileInput) (*LoginProfileOutput, error) {
	name, err := profileUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	var out *LoginProfileOutput
	err = s.st.View(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "GetLoginProfile", name, nil)
		if err != nil {
			return err
		}
		lp, err := userLoginProfile(ctx, tx, c.Account(), u)
		if err != nil {
			return err
		}
		out = &LoginProfileOutput{LoginProfile: loginProfileShape(u, lp)}
		return nil
	})
	return out, err
}

// UpdateLoginProfileInput is the input of UpdateLoginProfile.
type UpdateLoginProfileInput struct {
	UserName              string  `query:"UserName,required"`
	Password              *string `query:"Password"`
	PasswordResetRequired *bool   `query:"PasswordResetRequired"`
}

// UpdateLoginProfile sets a user's password, or whether the user must set
// a new one at the next sign-in, or both. A new password must satisfy the
// account's password policy, reuse prevention included. The caller needs
// iam:UpdateLoginProfile on the user. Errors: NoSuchEntity,
// PasswordPolicyViolation, EntityTemporarilyUnmodifiable, ValidationError,
// AccessDenied.
func (s *Service) UpdateLoginProfile(ctx context.Context, c *authz.Caller, in *UpdateLoginProfileInput) (*Empty, error) {
	if err := validateName("userName", in.UserName, 64); err != nil {
		return nil, err
	}
	if in.Password != nil {
		if err := validatePassword("password", *in.Password); err != nil {
			return nil, err
		}
	}
	acct := c.Account()
	var (
		seen *store.LoginProfile
		pol  *store.AccountPasswordPolicy
	)
	err := s.st.View(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "UpdateLoginProfile", in.UserName, nil)
		if err != nil {
			return err
		}
		if seen, err = userLoginProfile(ctx, tx, acct, u); err != nil {
			return err
		}
		pol, err = loadPasswordPolicy(ctx, tx, acct)
		return err
	})
	if err != nil {
		return nil, err
	}
	var next *store.LoginProfile
	if in.Password != nil {
		if next, err = s.newPassword(ctx, pol, seen, *in.Password); err != nil {
			return nil, err
		}
	} else {
		cp := *seen
		next = &cp
	}
	if in.PasswordResetRequired != nil {
		next.ResetRequired = *in.PasswordResetRequired
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		u, err := loadUser(ctx, tx, acct, in.UserName)
		if err != nil {
			return err
		}
		return storePassword(ctx, tx, acct, u, seen, next)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// storePassword writes next in place of seen, unless the profile changed
// since seen was read (EntityTemporarilyUnmodifiable: the caller may
// retry) or is gone (NoSuchEntity).
func storePassword(ctx context.Context, tx store.Tx, acct string, u *store.User, seen, next *store.LoginProfile) error {
	cur, err := userLoginProfile(ctx, tx, acct, u)
	if err != nil {
		return err
	}
	if cur.Hash != seen.Hash || cur.ResetRequired != seen.ResetRequired || !cur.SetAt.Equal(seen.SetAt) {
		return awserr.New(EntityTemporarilyUnmodifiable, "Login Profile for User %s is being modified. Please try again.", u.Name)
	}
	return store.PutJSON(ctx, tx, acct, store.LoginProfileKey(u.ID), next)
}

// DeleteLoginProfileInput is the input of DeleteLoginProfile.
type DeleteLoginProfileInput struct {
	UserName string `query:"UserName"`
}

// DeleteLoginProfile removes a user's console password. Without UserName
// it acts on the calling user. The caller needs iam:DeleteLoginProfile on
// the user. Errors: NoSuchEntity, ValidationError, AccessDenied.
func (s *Service) DeleteLoginProfile(ctx context.Context, c *authz.Caller, in *DeleteLoginProfileInput) (*Empty, error) {
	name, err := profileUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	acct := c.Account()
	err = s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "DeleteLoginProfile", name, nil)
		if err != nil {
			return err
		}
		if err := tx.Delete(ctx, acct, store.LoginProfileKey(u.ID)); err != nil {
			if isNotFound(err) {
				return noSuchLoginProfile(u.Name)
			}
			return err
		}
		if err := tx.Delete(ctx, store.UsagePartition, store.PasswordUseKey(acct, u.ID)); err != nil && !isNotFound(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
