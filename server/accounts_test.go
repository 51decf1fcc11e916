package server_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-iam/gatehouse/server"
)

// TestCreateAccountWhileServing creates an account through the admin API
// on the data of a running server: the server serves it at once, and the
// two accounts do not see each other's users.
func TestCreateAccountWhileServing(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, nil)
		exerciseCreateAccount(t, ts, server.Config{DataDir: ts.dataDir, MasterKey: testMasterKey})
	})
	t.Run("postgres", func(t *testing.T) {
		url := postgresSchema(t)
		ts := startServer(t, func(c *server.Config) { c.Store = url })
		exerciseCreateAccount(t, ts, server.Config{DataDir: t.TempDir(), Store: url, MasterKey: testMasterKey})
	})
}

func exerciseCreateAccount(t *testing.T, ts *testServer, cfg server.Config) {
	ctx := ctxT(t)
	if _, err := ts.rootIAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}

	admin, err := server.OpenAdmin(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	const second = "210987654321"
	creds, err := admin.CreateAccount(ctx, second, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccountID != second || !strings.HasPrefix(creds.AccessKeyID, "AKIA") || len(creds.SecretAccessKey) != 40 {
		t.Fatalf("credentials %+v", creds)
	}

	// The running server serves the new account's root key at once.
	other := ts.iam(creds.AccessKeyID, creds.SecretAccessKey)
	me, err := other.GetUser(ctx, &iam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(me.User.Arn); got != "arn:aws:iam::"+second+":root" {
		t.Fatalf("GetUser: %s", got)
	}
	out, err := other.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.User.Arn); got != "arn:aws:iam::"+second+":user/bob" {
		t.Fatalf("CreateUser: %s", got)
	}
	// Each account sees its own users only.
	list, err := other.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(list.Users) != 1 || aws.ToString(list.Users[0].UserName) != "bob" {
		t.Fatalf("ListUsers in %s: %v %+v", second, err, list)
	}
	_, err = other.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	if code, _ := apiCode(t, err); code != "NoSuchEntity" {
		t.Fatalf("GetUser alice from %s: %s", second, code)
	}
	list, err = ts.rootIAM().ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(list.Users) != 1 || aws.ToString(list.Users[0].UserName) != "alice" {
		t.Fatalf("ListUsers in %s: %v %+v", testAccount, err, list)
	}

	// An existing id, and a root key id that is taken.
	if _, err := admin.CreateAccount(ctx, second, "", ""); !errors.Is(err, server.ErrAccountExists) {
		t.Fatalf("existing account: %v", err)
	}
	if _, err := admin.CreateAccount(ctx, testAccount, "", ""); !errors.Is(err, server.ErrAccountExists) {
		t.Fatalf("the server's account: %v", err)
	}
	if _, err := admin.CreateAccount(ctx, "333333333333", rootKeyID, rootSecret); !errors.Is(err, server.ErrAccessKeyInUse) {
		t.Fatalf("key in use: %v", err)
	}
	// A chosen key.
	const keyID, secret = "AKIATHIRDACCOUNT0001", "third+account+secret+for+tests+only+0000"
	if _, err := admin.CreateAccount(ctx, "333333333333", keyID, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.iam(keyID, secret).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}

	accts, err := admin.ListAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range accts {
		ids = append(ids, a.ID)
		if a.Created.IsZero() {
			t.Errorf("account %s has no creation time", a.ID)
		}
	}
	if got := strings.Join(ids, " "); got != "123456789012 210987654321 333333333333" {
		t.Fatalf("ListAccounts: %s", got)
	}
}

func TestCreateAccountInvalid(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	ctx := ctxT(t)
	admin, err := server.OpenAdmin(ctx, server.Config{DataDir: ts.dataDir, MasterKey: testMasterKey})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tests := []struct {
		id, keyID, secret, want string
	}{
		{"12345", "", "", `account id "12345" is not 12 digits`},
		{"12345678901x", "", "", "is not 12 digits"},
		{"444444444444", "AKIAONLYID0000000000", "", "give both"},
		{"444444444444", "akia-lower-case-id", "secret+secret+secret", "is not 16 to 128 upper-case letters and digits"},
		{"444444444444", "AKIAGOODKEYID0000001", "short", "is not 16 to 128 characters long"},
		{"444444444444", "AKIAGOODKEYID0000001", "has a space in the middle", "not visible ASCII"},
	}
	for _, tc := range tests {
		if _, err := admin.CreateAccount(ctx, tc.id, tc.keyID, tc.secret); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CreateAccount(%q, %q): %v, want %q", tc.id, tc.keyID, err, tc.want)
		}
	}
	accts, err := admin.ListAccounts(ctx)
	if err != nil || len(accts) != 1 {
		t.Fatalf("invalid input created accounts: %v %+v", err, accts)
	}
}

func TestOpenAdminRefuses(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil)
	ctx := ctxT(t)
	tests := []struct {
		name string
		cfg  server.Config
		want string
	}{
		{"no store in the directory", server.Config{DataDir: t.TempDir(), MasterKey: testMasterKey}, "no Gatehouse store at"},
		{"no master key", server.Config{DataDir: ts.dataDir}, "no master key"},
		{"another master key", server.Config{DataDir: ts.dataDir, MasterKey: strings.Repeat("ab", 32)}, "the master key does not open the secrets in this store"},
		{"bad store URL", server.Config{DataDir: ts.dataDir, Store: "mysql://x"}, `--store "mysql://x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := server.OpenAdmin(ctx, tc.cfg)
			if err == nil {
				a.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("OpenAdmin: %v, want %q", err, tc.want)
			}
		})
	}
}
