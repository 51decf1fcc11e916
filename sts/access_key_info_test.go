package sts

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/iam"
)

func TestGetAccessKeyInfo(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	reader := e.user(t, e.rootA, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetAccessKeyInfo","Resource":"*"}]}`)
	other := e.user(t, e.rootA, "other", allowGetUser)
	// A long-term key of account B, one that was deleted, and a session
	// key of account B's role (issued to account A's user).
	e.user(t, e.rootB, "keyholder")
	key, err := e.iam.CreateAccessKey(ctx, e.rootB, &iam.CreateAccessKeyInput{UserName: "keyholder"})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := e.iam.CreateAccessKey(ctx, e.rootB, &iam.CreateAccessKeyInput{UserName: "keyholder"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.iam.DeleteAccessKey(ctx, e.rootB, &iam.DeleteAccessKeyInput{UserName: "keyholder", AccessKeyID: gone.AccessKey.AccessKeyID}); err != nil {
		t.Fatal(err)
	}
	roleARN := e.role(t, e.rootB, "shared", trustOf("arn:aws:iam::"+accountA+":root", ""), 3600)
	assumer := e.user(t, e.rootA, "assumer", allowAssumeAny)
	sess, err := e.svc.AssumeRole(ctx, assumer, &AssumeRoleInput{RoleArn: roleARN, RoleSessionName: "sess"})
	if err != nil {
		t.Fatal(err)
	}
	if id := sess.Credentials.AccessKeyID; !strings.HasPrefix(id, "ASIA") || len(id) != 20 {
		t.Fatalf("session key id %q", id)
	}
	for _, tc := range []struct {
		name, id, account string
	}{
		{"stored long-term key", key.AccessKey.AccessKeyID, accountB},
		{"deleted long-term key", gone.AccessKey.AccessKeyID, accountB},
		{"session key", sess.Credentials.AccessKeyID, accountB},
	} {
		out, err := e.svc.GetAccessKeyInfo(ctx, reader, &GetAccessKeyInfoInput{AccessKeyID: tc.id})
		if err != nil || out.Account != tc.account {
			t.Errorf("%s: %+v, %v; want account %s", tc.name, out, err, tc.account)
		}
		if out, err := e.svc.GetAccessKeyInfo(ctx, e.rootA, &GetAccessKeyInfoInput{AccessKeyID: tc.id}); err != nil || out.Account != tc.account {
			t.Errorf("%s as root: %+v, %v", tc.name, out, err)
		}
	}
	_, err = e.svc.GetAccessKeyInfo(ctx, other, &GetAccessKeyInfoInput{AccessKeyID: key.AccessKey.AccessKeyID})
	wantErr(t, err, awserr.AccessDenied, "User: arn:aws:iam::"+accountA+":user/other is not authorized to perform: sts:GetAccessKeyInfo")
	for id, msg := range map[string]string{
		"AKIASHORT":                "Member must have length greater than or equal to 16",
		strings.Repeat("A", 129):   "Member must have length less than or equal to 128",
		"AKIA-NOT-A-KEY-ID-!":      `Member must satisfy regular expression pattern: [\w]*`,
		"AKIALOADBENCHROOT001":     "The access key ID AKIALOADBENCHROOT001 does not exist.",
		"AKIA7777777777777777":     "does not exist",
		"AKIAIOSFODNN7EXAMPLEXXXX": "does not exist",
	} {
		_, err := e.svc.GetAccessKeyInfo(ctx, reader, &GetAccessKeyInfoInput{AccessKeyID: id})
		wantErr(t, err, awserr.ValidationError, msg)
	}
}
