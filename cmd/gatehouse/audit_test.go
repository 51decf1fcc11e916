package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// TestExplainAndAudit: a denied request made to a server is explained by
// `gatehouse explain REQUEST-ID`, and found by `gatehouse audit`.
func TestExplainAndAudit(t *testing.T) {
	const rootID, rootSecret = "AKIAEXPLAINROOT00001", "explain+root+secret+for+tests+only+0000"
	dir := t.TempDir()
	ctx := context.Background()
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: dir, AccountID: "123456789012", Region: "us-west-2", RTMPAddr: "off",
		RootAccessKeyID: rootID, RootSecretAccessKey: rootSecret}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()
	call := func(id, secret, body string) (string, string) {
		t.Helper()
		r := httptest.NewRequest("POST", "http://127.0.0.1:4580/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		s := &sigv4.Signer{Credentials: sigv4.Credentials{AccessKeyID: id, SecretAccessKey: secret}, Region: "us-east-1", Service: "iam"}
		if err := s.Sign(r, []byte(body), time.Now()); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		out := w.Body.String()
		between := func(a, b string) string {
			i := strings.Index(out, a)
			j := strings.Index(out, b)
			if i < 0 || j < i {
				return ""
			}
			return out[i+len(a) : j]
		}
		return between("<RequestId>", "</RequestId>"), out
	}
	call(rootID, rootSecret, "Action=CreateUser&Version=2010-05-08&UserName=alice")
	call(rootID, rootSecret, "Action=PutUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=p&PolicyDocument="+
		`%7B%22Statement%22%3A%7B%22Sid%22%3A%22NoList%22%2C%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22iam%3AList*%22%2C%22Resource%22%3A%22*%22%7D%7D`)
	_, key := call(rootID, rootSecret, "Action=CreateAccessKey&Version=2010-05-08&UserName=alice")
	between := func(s, a, b string) string { return s[strings.Index(s, a)+len(a) : strings.Index(s, b)] }
	id, secret := between(key, "<AccessKeyId>", "</AccessKeyId>"), between(key, "<SecretAccessKey>", "</SecretAccessKey>")
	reqID, out := call(id, secret, "Action=ListUsers&Version=2010-05-08")
	if !strings.Contains(out, "explicit deny") || reqID == "" {
		t.Fatalf("ListUsers: %s", out)
	}
	if err := srv.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}

	got, code := runCLI(t, "explain", reqID, "--data-dir", dir)
	if code != 0 {
		t.Fatalf("explain: exit %d\n%s", code, got)
	}
	for _, want := range []string{"arn:aws:iam::123456789012:user/alice", "iam:ListUsers", "ExplicitDeny",
		"with an explicit deny in an identity-based policy", "user/alice/inline/p statement 0 NoList", "aws:SourceIp = ", "aws:username = alice"} {
		if !strings.Contains(got, want) {
			t.Errorf("explain lacks %q:\n%s", want, got)
		}
	}
	got, code = runCLI(t, "explain", reqID, "--json", "--data-dir", dir)
	var ev struct {
		RequestID string `json:"requestID"`
		Decision  struct{ Outcome string }
	}
	if code != 0 || json.Unmarshal([]byte(got), &ev) != nil || ev.RequestID != reqID || ev.Decision.Outcome != "ExplicitDeny" {
		t.Fatalf("explain --json: exit %d\n%s", code, got)
	}
	if _, code := runCLI(t, "explain", "0190c4d2-0000-7000-8000-000000000000", "--data-dir", dir); code != 1 {
		t.Errorf("unknown request: exit %d", code)
	}

	got, code = runCLI(t, "audit", "--data-dir", dir, "--decision", "explicit-deny", "--principal", "arn:aws:iam::123456789012:user/alice", "--start-time", "1h")
	var page struct {
		Events []struct {
			EventName, Username, CloudTrailEvent string
		}
	}
	if code != 0 || json.Unmarshal([]byte(got), &page) != nil || len(page.Events) != 1 || page.Events[0].EventName != "ListUsers" ||
		page.Events[0].Username != "alice" || !strings.Contains(page.Events[0].CloudTrailEvent, reqID) {
		t.Fatalf("audit: exit %d\n%s", code, got)
	}
	got, code = runCLI(t, "audit", "--data-dir", dir, "--action", "iam:CreateUser", "--max-results", "1")
	if code != 0 || !strings.Contains(got, `"EventName": "CreateUser"`) {
		t.Fatalf("audit --action: exit %d\n%s", code, got)
	}
	if _, code := runCLI(t, "audit", "--data-dir", dir, "--decision", "maybe"); code != 2 {
		t.Errorf("bad --decision: exit %d", code)
	}
}
