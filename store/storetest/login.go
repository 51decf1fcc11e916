package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

// The records of console passwords (store/login.go) as the IAM service
// keeps them.

func loginCases() []singleCase {
	return []singleCase{
		{"LoginRecordsRoundTrip", testLoginRecordsRoundTrip},
		{"LoginProfileKeyListsOneProfile", testLoginProfileKeyListsOne},
		{"PasswordUseLeavesAccountGeneration", testPasswordUseGeneration},
	}
}

func testLoginRecordsRoundTrip(t *testing.T, s store.Store) {
	ctx := testContext(t)
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	lp := store.LoginProfile{UserID: "AIDAABCDEFGHIJKLMNOPQ", CreatedAt: at, SetAt: at.Add(time.Hour), ResetRequired: true,
		Hash:    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		History: []string{"$argon2id$v=19$m=19456,t=2,p=1$b2xkc2FsdG9sZHNhbHQ$b2xkaGFzaG9sZGhhc2hvbGRoYXNob2xkaGFzaG9sZA"}}
	pol := store.AccountPasswordPolicy{MinimumPasswordLength: 14, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true,
		RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, MaxPasswordAge: 90, PasswordReusePrevention: 24, HardExpiry: true}
	use := store.PasswordUse{At: at.Add(2 * time.Hour)}
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := store.CreateJSON(ctx, tx, "acct", store.LoginProfileKey(lp.UserID), &lp); err != nil {
			return err
		}
		if err := store.PutJSON(ctx, tx, "acct", store.PasswordPolicyKey, &pol); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, store.UsagePartition, store.PasswordUseKey("acct", lp.UserID), &use)
	})
	if err != nil {
		t.Fatal(err)
	}
	var (
		gotLP  store.LoginProfile
		gotPol store.AccountPasswordPolicy
		gotUse store.PasswordUse
	)
	err = s.View(ctx, func(tx store.Tx) error {
		if err := store.GetJSON(ctx, tx, "acct", store.LoginProfileKey(lp.UserID), &gotLP); err != nil {
			return err
		}
		if err := store.GetJSON(ctx, tx, "acct", store.PasswordPolicyKey, &gotPol); err != nil {
			return err
		}
		return store.GetJSON(ctx, tx, store.UsagePartition, store.PasswordUseKey("acct", lp.UserID), &gotUse)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotLP, lp) || gotPol != pol || !gotUse.At.Equal(use.At) {
		t.Fatalf("read back %+v, %+v, %+v", gotLP, gotPol, gotUse)
	}
	// A second profile for the user conflicts: CreateLoginProfile relies on it.
	err = s.Update(ctx, func(tx store.Tx) error {
		return store.CreateJSON(ctx, tx, "acct", store.LoginProfileKey(lp.UserID), &lp)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second Create: %v, want ErrConflict", err)
	}
}

// testLoginProfileKeyListsOne: DeleteUser lists a user's login profile by
// its key as a prefix; it must find that one profile and no other user's.
func testLoginProfileKeyListsOne(t *testing.T, s store.Store) {
	ids := []string{"AIDAAAAAAAAAAAAAAAAAA", "AIDAAAAAAAAAAAAAAAAAB", "AIDABAAAAAAAAAAAAAAAA"}
	for _, id := range ids {
		put(t, s, "acct", store.LoginProfileKey(id), []byte(`{"userId":"`+id+`"}`))
		put(t, s, "acct", store.UserIDKey(id), []byte(id))
	}
	for _, id := range ids {
		items := list(t, s, "acct", store.LoginProfileKey(id), "", 0)
		if len(items) != 1 || items[0].Key != store.LoginProfileKey(id) {
			t.Errorf("List(%q) = %v", store.LoginProfileKey(id), keysOf(items))
		}
	}
	if items := list(t, s, "acct", "login/", "", 0); len(items) != len(ids) {
		t.Errorf("List(login/) = %v", keysOf(items))
	}
}

// testPasswordUseGeneration: recording a sign-in writes the usage
// partition only, so it empties no cache of the account.
func testPasswordUseGeneration(t *testing.T, s store.Store) {
	before := generation(t, s, "acct")
	put(t, s, store.UsagePartition, store.PasswordUseKey("acct", "AIDAAAAAAAAAAAAAAAAAA"), []byte(`{"at":"2026-11-27T12:00:00Z"}`))
	if after := generation(t, s, "acct"); after != before {
		t.Fatalf("the account's generation went from %d to %d", before, after)
	}
}
