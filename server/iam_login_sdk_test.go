package server_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-iam/gatehouse/server"
)

// TestLoginProfilesWithSDK drives console passwords and the account
// password policy through aws-sdk-go-v2, on SQLite and on PostgreSQL.
func TestLoginProfilesWithSDK(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { exerciseLoginProfiles(t, startServer(t, nil)) })
	t.Run("postgres", func(t *testing.T) {
		url := postgresSchema(t)
		exerciseLoginProfiles(t, startServer(t, func(c *server.Config) { c.Store = url }))
	})
}

func exerciseLoginProfiles(t *testing.T, ts *testServer) {
	ctx := ctxT(t)
	root := ts.rootIAM()
	s := aws.String
	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	passwords := []string{"Alice-Pass-1", "Alice-Pass-12!", "Admin-Set-Pass-9!", "Bob-Pass-1", "bad-1", "short1!"}
	id, secret := userWithKey(t, ctx, root, "alice", "")
	alice := ts.iam(id, secret)
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: s("bob")})
	step("CreateUser bob", err)

	_, err = root.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	wantAPIError(t, err, "NoSuchEntity", "The Password Policy with domain name 123456789012 cannot be found.")
	// IAM's default rules: 8 characters, 3 kinds.
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: s("alice"), Password: s("bad-1")})
	wantAPIError(t, err, "PasswordPolicyViolation", "")
	created, err := root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: s("alice"), Password: s("Alice-Pass-1"), PasswordResetRequired: true})
	step("CreateLoginProfile", err)
	if p := created.LoginProfile; aws.ToString(p.UserName) != "alice" || p.CreateDate == nil || !p.PasswordResetRequired {
		t.Fatalf("CreateLoginProfile: %+v", p)
	}
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: s("alice"), Password: s("Alice-Pass-1")})
	wantAPIError(t, err, "EntityAlreadyExists", "Login Profile for User alice already exists.")
	got, err := root.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("alice")})
	step("GetLoginProfile", err)
	if p := got.LoginProfile; aws.ToString(p.UserName) != "alice" || !p.CreateDate.Equal(*created.LoginProfile.CreateDate) || !p.PasswordResetRequired {
		t.Fatalf("GetLoginProfile: %+v", p)
	}

	// A user with a password cannot be deleted.
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: s("bob"), Password: s("Bob-Pass-1")})
	step("CreateLoginProfile bob", err)
	_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: s("bob")})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete entity, must delete login profile first.")

	_, err = root.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(12), RequireSymbols: true,
		RequireNumbers: true, AllowUsersToChangePassword: true, MaxPasswordAge: aws.Int32(90), PasswordReusePrevention: aws.Int32(2)})
	step("UpdateAccountPasswordPolicy", err)
	_, err = root.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(200)})
	wantAPIError(t, err, "ValidationError", "1 validation error detected: Value '200' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value less than or equal to 128 and greater than or equal to 6")
	pp, err := root.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	step("GetAccountPasswordPolicy", err)
	if p := pp.PasswordPolicy; aws.ToInt32(p.MinimumPasswordLength) != 12 || !p.RequireSymbols || !p.RequireNumbers || p.RequireUppercaseCharacters ||
		!p.AllowUsersToChangePassword || !p.ExpirePasswords || aws.ToInt32(p.MaxPasswordAge) != 90 || aws.ToInt32(p.PasswordReusePrevention) != 2 || aws.ToBool(p.HardExpiry) {
		t.Fatalf("GetAccountPasswordPolicy: %+v", p)
	}
	// The policy lets alice read it and change her password, with no
	// identity policy of her own.
	_, err = alice.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	step("GetAccountPasswordPolicy as alice", err)
	_, err = alice.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{})
	wantAPIError(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:UpdateAccountPasswordPolicy on resource: * because no identity-based policy allows the iam:UpdateAccountPasswordPolicy action")

	change := func(c *iam.Client, old, new string) error {
		_, err := c.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: s(old), NewPassword: s(new)})
		return err
	}
	wantAPIError(t, change(alice, "Alice-Pass-2", "Alice-Pass-12!"), "AccessDenied", "The old password is incorrect.")
	wantAPIError(t, change(alice, "Alice-Pass-1", "short1!"), "PasswordPolicyViolation", "Password should have a minimum length of 12")
	step("ChangePassword", change(alice, "Alice-Pass-1", "Alice-Pass-12!"))
	wantAPIError(t, change(alice, "Alice-Pass-12!", "Alice-Pass-1"), "PasswordPolicyViolation", "") // reused
	wantAPIError(t, change(root, "Alice-Pass-12!", "Alice-Pass-13!"), "InvalidUserType", "")
	got, err = root.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("alice")})
	step("GetLoginProfile after ChangePassword", err)
	if got.LoginProfile.PasswordResetRequired {
		t.Fatal("ChangePassword left the reset requirement")
	}
	// An administrator resets the password; the old one no longer works.
	_, err = root.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: s("alice"), Password: s("Admin-Set-Pass-9!"), PasswordResetRequired: aws.Bool(true)})
	step("UpdateLoginProfile", err)
	wantAPIError(t, change(alice, "Alice-Pass-12!", "Alice-Pass-13!"), "AccessDenied", "The old password is incorrect.")
	_, err = alice.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("alice")})
	wantAPIError(t, err, "AccessDenied", "")

	_, err = root.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: s("alice")})
	step("DeleteLoginProfile", err)
	_, err = root.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("alice")})
	wantAPIError(t, err, "NoSuchEntity", "Login Profile for User alice cannot be found.")
	wantAPIError(t, change(alice, "Admin-Set-Pass-9!", "Alice-Pass-13!"), "NoSuchEntity", "Login Profile for User alice cannot be found.")
	_, err = root.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{})
	step("DeleteAccountPasswordPolicy", err)
	_, err = root.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{})
	wantAPIError(t, err, "NoSuchEntity", "The Password Policy with domain name 123456789012 cannot be found.")
	_, err = alice.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	wantAPIError(t, err, "AccessDenied", "")

	// Neither the passwords nor their rejections are in the log.
	logs := ts.logs.String()
	if !strings.Contains(logs, "ChangePassword") {
		t.Fatal("the log has no ChangePassword request: the search looks in the wrong place")
	}
	for _, p := range passwords {
		if strings.Contains(logs, p) {
			t.Errorf("the log holds the password %q", p)
		}
	}
}
