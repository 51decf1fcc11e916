package iam

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// cheapHashParams keep the tests fast; TestPasswordHashFormat uses the
// real ones.
var cheapHashParams = hashParams{Time: 1, Memory: 64, Threads: 1, KeyLen: 32}

// newPasswordEnv is an mfaEnv (fake clock, user alice) hashing cheaply.
func newPasswordEnv(t *testing.T) *mfaEnv {
	t.Helper()
	e := newMFAEnv(t)
	e.svc.pw = newPasswordHasher(cheapHashParams)
	return e
}

func (e *mfaEnv) createProfile(t *testing.T, user, password string, reset bool) {
	t.Helper()
	must[*LoginProfileOutput](t)(e.svc.CreateLoginProfile(context.Background(), e.root, &CreateLoginProfileInput{UserName: user, Password: password, PasswordResetRequired: reset}))
}

func (e *mfaEnv) verify(t *testing.T, user, password string) PasswordCheck {
	t.Helper()
	return must[PasswordCheck](t)(e.svc.VerifyPassword(context.Background(), testAccount, user, password))
}

func (e *mfaEnv) setPolicy(t *testing.T, in *UpdateAccountPasswordPolicyInput) {
	t.Helper()
	must[*Empty](t)(e.svc.UpdateAccountPasswordPolicy(context.Background(), e.root, in))
}

// allow attaches an inline policy allowing actions on resource to a user.
func (e *mfaEnv) allow(t *testing.T, user, effect, action, resource string) {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"` + effect + `","Action":"` + action + `","Resource":"` + resource + `"}]}`
	must[*Empty](t)(e.svc.PutUserPolicy(context.Background(), e.root, &PutUserPolicyInput{UserName: user, PolicyName: effect + "-" + strings.NewReplacer(":", "-", "*", "all").Replace(action), PolicyDocument: doc}))
}

func TestPasswordHashFormat(t *testing.T) {
	t.Parallel()
	h := newPasswordHasher(defaultHashParams)
	ctx := context.Background()
	enc := must[string](t)(h.hash(ctx, "Correct-Horse-9"))
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(enc, "Correct-Horse-9") {
		t.Fatalf("hash %q", enc)
	}
	again := must[string](t)(h.hash(ctx, "Correct-Horse-9"))
	if again == enc {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for _, tc := range []struct {
		password      string
		ok, current   bool
		hasher        *passwordHasher
		encodedWithIt string
	}{
		{"Correct-Horse-9", true, true, h, enc},
		{"Correct-Horse-8", false, true, h, enc},
		{"", false, true, h, enc},
		// A hash made with other parameters still verifies, as not current.
		{"Correct-Horse-9", true, false, newPasswordHasher(cheapHashParams), enc},
	} {
		ok, current, err := tc.hasher.verify(ctx, tc.encodedWithIt, tc.password)
		if err != nil || ok != tc.ok || current != tc.current {
			t.Errorf("verify %q: %v %v %v, want %v %v", tc.password, ok, current, err, tc.ok, tc.current)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA"} {
		if _, _, err := h.verify(ctx, bad, "x"); err == nil {
			t.Errorf("verify accepted the hash %q", bad)
		}
	}
}

func TestVerifyPassword(t *testing.T) {
	t.Parallel()
	e := newPasswordEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "bob"}))
	e.createProfile(t, "alice", "Alice-Pass-1", false)
	e.createProfile(t, "bob", "Bob-Pass-1", true)
	alice := e.userCaller(t, "alice")
	for _, tc := range []struct {
		name, account, user, password string
		want                          PasswordCheck
	}{
		{"right", testAccount, "alice", "Alice-Pass-1", PasswordCheck{OK: true, UserID: alice.Principal.UserID, UserARN: alice.Principal.ARN}},
		{"user names ignore case", testAccount, "ALICE", "Alice-Pass-1", PasswordCheck{OK: true, UserID: alice.Principal.UserID, UserARN: alice.Principal.ARN}},
		{"wrong", testAccount, "alice", "Alice-Pass-2", PasswordCheck{}},
		{"case matters", testAccount, "alice", "alice-pass-1", PasswordCheck{}},
		{"another user's", testAccount, "alice", "Bob-Pass-1", PasswordCheck{}},
		{"reset required", testAccount, "bob", "Bob-Pass-1", PasswordCheck{OK: true, ResetRequired: true}},
		{"no such user", testAccount, "carol", "Alice-Pass-1", PasswordCheck{}},
		{"no such account", "999999999999", "alice", "Alice-Pass-1", PasswordCheck{}},
		{"malformed account", "12345", "alice", "Alice-Pass-1", PasswordCheck{}},
		{"malformed user", testAccount, "al/ice", "Alice-Pass-1", PasswordCheck{}},
		{"empty password", testAccount, "alice", "", PasswordCheck{}},
		{"long password", testAccount, "alice", strings.Repeat("A", 129), PasswordCheck{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := e.verify(t, tc.user, tc.password)
			if tc.account != testAccount {
				got = must[PasswordCheck](t)(e.svc.VerifyPassword(ctx, tc.account, tc.user, tc.password))
			}
			if tc.want.ResetRequired {
				tc.want.UserID, tc.want.UserARN = got.UserID, got.UserARN
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	// A user without a profile is told apart from nobody.
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "carol"}))
	if got := e.verify(t, "carol", ""); got != (PasswordCheck{}) {
		t.Errorf("carol without a password: %+v", got)
	}
	// The sign-in is GetUser's PasswordLastUsed; carol never signed in.
	if u := must[*GetUserOutput](t)(e.svc.GetUser(ctx, e.root, &GetUserInput{UserName: "alice"})).User; u.PasswordLastUsed == nil || !u.PasswordLastUsed.Equal(e.clock.Now().Truncate(time.Second)) {
		t.Errorf("alice's PasswordLastUsed: %v", u.PasswordLastUsed)
	}
	if u := must[*GetUserOutput](t)(e.svc.GetUser(ctx, e.root, &GetUserInput{UserName: "carol"})).User; u.PasswordLastUsed != nil {
		t.Errorf("carol's PasswordLastUsed: %v", u.PasswordLastUsed)
	}
}

// TestVerifyPasswordAlwaysHashes: every answer of VerifyPassword costs one
// hash, so that its time tells nothing of whether the user, its password or
// the account exists. With every slot of the hasher taken, each call waits
// until one is freed.
func TestVerifyPasswordAlwaysHashes(t *testing.T) {
	t.Parallel()
	e := newPasswordEnv(t)
	ctx := context.Background()
	e.createProfile(t, "alice", "Alice-Pass-1", false)
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "carol"}))
	for range cap(e.svc.pw.slots) {
		e.svc.pw.slots <- struct{}{}
	}
	for _, tc := range []struct {
		name, account, user, password string
		ok                            bool
	}{
		{"right password", testAccount, "alice", "Alice-Pass-1", true},
		{"wrong password", testAccount, "alice", "Alice-Pass-2", false},
		{"no profile", testAccount, "carol", "Alice-Pass-1", false},
		{"no user", testAccount, "dave", "Alice-Pass-1", false},
		{"no account", "999999999999", "alice", "Alice-Pass-1", false},
		{"malformed input", "x", "a/b", "", false},
	} {
		done := make(chan PasswordCheck, 1)
		go func() {
			c, err := e.svc.VerifyPassword(ctx, tc.account, tc.user, tc.password)
			if err != nil {
				t.Error(err)
			}
			done <- c
		}()
		select {
		case c := <-done:
			t.Fatalf("%s: answered %+v without hashing", tc.name, c)
		case <-time.After(200 * time.Millisecond):
		}
		<-e.svc.pw.slots
		if c := <-done; c.OK != tc.ok {
			t.Errorf("%s: %+v", tc.name, c)
		}
		e.svc.pw.slots <- struct{}{}
	}
}

func TestVerifyPasswordExpiry(t *testing.T) {
	t.Parallel()
	e := newPasswordEnv(t)
	e.createProfile(t, "alice", "Alice-Pass-1", false)
	e.setPolicy(t, &UpdateAccountPasswordPolicyInput{MaxPasswordAge: new(30)})
	steps := []struct {
		after             time.Duration
		hard              bool
		expired, hardOver bool
	}{
		{29 * 24 * time.Hour, false, false, false},
		{2 * 24 * time.Hour, false, true, false},
		{0, true, true, true},
	}
	for _, st := range steps {
		e.clock.Advance(st.after)
		e.setPolicy(t, &UpdateAccountPasswordPolicyInput{MaxPasswordAge: new(30), HardExpiry: st.hard})
		got := e.verify(t, "alice", "Alice-Pass-1")
		if !got.OK || got.Expired != st.expired || got.HardExpiry != st.hardOver {
			t.Fatalf("after %v (hard %v): %+v", st.after, st.hard, got)
		}
	}
	// A new password (the API works even past a hard expiry) starts afresh.
	alice := e.userCaller(t, "alice")
	e.allow(t, "alice", "Allow", "iam:ChangePassword", alice.Principal.ARN)
	must[*Empty](t)(e.svc.ChangePassword(context.Background(), alice, &ChangePasswordInput{OldPassword: "Alice-Pass-1", NewPassword: "Alice-Pass-2"}))
	if got := e.verify(t, "alice", "Alice-Pass-2"); !got.OK || got.Expired || got.HardExpiry {
		t.Fatalf("after ChangePassword: %+v", got)
	}
	// Without a MaxPasswordAge nothing expires.
	must[*Empty](t)(e.svc.DeleteAccountPasswordPolicy(context.Background(), e.root, &DeleteAccountPasswordPolicyInput{}))
	e.clock.Advance(5000 * 24 * time.Hour)
	if got := e.verify(t, "alice", "Alice-Pass-2"); !got.OK || got.Expired {
		t.Fatalf("without a policy: %+v", got)
	}
}

func TestVerifyPasswordRehashes(t *testing.T) {
	t.Parallel()
	e := newPasswordEnv(t)
	ctx := context.Background()
	e.createProfile(t, "alice", "Alice-Pass-1", false)
	stored := func() string {
		var lp store.LoginProfile
		err := e.st.View(ctx, func(tx store.Tx) error {
			return store.GetJSON(ctx, tx, testAccount, store.LoginProfileKey(e.userCaller(t, "alice").Principal.UserID), &lp)
		})
		if err != nil {
			t.Fatal(err)
		}
		return lp.Hash
	}
	old := stored()
	stronger := cheapHashParams
	stronger.Time = 3
	e.svc.pw = newPasswordHasher(stronger)
	if !e.verify(t, "alice", "Alice-Pass-1").OK {
		t.Fatal("the old hash no longer verifies")
	}
	if h := stored(); h == old || !strings.Contains(h, "t=3") {
		t.Fatalf("hash not remade: %q", h)
	}
	if !e.verify(t, "alice", "Alice-Pass-1").OK {
		t.Fatal("the new hash does not verify")
	}
}

func TestLoginProfileLifecycle(t *testing.T) {
	t.Parallel()
	e := newPasswordEnv(t)
	ctx := context.Background()
	created := must[*LoginProfileOutput](t)(e.svc.CreateLoginProfile(ctx, e.root, &CreateLoginProfileInput{UserName: "alice", Password: "Alice-Pass-1", PasswordResetRequired: true}))
	want := LoginProfile{UserName: "alice", CreateDate: e.clock.Now().Truncate(time.Second), PasswordResetRequired: true}
	if created.LoginProfile != want {
		t.Fatalf("created %+v", created.LoginProfile)
	}
	if got := must[*LoginProfileOutput](t)(e.svc.GetLoginProfile(ctx, e.root, &GetLoginProfileInput{UserName: "alice"})); got.LoginProfile != want {
		t.Fatalf("got %+v", got.LoginProfile)
	}
	_, err := e.svc.CreateLoginProfile(ctx, e.root, &CreateLoginProfileInput{UserName: "alice", Password: "Alice-Pass-2"})
	wantCode(t, err, "EntityAlreadyExists")

	must[*Empty](t)(e.svc.UpdateLoginProfile(ctx, e.root, &UpdateLoginProfileInput{UserName: "alice", PasswordResetRequired: new(false)}))
	if c := e.verify(t, "alice", "Alice-Pass-1"); !c.OK || c.ResetRequired {
		t.Fatalf("after clearing the reset: %+v", c)
	}
	must[*Empty](t)(e.svc.UpdateLoginProfile(ctx, e.root, &UpdateLoginProfileInput{UserName: "alice", Password: new("Alice-Pass-2"), PasswordResetRequired: new(true)}))
	if c := e.verify(t, "alice", "Alice-Pass-1"); c.OK {
		t.Fatal("the old password still works")
	}
	if c := e.verify(t, "alice", "Alice-Pass-2"); !c.OK || !c.ResetRequired {
		t.Fatalf("after the update: %+v", c)
	}

	// The user cannot be deleted while it has a password.
	_, err = e.svc.DeleteUser(ctx, e.root, &DeleteUserInput{UserName: "alice"})
	wantCode(t, err, "DeleteConflict")
	must[*Empty](t)(e.svc.DeleteLoginProfile(ctx, e.root, &DeleteLoginProfileInput{UserName: "alice"}))
	if c := e.verify(t, "alice", "Alice-Pass-2"); c.OK {
		t.Fatal("a deleted profile still signs in")
	}
	for name, err := range map[string]error{
		"get":    second(e.svc.GetLoginProfile(ctx, e.root, &GetLoginProfileInput{UserName: "alice"})),
		"update": second(e.svc.UpdateLoginProfile(ctx, e.root, &UpdateLoginProfileInput{UserName: "alice", Password: new("Alice-Pass-3")})),
		"delete": second(e.svc.DeleteLoginProfile(ctx, e.root, &DeleteLoginProfileInput{UserName: "alice"})),
	} {
		t.Run(name, func(t *testing.T) {
			wantCode(t, err, "NoSuchEntity")
			if !strings.Contains(err.Error(), "Login Profile for User alice cannot be found.") {
				t.Errorf("message: %v", err)
			}
		})
	}
	must[*Empty](t)(e.svc.DeleteUser(ctx, e.root, &DeleteUserInput{UserName: "alice"}))
}

// second returns the error of a call.
func second[T any](_ T, err error) error { return err }

func TestLoginProfileErrors(t *testing.T) {
	t.Parallel()
	e := newPasswordEnv(t)
	ctx := context.Background()
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "bob"}))
	bob := e.userCaller(t, "bob")
	e.allow(t, "bob", "Allow", "iam:*LoginProfile", "arn:aws:iam::123456789012:user/bob")
	for _, tc := range []struct {
		name   string
		caller *authz.Caller
		in     CreateLoginProfileInput
		code   string
		msg    string
	}{
		{"no such user", e.root, CreateLoginProfileInput{UserName: "carol", Password: "Carol-Pass-1"}, "NoSuchEntity", "The user with name carol cannot be found."},
		{"bad user name", e.root, CreateLoginProfileInput{UserName: "a/b", Password: "Carol-Pass-1"}, "ValidationError", "userName"},
		{"root without a user name", e.root, CreateLoginProfileInput{Password: "Carol-Pass-1"}, "ValidationError", "Must specify userName"},
		{"no password", e.root, CreateLoginProfileInput{UserName: "alice"}, "ValidationError", "Value at 'password' failed to satisfy constraint: Member must have length"},
		{"password too long", e.root, CreateLoginProfileInput{UserName: "alice", Password: strings.Repeat("aA1!", 33)}, "ValidationError", "less than or equal to 128"},
		{"password outside Latin-1", e.root, CreateLoginProfileInput{UserName: "alice", Password: "Pass-word-1\u2603"}, "ValidationError", "regular expression"},
		{"password with NUL", e.root, CreateLoginProfileInput{UserName: "alice", Password: "Pass-word-1\x00"}, "ValidationError", "regular expression"},
		{"default policy: too short", e.root, CreateLoginProfileInput{UserName: "alice", Password: "aB1!aB1"}, PasswordPolicyViolation, "minimum length of 8"},
		{"default policy: two kinds", e.root, CreateLoginProfileInput{UserName: "alice", Password: "abcdefgh12"}, PasswordPolicyViolation, "at least 3 of"},
		{"denied", bob, CreateLoginProfileInput{UserName: "alice", Password: "Alice-Pass-1"}, "AccessDenied", "iam:CreateLoginProfile on resource: arn:aws:iam::123456789012:user/alice"},
		{"denied for a user that does not exist", bob, CreateLoginProfileInput{UserName: "nobody", Password: "Alice-Pass-1"}, "AccessDenied", "user/nobody"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateLoginProfile(ctx, tc.caller, &tc.in)
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q lacks %q", err, tc.msg)
			}
			if tc.in.Password != "" && strings.Contains(err.Error(), tc.in.Password) {
				t.Errorf("the error quotes the password: %v", err)
			}
		})
	}
	// A user allowed on itself acts on itself without UserName, default
	// rules satisfied with three kinds of characters.
	must[*LoginProfileOutput](t)(e.svc.CreateLoginProfile(ctx, bob, &CreateLoginProfileInput{Password: "bobpass12!"}))
	if got := must[*LoginProfileOutput](t)(e.svc.GetLoginProfile(ctx, bob, &GetLoginProfileInput{})); got.LoginProfile.UserName != "bob" {
		t.Fatalf("bob's own profile: %+v", got)
	}
	_, err := e.svc.GetLoginProfile(ctx, bob, &GetLoginProfileInput{UserName: "alice"})
	wantCode(t, err, "AccessDenied")
	must[*Empty](t)(e.svc.DeleteLoginProfile(ctx, bob, &DeleteLoginProfileInput{}))
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newPasswordEnv(t)
	ctx := context.Background()
	e.createProfile(t, "alice", "Alice-Pass-1", true)
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "bob"}))
	alice, bob := e.userCaller(t, "alice"), e.userCaller(t, "bob")
	role := &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:sts::123456789012:assumed-role/r/s", Account: testAccount, Type: policy.AssumedRole}}
	change := func(c *authz.Caller, old, new string) error {
		_, err := e.svc.ChangePassword(ctx, c, &ChangePasswordInput{OldPassword: old, NewPassword: new})
		return err
	}
	steps := []struct {
		name     string
		setup    func()
		caller   *authz.Caller
		old, new string
		code     string
	}{
		{"root", nil, e.root, "Alice-Pass-1", "Alice-Pass-2", InvalidUserType},
		{"a role session", nil, role, "Alice-Pass-1", "Alice-Pass-2", InvalidUserType},
		{"not allowed", nil, alice, "Alice-Pass-1", "Alice-Pass-2", "AccessDenied"},
		{"allowed by the account policy", func() { e.setPolicy(t, &UpdateAccountPasswordPolicyInput{AllowUsersToChangePassword: true}) }, alice, "Alice-Pass-1", "Alice-Pass-2", ""},
		{"wrong old password", nil, alice, "Alice-Pass-1", "Alice-Pass-3", "AccessDenied"},
		{"an explicit deny beats the account policy", func() { e.allow(t, "alice", "Deny", "iam:ChangePassword", "*") }, alice, "Alice-Pass-2", "Alice-Pass-3", "AccessDenied"},
		{"a user without a password", nil, bob, "Bob-Pass-1", "Bob-Pass-2", "NoSuchEntity"},
		{"invalid new password", nil, bob, "Bob-Pass-1", "", "ValidationError"},
	}
	for _, st := range steps {
		if st.setup != nil {
			st.setup()
		}
		err := change(st.caller, st.old, st.new)
		if st.code == "" {
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			continue
		}
		if err == nil {
			t.Fatalf("%s: no error, want %s", st.name, st.code)
		}
		wantCode(t, err, st.code)
		if strings.Contains(err.Error(), st.old) || st.new != "" && strings.Contains(err.Error(), st.new) {
			t.Errorf("%s: the error quotes a password: %v", st.name, err)
		}
	}
	// The change cleared the reset requirement.
	if c := e.verify(t, "alice", "Alice-Pass-2"); !c.OK || c.ResetRequired {
		t.Fatalf("after the change: %+v", c)
	}
}

func TestPasswordPolicyRules(t *testing.T) {
	t.Parallel()
	full := &store.AccountPasswordPolicy{MinimumPasswordLength: 10, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, RequireNumbers: true, RequireSymbols: true}
	for _, tc := range []struct {
		name     string
		pol      *store.AccountPasswordPolicy
		password string
		msg      string // "" when valid
	}{
		{"default: ok", nil, "abcdEFGH1", ""},
		{"default: symbols count", nil, "abcdefg!1", ""},
		{"default: short", nil, "aB1!aB1", "minimum length of 8"},
		{"default: two kinds", nil, "abcdefgh!!", "at least 3"},
		{"default: other Latin-1 letters are no kind", nil, "ééééééAA11", "at least 3"},
		{"policy: ok", full, "Abcdefgh1!", ""},
		{"policy: short", full, "Abcdefg1!", "minimum length of 10"},
		{"policy: upper", full, "abcdefgh1!", "uppercase"},
		{"policy: lower", full, "ABCDEFGH1!", "lowercase"},
		{"policy: number", full, "Abcdefghi!", "number"},
		{"policy: symbol", full, "Abcdefghi1", "symbol"},
		{"policy: a dot is no symbol", full, "Abcdefgh1.", "symbol"},
		{"policy: an apostrophe is", full, "Abcdefgh1'", ""},
		{"lenient policy", &store.AccountPasswordPolicy{MinimumPasswordLength: 6}, "aaaaaa", ""},
		{"length counts characters", &store.AccountPasswordPolicy{MinimumPasswordLength: 6}, "ééééé", "minimum length of 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkPasswordPolicy(tc.pol, tc.password)
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, PasswordPolicyViolation)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q lacks %q", err, tc.msg)
			}
		})
	}
}

func TestPasswordReusePrevention(t *testing.T) {
	t.Parallel()
	e := newPasswordEnv(t)
	ctx := context.Background()
	e.createProfile(t, "alice", "Pass-word-0", false)
	e.setPolicy(t, &UpdateAccountPasswordPolicyInput{PasswordReusePrevention: new(3), AllowUsersToChangePassword: true})
	alice := e.userCaller(t, "alice")
	current := "Pass-word-0"
	set := func(p string) error {
		_, err := e.svc.ChangePassword(ctx, alice, &ChangePasswordInput{OldPassword: current, NewPassword: p})
		if err == nil {
			current = p
		}
		return err
	}
	steps := []struct {
		password string
		code     string
	}{
		{"Pass-word-0", PasswordPolicyViolation}, // the current one
		{"Pass-word-1", ""},
		{"Pass-word-0", PasswordPolicyViolation}, // 2nd latest
		{"Pass-word-2", ""},
		{"Pass-word-0", PasswordPolicyViolation}, // 3rd latest
		{"Pass-word-1", PasswordPolicyViolation},
		{"Pass-word-3", ""},
		{"Pass-word-0", ""}, // 4th latest: allowed again
		{"Pass-word-3", PasswordPolicyViolation},
	}
	for i, st := range steps {
		err := set(st.password)
		if st.code == "" && err != nil || st.code != "" && err == nil {
			t.Fatalf("step %d (%s): %v, want %q", i, st.password, err, st.code)
		}
		if st.code != "" {
			wantCode(t, err, st.code)
		}
	}
	// An administrator's UpdateLoginProfile is held to it too.
	_, err := e.svc.UpdateLoginProfile(ctx, e.root, &UpdateLoginProfileInput{UserName: "alice", Password: new("Pass-word-3")})
	wantCode(t, err, PasswordPolicyViolation)
	// History is kept only as deep as the policy needs.
	var lp store.LoginProfile
	if err := e.st.View(ctx, func(tx store.Tx) error {
		return store.GetJSON(ctx, tx, testAccount, store.LoginProfileKey(alice.Principal.UserID), &lp)
	}); err != nil {
		t.Fatal(err)
	}
	if len(lp.History) != 2 {
		t.Fatalf("history of %d hashes", len(lp.History))
	}
}

func TestAccountPasswordPolicy(t *testing.T) {
	t.Parallel()
	e := newPasswordEnv(t)
	ctx := context.Background()
	_, err := e.svc.GetAccountPasswordPolicy(ctx, e.root, &GetAccountPasswordPolicyInput{})
	wantCode(t, err, "NoSuchEntity")
	if !strings.Contains(err.Error(), "The Password Policy with domain name 123456789012 cannot be found.") {
		t.Errorf("message: %v", err)
	}
	_, err = e.svc.DeleteAccountPasswordPolicy(ctx, e.root, &DeleteAccountPasswordPolicyInput{})
	wantCode(t, err, "NoSuchEntity")

	for _, tc := range []struct {
		name string
		in   UpdateAccountPasswordPolicyInput
		want PasswordPolicy
		code string
	}{
		{"defaults", UpdateAccountPasswordPolicyInput{}, PasswordPolicy{MinimumPasswordLength: 6}, ""},
		{"everything", UpdateAccountPasswordPolicyInput{MinimumPasswordLength: new(14), RequireSymbols: true, RequireNumbers: true,
			RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, MaxPasswordAge: new(90),
			PasswordReusePrevention: new(24), HardExpiry: true},
			PasswordPolicy{MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true,
				RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, ExpirePasswords: true, MaxPasswordAge: 90,
				PasswordReusePrevention: 24, HardExpiry: true}, ""},
		{"not a partial update", UpdateAccountPasswordPolicyInput{RequireNumbers: true}, PasswordPolicy{MinimumPasswordLength: 6, RequireNumbers: true}, ""},
		{"length 5", UpdateAccountPasswordPolicyInput{MinimumPasswordLength: new(5)}, PasswordPolicy{}, "ValidationError"},
		{"length 129", UpdateAccountPasswordPolicyInput{MinimumPasswordLength: new(129)}, PasswordPolicy{}, "ValidationError"},
		{"age 0", UpdateAccountPasswordPolicyInput{MaxPasswordAge: new(0)}, PasswordPolicy{}, "ValidationError"},
		{"age 1096", UpdateAccountPasswordPolicyInput{MaxPasswordAge: new(1096)}, PasswordPolicy{}, "ValidationError"},
		{"reuse 0", UpdateAccountPasswordPolicyInput{PasswordReusePrevention: new(0)}, PasswordPolicy{}, "ValidationError"},
		{"reuse 25", UpdateAccountPasswordPolicyInput{PasswordReusePrevention: new(25)}, PasswordPolicy{}, "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.UpdateAccountPasswordPolicy(ctx, e.root, &tc.in)
			if tc.code != "" {
				wantCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := must[*GetAccountPasswordPolicyOutput](t)(e.svc.GetAccountPasswordPolicy(ctx, e.root, &GetAccountPasswordPolicyInput{}))
			if got.PasswordPolicy != tc.want {
				t.Errorf("got %+v, want %+v", got.PasswordPolicy, tc.want)
			}
		})
	}

	// Users may read the policy when it lets them change their passwords;
	// only the allowed may change it.
	alice := e.userCaller(t, "alice")
	e.setPolicy(t, &UpdateAccountPasswordPolicyInput{})
	_, err = e.svc.GetAccountPasswordPolicy(ctx, alice, &GetAccountPasswordPolicyInput{})
	wantCode(t, err, "AccessDenied")
	e.setPolicy(t, &UpdateAccountPasswordPolicyInput{AllowUsersToChangePassword: true})
	must[*GetAccountPasswordPolicyOutput](t)(e.svc.GetAccountPasswordPolicy(ctx, alice, &GetAccountPasswordPolicyInput{}))
	for name, err := range map[string]error{
		"update": second(e.svc.UpdateAccountPasswordPolicy(ctx, alice, &UpdateAccountPasswordPolicyInput{})),
		"delete": second(e.svc.DeleteAccountPasswordPolicy(ctx, alice, &DeleteAccountPasswordPolicyInput{})),
	} {
		wantCode(t, err, "AccessDenied")
		if !strings.Contains(err.Error(), "iam:") {
			t.Errorf("%s: %v", name, err)
		}
	}

	// A stricter policy applies to new passwords.
	e.setPolicy(t, &UpdateAccountPasswordPolicyInput{MinimumPasswordLength: new(12), RequireSymbols: true})
	_, err = e.svc.CreateLoginProfile(ctx, e.root, &CreateLoginProfileInput{UserName: "alice", Password: "Alice.Pass.1"})
	wantCode(t, err, PasswordPolicyViolation)
	e.createProfile(t, "alice", "Alice-Pass-12", false)
	must[*Empty](t)(e.svc.DeleteAccountPasswordPolicy(ctx, e.root, &DeleteAccountPasswordPolicyInput{}))
	_, err = e.svc.GetAccountPasswordPolicy(ctx, e.root, &GetAccountPasswordPolicyInput{})
	wantCode(t, err, "NoSuchEntity")
}

// TestLoginProfileStoresNoPassword looks for the passwords in every record
// of the store.
func TestLoginProfileStoresNoPassword(t *testing.T) {
	t.Parallel()
	e := newPasswordEnv(t)
	ctx := context.Background()
	e.setPolicy(t, &UpdateAccountPasswordPolicyInput{PasswordReusePrevention: new(5), AllowUsersToChangePassword: true})
	passwords := []string{"First-Secret-1", "Second-Secret-2", "Third-Secret-3"}
	e.createProfile(t, "alice", passwords[0], false)
	must[*Empty](t)(e.svc.UpdateLoginProfile(ctx, e.root, &UpdateLoginProfileInput{UserName: "alice", Password: new(passwords[1])}))
	must[*Empty](t)(e.svc.ChangePassword(ctx, e.userCaller(t, "alice"), &ChangePasswordInput{OldPassword: passwords[1], NewPassword: passwords[2]}))
	e.verify(t, "alice", passwords[2])
	var all []byte
	err := e.st.View(ctx, func(tx store.Tx) error {
		for _, part := range []string{testAccount, store.Global, store.UsagePartition} {
			items, err := tx.List(ctx, part, "", "", 0)
			if err != nil {
				return err
			}
			for _, it := range items {
				all = append(all, it.Key...)
				all = append(all, it.Value...)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(all), "$argon2id$") {
		t.Fatal("no hash found: the search looks in the wrong place")
	}
	for _, p := range passwords {
		if strings.Contains(string(all), p) {
			t.Errorf("the store holds %q", p)
		}
	}
}
