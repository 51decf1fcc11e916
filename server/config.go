package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
)

// Config is everything `gatehouse serve` is configured with.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string
	// DataDir holds the SQLite database, the master key file and the root
	// credentials file.
	DataDir string
	// Store is "" (SQLite in DataDir) or a postgres:// URL.
	Store string
	// AccountID is the account created on first start.
	AccountID string
	// Region is the default region of regional services.
	Region string
	// RootAccessKeyID and RootSecretAccessKey, when set, are the first
	// account's root key instead of a generated one.
	RootAccessKeyID     string
	RootSecretAccessKey string
	// MasterKey, when set, is the master key (hex or base64) instead of
	// the key file in DataDir.
	MasterKey string
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: %w", c.Addr, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is empty"))
	}
	if c.Store != "" && !strings.HasPrefix(c.Store, "postgres://") && !strings.HasPrefix(c.Store, "postgresql://") && !strings.HasPrefix(c.Store, "sqlite:") {
		errs = append(errs, fmt.Errorf("--store %q: use postgres://… (or leave it empty for SQLite in the data directory)", c.Store))
	}
	if len(c.AccountID) != 12 || strings.Trim(c.AccountID, "0123456789") != "" {
		errs = append(errs, fmt.Errorf("--account-id %q is not 12 digits", c.AccountID))
	}
	if c.Region == "" {
		errs = append(errs, errors.New("--region is empty"))
	}
	if (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == "") {
		errs = append(errs, errors.New("set both GATEHOUSE_ROOT_ACCESS_KEY_ID and GATEHOUSE_ROOT_SECRET_ACCESS_KEY, or neither"))
	}
	return errors.Join(errs...)
}
