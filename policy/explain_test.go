package policy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestExplainPositions: statement positions are where IAM's policy
// simulator puts them — just after the opening and the closing brace —
// as in the AWS CLI's own examples of simulate-custom-policy and
// simulate-principal-policy.
func TestExplainPositions(t *testing.T) {
	tests := []struct {
		name       string
		doc        string
		start, end Position
	}{
		{"one line", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}`,
			Position{1, 38}, Position{1, 167}},
		{"indented", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"dynamodb:*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}",
			Position{4, 6}, Position{8, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompile(t, "p", KindIdentity, tt.doc)
			req := &Request{Principal: bob(), Action: "dynamodb:CreateBackup", Resource: "*", Context: &Context{}}
			req.Context.Set("aws:CurrentTime", "2019-04-25T11:00:00Z")
			e := NewSet(Policies{Identity: []*Compiled{c}}).Explain(req, nil)
			if e.Outcome != Allow || len(e.Matched) != 1 {
				t.Fatalf("explanation %+v", e)
			}
			if m := e.Matched[0]; m.Start != tt.start || m.End != tt.end {
				t.Errorf("positions %v–%v, want %v–%v", m.Start, m.End, tt.start, tt.end)
			}
		})
	}
}

// TestContextKeys: the keys of GetContextKeysForCustomPolicy, as the AWS
// CLI's example shows them: variables and condition keys as written, each
// once, case-insensitively.
func TestContextKeys(t *testing.T) {
	c := mustCompile(t, "p", KindIdentity, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}},
		{"Effect":"Deny","Action":"ivs:*","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceTag/Owner":"${aws:PrincipalTag/team, 'none'}", "AWS:currenttime": "x"}}}]}`)
	want := []string{"aws:username", "aws:CurrentTime", "aws:PrincipalTag/team", "aws:ResourceTag/Owner"}
	if got := c.ContextKeys(); !slices.Equal(got, want) {
		t.Errorf("ContextKeys() = %q, want %q", got, want)
	}
	// In a 2008-10-17 policy variables are literal text.
	old := mustCompile(t, "old", KindIdentity, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}}`)
	if got := old.ContextKeys(); len(got) != 0 {
		t.Errorf("2008-10-17 ContextKeys() = %q, want none", got)
	}
}

// TestExplainMissingKeys: keys that statements matching the action consult
// and the request lacks are reported; supplied ones, principal-derived
// ones, Null's and defaulted variables' are not.
func TestExplainMissingKeys(t *testing.T) {
	c := mustCompile(t, "p", KindIdentity, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"ivs:GetChannel","Resource":"arn:aws:ivs:*:*:channel/${aws:PrincipalTag/ch}","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:SecureTransport":"true"}}},
		{"Effect":"Allow","Action":"ivs:GetChannel","Resource":"*","Condition":{"StringEquals":{"aws:username":"bob","aws:ResourceTag/env":"${aws:PrincipalTag/env, 'dev'}"},"Null":{"aws:TokenIssueTime":"true"}}},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"x"}}}]}`)
	req := &Request{Principal: bob(), Action: "ivs:GetChannel", Resource: channel, Context: &Context{}}
	req.Context.Set("aws:SourceIp", "10.1.1.1")
	e := NewSet(Policies{Identity: []*Compiled{c}}).Explain(req, nil)
	want := []string{"aws:PrincipalTag/ch", "aws:SecureTransport", "aws:ResourceTag/env"}
	if !slices.Equal(e.MissingKeys, want) {
		t.Errorf("MissingKeys = %q, want %q", e.MissingKeys, want)
	}
}

// TestExplainAgreesWithEvaluate: on random policies and requests the
// explanation's statements are consistent with the engine's decision: its
// deciding statements are among them, they all have the decision's
// effect, and for identity policies alone the per-kind outcome the
// explanation computes statement by statement is the engine's outcome.
func TestExplainAgreesWithEvaluate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	actions := []string{"ivs:GetChannel", "IVS:getchannel", "ivs:PutMetadata", "iam:GetUser", "s3:GetObject", "sts:AssumeRole"}
	resources := []string{channel, "arn:aws:ivs:eu-west-1:111122223333:channel/x", "arn:aws:iam::123456789012:user/bob", "*", "not-an-arn"}
	actionPats := []string{`"ivs:*"`, `"ivs:Get*"`, `"*"`, `"iam:GetUser"`, `["s3:*", "ivs:Put*"]`, `"sts:AssumeRole"`}
	resourcePats := []string{`"*"`, `"arn:aws:ivs:*:*:channel/*"`, `"arn:aws:iam::*:user/${aws:username}"`, `"arn:aws:s3:::b/*"`}
	conds := []string{``, `, "Condition": {"StringEquals": {"aws:ResourceTag/team": "red"}}`, `, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}`}
	resourcePols := []*Compiled{nil,
		mustCompile(t, "rp-account", KindResource, `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "ivs:*", "Resource": "*"}]}`),
		mustCompile(t, "rp-deny", KindResource, `{"Statement": [{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::123456789012:user/bob"}, "Action": "*", "Resource": "*"}]}`)}
	doc := func() string { return randomPolicy(rng, 5, 5, actionPats, resourcePats, conds) }
	for round := 0; round < 300; round++ {
		var pols Policies
		for p := 0; p < 1+rng.IntN(2); p++ {
			pols.Identity = append(pols.Identity, mustCompile(t, fmt.Sprint("p", p), KindIdentity, doc()))
		}
		if rng.IntN(3) == 0 {
			pols.Boundary = mustCompile(t, "boundary", KindIdentity, doc())
		}
		if rng.IntN(4) == 0 {
			pols.Session = []*Compiled{mustCompile(t, "session", KindIdentity, doc())}
		}
		set := NewSet(pols)
		for i := 0; i < 50; i++ {
			req := randomRequest(rng, actions, resources, alice(), roleSession(), bob())
			rp := resourcePols[rng.IntN(len(resourcePols))]
			d, e := set.Evaluate(req, rp), set.Explain(req, rp)
			if d.Outcome != e.Outcome || d.Missing != e.Decision.Missing {
				t.Fatalf("Explain decided %v/%v, Evaluate %v/%v", e.Outcome, e.Decision.Missing, d.Outcome, d.Missing)
			}
			for _, ref := range d.Statements() {
				if !slices.ContainsFunc(e.Matched, func(m MatchedStatement) bool { return m.StatementRef == ref }) {
					t.Fatalf("deciding statement %+v not among the explanation's %+v", ref, e.Matched)
				}
			}
			for _, m := range e.Matched {
				if (m.Effect == EffectDeny) != (d.Outcome == ExplicitDeny) {
					t.Fatalf("outcome %v explained by %+v", d.Outcome, m)
				}
			}
			if d.Outcome == ImplicitDeny && len(e.Matched) != 0 {
				t.Fatalf("implicit deny explained by %+v", e.Matched)
			}
			id, _ := e.SourceOutcome(SourceIdentity)
			if rp == nil && pols.Boundary == nil && pols.Session == nil && req.Principal.Type == User && !strings.Contains(req.Resource, "111122223333") && id != d.Outcome {
				t.Fatalf("identity policies alone decide %v statement by statement, the engine %v\nrequest %+v", id, d.Outcome, req)
			}
		}
	}
}
