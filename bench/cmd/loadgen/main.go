package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/gatehouse-iam/gatehouse/sigv4"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

const usage = "usage: loadgen populate|sign|warm|grow|copy|table [flags] (-h for each)"

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	statePath := fs.String("state", "load-state.json", "state file: written by populate, read and extended by the others")
	endpoint := fs.String("endpoint", "http://127.0.0.1:4580", "the server (populate)")
	account := fs.String("account", "123456789012", "the account of the root key (populate)")
	workers := fs.Int("workers", 8, "concurrent API calls (populate, grow)")
	// Fewer than the server's 4 store connections: a cold policy set is
	// loaded in a store view nested in the operation's (see BENCHMARKS.md).
	warmWorkers := fs.Int("warm-workers", 3, "concurrent API calls (warm)")
	users := fs.Int("users", 10000, "users to create (populate, grow)")
	managed := fs.Int("managed", 1000, "customer-managed policies (populate)")
	channels := fs.Int("channels", 200, "IVS channels (populate)")
	name := fs.String("scenario", "mix", "scenario to sign (sign): mix or one of the issue's requests")
	n := fs.Int("n", 10000, "requests to sign (sign)")
	out := fs.String("o", "requests.bin", "request file (sign)")
	checkN := fs.Int("check", 200, "requests of the file to send once and check before writing it (sign)")
	seed := fs.Uint64("seed", 1, "random seed (sign)")
	from := fs.String("from", "", "the SQLite database file to copy (copy)")
	to := fs.String("to", "", "the postgres:// URL of the empty store to copy into (copy)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "populate":
		root, err := rootClient(*endpoint, *workers)
		if err != nil {
			return err
		}
		st, err := populate(ctx, root, *account, populateConfig{users: *users, managed: *managed, channels: *channels, workers: *workers})
		if err != nil {
			return err
		}
		return st.save(*statePath)
	case "sign":
		st, err := loadState(*statePath)
		if err != nil {
			return err
		}
		reqs, err := signScenario(st, *name, *n, *seed)
		if err != nil {
			return err
		}
		if err := check(ctx, newClient(st.Endpoint, sigv4.Credentials{}, 1).hc, st.Endpoint, reqs, *checkN); err != nil {
			return fmt.Errorf("check of %s: %w", *name, err)
		}
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := writeRequests(f, reqs); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Printf("non2xx=%.4f\n", non2xx(reqs))
		return nil
	case "copy":
		return copyStore(ctx, *from, *to)
	case "table":
		return table(os.Stdout, fs.Arg(0))
	case "warm", "grow":
		st, err := loadState(*statePath)
		if err != nil {
			return err
		}
		root, err := rootClient(st.Endpoint, *workers)
		if err != nil {
			return err
		}
		if args[0] == "warm" {
			return warm(ctx, root, st, *warmWorkers)
		}
		if err := addUsers(ctx, root, st, *users, *workers); err != nil {
			return err
		}
		return st.save(*statePath)
	}
	return errors.New(usage)
}

// rootClient is a client with the root key of the environment.
func rootClient(endpoint string, conns int) (*client, error) {
	id, secret := os.Getenv("GATEHOUSE_ROOT_ACCESS_KEY_ID"), os.Getenv("GATEHOUSE_ROOT_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return nil, errors.New("set GATEHOUSE_ROOT_ACCESS_KEY_ID and GATEHOUSE_ROOT_SECRET_ACCESS_KEY to the server's root key")
	}
	return newClient(endpoint, sigv4.Credentials{AccessKeyID: id, SecretAccessKey: secret}, conns), nil
}
