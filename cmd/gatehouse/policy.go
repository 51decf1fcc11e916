package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse-iam/gatehouse/arn"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/policy/conformance"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Validate, evaluate and test IAM policies offline",
	}
	cmd.AddCommand(newPolicyValidateCmd(), newPolicyEvalCmd(), newPolicyTestCmd())
	return cmd
}

var kinds = map[string]policy.Kind{
	"identity": policy.KindIdentity,
	"resource": policy.KindResource,
	"trust":    policy.KindTrust,
}

var limits = map[string]policy.Limit{
	"managed":      policy.LimitManaged,
	"user-inline":  policy.LimitUserInline,
	"group-inline": policy.LimitGroupInline,
	"role-inline":  policy.LimitRoleInline,
	"trust":        policy.LimitTrust,
	"session":      policy.LimitSession,
	"none":         0,
}

func newPolicyValidateCmd() *cobra.Command {
	var kindName, limitName string
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check policy documents as IAM does, and report findings",
		Long: `Validate reads each policy document strictly, as IAM does before it stores one,
and prints every error and warning with its line and column. Warnings are
findings in the manner of IAM Access Analyzer (ivs:* in a policy for an
application, Allow with NotAction, condition keys the actions never carry, a
resource of another service). The exit status is 1 when any document has an
error, 0 otherwise.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			kind, ok := kinds[kindName]
			if !ok {
				return &exitError{code: 2, err: fmt.Errorf("unknown --kind %q (identity, resource or trust)", kindName)}
			}
			if limitName == "" {
				limitName = map[policy.Kind]string{policy.KindIdentity: "managed", policy.KindTrust: "trust", policy.KindResource: "none"}[kind]
			}
			limit, ok := limits[limitName]
			if !ok {
				return &exitError{code: 2, err: fmt.Errorf("unknown --limit %q", limitName)}
			}
			out := cmd.OutOrStdout()
			failed := false
			for _, f := range files {
				if !validateFile(out, f, kind, limit) {
					failed = true
				}
			}
			if failed {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&kindName, "kind", "identity", "policy kind: identity, resource or trust")
	cmd.Flags().StringVar(&limitName, "limit", "", "size limit: managed, user-inline, group-inline, role-inline, trust, session or none (default: managed for identity, trust for trust policies)")
	return cmd
}

// validateFile prints the errors and findings of one file and reports
// whether it is valid.
func validateFile(out io.Writer, file string, kind policy.Kind, limit policy.Limit) bool {
	doc, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(out, "%s: error: %v\n", file, err)
		return false
	}
	valid := true
	if limit > 0 {
		if err := policy.CheckSize(doc, limit); err != nil {
			fmt.Fprintf(out, "%s: error: %v\n", file, err)
			valid = false
		}
	}
	p, err := policy.Parse(doc, kind)
	if err != nil {
		var errs policy.Errors
		if !errors.As(err, &errs) {
			fmt.Fprintf(out, "%s: error: %v\n", file, err)
			return false
		}
		for _, e := range errs {
			fmt.Fprintf(out, "%s:%d:%d: error: %s\n", file, e.Line, e.Column, e.Message())
		}
		return false
	}
	findings := policy.Lint(p)
	for _, f := range findings {
		if f.Line > 0 {
			fmt.Fprintf(out, "%s:%d:%d: %s\n", file, f.Line, f.Column, f.Message())
		} else {
			fmt.Fprintf(out, "%s: %s\n", file, f.Message())
		}
	}
	if valid {
		fmt.Fprintf(out, "%s: valid %s (%d statements, %d findings)\n", file, kind, len(p.Statements), len(findings))
	}
	return valid
}

// evalFlags are the inputs of `policy eval`.
type evalFlags struct {
	policies, sessions       []string
	boundary, resourcePolicy string
	principal, roleARN, uid  string
	tags, context            []string
	action, resource         string
	json                     bool
}

func newPolicyEvalCmd() *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:   "eval --policy FILE... --principal ARN --action A --resource ARN",
		Short: "Decide one request under a set of policies",
		Long: `Eval decides whether the principal may perform the action on the resource
under the given policies, with AWS's evaluation logic, and prints the decision
and the statements behind it. The principal's type comes from its ARN (user,
assumed-role session, federated user or account root). --context key=value
adds a request-context key; repeating a key makes it multi-valued
(aws:TagKeys). The exit status is 0 for Allow, 1 for a deny, 2 for bad input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEval(cmd.OutOrStdout(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.policies, "policy", nil, "identity-based policy file (repeatable)")
	fl.StringVar(&f.boundary, "boundary", "", "permissions boundary policy file")
	fl.StringArrayVar(&f.sessions, "session-policy", nil, "session policy file (repeatable)")
	fl.StringVar(&f.resourcePolicy, "resource-policy", "", "resource-based policy file (a trust policy when the action is sts:AssumeRole on a role)")
	fl.StringVar(&f.principal, "principal", "", "caller ARN: arn:aws:iam::ACCT:user/NAME, arn:aws:sts::ACCT:assumed-role/ROLE/SESSION, arn:aws:sts::ACCT:federated-user/NAME or arn:aws:iam::ACCT:root")
	fl.StringVar(&f.roleARN, "role-arn", "", "role ARN of an assumed-role caller, when the role has a path")
	fl.StringVar(&f.uid, "user-id", "", "value of aws:userid")
	fl.StringArrayVar(&f.tags, "principal-tag", nil, "principal tag key=value (repeatable)")
	fl.StringVar(&f.action, "action", "", "action, e.g. ivs:GetChannel")
	fl.StringVar(&f.resource, "resource", "*", "resource ARN")
	fl.StringArrayVar(&f.context, "context", nil, "request-context key=value (repeatable)")
	fl.BoolVar(&f.json, "json", false, "print the decision as JSON")
	for _, name := range []string{"principal", "action"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func runEval(out io.Writer, f *evalFlags) error {
	bad := func(err error) error { return &exitError{code: 2, err: err} }
	load := func(file string, kind policy.Kind) (*policy.Compiled, error) {
		doc, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		c, err := policy.ParseCompiled(file, doc, kind)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return c, nil
	}
	var pols policy.Policies
	for _, file := range f.policies {
		c, err := load(file, policy.KindIdentity)
		if err != nil {
			return bad(err)
		}
		pols.Identity = append(pols.Identity, c)
	}
	if f.boundary != "" {
		c, err := load(f.boundary, policy.KindIdentity)
		if err != nil {
			return bad(err)
		}
		pols.Boundary = c
	}
	for _, file := range f.sessions {
		c, err := load(file, policy.KindIdentity)
		if err != nil {
			return bad(err)
		}
		pols.Session = append(pols.Session, c)
	}
	var resource *policy.Compiled
	if f.resourcePolicy != "" {
		kind := policy.KindResource
		if strings.EqualFold(f.action, "sts:AssumeRole") && strings.Contains(f.resource, ":role/") {
			kind = policy.KindTrust
		}
		c, err := load(f.resourcePolicy, kind)
		if err != nil {
			return bad(err)
		}
		resource = c
	}
	p, err := principalFromARN(f.principal, f.roleARN)
	if err != nil {
		return bad(err)
	}
	p.UserID = f.uid
	for _, kv := range f.tags {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return bad(fmt.Errorf("--principal-tag %q: want key=value", kv))
		}
		p.Tags = append(p.Tags, policy.Tag{Key: k, Value: v})
	}
	ctx, err := parseContext(f.context)
	if err != nil {
		return bad(err)
	}
	req := &policy.Request{Principal: p, Action: f.action, Resource: f.resource, Context: ctx}
	d := policy.Evaluate(req, pols, resource)
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(decisionJSON(&d)); err != nil {
			return err
		}
	} else {
		printDecision(out, req, &d)
	}
	if !d.Allowed() {
		return &exitError{code: 1}
	}
	return nil
}

// parseContext reads key=value pairs; a key given twice becomes a list.
func parseContext(pairs []string) (*policy.Context, error) {
	vals := map[string][]string{}
	var order []string
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--context %q: want key=value", kv)
		}
		if _, seen := vals[k]; !seen {
			order = append(order, k)
		}
		vals[k] = append(vals[k], v)
	}
	ctx := &policy.Context{}
	for _, k := range order {
		if len(vals[k]) == 1 {
			ctx.Set(k, vals[k][0])
		} else {
			ctx.SetMulti(k, vals[k])
		}
	}
	return ctx, nil
}

// principalFromARN derives the caller's type and names from its ARN.
func principalFromARN(s, roleARN string) (*policy.Principal, error) {
	a, err := arn.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("--principal: %w", err)
	}
	p := &policy.Principal{ARN: s, Account: a.Account}
	switch typ := a.ResourceType(); {
	case a.Service == "iam" && a.Resource == "root":
		p.Type = policy.Root
	case a.Service == "iam" && typ == "user":
		p.Type = policy.User
		p.Username = a.Name()
	case a.Service == "sts" && typ == "assumed-role":
		role, _, ok := strings.Cut(a.ResourceID(), "/")
		if !ok {
			return nil, fmt.Errorf("--principal %q: an assumed-role ARN ends in ROLE/SESSION", s)
		}
		p.Type = policy.AssumedRole
		p.RoleARN = roleARN
		if p.RoleARN == "" {
			p.RoleARN = "arn:" + a.Partition + ":iam::" + a.Account + ":role/" + role
		}
	case a.Service == "sts" && typ == "federated-user":
		p.Type = policy.FederatedUser
	default:
		return nil, fmt.Errorf("--principal %q is not a user, assumed-role, federated-user or root ARN", s)
	}
	return p, nil
}

type stmtJSON struct {
	Source string `json:"source"`
	Policy string `json:"policy"`
	Sid    string `json:"sid,omitempty"`
	Index  int    `json:"index"`
}

type decisionOut struct {
	Decision   string     `json:"decision"`
	Missing    string     `json:"missing,omitempty"`
	Statements []stmtJSON `json:"statements"`
}

func decisionJSON(d *policy.Decision) decisionOut {
	out := decisionOut{Decision: d.Outcome.String(), Statements: []stmtJSON{}}
	if d.Outcome == policy.ImplicitDeny {
		out.Missing = d.Missing.String()
	}
	for _, s := range d.Statements() {
		out.Statements = append(out.Statements, stmtJSON{Source: s.Source.String(), Policy: s.PolicyID, Sid: s.Sid, Index: s.Index})
	}
	return out
}

func printDecision(out io.Writer, req *policy.Request, d *policy.Decision) {
	switch d.Outcome {
	case policy.Allow:
		fmt.Fprintln(out, "Allow")
	case policy.ExplicitDeny:
		fmt.Fprintf(out, "ExplicitDeny: explicit deny in a %s\n", d.Statements()[0].Source)
	default:
		fmt.Fprintf(out, "ImplicitDeny: no %s allows the %s action on %s\n", d.Missing, req.Action, req.Resource)
	}
	for _, s := range d.Statements() {
		sid := ""
		if s.Sid != "" {
			sid = fmt.Sprintf(" (Sid %q)", s.Sid)
		}
		fmt.Fprintf(out, "  %s %s, statement %d%s\n", s.Source, s.PolicyID, s.Index+1, sid)
	}
	if d.Outcome == policy.Allow && len(d.Statements()) == 0 {
		fmt.Fprintln(out, "  the root user may act in its own account")
	}
}

func newPolicyTestCmd() *cobra.Command {
	var file string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test --cases FILE.jsonl",
		Short: "Run policy-evaluation conformance cases",
		Long: `Test runs a conformance file (JSON lines, one case each, in the format of the
shared IAM conformance corpus), prints each failing case's id and why, and
ends with the line "N passed, M failed". The exit status is 1 if any failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fh, err := os.Open(file)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			defer fh.Close()
			cases, err := conformance.Load(fh)
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("%s: %w", file, err)}
			}
			out := cmd.OutOrStdout()
			passed, failed := 0, 0
			for i := range cases {
				c := &cases[i]
				r := conformance.Run(c)
				if r.Pass(c) {
					passed++
					if verbose {
						fmt.Fprintf(out, "ok   %s %s\n", c.ID, c.About)
					}
					continue
				}
				failed++
				fmt.Fprintf(out, "FAIL %s (line %d) %s: %s\n", c.ID, c.Line, c.About, r.Why(c))
			}
			fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "cases", "", "conformance cases file (JSON lines)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "also list passing cases")
	_ = cmd.MarkFlagRequired("cases")
	return cmd
}
