package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/protocol/restjson"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// recordCase is an exchange of TestCompactRecordMakesTheSameEvent.
type recordCase struct {
	name string
	ex   *exchange
}

// compactRecordCases are exchanges of callers of every kind, parameters
// of every protocol, errors, denials, responses with secrets, TLS, and
// checks with policies of every source and a request context with keys
// of every form; each with its time, request id and HTTP request.
func compactRecordCases(t testing.TB) []recordCase {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	az := authz.New(st)
	const acct = "123456789012"
	// A user with inline policies of its own and of a group, a managed
	// policy and a permissions boundary.
	doc := func(effect, action string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"` + effect + `","Action":"` + action + `","Resource":"*"}]}`
	}
	managedARN := "arn:aws:iam::" + acct + ":policy/team/ops-0001"
	boundaryARN := "arn:aws:iam::aws:policy/IVSFullAccess"
	err = st.Update(ctx, func(tx store.Tx) error {
		puts := []struct {
			key string
			v   any
		}{
			{store.UserKey("bob"), &store.User{Name: "bob", ID: "AIDABOB", ARN: "arn:aws:iam::" + acct + ":user/bob", Boundary: boundaryARN}},
			{store.InlineKey(store.KindUser, "AIDABOB", "ivs-read"), &store.InlinePolicy{Name: "ivs-read", Document: doc("Allow", "ivs:Get*")}},
			{store.InlineKey(store.KindUser, "AIDABOB", "ivs-list"), &store.InlinePolicy{Name: "ivs-list", Document: doc("Allow", "ivs:List*")}},
			{store.InlineKey(store.KindUser, "AIDABOB", "no-delete"), &store.InlinePolicy{Name: "no-delete", Document: doc("Deny", "ivs:Delete*")}},
			{store.GroupsOfPrefix("AIDABOB") + "AGPAOPS", nil},
			{store.InlineKey(store.KindGroup, "AGPAOPS", "ops"), &store.InlinePolicy{Name: "ops", Document: doc("Allow", "ivs:*")}},
			// Attachments of policies that are not stored: each grants nothing.
			{store.AttachKey(store.KindUser, "AIDABOB", managedARN), &store.Attachment{PolicyARN: managedARN}},
			{store.AttachKey(store.KindUser, "AIDABOB", "arn:aws:iam::"+acct+":policy/team/ops-0002"), &store.Attachment{PolicyARN: "arn:aws:iam::" + acct + ":policy/team/ops-0002"}},
		}
		for _, p := range puts {
			var err error
			if p.v == nil {
				err = tx.Put(ctx, acct, p.key, nil)
			} else {
				err = store.PutJSON(ctx, tx, acct, p.key, p.v)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	root := &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:iam::" + acct + ":root", Account: acct, Type: policy.Root, UserID: acct}, AccessKeyID: "AKIAROOT"}
	root.Context.Set("aws:SourceIp", "10.0.0.1")
	root.Context.Set("aws:CurrentTime", "2025-01-02T03:04:05Z")
	resPol, err := policy.ParseCompiled("arn:aws:iam::"+acct+":role/r", []byte(`{"Version":"2012-10-17","Statement":[
		{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":"iam:DeleteUser","Resource":"*"},
		{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"iam:Get*","Resource":"*"}]}`), policy.KindResource)
	if err != nil {
		t.Fatal(err)
	}
	traceAs := func(t testing.TB, caller *authz.Caller, checks ...authz.Check) *authz.Trace {
		tr := &authz.Trace{}
		tctx := authz.WithTrace(ctx, tr)
		for _, c := range checks {
			if _, err := az.Authorize(tctx, caller, c); err != nil {
				t.Fatal(err)
			}
		}
		return tr
	}
	trace := func(t testing.TB, checks ...authz.Check) *authz.Trace { return traceAs(t, root, checks...) }
	bob := &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:iam::" + acct + ":user/bob", Account: acct, Type: policy.User,
		Username: "bob", UserID: "AIDABOB", Tags: []policy.Tag{{Key: "team", Value: "t1"}}}, AccessKeyID: "AKIABOB", Region: "us-west-2"}
	for k, v := range map[string]string{"aws:CurrentTime": "2025-01-02T03:04:05Z", "aws:EpochTime": "1735787045",
		"aws:SecureTransport": "false", "aws:RequestedRegion": "us-west-2", "aws:SourceIp": "127.0.0.1"} {
		bob.Context.Set(k, v)
	}
	channel := "arn:aws:ivs:us-west-2:" + acct + ":channel/abc"
	resourceTags := func(pc *policy.Context) {
		pc.Set("aws:ResourceTag/env", "dev")
		pc.Set("aws:ResourceTag/team", "t1")
		pc.Set("ivs:Custom", "literal key")
		pc.SetMulti("aws:TagKeys", []string{"env", "team"})
	}
	tags := func(pc *policy.Context) {
		pc.Set("aws:RequestTag/Team", "live")
		pc.SetMulti("aws:TagKeys", []string{"Team", "Env"})
		pc.SetMulti("aws:CalledVia", nil)
	}
	user := &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:iam::" + acct + ":user/dev/alice", Account: acct, Type: policy.User,
		Username: "alice", UserID: "AIDAALICE", Tags: []policy.Tag{{Key: "team", Value: "live"}, {Key: "Cost", Value: "1\"2"}}}, AccessKeyID: "AKIAALICE"}
	issued := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	role := &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:sts::" + acct + ":assumed-role/ops/s1", Account: acct, Type: policy.AssumedRole,
		UserID: "AROAOPS:s1", RoleARN: "arn:aws:iam::" + acct + ":role/team/ops"}, AccessKeyID: "ASIAOPS",
		Session: &authz.Session{ID: "ASIAOPS", IssuedAt: issued, MFA: true, SourceIdentity: "bob"}}
	fed := func(src string) *authz.Caller {
		return &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:sts::" + acct + ":federated-user/fu", Account: acct, Type: policy.FederatedUser,
			UserID: acct + ":fu"}, AccessKeyID: "ASIAFED", Session: &authz.Session{IssuedAt: issued, SourceUserName: src}}
	}
	type result struct {
		UserName  string `xml:"UserName"`
		AccessKey struct {
			AccessKeyID     string    `xml:"AccessKeyId"`
			SecretAccessKey string    `xml:"SecretAccessKey"`
			CreateDate      time.Time `xml:"CreateDate"`
		} `xml:"AccessKey"`
		Count int64 `xml:"Count"`
		Big   int64 `xml:"Big"`
	}
	res := &result{UserName: "alice", Count: 3, Big: 1 << 60}
	res.AccessKey.AccessKeyID, res.AccessKey.SecretAccessKey, res.AccessKey.CreateDate = "AKIANEW", "SECRET-never-recorded", issued
	form := url.Values{"Action": {"CreateAccessKey"}, "Version": {"2010-05-08"}, "UserName": {"alice"},
		"Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"live"}, "Password": {"SECRET-pw"}, "X-Amz-Date": {"x"}}
	cases := []recordCase{
		{"unauthenticated", &exchange{Service: "iam", AccessKeyID: "AKIAWHO", Err: &awserr.Error{Code: "InvalidClientTokenId", Message: "no such key"}}},
		{"no service", &exchange{Err: &awserr.Error{Code: "IncompleteSignature", Message: "?"}}},
		{"root write with secrets", &exchange{Service: "iam", Region: "us-east-1", Operation: "CreateAccessKey", Caller: root, Params: form, Result: res,
			Trace: *trace(t, authz.Check{Action: "iam:CreateAccessKey", Resource: "arn:aws:iam::" + acct + ":user/alice", Context: tags})}},
		{"user read", &exchange{Service: "iam", Operation: "GetUser", Caller: user, Params: url.Values{"UserName": {"alice"}}, Result: res,
			Trace: *trace(t, authz.Check{Action: "iam:GetUser", Resource: "*", ResourcePolicy: resPol})}},
		{"explicit deny", &exchange{Service: "iam", Operation: "DeleteUser", Caller: role, Params: url.Values{"UserName": {"alice"}},
			Err: &awserr.Error{Code: "AccessDenied", Message: "denied"},
			Trace: *trace(t, authz.Check{Action: "iam:GetUser", Resource: "*", ResourcePolicy: resPol},
				authz.Check{Action: "iam:DeleteUser", Resource: "*", ResourcePolicy: resPol, Context: tags})}},
		{"federated by root", &exchange{Service: "ivs", Region: "us-west-2", Operation: "GetChannel", Caller: fed(""),
			Params: &restjson.Request{Body: []byte(`{"arn":"arn:aws:ivs:us-west-2:` + acct + `:channel/x","token":"SECRET-t"}`), Path: map[string]string{"id": "x"}, Query: url.Values{"a": {"1", "2"}, "X-Amz-Foo": {"y"}}}}},
		{"federated by user", &exchange{Service: "ivs", Operation: "CreateChannel", Caller: fed("carol"), Params: []byte(`{"name":"show"}`),
			Result: map[string]any{"streamKey": map[string]any{"value": "SECRET-sk", "arn": "a"}}}},
		{"user with policies", &exchange{Service: "ivs", Region: "us-west-2", Operation: "GetChannel", AccessKeyID: "AKIABOB", Caller: bob,
			Params: &restjson.Request{Body: []byte(`{"arn":"` + channel + `"}`)},
			Trace:  *traceAs(t, bob, authz.Check{Action: "ivs:GetChannel", Resource: channel, Context: resourceTags})}},
		{"user denied by its policy", &exchange{Service: "ivs", Region: "us-west-2", Operation: "DeleteChannel", AccessKeyID: "AKIABOB", Caller: bob,
			Params: &restjson.Request{Body: []byte(`{"arn":"` + channel + `"}`)}, Err: &awserr.Error{Code: "AccessDeniedException", Message: "denied"},
			Trace: *traceAs(t, bob, authz.Check{Action: "ivs:GetChannel", Resource: channel, Context: resourceTags},
				authz.Check{Action: "ivs:DeleteChannel", Resource: channel, Context: resourceTags})}},
		{"sts", &exchange{Service: "sts", Operation: "GetCallerIdentity", Caller: user, Params: url.Values{},
			Result: struct{ Arn, Account string }{"arn", acct}}},
	}
	for i, tc := range cases {
		ex := tc.ex
		ex.Start = issued.Add(time.Duration(i) * time.Hour)
		ex.ID = audit.NewRequestID(ex.Start)
		ex.R = httptest.NewRequest("POST", "/", nil)
		ex.R.RemoteAddr = "[::1]:5000"
		ex.R.Header.Set("User-Agent", "aws-cli/2 \u2028")
		if i%2 == 1 {
			ex.R.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256}
			ex.R.Host = "gatehouse.example:4580"
			ex.R.RemoteAddr = "192.0.2.7:1"
		}
	}
	return cases
}

// TestCompactRecordMakesTheSameEvent: the event expanded from an
// exchange's compact record is, byte for byte, the event built from the
// exchange itself (directEvent, the builder the record replaced), for
// every case of compactRecordCases; and no secret is in the record.
func TestCompactRecordMakesTheSameEvent(t *testing.T) {
	for _, tc := range compactRecordCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			ex := tc.ex
			rec := appendRecord(nil, ex, newEventID())
			if bytes.Contains(rec, []byte("SECRET-never")) {
				t.Errorf("a secret of the response is in the record")
			}
			got, err := expandRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			want := directEvent(ex)
			want.EventID = got.EventID
			if g, w := got.AppendJSON(nil), want.AppendJSON(nil); !bytes.Equal(g, w) {
				t.Errorf("expanded:\n%s\ndirect:\n%s", g, w)
			}
			if j := got.AppendJSON(nil); bytes.Contains(j, []byte("SECRET")) {
				t.Errorf("a secret is in the event: %s", j)
			}
			if len(got.EventID) != 36 || got.EventID[14] != '4' {
				t.Errorf("event id %q", got.EventID)
			}
			again, _ := expandRecord(rec)
			if again.EventID != got.EventID {
				t.Error("the event id differs from one expansion to the next")
			}
			for n := range len(rec) - 1 {
				if _, err := expandRecord(rec[:n]); err == nil {
					t.Fatalf("a record cut to %d of %d bytes expanded", n, len(rec))
				}
			}
		})
	}
}

// TestVersion1RecordsStillExpand: records of version 1, written before
// version 2 by the code of the time for the cases of compactRecordCases
// (testdata/audit-records-v1: each record and the event it expanded to),
// expand to the same events; the stores and journals of earlier releases
// hold such records.
func TestVersion1RecordsStillExpand(t *testing.T) {
	recs, err := filepath.Glob(filepath.Join("testdata", "audit-records-v1", "*.rec"))
	if err != nil || len(recs) < 10 {
		t.Fatalf("%d version 1 records (%v)", len(recs), err)
	}
	for _, path := range recs {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rec, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(path, ".rec") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if rec[0] != recordVersion1 {
				t.Fatalf("version %d", rec[0])
			}
			ev, err := expandRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			if got := append(ev.AppendJSON(nil), '\n'); !bytes.Equal(got, want) {
				t.Errorf("expanded:\n%s\nwhen written:\n%s", got, want)
			}
		})
	}
}

// TestVersion2RecordsAreShorter: the cases whose records version 2
// shortens (an access key id, policy ids, condition keys) are shorter
// than their version 1 records, the user with a dozen policies by a
// quarter at least.
func TestVersion2RecordsAreShorter(t *testing.T) {
	for _, tc := range compactRecordCases(t) {
		name := strings.ReplaceAll(tc.name, " ", "-")
		v1, err := os.ReadFile(filepath.Join("testdata", "audit-records-v1", name+".rec"))
		if err != nil {
			t.Fatal(err)
		}
		v2 := appendRecord(nil, tc.ex, newEventID())
		t.Logf("%s: %d bytes, %d in version 1", tc.name, len(v2), len(v1))
		// The request id differs from one build of the cases to the
		// next by its random part only.
		if len(v2) > len(v1)+2 {
			t.Errorf("%s: version 2 is %d bytes, version 1 %d", tc.name, len(v2), len(v1))
		}
		if (tc.name == "user with policies" || tc.name == "user denied by its policy") && len(v2)*4 > len(v1)*3 {
			t.Errorf("%s: version 2 is %d bytes, not a quarter less than version 1's %d", tc.name, len(v2), len(v1))
		}
	}
}

// FuzzExpandRecord: no stored record, however damaged, makes expansion
// panic; the seeds are records of both versions.
func FuzzExpandRecord(f *testing.F) {
	recs, _ := filepath.Glob(filepath.Join("testdata", "audit-records-v1", "*.rec"))
	for _, path := range recs {
		rec, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rec)
	}
	for _, tc := range compactRecordCases(f) {
		f.Add(appendRecord(nil, tc.ex, newEventID()))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		ev, err := expandRecord(rec)
		if err == nil {
			_ = ev.AppendJSON(nil)
		}
	})
}

// BenchmarkAppendRecord is the request path's share of the audit trail:
// the compact record of an authorized IAM request.
func BenchmarkAppendRecord(b *testing.B) {
	ex := &exchange{ID: audit.NewRequestID(time.Now()), Start: time.Now(), Service: "iam", Operation: "GetUser",
		R: httptest.NewRequest("POST", "/", nil), Params: url.Values{"UserName": {"alice"}, "Action": {"GetUser"}, "Version": {"2010-05-08"}},
		Caller: &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:iam::123456789012:root", Account: "123456789012", Type: policy.Root}}}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRecord(buf[:0], ex, newEventID())
	}
	// A GetChannel of a user with a dozen policies, as in the load
	// benchmark.
	for _, tc := range compactRecordCases(b) {
		if tc.name == "user with policies" {
			b.Run("user-with-policies", func(b *testing.B) {
				var buf []byte
				b.ReportAllocs()
				for b.Loop() {
					buf = appendRecord(buf[:0], tc.ex, newEventID())
				}
				b.ReportMetric(float64(len(buf)), "bytes/record")
			})
		}
	}
	b.Run("expand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := expandRecord(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// directEvent builds the event from the exchange itself, as the server did
// on the request path before the compact record: the reference that
// expandRecord must match.
func directEvent(ex *exchange) *audit.Event {
	var response map[string]any
	if ex.Err == nil && ex.Result != nil && audit.RecordsResponse(ex.Service, ex.Operation) {
		response = audit.Elements(ex.Result)
	}
	var decision *audit.Decision
	if ex.Caller != nil {
		decision = directDecision(ex)
	}
	return auditEvent(ex, response, decision)
}

// directDecision is the decision block of an authenticated exchange.
func directDecision(ex *exchange) *audit.Decision {
	checks := ex.Trace.Checks()
	d := &audit.Decision{Outcome: policy.Allow.String(), Checks: make([]audit.Check, 0, len(checks)),
		Principal: principalOf(&ex.Caller.Principal), PrincipalContext: principalContext(&ex.Caller.Principal)}
	denied := ex.Err != nil && strings.HasPrefix(ex.Err.Code, "AccessDenied")
	for i := range checks {
		c := &checks[i]
		ac := audit.Check{Action: c.Action, Resource: c.Resource, Outcome: c.Decision.Outcome.String(),
			Reason: authz.DenialReason(c.Action, &c.Decision), Policies: []audit.PolicyRef{}, Context: audit.Context{}}
		for _, st := range c.Decision.Statements() {
			ac.Statements = append(ac.Statements, audit.StatementRef{Source: st.Source.String(), PolicyID: st.PolicyID, Sid: st.Sid, Index: st.Index})
		}
		for _, p := range c.Policies.Identity {
			ac.Policies = append(ac.Policies, audit.PolicyRef{Source: policy.SourceIdentity.String(), ID: p.ID})
		}
		if p := c.Policies.Boundary; p != nil {
			ac.Policies = append(ac.Policies, audit.PolicyRef{Source: policy.SourceBoundary.String(), ID: p.ID})
		}
		for _, p := range c.Policies.Session {
			ac.Policies = append(ac.Policies, audit.PolicyRef{Source: policy.SourceSession.String(), ID: p.ID})
		}
		if p := c.ResourcePolicy; p != nil {
			ac.Policies = append(ac.Policies, audit.PolicyRef{Source: policy.SourceResource.String(), ID: p.ID})
		}
		if c.Context != nil {
			c.Context.Each(func(k string, vs []string, multi bool) {
				ac.Context = append(ac.Context, audit.ContextKey{Key: k, Values: vs, Multi: multi})
			})
		}
		if denied && !c.Decision.Allowed() {
			d.Outcome, d.Reason = ac.Outcome, ac.Reason
		}
		d.Checks = append(d.Checks, ac)
	}
	return d
}

// TestContextKeyCodes: contextKeyCode numbers the keys of contextKeys and
// contextKeyPrefixes by their places in those lists.
func TestContextKeyCodes(t *testing.T) {
	for i, k := range contextKeys {
		if code, rest := contextKeyCode(k); code != i+1 || rest != "" {
			t.Errorf("%s: %d %q, want %d", k, code, rest, i+1)
		}
	}
	for i, p := range contextKeyPrefixes {
		if code, rest := contextKeyCode(p + "Team"); code != len(contextKeys)+i+1 || rest != "Team" {
			t.Errorf("%sTeam: %d %q", p, code, rest)
		}
	}
	for _, k := range []string{"aws:SourceVpc", "ivs:Foo", "aws:", "", "aws:currenttime"} {
		if code, rest := contextKeyCode(k); code != 0 || rest != k {
			t.Errorf("%q: %d %q", k, code, rest)
		}
	}
}
