package server_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestConsoleWithTheSeedsConsolePolicy: a user holding the IVS guide's
// policy for the Amazon IVS console ("Use the Amazon IVS Console": ivs:*
// and what the console needs besides) manages channels through the
// console API — creates one with tags, reads it, updates it, reveals its
// stream key, lists them, deletes it — and is still refused what the
// policy does not give (iam:ListUsers).
func TestConsoleWithTheSeedsConsolePolicy(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	root := ts.rootIAM()
	doc, err := os.ReadFile("testdata/console/ivs-console-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	const password = "Ops-Passw0rd-Console!"
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("ops"), Password: aws.String(password)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("IVSConsole"), PolicyDocument: aws.String(string(doc))}); err != nil {
		t.Fatal(err)
	}
	ops := newConsoleClient(t, ts.endpoint)
	if state := ops.signIn(map[string]string{"type": "user", "account": testAccount, "userName": "ops", "password": password}); state != "active" {
		t.Fatalf("state %s", state)
	}
	ivsCall := func(op, body string, want int) map[string]any {
		t.Helper()
		res, out := ops.call("/console/api/ivs/"+op, "application/json", body, true)
		if res.StatusCode != want {
			t.Fatalf("%s: %d %s, want %d", op, res.StatusCode, out, want)
		}
		var v map[string]any
		_ = json.Unmarshal([]byte(out), &v)
		return v
	}
	created := ivsCall("CreateChannel", `{"name":"studio","tags":{"team":"live"}}`, 200)
	ch, _ := created["channel"].(map[string]any)
	arn, _ := ch["arn"].(string)
	if !strings.HasPrefix(arn, "arn:aws:ivs:us-west-2:"+testAccount+":channel/") {
		t.Fatalf("CreateChannel: %v", created)
	}
	key, _ := created["streamKey"].(map[string]any)
	keyARN, _ := key["arn"].(string)
	if got := ivsCall("GetChannel", `{"arn":"`+arn+`"}`, 200); got["channel"].(map[string]any)["tags"].(map[string]any)["team"] != "live" {
		t.Errorf("GetChannel: %v", got)
	}
	ivsCall("UpdateChannel", `{"arn":"`+arn+`","name":"studio-2"}`, 200)
	if got := ivsCall("GetStreamKey", `{"arn":"`+keyARN+`"}`, 200); !strings.HasPrefix(got["streamKey"].(map[string]any)["value"].(string), "sk_us-west-2_") {
		t.Errorf("GetStreamKey: %v", got)
	}
	if got := ivsCall("ListChannels", `{}`, 200); len(got["channels"].([]any)) != 1 {
		t.Errorf("ListChannels: %v", got)
	}
	ivsCall("DeleteChannel", `{"arn":"`+arn+`"}`, 204)
	if status, code, _ := ops.iam("ListUsers", nil, true); status != 403 || code != "AccessDenied" {
		t.Errorf("ListUsers: %d %s, want 403 AccessDenied", status, code)
	}
}
