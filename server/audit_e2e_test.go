package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ivs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// errRequestID returns the request id of a failed SDK call.
func errRequestID(t *testing.T, err error) string {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Fatalf("no request id in %v", err)
	}
	return re.ServiceRequestID()
}

// outRequestID returns the request id of a successful SDK call.
func outRequestID(t *testing.T, md middleware.Metadata) string {
	t.Helper()
	id, ok := awsmw.GetRequestIDMetadata(md)
	if !ok || id == "" {
		t.Fatal("no request id in the response")
	}
	return id
}

// auditEvent returns the stored event of a request.
func (ts *testServer) auditEvent(t *testing.T, requestID string) *audit.Event {
	t.Helper()
	ctx := ctxT(t)
	if err := ts.srv.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := server.OpenAuditReader(ctx, server.Config{DataDir: ts.dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ev, err := a.Event(ctx, requestID)
	if err != nil {
		t.Fatalf("event of request %s: %v", requestID, err)
	}
	return ev
}

// TestAuditEventsOfIVSRequests: an allowed and a denied IVS request, and
// one refused before authentication, each leave a CloudTrail record with
// Gatehouse's decision block; explain names the principal, the context
// keys, the policies and the deciding statement.
func TestAuditEventsOfIVSRequests(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	ch, err := ts.rootIVS().CreateChannel(ctx, &ivs.CreateChannelInput{Name: aws.String("show"), Tags: map[string]string{"env": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	chARN := aws.ToString(ch.Channel.Arn)
	id, secret := userWithKey(t, ctx, ts.rootIAM(), "alice", `{"Version":"2012-10-17","Statement":[
		{"Sid":"ReadChannels","Effect":"Allow","Action":["ivs:ListChannels","ivs:GetChannel"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
		{"Sid":"List","Effect":"Allow","Action":"ivs:ListChannels","Resource":"*"},
		{"Sid":"NoDelete","Effect":"Deny","Action":"ivs:DeleteChannel","Resource":"*"}]}`)
	alice := ts.ivs(id, secret)

	list, err := alice.ListChannels(ctx, &ivs.ListChannelsInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, getErr := alice.GetChannel(ctx, &ivs.GetChannelInput{Arn: ch.Channel.Arn})
	_, delErr := alice.DeleteChannel(ctx, &ivs.DeleteChannelInput{Arn: ch.Channel.Arn})
	_, unkErr := ts.ivs("AKIAUNKNOWNKEY000000", secret).ListChannels(ctx, &ivs.ListChannelsInput{})

	allowed := ts.auditEvent(t, outRequestID(t, list.ResultMetadata))
	denied := ts.auditEvent(t, errRequestID(t, getErr))
	deniedExplicit := ts.auditEvent(t, errRequestID(t, delErr))
	refused := ts.auditEvent(t, errRequestID(t, unkErr))

	aliceARN := "arn:aws:iam::123456789012:user/alice"
	for _, ev := range []*audit.Event{allowed, denied, deniedExplicit} {
		u := ev.UserIdentity
		if ev.EventVersion < "1.08" || ev.EventSource != "ivs.amazonaws.com" || ev.AWSRegion != "us-west-2" || ev.EventType != "AwsApiCall" ||
			!ev.ManagementEvent || ev.RecipientAccountID != testAccount || ev.SourceIPAddress != "127.0.0.1" || ev.UserAgent == "" ||
			len(ev.EventID) != 36 || ev.EventID == ev.RequestID || time.Since(ev.Time()) > time.Minute {
			t.Errorf("event fields: %+v", ev)
		}
		if u.Type != "IAMUser" || u.ARN != aliceARN || u.UserName != "alice" || u.AccessKeyID != id || u.AccountID != testAccount || !strings.HasPrefix(u.PrincipalID, "AIDA") {
			t.Errorf("userIdentity: %+v", u)
		}
	}
	if allowed.EventName != "ListChannels" || !allowed.ReadOnly || allowed.ErrorCode != "" || allowed.ResponseElements != nil {
		t.Errorf("allowed: %+v", allowed)
	}
	d := allowed.Decision
	if d == nil || d.Outcome != "Allow" || len(d.Checks) != 1 || d.Checks[0].Action != "ivs:ListChannels" ||
		len(d.Checks[0].Statements) != 1 || d.Checks[0].Statements[0].Sid == "" || d.Checks[0].Statements[0].PolicyID == "" ||
		!ctxHas(d.Checks[0].Context, "aws:SourceIp", "127.0.0.1") || !ctxHas(d.PrincipalContext, "aws:username", "alice") {
		t.Errorf("allowed decision: %+v", d)
	}

	wantMsg := "User: " + aliceARN + " is not authorized to perform: ivs:GetChannel on resource: " + chARN + " because no identity-based policy allows the ivs:GetChannel action"
	if denied.EventName != "GetChannel" || denied.ErrorCode != "AccessDeniedException" || denied.ErrorMessage != wantMsg ||
		denied.RequestParameters["arn"] != chARN {
		t.Errorf("denied: %+v", denied)
	}
	d = denied.Decision
	if d == nil || d.Outcome != "ImplicitDeny" || d.Reason != "because no identity-based policy allows the ivs:GetChannel action" ||
		len(d.Checks) != 1 || d.Checks[0].Resource != chARN || len(d.Checks[0].Statements) != 0 ||
		len(d.Checks[0].Policies) != 1 || d.Checks[0].Policies[0].ID != "user/alice/inline/p" {
		t.Errorf("denied decision: %+v", d)
	}
	if _, ok := d.Checks[0].Context.Get("aws:CurrentTime"); !ok {
		t.Errorf("denied context: %v", d.Checks[0].Context)
	}
	d = deniedExplicit.Decision
	if deniedExplicit.ReadOnly || d == nil || d.Outcome != "ExplicitDeny" || d.Reason != "with an explicit deny in an identity-based policy" ||
		len(d.Checks) != 1 || len(d.Checks[0].Statements) != 1 || d.Checks[0].Statements[0].Sid != "NoDelete" || d.Checks[0].Statements[0].Index != 2 {
		t.Errorf("explicit deny: %+v %+v", deniedExplicit, d)
	}

	if refused.UserIdentity.Type != "Unknown" || refused.UserIdentity.AccessKeyID != "AKIAUNKNOWNKEY000000" ||
		refused.ErrorCode != "UnrecognizedClientException" && refused.ErrorCode != "InvalidClientTokenId" || refused.Decision != nil || refused.EventSource != "ivs.amazonaws.com" {
		t.Errorf("refused: %+v", refused)
	}

	// explain, for the denied request: principal, context keys, policies,
	// deciding statements.
	for _, tc := range []struct {
		ev   *audit.Event
		want []string
	}{
		{denied, []string{aliceARN, "ImplicitDeny", "because no identity-based policy allows the ivs:GetChannel action",
			"identity-based policy  user/alice/inline/p", "none: no statement matched", "aws:SourceIp = 127.0.0.1",
			"aws:username = alice (from the principal)", "aws:ResourceTag/env = prod", "an identity-based policy of " + aliceARN + " must allow ivs:GetChannel on " + chARN}},
		{deniedExplicit, []string{"ExplicitDeny", "with an explicit deny in an identity-based policy", "user/alice/inline/p statement 2 NoDelete",
			"remove or narrow it"}},
		{refused, []string{"refused before it was authorized"}},
	} {
		var b bytes.Buffer
		if err := audit.Explain(&b, tc.ev); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("explain lacks %q:\n%s", w, b.String())
			}
		}
	}
}

func ctxHas(c audit.Context, k, v string) bool {
	got, ok := c.Get(k)
	return ok && got == v
}

// TestAuditDenialReasons: AWS's five reason clauses, in real denials, in
// the message and in the decision block.
func TestAuditDenialReasons(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	root := ts.rootIAM()
	bound, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bound"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:List*","sts:AssumeRole"],"Resource":"*"},
		{"Sid":"NoRoles","Effect":"Deny","Action":"iam:ListRoles","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := userWithKey(t, ctx, root, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","sts:AssumeRole"],"Resource":"*"},
		{"Sid":"NoGroups","Effect":"Deny","Action":"iam:ListGroups","Resource":"*"}]}`)
	if _, err := root.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("bob"), PermissionsBoundary: bound.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ops"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ops"), PolicyName: aws.String("all"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	bob := ts.iam(id, secret)
	as, err := ts.sts(id, secret, "").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/ops"), RoleSessionName: aws.String("ses"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListRoles"],"Resource":"*"},{"Sid":"NoRoles","Effect":"Deny","Action":"iam:ListRoles","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	session := ts.iamWith(as.Credentials)
	tests := []struct {
		name   string
		call   func() error
		reason string
		stmt   string // the deciding statement's source, for an explicit deny
	}{
		{"explicit deny in an identity-based policy", func() error { _, err := bob.ListGroups(ctx, &iam.ListGroupsInput{}); return err },
			"with an explicit deny in an identity-based policy", "identity-based policy"},
		{"explicit deny in a permissions boundary", func() error { _, err := bob.ListRoles(ctx, &iam.ListRolesInput{}); return err },
			"with an explicit deny in a permissions boundary", "permissions boundary"},
		{"no permissions boundary allows", func() error {
			_, err := bob.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
			return err
		}, "because no permissions boundary allows the iam:GetUser action", ""},
		{"explicit deny in a session policy", func() error { _, err := session.ListRoles(ctx, &iam.ListRolesInput{}); return err },
			"with an explicit deny in a session policy", "session policy"},
		{"no session policy allows", func() error { _, err := session.ListPolicies(ctx, &iam.ListPoliciesInput{}); return err },
			"because no session policy allows the iam:ListPolicies action", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			code, msg := apiCode(t, err)
			if code != "AccessDenied" || !strings.HasSuffix(msg, " "+tc.reason) {
				t.Fatalf("%s: %s", code, msg)
			}
			ev := ts.auditEvent(t, errRequestID(t, err))
			d := ev.Decision
			if ev.ErrorMessage != msg || d == nil || d.Reason != tc.reason {
				t.Fatalf("event: %+v %+v", ev, d)
			}
			c := d.Checks[len(d.Checks)-1]
			if tc.stmt != "" && (len(c.Statements) != 1 || c.Statements[0].Source != tc.stmt) {
				t.Errorf("deciding statements %+v", c.Statements)
			}
			if tc.stmt == "permissions boundary" && c.Statements[0].Sid != "NoRoles" {
				t.Errorf("boundary statement %+v", c.Statements)
			}
			var b bytes.Buffer
			if err := audit.Explain(&b, ev); err != nil || !strings.Contains(b.String(), tc.reason) {
				t.Errorf("explain: %v\n%s", err, b.String())
			}
		})
	}
	// The no-identity-policy clause, from a user without policies.
	id2, secret2 := userWithKey(t, ctx, root, "carol", "")
	_, err = ts.iam(id2, secret2).ListUsers(ctx, &iam.ListUsersInput{})
	if _, msg := apiCode(t, err); !strings.HasSuffix(msg, " because no identity-based policy allows the iam:ListUsers action") {
		t.Fatal(msg)
	}
	if ev := ts.auditEvent(t, errRequestID(t, err)); ev.Decision.Reason != "because no identity-based policy allows the iam:ListUsers action" {
		t.Fatalf("%+v", ev.Decision)
	}
	// A session's events carry its session context.
	out, err := session.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatal(err)
	}
	u := ts.auditEvent(t, outRequestID(t, out.ResultMetadata)).UserIdentity
	if u.Type != "AssumedRole" || u.ARN != "arn:aws:sts::123456789012:assumed-role/ops/ses" || u.SessionContext == nil || u.SessionContext.SessionIssuer == nil ||
		u.SessionContext.SessionIssuer.Type != "Role" || u.SessionContext.SessionIssuer.UserName != "ops" || u.SessionContext.Attributes.MFAAuthenticated != "false" ||
		u.SessionContext.Attributes.CreationDate == "" || !strings.HasPrefix(u.AccessKeyID, "ASIA") {
		t.Errorf("session identity: %+v %+v", u, u.SessionContext)
	}
}

// lookupEvents calls CloudTrail's LookupEvents with a request signed as
// aws-sdk-go-v2's CloudTrail client signs it (AWS JSON 1.1).
func (ts *testServer) lookupEvents(t *testing.T, keyID, secret string, in map[string]any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(in)
	req, err := http.NewRequest("POST", ts.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents")
	signer := &sigv4.Signer{Credentials: sigv4.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, Region: "us-west-2", Service: "cloudtrail"}
	if err := signer.Sign(req, body, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("LookupEvents answer %q: %v", b, err)
	}
	return resp.StatusCode, out
}

// TestLookupEvents: CloudTrail's LookupEvents on the endpoint, for the
// root user and for a user allowed cloudtrail:LookupEvents, not for one
// without; paging; attributes; one account's events only.
func TestLookupEvents(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	root := ts.rootIAM()
	for _, n := range []string{"u1", "u2", "u3"} {
		if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	auditorID, auditorSecret := userWithKey(t, ctx, root, "auditor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*"}]}`)
	nobodyID, nobodySecret := userWithKey(t, ctx, root, "nobody", "")
	// Another account's events are not seen.
	admin, err := server.OpenAdmin(ctx, server.Config{DataDir: ts.dataDir, MasterKey: testMasterKey})
	if err != nil {
		t.Fatal(err)
	}
	b, err := admin.CreateAccount(ctx, accountB, "", "")
	admin.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.iam(b.AccessKeyID, b.SecretAccessKey).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("other")}); err != nil {
		t.Fatal(err)
	}

	byName := map[string]any{"LookupAttributes": []map[string]string{{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}}}
	for _, who := range []struct{ id, secret string }{{rootKeyID, rootSecret}, {auditorID, auditorSecret}} {
		status, out := ts.lookupEvents(t, who.id, who.secret, byName)
		evs, _ := out["Events"].([]any)
		if status != 200 || len(evs) != 5 { // u1 u2 u3 auditor nobody
			t.Fatalf("%s: %d %v", who.id, status, out)
		}
		first := evs[0].(map[string]any)
		var rec audit.Event
		if err := json.Unmarshal([]byte(first["CloudTrailEvent"].(string)), &rec); err != nil {
			t.Fatal(err)
		}
		if first["EventName"] != "CreateUser" || first["ReadOnly"] != "false" || first["EventSource"] != "iam.amazonaws.com" ||
			first["Username"] != "root" || first["AccessKeyId"] != rootKeyID || rec.EventID != first["EventId"] ||
			rec.RequestParameters["userName"] != "nobody" || rec.ResponseElements == nil {
			t.Errorf("newest first: %v\n%+v", first, rec)
		}
		if res, _ := first["Resources"].([]any); len(res) != 1 || res[0].(map[string]any)["ResourceType"] != "AWS::IAM::User" || res[0].(map[string]any)["ResourceName"] != "nobody" {
			t.Errorf("resources: %v", first["Resources"])
		}
		if _, ok := first["EventTime"].(float64); !ok {
			t.Errorf("EventTime %v is not epoch seconds", first["EventTime"])
		}
	}
	status, out := ts.lookupEvents(t, nobodyID, nobodySecret, byName)
	if status != 400 && status != 403 || out["__type"] != "AccessDeniedException" || !strings.Contains(out["message"].(string), "cloudtrail:LookupEvents") {
		t.Fatalf("nobody: %d %v", status, out)
	}

	// Paging: two by two, the same five events.
	seen := map[string]bool{}
	in := map[string]any{"LookupAttributes": byName["LookupAttributes"], "MaxResults": 2}
	for pages := 0; ; pages++ {
		_, out := ts.lookupEvents(t, rootKeyID, rootSecret, in)
		for _, e := range out["Events"].([]any) {
			seen[e.(map[string]any)["EventId"].(string)] = true
		}
		tok, _ := out["NextToken"].(string)
		if tok == "" {
			if pages != 2 || len(seen) != 5 {
				t.Fatalf("%d pages, %d events", pages+1, len(seen))
			}
			break
		}
		in["NextToken"] = tok
	}
	// Time range and errors.
	_, out = ts.lookupEvents(t, rootKeyID, rootSecret, map[string]any{"EndTime": time.Now().Add(-time.Hour).Unix()})
	if evs := out["Events"].([]any); len(evs) != 0 {
		t.Errorf("events before an hour ago: %v", evs)
	}
	for _, tc := range []struct {
		in   map[string]any
		code string
	}{
		{map[string]any{"MaxResults": 51}, "InvalidMaxResultsException"},
		{map[string]any{"NextToken": "!!"}, "InvalidNextTokenException"},
		{map[string]any{"StartTime": time.Now().Unix(), "EndTime": time.Now().Add(-time.Hour).Unix()}, "InvalidTimeRangeException"},
		{map[string]any{"LookupAttributes": []map[string]string{{"AttributeKey": "Bogus", "AttributeValue": "x"}}}, "InvalidLookupAttributesException"},
	} {
		if status, out := ts.lookupEvents(t, rootKeyID, rootSecret, tc.in); status != 400 || out["__type"] != tc.code {
			t.Errorf("%v: %d %v", tc.in, status, out)
		}
	}
}

// TestAuditRedactsSecrets creates every kind of secret the APIs return
// or take — secret access keys, session tokens, MFA seeds, QR codes and
// codes, stream keys — and finds none in the stored events, the database
// files, the journal or the --audit-log file.
func TestAuditRedactsSecrets(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "audit.jsonl")
	ts := startServer(t, func(c *server.Config) { c.AuditLog = logFile })
	ctx := ctxT(t)
	root := ts.rootIAM()
	var secrets []string
	id, secret := userWithKey(t, ctx, root, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	secrets = append(secrets, secret)
	mfa := createMFA(t, ctx, root, "alice")
	secrets = append(secrets, mfa.seed, mfa.qr)
	// Console passwords: set, reset, changed by the user, and a wrong one.
	passwords := []string{"Alice-Console-1", "Alice-Console-2!", "Alice-Console-3!", "Alice-Wrong-4!"}
	secrets = append(secrets, passwords...)
	if _, err := root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String(passwords[0])}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String(passwords[1])}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.iam(id, secret).ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String(passwords[1]), NewPassword: aws.String(passwords[2])}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.iam(id, secret).ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String(passwords[3]), NewPassword: aws.String(passwords[1])}); err == nil {
		t.Fatal("ChangePassword accepted a wrong old password")
	}
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	alice := ts.sts(id, secret, "")
	as, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("ses")})
	if err != nil {
		t.Fatal(err)
	}
	st, err := alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	fed, err := alice.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*string{as.Credentials.SecretAccessKey, as.Credentials.SessionToken, st.Credentials.SecretAccessKey, st.Credentials.SessionToken, fed.Credentials.SecretAccessKey, fed.Credentials.SessionToken} {
		secrets = append(secrets, aws.ToString(c))
	}
	// A call signed with temporary credentials.
	if _, err := ts.stsWith(as.Credentials).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	iv := ts.rootIVS()
	ch, err := iv.CreateChannel(ctx, &ivs.CreateChannelInput{Name: aws.String("c")})
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, aws.ToString(ch.StreamKey.Value))
	if _, err := iv.DeleteStreamKey(ctx, &ivs.DeleteStreamKeyInput{Arn: ch.StreamKey.Arn}); err != nil {
		t.Fatal(err)
	}
	sk, err := iv.CreateStreamKey(ctx, &ivs.CreateStreamKeyInput{ChannelArn: ch.Channel.Arn})
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, aws.ToString(sk.StreamKey.Value))
	if _, err := iv.GetStreamKey(ctx, &ivs.GetStreamKeyInput{Arn: sk.StreamKey.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := iv.BatchGetStreamKey(ctx, &ivs.BatchGetStreamKeyInput{Arns: []string{aws.ToString(sk.StreamKey.Arn)}}); err != nil {
		t.Fatal(err)
	}
	if err := ts.srv.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}

	// The events that returned secrets say so, hidden.
	_, out := ts.lookupEvents(t, rootKeyID, rootSecret, map[string]any{"LookupAttributes": []map[string]string{{"AttributeKey": "EventName", "AttributeValue": "CreateAccessKey"}}})
	var rec audit.Event
	if err := json.Unmarshal([]byte(out["Events"].([]any)[0].(map[string]any)["CloudTrailEvent"].(string)), &rec); err != nil {
		t.Fatal(err)
	}
	if k, _ := rec.ResponseElements["accessKey"].(map[string]any); k["secretAccessKey"] != audit.Hidden || k["accessKeyId"] != id {
		t.Errorf("CreateAccessKey responseElements: %v", rec.ResponseElements)
	}

	// The MFA codes are too short to search for: their parameters are hidden.
	_, out = ts.lookupEvents(t, rootKeyID, rootSecret, map[string]any{"LookupAttributes": []map[string]string{{"AttributeKey": "EventName", "AttributeValue": "EnableMFADevice"}}})
	rec = audit.Event{}
	if err := json.Unmarshal([]byte(out["Events"].([]any)[0].(map[string]any)["CloudTrailEvent"].(string)), &rec); err != nil {
		t.Fatal(err)
	}
	if p := rec.RequestParameters; p["authenticationCode1"] != audit.Hidden || p["authenticationCode2"] != audit.Hidden || p["userName"] != "alice" {
		t.Errorf("EnableMFADevice requestParameters: %v", p)
	}

	_, out = ts.lookupEvents(t, rootKeyID, rootSecret, map[string]any{"LookupAttributes": []map[string]string{{"AttributeKey": "EventName", "AttributeValue": "ChangePassword"}}})
	for _, e := range out["Events"].([]any) {
		rec = audit.Event{}
		if err := json.Unmarshal([]byte(e.(map[string]any)["CloudTrailEvent"].(string)), &rec); err != nil {
			t.Fatal(err)
		}
		if p := rec.RequestParameters; p["oldPassword"] != audit.Hidden || p["newPassword"] != audit.Hidden {
			t.Errorf("ChangePassword requestParameters: %v", p)
		}
	}

	var all bytes.Buffer
	in := map[string]any{}
	for {
		_, out := ts.lookupEvents(t, rootKeyID, rootSecret, in)
		b, _ := json.Marshal(out)
		all.Write(b)
		tok, _ := out["NextToken"].(string)
		if tok == "" {
			break
		}
		in["NextToken"] = tok
	}
	for _, name := range []string{"CreateLoginProfile", "UpdateLoginProfile", "ChangePassword", "CreateVirtualMFADevice", "EnableMFADevice", "AssumeRole", "GetSessionToken", "GetFederationToken", "CreateChannel", "CreateStreamKey", "GetStreamKey", "BatchGetStreamKey", "GetCallerIdentity"} {
		if !strings.Contains(all.String(), `"EventName":"`+name+`"`) {
			t.Errorf("no %s event", name)
		}
	}
	if n := strings.Count(all.String(), audit.Hidden); n < 10 {
		t.Errorf("only %d hidden values", n)
	}
	ts.srv.Close() // the journal and the sink are complete and closed
	files := map[string][]byte{"LookupEvents": all.Bytes()}
	for _, f := range []string{"gatehouse.db", "gatehouse.db-wal", "audit.db", "audit.db-wal", audit.JournalName} {
		b, err := os.ReadFile(filepath.Join(ts.dataDir, f))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		files[f] = b
	}
	sink, err := os.ReadFile(logFile)
	if err != nil || bytes.Count(sink, []byte("\n")) < 15 {
		t.Fatalf("audit log: %v, %d lines", err, bytes.Count(sink, []byte("\n")))
	}
	files["--audit-log"] = sink
	files["server log"] = []byte(ts.logs.String())
	for name, b := range files {
		for _, s := range secrets {
			if len(s) < 6 {
				t.Fatalf("secret %q too short to search for", s)
			}
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a secret: %.12s…", name, s)
			}
		}
	}
}

// mfaDevice is a virtual MFA device made by createMFA.
type mfaDevice struct {
	serial, seed, qr string
	codes            [2]string
}

// createMFA creates and enables a virtual MFA device for a user.
func createMFA(t *testing.T, ctx context.Context, root *iam.Client, user string) mfaDevice {
	t.Helper()
	created, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(user + "-phone")})
	if err != nil {
		t.Fatal(err)
	}
	dev := created.VirtualMFADevice
	m := mfaDevice{serial: aws.ToString(dev.SerialNumber), seed: string(dev.Base32StringSeed)}
	// The QR code as it travels: base64 in the XML, as a JSON string.
	qr, _ := json.Marshal(dev.QRCodePNG)
	m.qr = strings.Trim(string(qr), `"`)[100:140]
	now := time.Now()
	for i := range m.codes {
		m.codes[i] = totpCode(t, m.seed, now.Add(time.Duration(i-1)*30*time.Second))
	}
	if _, err := root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String(user), SerialNumber: dev.SerialNumber,
		AuthenticationCode1: aws.String(m.codes[0]), AuthenticationCode2: aws.String(m.codes[1])}); err != nil {
		t.Fatal(err)
	}
	return m
}

// totpCode is the TOTP code of a seed at a time.
func totpCode(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(seed, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
