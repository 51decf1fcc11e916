package store

import "time"

// LoginProfile is an IAM user's console password. The password itself is
// never stored: Hash is a memory-hard hash of it in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), which carries its own parameters
// so that new hashes may use stronger ones while old ones still verify.
type LoginProfile struct {
	UserID    string    `json:"userId"`
	CreatedAt time.Time `json:"created"`
	Hash      string    `json:"hash"`
	// SetAt is when the password was last set; its age, for the account
	// password policy's MaxPasswordAge, counts from it.
	SetAt time.Time `json:"set"`
	// ResetRequired: the user must set a new password at the next sign-in.
	ResetRequired bool `json:"reset,omitempty"`
	// History holds the hashes of the passwords before the current one,
	// newest first, as many as the password policy's
	// PasswordReusePrevention needed when the password was last changed.
	History []string `json:"history,omitempty"`
}

// AccountPasswordPolicy is an account's password policy for its IAM users.
// An account without one uses IAM's default rules.
type AccountPasswordPolicy struct {
	MinimumPasswordLength      int  `json:"minLength"`
	RequireSymbols             bool `json:"symbols,omitempty"`
	RequireNumbers             bool `json:"numbers,omitempty"`
	RequireUppercaseCharacters bool `json:"upper,omitempty"`
	RequireLowercaseCharacters bool `json:"lower,omitempty"`
	AllowUsersToChangePassword bool `json:"allowChange,omitempty"`
	// MaxPasswordAge is in days; 0: passwords never expire.
	MaxPasswordAge int `json:"maxAge,omitempty"`
	// PasswordReusePrevention is how many of the latest passwords a new
	// one may not repeat; 0: any.
	PasswordReusePrevention int  `json:"reuse,omitempty"`
	HardExpiry              bool `json:"hardExpiry,omitempty"`
}

// PasswordUse records when a user's console password was last used to sign
// in (UsagePartition, like KeyUsage).
type PasswordUse struct {
	At time.Time `json:"at"`
}

// LoginProfileKey is the key of a user's login profile, by user id (a
// rename moves nothing).
func LoginProfileKey(userID string) string { return "login/" + userID }

// PasswordPolicyKey is the key of the account's password policy.
const PasswordPolicyKey = "password-policy"

// RoleUse records when a role's temporary credentials were last used, and
// in which region (UsagePartition, like KeyUsage): GetRole's RoleLastUsed.
type RoleUse struct {
	At     time.Time `json:"at"`
	Region string    `json:"region"`
}

// RoleUseKey records the last use of a role of an account, by role id
// (UsagePartition).
func RoleUseKey(account, roleID string) string { return "roleuse/" + account + "/" + roleID }

// PasswordUseKey records the last sign-in of a user of an account with
// its password (UsagePartition).
func PasswordUseKey(account, userID string) string { return "pwduse/" + account + "/" + userID }
