package authz

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

const acct = "123456789012"

func TestDeniedMessage(t *testing.T) {
	c := &Caller{Principal: policy.Principal{ARN: "arn:aws:iam::123456789012:user/mateojackson"}}
	const base = "User: arn:aws:iam::123456789012:user/mateojackson is not authorized to perform: ivs:GetChannel on resource: arn:aws:ivs:us-west-2:123456789012:channel/VgNkEJgOVX9N"
	deny := func(src policy.Source) policy.Decision {
		doc := `{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}`
		cp, err := policy.ParseCompiled("d", []byte(doc), policy.KindIdentity)
		if err != nil {
			t.Fatal(err)
		}
		p := policy.Policies{}
		switch src {
		case policy.SourceIdentity:
			p.Identity = []*policy.Compiled{cp}
		case policy.SourceBoundary:
			p.Boundary = cp
		case policy.SourceSession:
			p.Session = []*policy.Compiled{cp}
		}
		return policy.Evaluate(&policy.Request{Principal: &c.Principal, Action: "ivs:GetChannel", Resource: "*"}, p, nil)
	}
	tests := []struct {
		d    policy.Decision
		want string
	}{
		{policy.Decision{Missing: policy.SourceIdentity}, base + " because no identity-based policy allows the ivs:GetChannel action"},
		{policy.Decision{Missing: policy.SourceBoundary}, base + " because no permissions boundary allows the ivs:GetChannel action"},
		{policy.Decision{Missing: policy.SourceSession}, base + " because no session policy allows the ivs:GetChannel action"},
		{policy.Decision{Missing: policy.SourceResource}, base + " because no resource-based policy allows the ivs:GetChannel action"},
		{deny(policy.SourceIdentity), base + " with an explicit deny in an identity-based policy"},
		{deny(policy.SourceBoundary), base + " with an explicit deny in a permissions boundary"},
		{deny(policy.SourceSession), base + " with an explicit deny in a session policy"},
	}
	for _, tc := range tests {
		if got := DeniedMessage(c, "ivs:GetChannel", "arn:aws:ivs:us-west-2:123456789012:channel/VgNkEJgOVX9N", &tc.d); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

// newAuthorizer returns an Authorizer on a new SQLite store, the store,
// and the store wrapped to tell the Authorizer of its writes.
func newAuthorizer(t *testing.T) (raw store.Store, az *Authorizer, wrapped store.Store) {
	t.Helper()
	raw, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	az = New(raw)
	return raw, az, az.WrapStore(raw)
}

// TestCacheFollowsChanges: a cached policy set is used until a write
// through the wrapped store changes the account, then reloaded.
func TestCacheFollowsChanges(t *testing.T) {
	ctx := context.Background()
	raw, az, st := newAuthorizer(t)
	u := store.User{ID: "AIDAEXAMPLEEXAMPLE01", Name: "alice", Path: "/", ARN: "arn:aws:iam::123456789012:user/alice"}
	put := func(doc string) {
		t.Helper()
		err := st.Update(ctx, func(tx store.Tx) error {
			if err := store.PutJSON(ctx, tx, acct, store.UserKey("alice"), &u); err != nil {
				return err
			}
			return store.PutJSON(ctx, tx, acct, store.InlineKey(store.KindUser, u.ID, "p"), store.InlinePolicy{Name: "p", Document: doc})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	c := &Caller{Principal: policy.Principal{ARN: u.ARN, Account: acct, Type: policy.User, Username: "alice", UserID: u.ID}}
	check := func(want policy.Outcome) {
		t.Helper()
		d, err := az.Authorize(ctx, c, Check{Action: "iam:ListUsers", Resource: "*"})
		if err != nil {
			t.Fatal(err)
		}
		if d.Outcome != want {
			t.Fatalf("got %v, want %v", d.Outcome, want)
		}
	}
	put(`{"Statement": {"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}}`)
	check(policy.Allow)
	check(policy.Allow) // from the cache
	put(`{"Statement": {"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"}}`)
	check(policy.ExplicitDeny)
	// A write to the raw store bypasses the hook: the cache is stale until
	// Changed is called, which is what WrapStore automates.
	err := raw.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(ctx, tx, acct, store.InlineKey(store.KindUser, u.ID, "p"), store.InlinePolicy{Name: "p", Document: `{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`})
	})
	if err != nil {
		t.Fatal(err)
	}
	check(policy.ExplicitDeny)
	az.Changed([]string{acct})
	check(policy.Allow)
}

func TestDeferContext(t *testing.T) {
	c := &Caller{}
	calls := 0
	c.DeferContext(func(pc *policy.Context) {
		calls++
		pc.Set("aws:SourceIp", "192.0.2.7")
	})
	if calls != 0 {
		t.Fatal("the context was filled before a check needed it")
	}
	for range 2 {
		pc := c.RequestContext()
		if v, ok := pc.Get("aws:sourceip"); !ok || len(v) != 1 || v[0] != "192.0.2.7" {
			t.Fatalf("context: %v %v", v, ok)
		}
	}
	if calls != 1 {
		t.Fatalf("filled %d times", calls)
	}
}

// TestSameDocumentOwnIDs checks that users with inline policies of the
// same text, which share one compilation, are each told of their own
// policy in decisions.
func TestSameDocumentOwnIDs(t *testing.T) {
	ctx := context.Background()
	_, az, st := newAuthorizer(t)
	doc := `{"Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}, {"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"}]}`
	var callers []*Caller
	for i, name := range []string{"alice", "bob"} {
		u := store.User{ID: fmt.Sprintf("AIDAEXAMPLEEXAMPLE0%d", i), Name: name, Path: "/", ARN: "arn:aws:iam::123456789012:user/" + name}
		err := st.Update(ctx, func(tx store.Tx) error {
			if err := store.PutJSON(ctx, tx, acct, store.UserKey(name), &u); err != nil {
				return err
			}
			return store.PutJSON(ctx, tx, acct, store.InlineKey(store.KindUser, u.ID, "p-"+name), store.InlinePolicy{Name: "p-" + name, Document: doc})
		})
		if err != nil {
			t.Fatal(err)
		}
		callers = append(callers, &Caller{Principal: policy.Principal{ARN: u.ARN, Account: acct, Type: policy.User, Username: name, UserID: u.ID}})
	}
	for round := range 2 { // compiled, then from the caches
		for i, c := range callers {
			for _, action := range []string{"iam:ListUsers", "iam:ListRoles"} {
				d, err := az.Authorize(ctx, c, Check{Action: action, Resource: "*"})
				if err != nil {
					t.Fatal(err)
				}
				st := d.Statements()
				if len(st) != 1 || !strings.HasSuffix(st[0].PolicyID, "/inline/p-"+c.Principal.Username) {
					t.Errorf("round %d, caller %d, %s: %v (%v), want the caller's own policy", round, i, action, st, d.Outcome)
				}
			}
		}
	}
}

// TestTraceCheckContexts: a traced check that adds keys of its own is
// evaluated and recorded with the caller's keys and its own, in the
// trace's storage, which a released trace hands to the next request's;
// the caller's context is left as it was; a third such check of one
// request gets a context of its own.
func TestTraceCheckContexts(t *testing.T) {
	ctx := context.Background()
	_, az, st := newAuthorizer(t)
	u := store.User{ID: "AIDAEXAMPLEEXAMPLE02", Name: "bob", Path: "/", ARN: "arn:aws:iam::123456789012:user/bob"}
	err := st.Update(ctx, func(tx store.Tx) error {
		if err := store.PutJSON(ctx, tx, acct, store.UserKey("bob"), &u); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, acct, store.InlineKey(store.KindUser, u.ID, "p"), store.InlinePolicy{Name: "p", Document: `{"Version": "2012-10-17", "Statement": {
			"Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "*",
			"Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}", "aws:SourceIp": "192.0.2.7"}}}}`})
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &Caller{Principal: policy.Principal{ARN: u.ARN, Account: acct, Type: policy.User, Username: "bob", UserID: u.ID,
		Tags: []policy.Tag{{Key: "team", Value: "live"}}}}
	c.Context.Set("aws:SourceIp", "192.0.2.7")
	tagged := func(team string) func(*policy.Context) {
		return func(pc *policy.Context) { pc.Set("aws:ResourceTag/team", team) }
	}
	var tr Trace
	for request := range 2 {
		tctx := WithTrace(ctx, &tr)
		for i, team := range []string{"live", "other", "live"} {
			d, err := az.Authorize(tctx, c, Check{Action: "ivs:GetChannel", Resource: "*", Context: tagged(team)})
			if err != nil {
				t.Fatal(err)
			}
			if want := team == "live"; d.Allowed() != want {
				t.Fatalf("request %d, check %d (team %s): allowed %v", request, i, team, d.Allowed())
			}
		}
		checks := tr.Checks()
		if len(checks) != 3 {
			t.Fatalf("%d checks traced", len(checks))
		}
		for i, team := range []string{"live", "other", "live"} {
			v, _ := checks[i].Context.Get("aws:ResourceTag/team")
			ip, _ := checks[i].Context.Get("aws:SourceIp")
			if len(v) != 1 || v[0] != team || len(ip) != 1 {
				t.Fatalf("check %d recorded %v, %v", i, v, ip)
			}
		}
		if checks[0].Context != &tr.ctxs[0] || checks[1].Context != &tr.ctxs[1] || checks[2].Context == &tr.ctxs[0] || checks[2].Context == &tr.ctxs[1] {
			t.Fatal("the checks' contexts are not the trace's two and one of their own")
		}
		if _, ok := c.Context.Get("aws:ResourceTag/team"); ok || c.Context.Len() != 1 {
			t.Fatal("a check's key went into the caller's context")
		}
		s := tr.Release()
		tr = Trace{}
		tr.Reuse(s)
	}
	// A traced check allocates no context once the storage is there; an
	// untraced one allocates its copy.
	live := tagged("live")
	traced := testing.AllocsPerRun(100, func() {
		if _, err := az.Authorize(WithTrace(ctx, &tr), c, Check{Action: "ivs:GetChannel", Resource: "*", Context: live}); err != nil {
			t.Fatal(err)
		}
		s := tr.Release()
		tr = Trace{}
		tr.Reuse(s)
	})
	untraced := testing.AllocsPerRun(100, func() {
		if _, err := az.Authorize(ctx, c, Check{Action: "ivs:GetChannel", Resource: "*", Context: live}); err != nil {
			t.Fatal(err)
		}
	})
	if traced >= untraced {
		t.Fatalf("a traced check allocates %v times, an untraced one %v", traced, untraced)
	}
}
