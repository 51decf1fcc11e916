package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// state is what populate made and sign needs: the users with their keys,
// and the channels. It holds secrets: write it to a private directory.
type state struct {
	Endpoint string         `json:"endpoint"`
	Account  string         `json:"account"`
	Managed  int            `json:"managed"`
	Users    []userState    `json:"users"`
	Channels []channelState `json:"channels"`
}

// userState is one user and its access key.
type userState struct {
	Name        string `json:"name"`
	Team        string `json:"team"`
	ListDenied  bool   `json:"listDenied,omitempty"`
	AccessKeyID string `json:"accessKeyId"`
	Secret      string `json:"secret"`
}

func (u *userState) creds() sigv4.Credentials {
	return sigv4.Credentials{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.Secret}
}

// channelState is one channel and its team tag.
type channelState struct {
	ARN  string `json:"arn"`
	Team string `json:"team"`
}

func loadState(path string) (*state, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &st, nil
}

func (st *state) save(path string) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// parallel runs fn(i) for i in [from, to) on workers goroutines, printing
// progress under label every step items; it stops at the first error.
func parallel(ctx context.Context, label string, from, to, workers, step int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next, done atomic.Int64
	next.Store(int64(from))
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
				if n := done.Add(1); step > 0 && n%int64(step) == 0 {
					fmt.Fprintf(os.Stderr, "%s: %d/%d (%.0f/s)\n", label, n, to-from, float64(n)/time.Since(start).Seconds())
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", label, err)
	}
	return ctx.Err()
}

// populateConfig sizes the population.
type populateConfig struct {
	users, managed, channels, workers int
}

// populate fills the account of root's key through the API and returns
// the state.
func populate(ctx context.Context, root *client, acct string, cfg populateConfig) (*state, error) {
	if cfg.channels < teams {
		// The GetChannel scenarios pick a channel of a user's team.
		return nil, fmt.Errorf("-channels %d: at least %d are needed, one per team", cfg.channels, teams)
	}
	st := &state{Endpoint: root.endpoint, Account: acct, Managed: cfg.managed}
	err := parallel(ctx, "managed policies", 0, cfg.managed, cfg.workers, 500, func(ctx context.Context, j int) error {
		_, err := root.do(ctx, queryCall("iam", iamParams("CreatePolicy", "PolicyName", managedName(j), "PolicyDocument", managedPolicy(j, acct))))
		return err
	})
	if err != nil {
		return nil, err
	}
	st.Channels = make([]channelState, cfg.channels)
	err = parallel(ctx, "channels", 0, cfg.channels, cfg.workers, 100, func(ctx context.Context, j int) error {
		team := fmt.Sprintf("t%02d", j%teams)
		env := "dev"
		if j%2 == 0 {
			env = "prod"
		}
		b, err := root.do(ctx, ivsCall("CreateChannel", map[string]any{
			"name": fmt.Sprintf("ch-%04d", j), "tags": map[string]string{"team": team, "env": env},
		}))
		if err != nil {
			return fmt.Errorf("CreateChannel: %w", err)
		}
		var out struct {
			Channel struct {
				ARN string `json:"arn"`
			} `json:"channel"`
		}
		if err := json.Unmarshal(b, &out); err != nil || out.Channel.ARN == "" {
			return fmt.Errorf("CreateChannel: unexpected answer %q", b)
		}
		st.Channels[j] = channelState{ARN: out.Channel.ARN, Team: team}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := addUsers(ctx, root, st, cfg.users, cfg.workers); err != nil {
		return nil, err
	}
	return st, nil
}

// addUsers creates n more users in st, each with its inline policies,
// attached managed policies and an access key.
func addUsers(ctx context.Context, root *client, st *state, n, workers int) error {
	from := len(st.Users)
	st.Users = append(st.Users, make([]userState, n)...)
	return parallel(ctx, "users", from, from+n, workers, 1000, func(ctx context.Context, i int) error {
		u, err := createUser(ctx, root, st, i)
		st.Users[i] = u
		return err
	})
}

// createUser creates user i of the population.
func createUser(ctx context.Context, root *client, st *state, i int) (userState, error) {
	u := userState{Name: userName(i), Team: teamOf(i), ListDenied: listDenied(i)}
	p := iamParams("CreateUser", "UserName", u.Name, "Tags.member.1.Key", "team", "Tags.member.1.Value", u.Team)
	if _, err := root.do(ctx, queryCall("iam", p)); err != nil {
		return u, fmt.Errorf("CreateUser %s: %w", u.Name, err)
	}
	size := 0
	for _, ip := range inlinePolicies(i, st.Account) {
		size += policySize(ip[1])
		p := iamParams("PutUserPolicy", "UserName", u.Name, "PolicyName", ip[0], "PolicyDocument", ip[1])
		if _, err := root.do(ctx, queryCall("iam", p)); err != nil {
			return u, fmt.Errorf("PutUserPolicy %s %s (%d characters so far): %w", u.Name, ip[0], size, err)
		}
	}
	for _, j := range attachedTo(i, st.Managed) {
		arn := "arn:aws:iam::" + st.Account + ":policy/" + managedName(j)
		if _, err := root.do(ctx, queryCall("iam", iamParams("AttachUserPolicy", "UserName", u.Name, "PolicyArn", arn))); err != nil {
			return u, fmt.Errorf("AttachUserPolicy %s: %w", u.Name, err)
		}
	}
	creds, err := root.createAccessKey(ctx, u.Name)
	if err != nil {
		return u, err
	}
	u.AccessKeyID, u.Secret = creds.AccessKeyID, creds.SecretAccessKey
	return u, nil
}

// warm sends, as every user, iam:GetUser on itself and ivs:GetChannel on
// a channel of its team: both are authorized, so every principal's key,
// policy set and signing key are loaded.
func warm(ctx context.Context, root *client, st *state, workers int) error {
	byTeam := channelsByTeam(st)
	return parallel(ctx, "warm", 0, len(st.Users), workers, 2000, func(ctx context.Context, i int) error {
		u := &st.Users[i]
		cl := root.as(u.creds())
		if _, err := cl.do(ctx, queryCall("iam", iamParams("GetUser", "UserName", u.Name))); err != nil {
			return fmt.Errorf("GetUser as %s: %w", u.Name, err)
		}
		if chs := byTeam[u.Team]; len(chs) > 0 {
			if _, err := cl.do(ctx, ivsCall("GetChannel", map[string]string{"arn": chs[i%len(chs)]})); err != nil {
				return fmt.Errorf("GetChannel as %s: %w", u.Name, err)
			}
		}
		return nil
	})
}

// channelsByTeam returns the channel ARNs of each team.
func channelsByTeam(st *state) map[string][]string {
	m := map[string][]string{}
	for _, c := range st.Channels {
		m[c.Team] = append(m[c.Team], c.ARN)
	}
	return m
}
