// Package conformance runs policy-evaluation conformance cases: JSON lines,
// each a documented fact about AWS IAM's decision for one request, in the
// format of the shared corpus (see policy/testdata/README.md).
package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-iam/gatehouse/policy"
)

// Expected outcomes of a case.
const (
	ExpectAllow         = "allow"
	ExpectExplicitDeny  = "explicit_deny"
	ExpectImplicitDeny  = "implicit_deny"
	ExpectInvalidPolicy = "invalid_policy"
)

// Case is one conformance case.
type Case struct {
	ID                  string            `json:"id"`
	Topic               string            `json:"topic"`
	About               string            `json:"about"`
	Doc                 string            `json:"doc"`
	Request             Request           `json:"request"`
	IdentityPolicies    []json.RawMessage `json:"identity_policies"`
	ResourcePolicy      json.RawMessage   `json:"resource_policy,omitempty"`
	PermissionsBoundary json.RawMessage   `json:"permissions_boundary,omitempty"`
	SessionPolicies     []json.RawMessage `json:"session_policies,omitempty"`
	Expect              string            `json:"expect"`
	// Line is the case's line in its file (1-based).
	Line int `json:"-"`
}

// Request is the request of a case.
type Request struct {
	Principal Principal                  `json:"principal"`
	Action    string                     `json:"action"`
	Resource  string                     `json:"resource"`
	Context   map[string]json.RawMessage `json:"context"`
}

// Principal is the caller of a case's request.
type Principal struct {
	ARN      string            `json:"arn"`
	Account  string            `json:"account"`
	Type     string            `json:"type"`
	Username string            `json:"username,omitempty"`
	UserID   string            `json:"userid,omitempty"`
	RoleARN  string            `json:"role_arn,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// Load reads cases, one JSON object per line; blank lines are skipped.
func Load(r io.Reader) ([]Case, error) {
	var cases []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var c Case
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		c.Line = line
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	return cases, nil
}

// Result is the outcome of running one case.
type Result struct {
	// Got is the engine's answer, in the vocabulary of Case.Expect.
	Got string
	// Decision is the engine's decision (zero for invalid_policy).
	Decision policy.Decision
	// Err is the parse error behind an invalid_policy answer, or a problem
	// with the case itself.
	Err error
}

// Pass reports whether the engine answered what the case expects.
func (r Result) Pass(c *Case) bool { return r.Got == c.Expect }

// Why explains a failing result in one line.
func (r Result) Why(c *Case) string {
	msg := fmt.Sprintf("expected %s, got %s", c.Expect, r.Got)
	if r.Err != nil {
		msg += ": " + r.Err.Error()
	} else if r.Decision.Outcome == policy.ImplicitDeny {
		msg += " (no allow in " + r.Decision.Missing.String() + ")"
	} else if st := r.Decision.Statements(); len(st) > 0 {
		msg += fmt.Sprintf(" (by %s statement %d %q of %s)", st[0].Source, st[0].Index, st[0].Sid, st[0].PolicyID)
	}
	return msg
}

// Run evaluates one case.
func Run(c *Case) Result {
	invalid := func(err error) Result { return Result{Got: ExpectInvalidPolicy, Err: err} }
	var pols policy.Policies
	for i, raw := range c.IdentityPolicies {
		cp, err := policy.ParseCompiled("identity-"+strconv.Itoa(i), raw, policy.KindIdentity)
		if err != nil {
			return invalid(fmt.Errorf("identity policy %d: %w", i, err))
		}
		pols.Identity = append(pols.Identity, cp)
	}
	if len(c.PermissionsBoundary) > 0 {
		cp, err := policy.ParseCompiled("boundary", c.PermissionsBoundary, policy.KindIdentity)
		if err != nil {
			return invalid(fmt.Errorf("permissions boundary: %w", err))
		}
		pols.Boundary = cp
	}
	for i, raw := range c.SessionPolicies {
		cp, err := policy.ParseCompiled("session-"+strconv.Itoa(i), raw, policy.KindIdentity)
		if err != nil {
			return invalid(fmt.Errorf("session policy %d: %w", i, err))
		}
		pols.Session = append(pols.Session, cp)
	}
	var resource *policy.Compiled
	if len(c.ResourcePolicy) > 0 {
		kind := policy.KindResource
		if strings.EqualFold(c.Request.Action, "sts:AssumeRole") && strings.Contains(c.Request.Resource, ":role/") {
			kind = policy.KindTrust
		}
		cp, err := policy.ParseCompiled("resource", c.ResourcePolicy, kind)
		if err != nil {
			return invalid(fmt.Errorf("%s: %w", kind, err))
		}
		resource = cp
	}
	req, err := c.request()
	if err != nil {
		return Result{Got: "error", Err: err}
	}
	d := policy.Evaluate(req, pols, resource)
	got := ExpectImplicitDeny
	switch d.Outcome {
	case policy.Allow:
		got = ExpectAllow
	case policy.ExplicitDeny:
		got = ExpectExplicitDeny
	}
	return Result{Got: got, Decision: d}
}

// principalTypes maps the case vocabulary to the engine's.
var principalTypes = map[string]policy.PrincipalType{
	"User":          policy.User,
	"AssumedRole":   policy.AssumedRole,
	"FederatedUser": policy.FederatedUser,
	"Root":          policy.Root,
}

func (c *Case) request() (*policy.Request, error) {
	cp := c.Request.Principal
	typ, ok := principalTypes[cp.Type]
	if !ok {
		return nil, fmt.Errorf("unknown principal type %q", cp.Type)
	}
	p := &policy.Principal{
		ARN: cp.ARN, Account: cp.Account, Type: typ,
		Username: cp.Username, UserID: cp.UserID, RoleARN: cp.RoleARN,
	}
	keys := make([]string, 0, len(cp.Tags))
	for k := range cp.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.Tags = append(p.Tags, policy.Tag{Key: k, Value: cp.Tags[k]})
	}
	ctx := &policy.Context{}
	keys = keys[:0]
	for k := range c.Request.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := setContext(ctx, k, c.Request.Context[k]); err != nil {
			return nil, err
		}
	}
	return &policy.Request{Principal: p, Action: c.Request.Action, Resource: c.Request.Resource, Context: ctx}, nil
}

// setContext stores one context value: a string, number or boolean as a
// single value, an array of them as a multi-valued key.
func setContext(ctx *policy.Context, key string, raw json.RawMessage) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("context key %s: %w", key, err)
	}
	scalar := func(x any) (string, error) {
		switch t := x.(type) {
		case string:
			return t, nil
		case json.Number:
			return t.String(), nil
		case bool:
			return strconv.FormatBool(t), nil
		default:
			return "", fmt.Errorf("context key %s: unsupported value %v", key, x)
		}
	}
	if list, ok := v.([]any); ok {
		vals := make([]string, 0, len(list))
		for _, x := range list {
			s, err := scalar(x)
			if err != nil {
				return err
			}
			vals = append(vals, s)
		}
		ctx.SetMulti(key, vals)
		return nil
	}
	s, err := scalar(v)
	if err != nil {
		return err
	}
	ctx.Set(key, s)
	return nil
}
