package server_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-iam/gatehouse/server"
)

// consoleClient calls the console's endpoints as a browser does: with the
// session cookie and, when it has one, the CSRF token.
type consoleClient struct {
	t        *testing.T
	endpoint string
	http     *http.Client
	csrf     string
}

func newConsoleClient(t *testing.T, endpoint string) *consoleClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &consoleClient{t: t, endpoint: endpoint, http: &http.Client{Jar: jar}}
}

// call sends a request and returns the response and its body.
func (c *consoleClient) call(path, contentType, body string, csrf bool) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.endpoint+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if csrf {
		req.Header.Set("X-Gatehouse-Csrf", c.csrf)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// signIn signs in and keeps the session's CSRF token; it returns the
// session's state.
func (c *consoleClient) signIn(in map[string]string) string {
	c.t.Helper()
	b, _ := json.Marshal(in)
	res, body := c.call("/console/api/signin", "application/json", string(b), false)
	var v struct{ State, CSRF string }
	if err := json.Unmarshal([]byte(body), &v); err != nil || res.StatusCode != 200 {
		c.t.Fatalf("sign-in: %d %s", res.StatusCode, body)
	}
	c.csrf = v.CSRF
	return v.State
}

// iam calls an IAM action through the console and returns the HTTP status
// and the AWS error code ("" on success).
func (c *consoleClient) iam(action string, params url.Values, csrf bool) (int, string, string) {
	c.t.Helper()
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for k, v := range params {
		form[k] = v
	}
	res, body := c.call("/console/api/iam", "application/x-www-form-urlencoded", form.Encode(), csrf)
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = xml.Unmarshal([]byte(body), &e)
	return res.StatusCode, e.Error.Code, e.Error.Message
}

func TestConsoleAPIAuthentication(t *testing.T) {
	ts := startServer(t, func(c *server.Config) { c.ConsoleIdleTimeout = time.Second })
	root := newConsoleClient(t, ts.endpoint)
	if state := root.signIn(map[string]string{"type": "root", "accessKeyId": rootKeyID, "secretAccessKey": rootSecret}); state != "active" {
		t.Fatalf("root state %s", state)
	}
	cases := []struct {
		name   string
		client *consoleClient
		csrf   bool
		status int
		code   string
	}{
		{"signed in, with the CSRF token", root, true, 200, ""},
		{"without the CSRF token", root, false, 403, "AccessDenied"},
		{"not signed in", newConsoleClient(t, ts.endpoint), true, 403, "MissingAuthenticationToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, code, _ := tc.client.iam("ListUsers", nil, tc.csrf)
			if status != tc.status || code != tc.code {
				t.Fatalf("ListUsers: %d %q, want %d %q", status, code, tc.status, tc.code)
			}
		})
	}
	t.Run("IVS refuses in its own format", func(t *testing.T) {
		res, body := newConsoleClient(t, ts.endpoint).call("/console/api/ivs/ListChannels", "application/json", "{}", false)
		if res.StatusCode != 403 || res.Header.Get("x-amzn-ErrorType") == "" || !strings.Contains(body, "not signed in") {
			t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
		}
	})
	t.Run("a body too large is refused in the service's format", func(t *testing.T) {
		big := `{"arn":"` + strings.Repeat("a", 2<<20) + `"}`
		res, body := root.call("/console/api/ivs/GetChannel", "application/json", big, true)
		if res.StatusCode != 413 || res.Header.Get("x-amzn-ErrorType") == "" || strings.HasPrefix(body, "<") {
			t.Fatalf("IVS: %d %v %.200s", res.StatusCode, res.Header, body)
		}
		res, body = root.call("/console/api/iam", "application/x-www-form-urlencoded", "Action=ListUsers&X="+strings.Repeat("a", 2<<20), true)
		if res.StatusCode != 413 || !strings.Contains(body, "<Code>RequestEntityTooLargeException</Code>") {
			t.Fatalf("IAM: %d %.200s", res.StatusCode, body)
		}
	})
	t.Run("an IAM user's access key does not sign in as root", func(t *testing.T) {
		ctx := ctxT(t)
		if _, err := ts.rootIAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("keyholder")}); err != nil {
			t.Fatal(err)
		}
		key, err := ts.rootIAM().CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("keyholder")})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []map[string]string{
			{"type": "root", "accessKeyId": aws.ToString(key.AccessKey.AccessKeyId), "secretAccessKey": aws.ToString(key.AccessKey.SecretAccessKey)},
			{"type": "root", "accessKeyId": rootKeyID, "secretAccessKey": rootSecret[:39] + "x"},
		} {
			b, _ := json.Marshal(in)
			if res, body := newConsoleClient(t, ts.endpoint).call("/console/api/signin", "application/json", string(b), false); res.StatusCode != 401 {
				t.Fatalf("sign-in as root with %s: %d %s", in["accessKeyId"], res.StatusCode, body)
			}
		}
	})
	t.Run("an idle session expires", func(t *testing.T) {
		c := newConsoleClient(t, ts.endpoint)
		c.signIn(map[string]string{"type": "root", "accessKeyId": rootKeyID, "secretAccessKey": rootSecret})
		time.Sleep(1100 * time.Millisecond)
		if status, code, _ := c.iam("ListUsers", nil, true); status != 403 || code != "ExpiredToken" {
			t.Fatalf("after the idle timeout: %d %q", status, code)
		}
	})
}

// TestConsoleAPIActsAsThePrincipal: a console user gets the API's denial,
// with AWS's message and reason, for what its policies do not allow, and
// its request carries the context of a console sign-in
// (aws:MultiFactorAuthPresent false without MFA); the root user may read
// the explanation of that denial from the audit trail, the user may not.
func TestConsoleAPIActsAsThePrincipal(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	rootSDK := ts.rootIAM()
	const password = "Dana-Passw0rd-Console!"
	if _, err := rootSDK.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dana")}); err != nil {
		t.Fatal(err)
	}
	if _, err := rootSDK.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("dana"), Password: aws.String(password)}); err != nil {
		t.Fatal(err)
	}
	if _, err := rootSDK.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dana"), PolicyName: aws.String("ListWithoutMFA"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:ListChannels","Resource":"*",
			"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	dana := newConsoleClient(t, ts.endpoint)
	if state := dana.signIn(map[string]string{"type": "user", "account": testAccount, "userName": "dana", "password": password}); state != "active" {
		t.Fatalf("state %s", state)
	}
	if res, body := dana.call("/console/api/ivs/ListChannels", "application/json", "{}", true); res.StatusCode != 200 {
		t.Fatalf("ListChannels (allowed while aws:MultiFactorAuthPresent is false): %d %s", res.StatusCode, body)
	}
	arn := "arn:aws:ivs:us-west-2:" + testAccount + ":channel/abcdEFGH1234"
	res, body := dana.call("/console/api/ivs/GetChannel", "application/json", `{"arn":"`+arn+`"}`, true)
	want := "User: arn:aws:iam::" + testAccount + ":user/dana is not authorized to perform: ivs:GetChannel on resource: " + arn +
		" because no identity-based policy allows the ivs:GetChannel action"
	if res.StatusCode != 403 || res.Header.Get("x-amzn-ErrorType") != "AccessDeniedException" || !strings.Contains(body, want) {
		t.Fatalf("GetChannel: %d %s %s", res.StatusCode, res.Header.Get("x-amzn-ErrorType"), body)
	}
	requestID := res.Header.Get("x-amzn-RequestId")
	if status, code, msg := dana.iam("ListUsers", nil, true); status != 403 || code != "AccessDenied" || !strings.Contains(msg, "iam:ListUsers") {
		t.Fatalf("ListUsers: %d %s %s", status, code, msg)
	}

	explain := `{"requestId":"` + requestID + `"}`
	if res, body := dana.call("/console/api/explain", "application/json", explain, true); res.StatusCode != 403 || !strings.Contains(body, "cloudtrail:LookupEvents") {
		t.Fatalf("dana's explain: %d %s", res.StatusCode, body)
	}
	root := newConsoleClient(t, ts.endpoint)
	root.signIn(map[string]string{"type": "root", "accessKeyId": rootKeyID, "secretAccessKey": rootSecret})
	res, body = root.call("/console/api/explain", "application/json", explain, true)
	var out struct {
		Explanation string
		Event       struct {
			UserAgent    string `json:"userAgent"`
			ErrorMessage string `json:"errorMessage"`
		}
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || res.StatusCode != 200 {
		t.Fatalf("root's explain: %d %s", res.StatusCode, body)
	}
	for _, s := range []string{"ivs:GetChannel", "ImplicitDeny", "arn:aws:iam::" + testAccount + ":user/dana", "aws:MultiFactorAuthPresent"} {
		if !strings.Contains(out.Explanation, s) {
			t.Errorf("the explanation lacks %q:\n%s", s, out.Explanation)
		}
	}
	if out.Event.ErrorMessage != want {
		t.Errorf("the audit event's message %q", out.Event.ErrorMessage)
	}
	if res, _ := root.call("/console/api/explain", "application/json", `{"requestId":"01890000-0000-7000-8000-000000000000"}`, true); res.StatusCode != 404 {
		t.Errorf("an unknown request id: %d", res.StatusCode)
	}
}

// TestConsolePasswordReset: a user whose password must be reset may only
// change it, then goes on.
func TestConsolePasswordReset(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	rootSDK := ts.rootIAM()
	if _, err := rootSDK.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("erin"), Path: aws.String("/staff/")}); err != nil {
		t.Fatal(err)
	}
	if _, err := rootSDK.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("erin"),
		Password: aws.String("Temporary-Passw0rd!"), PasswordResetRequired: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := rootSDK.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{AllowUsersToChangePassword: true}); err != nil {
		t.Fatal(err)
	}
	erin := newConsoleClient(t, ts.endpoint)
	if state := erin.signIn(map[string]string{"type": "user", "account": testAccount, "userName": "erin", "password": "Temporary-Passw0rd!"}); state != "password-change" {
		t.Fatalf("state %s", state)
	}
	if status, code, msg := erin.iam("GetUser", nil, true); status != 403 || code != "AccessDenied" || !strings.Contains(msg, "new password") {
		t.Fatalf("GetUser before the new password: %d %s %s", status, code, msg)
	}
	if status, code, msg := erin.iam("ChangePassword", url.Values{"OldPassword": {"Temporary-Passw0rd!"}, "NewPassword": {"Erin-New-Passw0rd!"}}, true); status != 200 {
		t.Fatalf("ChangePassword: %d %s %s", status, code, msg)
	}
	res, err := erin.http.Get(ts.endpoint + "/console/api/session")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct{ State, CSRF, ARN string }
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || v.State != "active" || v.ARN != "arn:aws:iam::"+testAccount+":user/staff/erin" {
		t.Fatalf("session after the new password: %+v %v", v, err)
	}
	erin.csrf = v.CSRF
	// Now the user's own policies decide (it has none).
	if status, code, _ := erin.iam("ListUsers", nil, true); status != 403 || code != "AccessDenied" {
		t.Fatalf("ListUsers: %d %s", status, code)
	}
	// The new password signs in.
	again := newConsoleClient(t, ts.endpoint)
	if state := again.signIn(map[string]string{"type": "user", "account": testAccount, "userName": "erin", "password": "Erin-New-Passw0rd!"}); state != "active" {
		t.Fatalf("state with the new password: %s", state)
	}
}
