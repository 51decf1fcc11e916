package policy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

const (
	acct    = "123456789012"
	channel = "arn:aws:ivs:us-west-2:123456789012:channel/VgNkEJgOVX9N"
)

func mustCompile(t testing.TB, id string, kind Kind, doc string) *Compiled {
	t.Helper()
	c, err := ParseCompiled(id, []byte(doc), kind)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return c
}

func alice() *Principal {
	return &Principal{ARN: "arn:aws:iam::123456789012:user/alice", Account: acct, Type: User, Username: "alice", UserID: "AIDAALICE"}
}

func roleSession() *Principal {
	return &Principal{ARN: "arn:aws:sts::123456789012:assumed-role/StreamOps/s1", Account: acct, Type: AssumedRole,
		UserID: "AROAEXAMPLE:s1", RoleARN: "arn:aws:iam::123456789012:role/ops/StreamOps"}
}

func TestDecisionExplains(t *testing.T) {
	ident := `{"Version": "2012-10-17", "Statement": [
		{"Sid": "Read", "Effect": "Allow", "Action": "ivs:Get*", "Resource": "*"},
		{"Sid": "NoStop", "Effect": "Deny", "Action": "ivs:StopStream", "Resource": "*"},
		{"Sid": "Ops", "Effect": "Allow", "Action": ["ivs:StopStream", "ivs:UpdateChannel", "ivs:DeleteChannel"], "Resource": "*"}]}`
	boundary := `{"Statement": [{"Sid": "Bound", "Effect": "Allow", "Action": ["ivs:Get*", "ivs:UpdateChannel"], "Resource": "*"}]}`
	session := `{"Statement": [{"Sid": "Sess", "Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "*"}]}`
	set := NewSet(Policies{
		Identity: []*Compiled{mustCompile(t, "role-policy", KindIdentity, ident)},
		Boundary: mustCompile(t, "boundary", KindIdentity, boundary),
		Session:  []*Compiled{mustCompile(t, "session", KindIdentity, session)},
	})
	tests := []struct {
		action  string
		outcome Outcome
		missing Source
		refs    []StatementRef
	}{
		{"ivs:GetChannel", Allow, 0, []StatementRef{
			{SourceIdentity, "role-policy", "Read", 0}, {SourceBoundary, "boundary", "Bound", 0}, {SourceSession, "session", "Sess", 0}}},
		{"ivs:StopStream", ExplicitDeny, 0, []StatementRef{{SourceIdentity, "role-policy", "NoStop", 1}}},
		{"ivs:GetStream", ImplicitDeny, SourceSession, nil},
		{"ivs:UpdateChannel", ImplicitDeny, SourceSession, nil},
		{"ivs:DeleteChannel", ImplicitDeny, SourceBoundary, nil},
		{"ivs:ListChannels", ImplicitDeny, SourceIdentity, nil},
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			d := set.Evaluate(&Request{Principal: roleSession(), Action: tc.action, Resource: channel}, nil)
			if d.Outcome != tc.outcome || d.Missing != tc.missing {
				t.Fatalf("got %v (missing %v), want %v (missing %v)", d.Outcome, d.Missing, tc.outcome, tc.missing)
			}
			got := d.Statements()
			if len(got) != len(tc.refs) {
				t.Fatalf("statements = %+v, want %+v", got, tc.refs)
			}
			for i := range got {
				if got[i] != tc.refs[i] {
					t.Errorf("statement %d = %+v, want %+v", i, got[i], tc.refs[i])
				}
			}
		})
	}
}

func TestEvaluateResourcePolicies(t *testing.T) {
	rp := func(principal string) *Compiled {
		return mustCompile(t, "channel-policy", KindResource, `{"Statement": [{"Sid": "Share", "Effect": "Allow", "Principal": {"AWS": "`+
			principal+`"}, "Action": "ivs:GetChannel", "Resource": "`+channel+`"}]}`)
	}
	bob := &Principal{ARN: "arn:aws:iam::111122223333:user/bob", Account: "111122223333", Type: User, Username: "bob"}
	bobRoot := &Principal{ARN: "arn:aws:iam::111122223333:root", Account: "111122223333", Type: Root}
	allowAll := []*Compiled{mustCompile(t, "all", KindIdentity, `{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`)}
	tests := []struct {
		name     string
		p        *Principal
		identity []*Compiled
		resource *Compiled
		want     Outcome
		missing  Source
	}{
		{"same account, names user", alice(), nil, rp("arn:aws:iam::123456789012:user/alice"), Allow, 0},
		{"same account, names account", alice(), nil, rp("123456789012"), ImplicitDeny, SourceIdentity},
		{"same account, names role path", roleSession(), nil, rp("arn:aws:iam::123456789012:role/ops/StreamOps"), Allow, 0},
		{"same account, names session", roleSession(), nil, rp("arn:aws:sts::123456789012:assumed-role/StreamOps/s1"), Allow, 0},
		{"cross account, no resource policy", bob, allowAll, nil, ImplicitDeny, SourceResource},
		{"cross account, names other", bob, allowAll, rp("444455556666"), ImplicitDeny, SourceResource},
		{"cross account, names account", bob, allowAll, rp("111122223333"), Allow, 0},
		{"cross account, no identity allow", bob, nil, rp("arn:aws:iam::111122223333:user/bob"), ImplicitDeny, SourceIdentity},
		{"root, own account", &Principal{ARN: "arn:aws:iam::123456789012:root", Account: acct, Type: Root}, nil, nil, Allow, 0},
		{"root, other account named", bobRoot, nil, rp("arn:aws:iam::111122223333:root"), Allow, 0},
		{"root, other account not named", bobRoot, nil, rp("444455556666"), ImplicitDeny, SourceResource},
		{"anyone", bob, allowAll, rp("*"), Allow, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Evaluate(&Request{Principal: tc.p, Action: "ivs:GetChannel", Resource: channel}, Policies{Identity: tc.identity}, tc.resource)
			if d.Outcome != tc.want || d.Missing != tc.missing {
				t.Fatalf("got %v (missing %v), want %v (missing %v)", d.Outcome, d.Missing, tc.want, tc.missing)
			}
		})
	}
}

func TestEvaluateContextAndResourceAccount(t *testing.T) {
	pol := []*Compiled{mustCompile(t, "p", KindIdentity, `{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media-${aws:username}/*"},
		{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*", "Condition": {"StringEquals": {"aws:username": "override"}}}]}`)}
	req := &Request{Principal: alice(), Action: "s3:GetObject", Resource: "arn:aws:s3:::media-alice/clip.mp4"}
	if d := Evaluate(req, Policies{Identity: pol}, nil); d.Outcome != Allow {
		t.Errorf("ARN without account counts as same account: got %v", d.Outcome)
	}
	req.ResourceAccount = "111122223333"
	if d := Evaluate(req, Policies{Identity: pol}, nil); d.Outcome != ImplicitDeny || d.Missing != SourceResource {
		t.Errorf("resource of another account without resource policy: got %v %v", d.Outcome, d.Missing)
	}
	ctx := &Context{}
	ctx.Set("AWS:UserName", "override")
	req = &Request{Principal: alice(), Action: "IAM:getuser", Resource: "*", Context: ctx}
	if d := Evaluate(req, Policies{Identity: pol}, nil); d.Outcome != Allow {
		t.Errorf("a context key overrides the derived one: got %v", d.Outcome)
	}
	if d := Evaluate(&Request{Action: "iam:GetUser", Resource: "*"}, Policies{Identity: pol}, nil); d.Outcome != ImplicitDeny {
		t.Errorf("no principal: got %v", d.Outcome)
	}
}

func TestEvaluateIsZeroAllocAndConcurrent(t *testing.T) {
	set := NewSet(Policies{Identity: []*Compiled{mustCompile(t, "tags", KindIdentity, `{"Version": "2012-10-17", "Statement": [
		{"Sid": "ListWidgetsInConsole", "Effect": "Allow", "Action": "ivs:ListChannels", "Resource": "arn:aws:ivs:*:*:channel/*"},
		{"Sid": "ViewChannelIfOwner", "Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "arn:aws:ivs:*:*:channel/*",
		 "Condition": {"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}}},
		{"Effect": "Allow", "Action": "ivs:GetStream", "Resource": "arn:aws:ivs:*:*:channel/${aws:username}-*",
		 "Condition": {"StringLike": {"aws:RequestTag/x": "${aws:username}*"}, "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/${aws:username}"}}}]}`)}})
	ctx := &Context{}
	ctx.Set("aws:ResourceTag/owner", "alice")
	ctx.Set("aws:RequestTag/x", "alice-1")
	reqs := []*Request{
		{Principal: alice(), Action: "ivs:GetChannel", Resource: channel, Context: ctx},
		{Principal: alice(), Action: "ivs:GetStream", Resource: "arn:aws:ivs:us-west-2:123456789012:channel/alice-x", Context: ctx},
	}
	for _, req := range reqs {
		if d := set.Evaluate(req, nil); d.Outcome != Allow {
			t.Fatalf("%s: got %v", req.Action, d.Outcome)
		}
		if n := testing.AllocsPerRun(100, func() { set.Evaluate(req, nil) }); n != 0 {
			t.Errorf("%s: %v allocations per evaluation, want 0", req.Action, n)
		}
		// A request built for each call must not escape to the heap.
		if n := testing.AllocsPerRun(100, func() {
			r := Request{Principal: req.Principal, Action: req.Action, Resource: req.Resource, Context: req.Context}
			set.Evaluate(&r, nil)
		}); n != 0 {
			t.Errorf("%s: %v allocations per evaluation of a fresh request, want 0", req.Action, n)
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if d := set.Evaluate(reqs[i%2], nil); d.Outcome != Allow {
					t.Errorf("concurrent evaluation: got %v", d.Outcome)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func bob() *Principal {
	return &Principal{ARN: "arn:aws:iam::123456789012:user/bob", Account: acct, Type: User, Username: "bob"}
}

// randomPolicy makes an identity policy of 1 to maxStmts statements of
// the given action and resource elements and conditions, one in denyOdds
// a Deny and one in eight with NotAction or NotResource.
func randomPolicy(rng *rand.Rand, maxStmts, denyOdds int, actionPats, resourcePats, conds []string) string {
	var stmts []string
	for s := 0; s < 1+rng.IntN(maxStmts); s++ {
		effect := "Allow"
		if rng.IntN(denyOdds) == 0 {
			effect = "Deny"
		}
		act, res := "Action", "Resource"
		if rng.IntN(8) == 0 {
			act = "NotAction"
		}
		if rng.IntN(8) == 0 {
			res = "NotResource"
		}
		stmts = append(stmts, fmt.Sprintf(`{"Sid": "s%d", "Effect": "%s", "%s": %s, "%s": %s%s}`, s, effect, act,
			actionPats[rng.IntN(len(actionPats))], res, resourcePats[rng.IntN(len(resourcePats))], conds[rng.IntN(len(conds))]))
	}
	return `{"Version": "2012-10-17", "Statement": [` + strings.Join(stmts, ",") + `]}`
}

// randomRequest makes a request of one of the actions on one of the
// resources by one of the principals, with a random resource tag and
// source address, for the tests that compare evaluation paths.
func randomRequest(rng *rand.Rand, actions, resources []string, principals ...*Principal) *Request {
	ctx := &Context{}
	if rng.IntN(2) == 0 {
		ctx.Set("aws:ResourceTag/team", "red")
	}
	ctx.Set("aws:SourceIp", []string{"10.1.2.3", "192.0.2.1"}[rng.IntN(2)])
	return &Request{Principal: principals[rng.IntN(len(principals))], Action: actions[rng.IntN(len(actions))],
		Resource: resources[rng.IntN(len(resources))], Context: ctx}
}

// TestMemoAgreesWithFreshSets checks the per-Set memos (by action, then by
// resource) against fresh sets, which have none, on many random requests.
func TestMemoAgreesWithFreshSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	actions := []string{"ivs:GetChannel", "ivs:PutMetadata", "IVS:getchannel", "ivs:StopStream", "iam:GetUser", "s3:GetObject"}
	resources := []string{channel, "arn:aws:ivs:us-west-2:123456789012:channel/abc", "arn:aws:ivs:eu-west-1:111122223333:channel/x",
		"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/bob", "*", "arn:aws:s3:::b/k"}
	actionPats := []string{`"ivs:*"`, `"ivs:Get*"`, `"ivs:PutMetadata"`, `"*"`, `"iam:GetUser"`, `["s3:*", "ivs:Stop*"]`, `"ivs:?etChannel"`}
	resourcePats := []string{`"*"`, `"arn:aws:ivs:*:*:channel/*"`, `"` + channel + `"`, `"arn:aws:iam::*:user/${aws:username}"`,
		`"arn:aws:ivs:us-*"`, `"arn:aws:s3:::b/*"`, `"arn:aws:ivs:*:123456789012:channel/a*"`}
	conds := []string{``, `, "Condition": {"StringEquals": {"aws:ResourceTag/team": "red"}}`, `, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}`}
	for round := 0; round < 20; round++ {
		var docs []string
		for p := 0; p < 3; p++ {
			var stmts []string
			for s := 0; s < 10; s++ {
				effect := "Allow"
				if rng.IntN(8) == 0 {
					effect = "Deny"
				}
				stmts = append(stmts, `{"Effect": "`+effect+`", "Action": `+actionPats[rng.IntN(len(actionPats))]+
					`, "Resource": `+resourcePats[rng.IntN(len(resourcePats))]+conds[rng.IntN(len(conds))]+`}`)
			}
			docs = append(docs, `{"Version": "2012-10-17", "Statement": [`+strings.Join(stmts, ",")+`]}`)
		}
		var pols []*Compiled
		for i, d := range docs {
			pols = append(pols, mustCompile(t, fmt.Sprint("p", i), KindIdentity, d))
		}
		memo := NewSet(Policies{Identity: pols})
		for i := 0; i < 200; i++ {
			req := randomRequest(rng, actions, resources, alice(), alice(), bob())
			got := memo.Evaluate(req, nil)
			want := NewSet(Policies{Identity: pols}).Evaluate(req, nil)
			if got.Outcome != want.Outcome || got.Missing != want.Missing || fmt.Sprint(got.Statements()) != fmt.Sprint(want.Statements()) {
				t.Fatalf("round %d request %+v: memo %+v, fresh %+v\npolicies: %s", round, req, got, want, docs)
			}
		}
	}
}

// TestLongActionsUseTheIndexes: an action longer than the memo key buffer
// is matched by scanning the indexes, with the same answers.
func TestLongActionsUseTheIndexes(t *testing.T) {
	long := "svc:" + strings.Repeat("A", 200)
	var stmts []string
	for i := 0; i < 12; i++ { // more than smallIndex statements: maps, not a scan
		stmts = append(stmts, fmt.Sprintf(`{"Effect": "Allow", "Action": "other%d:Get", "Resource": "*"}`, i))
	}
	stmts = append(stmts, `{"Sid": "Wild", "Effect": "Allow", "Action": "svc:a*", "Resource": "*"}`,
		`{"Sid": "No", "Effect": "Deny", "Action": "svc:`+strings.Repeat("a", 200)+`", "Resource": "arn:aws:svc:::denied"}`)
	// Without a flat program, which would make the indexes moot.
	set := newSet(Policies{Identity: []*Compiled{mustCompile(t, "p", KindIdentity, `{"Statement": [`+strings.Join(stmts, ",")+`]}`)}}, false)
	if d := set.Evaluate(&Request{Principal: alice(), Action: long, Resource: "arn:aws:svc:::ok"}, nil); d.Outcome != Allow || d.Statements()[0].Sid != "Wild" {
		t.Fatalf("long action allowed by a wildcard: %+v", d)
	}
	if d := set.Evaluate(&Request{Principal: alice(), Action: long, Resource: "arn:aws:svc:::denied"}, nil); d.Outcome != ExplicitDeny {
		t.Fatalf("long action denied exactly: %+v", d)
	}
	if d := set.Evaluate(&Request{Principal: alice(), Action: "svc:" + strings.Repeat("b", 200), Resource: "*"}, nil); d.Outcome != ImplicitDeny {
		t.Fatalf("long action matching nothing: %+v", d)
	}
}

// TestFlatAgreesWithIndexes checks flat programs (small sets) against the
// indexes and memos of the same policies, on random policies that use
// every kind of action and resource pattern, and random requests.
func TestFlatAgreesWithIndexes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	actions := []string{"ivs:GetChannel", "IVS:getchannel", "ivs:PutMetadata", "ivs:StopStream", "iam:GetUser", "s3:GetObject",
		"ivs:ListChannels", "sts:AssumeRole", "ec2:Describe"}
	resources := []string{channel, "arn:aws:ivs:us-west-2:123456789012:channel/abc", "arn:aws:ivs:eu-west-1:111122223333:channel/x",
		"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/bob", "*", "arn:aws:s3:::b/k", "not-an-arn",
		"arn:aws:ivs:us-west-2:123456789012:stream-key/k1", "arn:aws:ivs", ""}
	actionPats := []string{`"ivs:*"`, `"ivs:Get*"`, `"ivs:PutMetadata"`, `"*"`, `"iam:GetUser"`, `["s3:*", "ivs:Stop*"]`,
		`"ivs:?etChannel"`, `"*:Get*"`, `"i?s:*Channel"`, `["ivs:*Stream", "sts:AssumeRole"]`, `"ivs:list*"`}
	resourcePats := []string{`"*"`, `"arn:aws:ivs:*:*:channel/*"`, `"` + channel + `"`, `"arn:aws:iam::*:user/${aws:username}"`,
		`"arn:aws:ivs:us-*"`, `"arn:aws:s3:::b/*"`, `"arn:aws:ivs:*:123456789012:channel/a*"`, `"arn:aws:ivs:us-west-?:*:channel/*c"`,
		`["arn:aws:iam::123456789012:user/bob", "arn:aws:ivs:*:*:stream-key/*"]`, `"arn:aws:*:*:*:*"`, `"arn:aws:ivs:*"`, `"arn:aws:iam::123456789012:*"`}
	conds := []string{``, ``, `, "Condition": {"StringEquals": {"aws:ResourceTag/team": "red"}}`, `, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}`}
	// Resource policies: none, one naming alice (which makes identity
	// policies moot within the account), one naming the account, one
	// denying bob.
	resourcePols := []*Compiled{nil,
		mustCompile(t, "rp-alice", KindResource, `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"}, "Action": "*", "Resource": "*"}]}`),
		mustCompile(t, "rp-account", KindResource, `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "ivs:*", "Resource": "*"}]}`),
		mustCompile(t, "rp-role", KindResource, `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/ops/StreamOps"}, "Action": "*", "Resource": "*"}]}`),
		mustCompile(t, "rp-deny", KindResource, `{"Statement": [{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::123456789012:user/bob"}, "Action": "*", "Resource": "*"}]}`)}
	flats := 0
	for round := 0; round < 200; round++ {
		var pols []*Compiled
		var docs []string
		for p := 0; p < 1+rng.IntN(2); p++ {
			doc := randomPolicy(rng, 7, 6, actionPats, resourcePats, conds)
			docs = append(docs, doc)
			pols = append(pols, mustCompile(t, fmt.Sprint("p", p), KindIdentity, doc))
		}
		flat, indexed := newSet(Policies{Identity: pols}, true), newSet(Policies{Identity: pols}, false)
		if flat.flatLen == 0 {
			continue // a program too long to be flat
		}
		flats++
		for i := 0; i < 100; i++ {
			req := randomRequest(rng, actions, resources, alice(), alice(), roleSession(), bob())
			rp := resourcePols[rng.IntN(len(resourcePols))]
			got, want := flat.Evaluate(req, rp), indexed.Evaluate(req, rp)
			if got.Outcome != want.Outcome || got.Missing != want.Missing || fmt.Sprint(got.Statements()) != fmt.Sprint(want.Statements()) {
				t.Fatalf("round %d request %+v: flat %+v, indexed %+v\npolicies: %s", round, req, got, want, docs)
			}
		}
	}
	if flats < 100 {
		t.Errorf("only %d of 200 random sets had a flat program", flats)
	}
}

// TestFlatLimits: sets beyond the flat limits use the indexes.
func TestFlatLimits(t *testing.T) {
	var stmts []string
	for i := 0; i <= maxFlatStatements; i++ {
		stmts = append(stmts, fmt.Sprintf(`{"Effect": "Allow", "Action": "svc%d:Get", "Resource": "*"}`, i))
	}
	big := mustCompile(t, "big", KindIdentity, `{"Statement": [`+strings.Join(stmts, ",")+`]}`)
	if s := NewSet(Policies{Identity: []*Compiled{big}}); s.flatLen != 0 {
		t.Errorf("%d statements made a flat program", len(stmts))
	}
	small := mustCompile(t, "small", KindIdentity, `{"Statement": [`+strings.Join(stmts[:3], ",")+`]}`)
	if s := NewSet(Policies{Identity: []*Compiled{small}}); s.flatLen == 0 {
		t.Errorf("3 statements made no flat program")
	}
}

// TestSetLayout: a decision on a small Set reads its first 64 bytes and
// then its inline program; the Set's size is a multiple of 64 so that the
// allocator aligns them to cache lines.
func TestSetLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("layout is tuned for 64-bit platforms")
	}
	var s Set
	if size, buf := unsafe.Sizeof(s), unsafe.Offsetof(s.flatBuf); size%64 != 0 || buf != 64 {
		t.Errorf("Set is %d bytes with flatBuf at %d; want a multiple of 64 with flatBuf at 64 (resize maxFlatBytes or flatSlotText)", size, buf)
	}
}

// TestSharedStatementsKeepTheirPolicyIDs checks that policies sharing one
// compilation (WithID) are each named in decisions and explanations by
// their own id, whichever way the set evaluates: a flat program, the
// action memo of a large set, the indexes; as identity, boundary, session
// and resource policies. Of two policies of one text in a set, the first
// is named.
func TestSharedStatementsKeepTheirPolicyIDs(t *testing.T) {
	doc := `{"Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "*"},
		{"Sid": "NoDelete", "Effect": "Deny", "Action": "ivs:DeleteChannel", "Resource": "*"}]}`
	orig := mustCompile(t, "first", KindIdentity, doc)
	second := orig.WithID("second")
	if second.ID != "second" || orig.ID != "first" || second.Kind() != KindIdentity {
		t.Fatalf("WithID: %q %q %v", orig.ID, second.ID, second.Kind())
	}
	var filler []*Compiled // enough statements for a set without a flat program
	for i := range 20 {
		filler = append(filler, mustCompile(t, fmt.Sprintf("filler%d", i), KindIdentity,
			fmt.Sprintf(`{"Statement": {"Effect": "Allow", "Action": "svc%d:Get", "Resource": "*"}}`, i)))
	}
	rp := mustCompile(t, "channel-a", KindResource, `{"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"},
		"Action": "ivs:GetChannel", "Resource": "*"}}`)
	get := &Request{Principal: alice(), Action: "ivs:GetChannel", Resource: channel}
	del := &Request{Principal: alice(), Action: "ivs:DeleteChannel", Resource: channel}
	long := &Request{Principal: alice(), Action: "ivs:" + strings.Repeat("x", 200), Resource: channel}
	tests := []struct {
		name     string
		set      *Set
		req      *Request
		resource *Compiled
		want     []StatementRef
	}{
		{"flat", NewSet(Policies{Identity: []*Compiled{second}}), get, nil,
			[]StatementRef{{SourceIdentity, "second", "Read", 0}}},
		{"flat deny", NewSet(Policies{Identity: []*Compiled{second}}), del, nil,
			[]StatementRef{{SourceIdentity, "second", "NoDelete", 1}}},
		{"indexes", newSet(Policies{Identity: []*Compiled{second}}, false), del, nil,
			[]StatementRef{{SourceIdentity, "second", "NoDelete", 1}}},
		{"memo of a large set", NewSet(Policies{Identity: append(filler[:20:20], second)}), get, nil,
			[]StatementRef{{SourceIdentity, "second", "Read", 0}}},
		{"the first of two", NewSet(Policies{Identity: []*Compiled{second, orig}}), get, nil,
			[]StatementRef{{SourceIdentity, "second", "Read", 0}}},
		{"boundary and session", NewSet(Policies{Identity: []*Compiled{orig}, Boundary: orig.WithID("boundary"),
			Session: []*Compiled{filler[0], orig.WithID("session")}}), get, nil,
			[]StatementRef{{SourceIdentity, "first", "Read", 0}, {SourceBoundary, "boundary", "Read", 0}, {SourceSession, "session", "Read", 0}}},
		{"session deny", NewSet(Policies{Identity: []*Compiled{filler[1]}, Session: []*Compiled{orig.WithID("session")}}), del, nil,
			[]StatementRef{{SourceSession, "session", "NoDelete", 1}}},
		{"resource", NewSet(Policies{}), get, rp.WithID("channel-b"),
			[]StatementRef{{SourceResource, "channel-b", "", 0}}},
		{"long action", NewSet(Policies{Identity: append(filler[:20:20], mustCompile(t, "wild", KindIdentity,
			`{"Statement": {"Effect": "Deny", "Action": "ivs:*", "Resource": "*"}}`).WithID("wild2"))}), long, nil,
			[]StatementRef{{SourceIdentity, "wild2", "", 0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.set.Evaluate(tc.req, tc.resource)
			if got := d.Statements(); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("decision: %v, want %v", got, tc.want)
			}
			var got []StatementRef
			for _, m := range tc.set.Explain(tc.req, tc.resource).Matched {
				got = append(got, m.StatementRef)
			}
			if !slices.ContainsFunc(got, func(r StatementRef) bool { return r == tc.want[0] }) {
				t.Errorf("explanation: %v, want it to hold %v", got, tc.want[0])
			}
		})
	}
}
