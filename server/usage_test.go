package server_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestAccessKeyLastUsed: a key's use is recorded (after the request, off
// its path) and GetAccessKeyLastUsed reports it; the recording does not
// invalidate the key cache (the key keeps working, and a denied call
// stays denied).
func TestAccessKeyLastUsed(t *testing.T) {
	ts := startServer(t, nil)
	root := ts.rootIAM()
	ctx := ctxT(t)
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	id := key.AccessKey.AccessKeyId
	before, err := root.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: id})
	if err != nil {
		t.Fatal(err)
	}
	if u := before.AccessKeyLastUsed; u == nil || u.LastUsedDate != nil || aws.ToString(u.ServiceName) != "N/A" {
		t.Errorf("unused key: %+v", u)
	}
	alice := ts.iam(aws.ToString(id), aws.ToString(key.AccessKey.SecretAccessKey))
	if _, err := alice.ListUsers(ctx, &iam.ListUsersInput{}); err == nil {
		t.Fatal("alice may list users without a policy")
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		out, err := root.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: id})
		if err != nil {
			t.Fatal(err)
		}
		if u := out.AccessKeyLastUsed; u.LastUsedDate != nil {
			if aws.ToString(u.ServiceName) != "iam" || aws.ToString(u.Region) != "us-east-1" {
				t.Errorf("last used %+v", u)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the key's use was not recorded within 5 s")
		}
	}
	if _, err := alice.ListUsers(ctx, &iam.ListUsersInput{}); err == nil {
		t.Fatal("alice may list users after her key's use was recorded")
	}
}
