package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Errors of the account administration.
var (
	// ErrAccountExists: CreateAccount was given the id of an account that
	// already exists.
	ErrAccountExists = errors.New("account already exists")
	// ErrAccessKeyInUse: CreateAccount was given a root access key id that
	// already belongs to some user.
	ErrAccessKeyInUse = errors.New("access key id already in use")
)

// Admin administers the accounts of a Gatehouse store, beside a running
// server or without one: a server reads what Admin writes at once, because
// it looks unknown access keys up in the store. Create it with OpenAdmin
// and Close it.
type Admin struct {
	st  store.Store
	box *seal.Box
	now func() time.Time
}

// AccountCredentials are a new account's id and root access key.
type AccountCredentials struct {
	AccountID       string `json:"AccountId"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
}

// Account is an account of the store.
type Account struct {
	ID      string    `json:"AccountId"`
	Created time.Time `json:"Created"`
}

// OpenAdmin opens the store and the master key of cfg as New does; only
// DataDir, Store and MasterKey matter. Unlike New it creates nothing: the
// SQLite database and the master key must exist (a server has started on
// them once), so that a mistyped --data-dir fails instead of starting an
// empty store. It also checks that the master key opens the secrets
// already in the store.
func OpenAdmin(ctx context.Context, cfg Config) (*Admin, error) {
	if err := errors.Join(cfg.storageErrors()...); err != nil {
		return nil, err
	}
	if cfg.Store == "" || strings.HasPrefix(cfg.Store, "sqlite:") {
		db := strings.TrimPrefix(cfg.Store, "sqlite:")
		if db == "" {
			db = filepath.Join(cfg.DataDir, "gatehouse.db")
		}
		if _, err := os.Stat(db); err != nil {
			return nil, fmt.Errorf("no Gatehouse store at %s (start `gatehouse serve` on it once, or check --data-dir and --store): %w", db, err)
		}
	}
	if cfg.MasterKey == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "master.key")); err != nil {
			return nil, fmt.Errorf("no master key (use the server's --data-dir, or set GATEHOUSE_MASTER_KEY): %w", err)
		}
	}
	box, err := masterBox(cfg)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &Admin{st: st, box: box, now: time.Now}
	if err := a.checkMasterKey(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

// checkMasterKey opens one stored secret: keys sealed under another master
// key would be useless to the server.
func (a *Admin) checkMasterKey(ctx context.Context) error {
	var ak store.AccessKey
	err := a.st.View(ctx, func(tx store.Tx) error {
		items, err := tx.List(ctx, store.Global, store.AccessKeyKey(""), "", 1)
		if err != nil || len(items) == 0 {
			return err
		}
		return store.GetJSON(ctx, tx, store.Global, items[0].Key, &ak)
	})
	if err != nil {
		return fmt.Errorf("read the store: %w", err)
	}
	if ak.ID == "" {
		return nil
	}
	if _, err := a.box.Open(ak.SealedSecret, []byte(ak.ID)); err != nil {
		return errors.New("the master key does not open the secrets in this store: use the server's --data-dir or GATEHOUSE_MASTER_KEY")
	}
	return nil
}

// Close releases the store.
func (a *Admin) Close() error { return a.st.Close() }

// CreateAccount creates the account id with a root access key: keyID and
// secret when given (both or neither), a new random key otherwise. It
// returns the credentials, secret included, to show once. Errors:
// ErrAccountExists, ErrAccessKeyInUse, and invalid input.
func (a *Admin) CreateAccount(ctx context.Context, id, keyID, secret string) (AccountCredentials, error) {
	if len(id) != 12 || strings.Trim(id, "0123456789") != "" {
		return AccountCredentials{}, fmt.Errorf("account id %q is not 12 digits", id)
	}
	if (keyID == "") != (secret == "") {
		return AccountCredentials{}, errors.New("give both the root access key id and its secret access key, or neither")
	}
	if keyID == "" {
		keyID, secret = iam.NewAccessKeyID(id), iam.NewSecretAccessKey()
	} else if err := checkRootKey(keyID, secret); err != nil {
		return AccountCredentials{}, err
	}
	now := a.now().UTC().Truncate(time.Second)
	// Creating the record first makes "exists" atomic: of two concurrent
	// creations of one id, exactly one gets past this point. EnsureAccount
	// then finds the account and gives its root user the key.
	err := a.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(ctx, store.Global, store.AccessKeyKey(keyID)); err == nil {
			return fmt.Errorf("%w: %s", ErrAccessKeyInUse, keyID)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		err := store.CreateJSON(ctx, tx, store.Global, store.AccountKey(id), &store.Account{ID: id, CreatedAt: now})
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: %s", ErrAccountExists, id)
		}
		return err
	})
	if err != nil {
		return AccountCredentials{}, err
	}
	key, created, err := iam.EnsureAccount(ctx, a.st, a.box, id, keyID, secret, now)
	if err == nil && !created {
		// The key id was taken in between.
		err = fmt.Errorf("%w: %s", ErrAccessKeyInUse, keyID)
	}
	if err != nil {
		a.removeKeylessAccount(ctx, id)
		return AccountCredentials{}, fmt.Errorf("create account %s: %w", id, err)
	}
	return AccountCredentials{AccountID: id, AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}, nil
}

// removeKeylessAccount undoes a half-made account: its record, if its root
// user has no key.
func (a *Admin) removeKeylessAccount(ctx context.Context, id string) {
	_ = a.st.Update(ctx, func(tx store.Tx) error {
		keys, err := tx.List(ctx, id, store.UserKeysPrefix("root"), "", 1)
		if err != nil || len(keys) > 0 {
			return err
		}
		return tx.Delete(ctx, store.Global, store.AccountKey(id))
	})
}

// checkRootKey checks a given root key: an id of 16 to 128 upper-case
// letters and digits (AWS's form), a secret of 16 to 128 visible ASCII
// characters.
func checkRootKey(keyID, secret string) error {
	if len(keyID) < 16 || len(keyID) > 128 || strings.Trim(keyID, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return fmt.Errorf("root access key id %q is not 16 to 128 upper-case letters and digits", keyID)
	}
	if len(secret) < 16 || len(secret) > 128 {
		return errors.New("the root secret access key is not 16 to 128 characters long")
	}
	for i := 0; i < len(secret); i++ {
		if secret[i] <= ' ' || secret[i] > '~' {
			return errors.New("the root secret access key has a character that is not visible ASCII")
		}
	}
	return nil
}

// ListAccounts returns every account, by id.
func (a *Admin) ListAccounts(ctx context.Context) ([]Account, error) {
	var out []Account
	err := a.st.View(ctx, func(tx store.Tx) error {
		recs, _, err := store.ListJSON[store.Account](ctx, tx, store.Global, store.AccountsPrefix, "", 0)
		if err != nil {
			return err
		}
		out = make([]Account, 0, len(recs))
		for _, r := range recs {
			out = append(out, Account{ID: r.ID, Created: r.CreatedAt})
		}
		return nil
	})
	return out, err
}
