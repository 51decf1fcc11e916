package server_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/pquerna/otp/totp"
)

// TestMFARequiredBySessionWithSDK: a policy requires MFA for a sensitive
// action; the user's long-term key is denied, and a GetSessionToken session
// made with a TOTP code of the user's virtual device is allowed.
func TestMFARequiredBySessionWithSDK(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	root := ts.rootIAM()
	s := aws.String
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: s("alice")})
	must(err)
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: s("alice"), PolicyName: s("mfa-for-listing"), PolicyDocument: s(`{
		"Version": "2012-10-17",
		"Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
		               "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}]}`)})
	must(err)
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: s("alice")})
	must(err)
	aliceID, aliceSecret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	dev, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s("alice-phone")})
	must(err)
	seed := string(dev.VirtualMFADevice.Base32StringSeed)
	now := time.Now()
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(seed, at)
		must(err)
		return c
	}
	_, err = root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: s("alice"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: s(code(now.Add(-30 * time.Second))), AuthenticationCode2: s(code(now))})
	must(err)

	_, err = ts.iam(aliceID, aliceSecret).ListUsers(ctx, &iam.ListUsersInput{})
	if c, msg := apiCode(t, err); c != "AccessDenied" || msg != "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action" {
		t.Fatalf("without MFA: %s %s", c, msg)
	}

	// The codes of the current step are spent: the session clock moves one
	// step on, and the code of that step opens the session.
	later := now.Add(30 * time.Second)
	ts.srv.SetClock(func() time.Time { return later })
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: s(ts.endpoint), Credentials: credentials.NewStaticCredentialsProvider(aliceID, aliceSecret, "")})
	_, err = stsc.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: s("000000")})
	if c, _ := apiCode(t, err); c != "AccessDenied" {
		t.Fatalf("wrong code: %v", err)
	}
	sess, err := stsc.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: s(code(later)), DurationSeconds: aws.Int32(900)})
	must(err)
	_, err = stsc.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: dev.VirtualMFADevice.SerialNumber, TokenCode: s(code(later))})
	if c, _ := apiCode(t, err); c != "AccessDenied" {
		t.Fatalf("a code used twice: %v", err)
	}
	cr := sess.Credentials
	mfaIAM := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: s(ts.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))})
	if _, err := mfaIAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("with MFA: %v", err)
	}
	// An hour later the MFA is too old for the policy; the session (900 s)
	// has expired anyway.
	ts.srv.SetClock(func() time.Time { return later.Add(2 * time.Hour) })
	_, err = mfaIAM.ListUsers(ctx, &iam.ListUsersInput{})
	if c, _ := apiCode(t, err); c != "ExpiredToken" {
		t.Fatalf("expired session: %v", err)
	}
}
