package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gatehouse-iam/gatehouse/server"
)

func newAccountCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Create and list the accounts of a Gatehouse store",
		Long: `Account works on the store of a Gatehouse server, running or not: give it the
server's --data-dir (and --store when the server uses PostgreSQL). A running
server serves a new account at once. --data-dir and --store may also be set
with GATEHOUSE_DATA_DIR and GATEHOUSE_STORE, the master key with
GATEHOUSE_MASTER_KEY, as for serve. The exit status is 1 when the command
fails, 2 on bad usage.`,
	}
	cmd.AddCommand(newAccountCreateCmd(), newAccountListCmd())
	return cmd
}

// storeFlags adds the flags that locate the store to fs.
func storeFlags(fs *pflag.FlagSet, cfg *server.Config) {
	fs.StringVar(&cfg.DataDir, "data-dir", "./gatehouse-data", "the server's data directory (SQLite database and master key)")
	fs.StringVar(&cfg.Store, "store", "", "the server's postgres://… store (default: SQLite in the data directory)")
}

// openAdmin binds the store flags' environment variables, which set cfg,
// and opens the store.
func openAdmin(cmd *cobra.Command, cfg *server.Config) (*server.Admin, error) {
	if err := bindEnv(cmd.Flags(), "data-dir", "store"); err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	cfg.MasterKey = os.Getenv("GATEHOUSE_MASTER_KEY")
	a, err := server.OpenAdmin(cmd.Context(), *cfg)
	if err != nil {
		return nil, &exitError{code: 1, err: err}
	}
	return a, nil
}

func newAccountCreateCmd() *cobra.Command {
	var cfg server.Config
	var id, keyID, secret string
	cmd := &cobra.Command{
		Use:   "create --id ACCOUNT_ID",
		Short: "Create an account and print its root credentials as JSON",
		Long: `Create makes a new account with a root access key, and prints
{"AccountId", "AccessKeyId", "SecretAccessKey"} as JSON. The secret is shown
only here: keep it. --root-access-key-id and --root-secret-access-key choose
the key instead of a random one (for scripts and CI). An existing account id
or access key id is an error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				return &exitError{code: 2, err: errors.New("--id is required")}
			}
			if (keyID == "") != (secret == "") {
				return &exitError{code: 2, err: errors.New("give both --root-access-key-id and --root-secret-access-key, or neither")}
			}
			a, err := openAdmin(cmd, &cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			creds, err := a.CreateAccount(cmd.Context(), id, keyID, secret)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			b, _ := json.MarshalIndent(creds, "", "  ")
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&id, "id", "", "the new account's 12-digit id (required)")
	fl.StringVar(&keyID, "root-access-key-id", "", "the root access key id (default: a random AKIA… id)")
	fl.StringVar(&secret, "root-secret-access-key", "", "the root secret access key (with --root-access-key-id)")
	storeFlags(fl, &cfg)
	return cmd
}

func newAccountListCmd() *cobra.Command {
	var cfg server.Config
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the accounts with their creation times",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openAdmin(cmd, &cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			accts, err := a.ListAccounts(cmd.Context())
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				b, _ := json.MarshalIndent(struct {
					Accounts []server.Account `json:"Accounts"`
				}{accts}, "", "  ")
				fmt.Fprintln(out, string(b))
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ACCOUNT ID\tCREATED")
			for _, acct := range accts {
				fmt.Fprintf(tw, "%s\t%s\n", acct.ID, acct.Created.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"Accounts": [{"AccountId", "Created"}, …]}`)
	storeFlags(cmd.Flags(), &cfg)
	return cmd
}
