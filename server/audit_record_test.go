package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/protocol/restjson"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// TestCompactRecordMakesTheSameEvent: the event expanded from an
// exchange's compact record is, byte for byte, the event built from the
// exchange itself (directEvent, the builder the record replaced), for
// callers of every kind, parameters of every protocol, errors, denials,
// responses with secrets and TLS; and no secret is in the record.
func TestCompactRecordMakesTheSameEvent(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	az := authz.New(st)
	const acct = "123456789012"
	root := &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:iam::" + acct + ":root", Account: acct, Type: policy.Root, UserID: acct}, AccessKeyID: "AKIAROOT"}
	root.Context.Set("aws:SourceIp", "10.0.0.1")
	root.Context.Set("aws:CurrentTime", "2025-01-02T03:04:05Z")
	resPol, err := policy.ParseCompiled("arn:aws:iam::"+acct+":role/r", []byte(`{"Version":"2012-10-17","Statement":[
		{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":"iam:DeleteUser","Resource":"*"},
		{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"iam:Get*","Resource":"*"}]}`), policy.KindResource)
	if err != nil {
		t.Fatal(err)
	}
	trace := func(t *testing.T, checks ...authz.Check) *authz.Trace {
		tr := &authz.Trace{}
		tctx := authz.WithTrace(ctx, tr)
		for _, c := range checks {
			if _, err := az.Authorize(tctx, root, c); err != nil {
				t.Fatal(err)
			}
		}
		return tr
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
	cases := []struct {
		name string
		ex   *exchange
	}{
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
		{"sts", &exchange{Service: "sts", Operation: "GetCallerIdentity", Caller: user, Params: url.Values{},
			Result: struct{ Arn, Account string }{"arn", acct}}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
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
