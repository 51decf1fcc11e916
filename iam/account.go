package iam

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
)

// RootKey is an account root user's access key, as created.
type RootKey struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
}

// EnsureAccount creates the account if it does not exist, with a root
// access key: keyID and secret when given, a new random key otherwise. If
// the account exists and keyID is given but unknown, the key is added to
// its root user (up to the quota of two). created reports whether a key
// was made; key is then the key, secret included, to show once.
func EnsureAccount(ctx context.Context, st store.Store, box *seal.Box, id, keyID, secret string, now time.Time) (key RootKey, created bool, err error) {
	if !isAccountIDString(id) {
		return RootKey{}, false, fmt.Errorf("account id %q is not 12 digits", id)
	}
	if (keyID == "") != (secret == "") {
		return RootKey{}, false, errors.New("give both the root access key id and its secret, or neither")
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		var a store.Account
		err := store.GetJSON(ctx, tx, store.Global, store.AccountKey(id), &a)
		exists := err == nil
		if err != nil && !isNotFound(err) {
			return err
		}
		acct := store.Account{ID: id, CreatedAt: now.UTC().Truncate(time.Second)}
		if !exists {
			if err := store.PutJSON(ctx, tx, store.Global, store.AccountKey(id), &acct); err != nil {
				return err
			}
		}
		if exists && keyID == "" {
			return nil
		}
		if keyID != "" {
			if _, err := tx.Get(ctx, store.Global, store.AccessKeyKey(keyID)); err == nil {
				return nil // already there
			} else if !isNotFound(err) {
				return err
			}
			have, err := tx.List(ctx, id, store.UserKeysPrefix(rootKeyOwner), "", 0)
			if err != nil {
				return err
			}
			if len(have) >= maxAccessKeys {
				return fmt.Errorf("account %s already has %d root access keys", id, len(have))
			}
		} else {
			keyID, secret = NewAccessKeyID(id), NewSecretAccessKey()
		}
		ak := store.AccessKey{ID: keyID, Account: id, SealedSecret: box.Seal([]byte(secret), []byte(keyID)),
			Status: store.StatusActive, CreatedAt: acct.CreatedAt}
		if err := PutAccessKey(ctx, tx, &ak, rootKeyOwner); err != nil {
			return err
		}
		key, created = RootKey{AccessKeyID: keyID, SecretAccessKey: secret}, true
		return nil
	})
	return key, created, err
}

func isAccountIDString(s string) bool {
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
