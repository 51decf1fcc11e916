package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/server"
)

func newAuditCmd() *cobra.Command {
	var cfg server.Config
	var q audit.Query
	var start, end string
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Query the audit trail in CloudTrail's LookupEvents shape",
		Long: `Audit prints the audit events of a Gatehouse store, newest first, as
CloudTrail's LookupEvents does: {"Events": [{"EventId", "EventName",
"ReadOnly", "AccessKeyId", "EventTime", "EventSource", "Username",
"Resources", "CloudTrailEvent"}], "NextToken"}, CloudTrailEvent being the
record as a JSON string. Give it the server's --data-dir (and --store with
PostgreSQL); a running server stores events within about 100ms. Without
--account it searches every account (account by account). Times are RFC
3339 (2024-05-01T12:00:00Z) or a duration before now (1h). --next-token
continues where a page with a NextToken stopped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindEnv(cmd.Flags(), "data-dir", "store"); err != nil {
				return &exitError{code: 2, err: err}
			}
			var err error
			if q.Start, err = parseWhen(start); err != nil {
				return &exitError{code: 2, err: fmt.Errorf("--start-time: %w", err)}
			}
			if q.End, err = parseWhen(end); err != nil {
				return &exitError{code: 2, err: fmt.Errorf("--end-time: %w", err)}
			}
			q.AllAccounts = q.Account == ""
			r, err := server.OpenAuditReader(cmd.Context(), cfg)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			defer r.Close()
			page, err := r.Lookup(cmd.Context(), q)
			switch {
			case errors.Is(err, audit.ErrInvalidNextToken), errors.Is(err, audit.ErrInvalidTimeRange),
				errors.Is(err, audit.ErrInvalidDecision), errors.Is(err, audit.ErrMaxResults):
				return &exitError{code: 2, err: err}
			case err != nil:
				return &exitError{code: 1, err: err}
			}
			b, _ := json.MarshalIndent(page, "", "  ")
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&q.Account, "account", "", "only this account's events (default: every account)")
	fl.StringVar(&q.Principal, "principal", "", "only the requests of this principal ARN")
	fl.StringVar(&q.EventName, "action", "", "only this action: service:Operation (iam:CreateUser) or the operation name")
	fl.StringVar(&q.Decision, "decision", "", "only requests whose authorization ended so: allow, explicit-deny or implicit-deny")
	fl.StringVar(&q.AccessKeyID, "access-key-id", "", "only the requests signed with this access key id")
	fl.StringVar(&start, "start-time", "", "only events at or after this time")
	fl.StringVar(&end, "end-time", "", "only events at or before this time")
	fl.IntVar(&q.MaxResults, "max-results", audit.MaxLookupResults, "at most this many events (1 to 50)")
	fl.StringVar(&q.NextToken, "next-token", "", "the NextToken of the previous page")
	storeFlags(fl, &cfg)
	return cmd
}

// parseWhen parses an RFC 3339 time, or a duration before now.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration", s)
	}
	return time.Now().Add(-d), nil
}

func newExplainCmd() *cobra.Command {
	var cfg server.Config
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "explain REQUEST-ID",
		Short: "Explain how a request was authorized: principal, context, policies, deciding statements",
		Long: `Explain finds the audit event of a request already made, by the request id
its response carried (x-amzn-RequestId, <RequestId>, or "RequestID:" in an
SDK's error), and prints who made it, the answer, and for every
authorization check the policies consulted, the statements that decided,
and the request context keys and values used, then what would change a
denial. --json prints the event (the CloudTrail record with its decision
block) instead. Give it the server's --data-dir (and --store with
PostgreSQL). The exit status is 1 when there is no such request.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := bindEnv(cmd.Flags(), "data-dir", "store"); err != nil {
				return &exitError{code: 2, err: err}
			}
			r, err := server.OpenAuditReader(cmd.Context(), cfg)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			defer r.Close()
			ev, err := r.Event(cmd.Context(), args[0])
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				b, _ := json.MarshalIndent(ev, "", "  ")
				fmt.Fprintln(out, string(b))
				return nil
			}
			if err := audit.Explain(out, ev); err != nil {
				return &exitError{code: 1, err: err}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the event as JSON")
	storeFlags(cmd.Flags(), &cfg)
	return cmd
}
