package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/gatehouse-iam/gatehouse/server"
)

const (
	accountB    = "111122223333"
	rootBKeyID  = "AKIAGATEHOUSEROOTB01"
	rootBSecret = "gatehouse+root+b+secret+for+tests+only+0"
)

func (ts *testServer) sts(keyID, secret, token string) *sts.Client {
	return sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, token),
	})
}

// stsWith and iamWith are clients signing with temporary credentials.
func (ts *testServer) stsWith(c *ststypes.Credentials) *sts.Client {
	return ts.sts(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func (ts *testServer) iamWith(c *ststypes.Credentials) *iam.Client {
	return iam.New(iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)),
	})
}

// userWithKey creates a user with an inline policy and returns its key.
func userWithKey(t *testing.T, ctx context.Context, root *iam.Client, name, doc string) (string, string) {
	t.Helper()
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if doc != "" {
		if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
}

// wantAPIError asserts an API error's code and, when msg is not empty, its
// exact message.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	gotCode, gotMsg := apiCode(t, err)
	if gotCode != code || (msg != "" && gotMsg != msg) {
		t.Fatalf("error %s: %s\nwant  %s: %s", gotCode, gotMsg, code, msg)
	}
}

func wantIdentity(t *testing.T, ctx context.Context, c *sts.Client, arn, account, userIDPrefix string) {
	t.Helper()
	id, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != arn || aws.ToString(id.Account) != account || !strings.HasPrefix(aws.ToString(id.UserId), userIDPrefix) {
		t.Fatalf("GetCallerIdentity = %s %s %s, want %s %s %s…", aws.ToString(id.Arn), aws.ToString(id.Account), aws.ToString(id.UserId), arn, account, userIDPrefix)
	}
}

// TestSTSCrossAccountWithSDK: a role in account A assumed by a user of
// account B with an external id; the denial; a session policy narrowing
// the session; tampered and expired tokens.
func TestSTSCrossAccountWithSDK(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	rootA := ts.rootIAM()
	const roleARN = "arn:aws:iam::123456789012:role/ops/video-admin"

	// Account B, created beside the running server as `gatehouse account
	// create` does.
	adm, err := server.OpenAdmin(ctx, server.Config{DataDir: ts.dataDir, MasterKey: testMasterKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = adm.CreateAccount(ctx, accountB, rootBKeyID, rootBSecret)
	adm.Close()
	if err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},` +
		`"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-42"}}}]}`
	if _, err := rootA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("video-admin"), Path: aws.String("/ops/"),
		AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	if _, err := rootA.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("video-admin"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	bobKey, bobSecret := userWithKey(t, ctx, ts.iam(rootBKeyID, rootBSecret), "bob",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+roleARN+`"}]}`)
	bob := ts.sts(bobKey, bobSecret, "")

	t.Run("GetCallerIdentity", func(t *testing.T) {
		wantIdentity(t, ctx, ts.sts(rootKeyID, rootSecret, ""), "arn:aws:iam::123456789012:root", testAccount, testAccount)
		wantIdentity(t, ctx, ts.sts(rootBKeyID, rootBSecret, ""), "arn:aws:iam::111122223333:root", accountB, accountB)
		wantIdentity(t, ctx, bob, "arn:aws:iam::111122223333:user/bob", accountB, "AIDA")
	})

	t.Run("denied without the external id", func(t *testing.T) {
		for _, ext := range []*string{nil, aws.String("ext-41")} {
			_, err := bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("bob-session"), ExternalId: ext})
			wantAPIError(t, err, "AccessDenied", "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
		}
		_, err := ts.sts(rootBKeyID, rootBSecret, "").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("root"), ExternalId: aws.String("ext-42")})
		wantAPIError(t, err, "AccessDenied", "Roles may not be assumed by root accounts.")
		_, err = bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("bob-session"), ExternalId: aws.String("ext-42"), DurationSeconds: aws.Int32(7201)})
		wantAPIError(t, err, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	})

	out, err := bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("bob-session"), ExternalId: aws.String("ext-42")})
	if err != nil {
		t.Fatal(err)
	}
	creds := out.Credentials
	sessionARN := "arn:aws:sts::123456789012:assumed-role/video-admin/bob-session"
	if aws.ToString(out.AssumedRoleUser.Arn) != sessionARN || !strings.HasPrefix(aws.ToString(creds.AccessKeyId), "ASIA") ||
		len(aws.ToString(creds.SessionToken)) > 2048 || time.Until(aws.ToTime(creds.Expiration)) > time.Hour || time.Until(aws.ToTime(creds.Expiration)) < 59*time.Minute {
		t.Fatalf("AssumeRole = %+v %+v", out.AssumedRoleUser, creds)
	}

	t.Run("the role session", func(t *testing.T) {
		wantIdentity(t, ctx, ts.stsWith(creds), sessionARN, testAccount, "AROA")
		admin := ts.iamWith(creds)
		if _, err := admin.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
			t.Fatalf("ListRoles as the role: %v", err)
		}
		_, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("intruder")})
		wantAPIError(t, err, "AccessDenied", "User: "+sessionARN+" is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/intruder because no identity-based policy allows the iam:CreateUser action")
		// Session credentials make no more sessions of these kinds.
		_, err = ts.stsWith(creds).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
		wantAPIError(t, err, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	})

	t.Run("a session policy narrows the session", func(t *testing.T) {
		out, err := bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("narrow"), ExternalId: aws.String("ext-42"),
			Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetRole","iam:CreateUser"],"Resource":"*"}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		//lint:ignore SA1019 AWS still sends PackedPolicySize with a session policy, and so do we
		if size := out.PackedPolicySize; size == nil || *size <= 0 {
			t.Errorf("PackedPolicySize %v", size)
		}
		narrow := ts.iamWith(out.Credentials)
		if _, err := narrow.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("video-admin")}); err != nil {
			t.Fatalf("GetRole: %v", err)
		}
		_, err = narrow.ListRoles(ctx, &iam.ListRolesInput{})
		wantAPIError(t, err, "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/video-admin/narrow is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/ because no session policy allows the iam:ListRoles action")
		// The session policy cannot grant what the role lacks.
		_, err = narrow.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("intruder")})
		wantAPIError(t, err, "AccessDenied", "")
	})

	t.Run("tampered token", func(t *testing.T) {
		tok := aws.ToString(creds.SessionToken)
		i := len(tok) / 2
		c := tok[i] + 1
		if c > 'z' || c == '[' {
			c = 'A'
		}
		tampered := *creds
		tampered.SessionToken = aws.String(tok[:i] + string(c) + tok[i+1:])
		_, err := ts.stsWith(&tampered).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantAPIError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
		garbage := *creds
		garbage.SessionToken = aws.String("FwoGZXIvYXdzEBYaDHhd6gjG4Hx3JhSxYiKGAf")
		_, err = ts.iamWith(&garbage).ListRoles(ctx, &iam.ListRolesInput{})
		wantAPIError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
		otherKey := *creds
		otherKey.AccessKeyId = aws.String("ASIAAAAAAAAAAAAAAAAA")
		_, err = ts.stsWith(&otherKey).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantAPIError(t, err, "InvalidClientTokenId", "")
		longTerm := *creds
		longTerm.AccessKeyId, longTerm.SecretAccessKey = aws.String(bobKey), aws.String(bobSecret)
		_, err = ts.stsWith(&longTerm).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantAPIError(t, err, "InvalidClientTokenId", "")
		wrongSecret := *creds
		wrongSecret.SecretAccessKey = aws.String(strings.Repeat("x", 40))
		_, err = ts.stsWith(&wrongSecret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantAPIError(t, err, "SignatureDoesNotMatch", "")
	})

	t.Run("expired token", func(t *testing.T) {
		ts.srv.SetClock(func() time.Time { return time.Now().Add(time.Hour + time.Second) })
		defer ts.srv.SetClock(time.Now)
		_, err := ts.stsWith(creds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantAPIError(t, err, "ExpiredToken", "The security token included in the request is expired")
		_, err = ts.iamWith(creds).ListRoles(ctx, &iam.ListRolesInput{})
		wantAPIError(t, err, "ExpiredToken", "The security token included in the request is expired")
		// Long-term keys are not affected by the session clock.
		wantIdentity(t, ctx, bob, "arn:aws:iam::111122223333:user/bob", accountB, "AIDA")
	})

	// The secret of a session is nowhere in the logs.
	if logs := ts.logs.String(); strings.Contains(logs, aws.ToString(creds.SecretAccessKey)) || strings.Contains(logs, aws.ToString(creds.SessionToken)) {
		t.Error("logs leak session credentials")
	}
}

// TestSTSSessionsWithSDK: GetSessionToken, GetFederationToken, role
// chaining, and who each session is.
func TestSTSSessionsWithSDK(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	rootA := ts.rootIAM()
	aliceKey, aliceSecret := userWithKey(t, ctx, rootA, "alice",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","sts:AssumeRole","iam:ListUsers"],"Resource":"*"}]}`)
	alice := ts.sts(aliceKey, aliceSecret, "")

	t.Run("GetSessionToken", func(t *testing.T) {
		out, err := alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(aws.ToTime(out.Credentials.Expiration)); d > 15*time.Minute || d < 14*time.Minute {
			t.Errorf("expires in %s", d)
		}
		wantIdentity(t, ctx, ts.stsWith(out.Credentials), "arn:aws:iam::123456789012:user/alice", testAccount, "AIDA")
		// IAM refuses sessions made without MFA.
		_, err = ts.iamWith(out.Credentials).ListUsers(ctx, &iam.ListUsersInput{})
		wantAPIError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
		_, err = alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129601)})
		wantAPIError(t, err, "ValidationError", "")
		_, err = alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/alice"), TokenCode: aws.String("123456")})
		wantAPIError(t, err, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")

		root, err := ts.sts(rootKeyID, rootSecret, "").GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(aws.ToTime(root.Credentials.Expiration)); d > time.Hour {
			t.Errorf("root session expires in %s", d)
		}
		wantIdentity(t, ctx, ts.stsWith(root.Credentials), "arn:aws:iam::123456789012:root", testAccount, testAccount)
	})

	t.Run("federated user", func(t *testing.T) {
		out, err := alice.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("contractor"),
			Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		const fedARN = "arn:aws:sts::123456789012:federated-user/contractor"
		if aws.ToString(out.FederatedUser.Arn) != fedARN || aws.ToString(out.FederatedUser.FederatedUserId) != "123456789012:contractor" {
			t.Fatalf("FederatedUser %+v", out.FederatedUser)
		}
		fed := ts.stsWith(out.Credentials)
		wantIdentity(t, ctx, fed, fedARN, testAccount, "123456789012:contractor")
		_, err = fed.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("again")})
		wantAPIError(t, err, "AccessDenied", "Cannot call GetFederationToken with session credentials")
		_, err = fed.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/any"), RoleSessionName: aws.String("s1")})
		wantAPIError(t, err, "AccessDenied", "User: "+fedARN+" is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/any")
		_, err = ts.iamWith(out.Credentials).ListUsers(ctx, &iam.ListUsersInput{})
		wantAPIError(t, err, "InvalidClientTokenId", "")
		// A user without sts:GetFederationToken is refused.
		k, s := userWithKey(t, ctx, rootA, "nobody", "")
		_, err = ts.sts(k, s, "").GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("x1")})
		wantAPIError(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::123456789012:federated-user/x1 because no identity-based policy allows the sts:GetFederationToken action")
	})

	t.Run("role chaining with tags", func(t *testing.T) {
		trust := func(p string) *string {
			return aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + p + `"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)
		}
		if _, err := rootA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("first"), AssumeRolePolicyDocument: trust("arn:aws:iam::123456789012:user/alice")}); err != nil {
			t.Fatal(err)
		}
		if _, err := rootA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("second"), AssumeRolePolicyDocument: trust("arn:aws:iam::123456789012:role/first"), MaxSessionDuration: aws.Int32(43200)}); err != nil {
			t.Fatal(err)
		}
		if _, err := rootA.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("second"), PolicyName: aws.String("by-tag"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/project":"falcon"}}}]}`)}); err != nil {
			t.Fatal(err)
		}
		first, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/first"), RoleSessionName: aws.String("one"),
			Tags: []ststypes.Tag{{Key: aws.String("project"), Value: aws.String("falcon")}}, TransitiveTagKeys: []string{"project"}})
		if err != nil {
			t.Fatal(err)
		}
		chained := ts.stsWith(first.Credentials)
		_, err = chained.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/second"), RoleSessionName: aws.String("two"), DurationSeconds: aws.Int32(7200)})
		wantAPIError(t, err, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		second, err := chained.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/second"), RoleSessionName: aws.String("two")})
		if err != nil {
			t.Fatal(err)
		}
		wantIdentity(t, ctx, ts.stsWith(second.Credentials), "arn:aws:sts::123456789012:assumed-role/second/two", testAccount, "AROA")
		// The transitive tag reached the second session: its policy's
		// aws:PrincipalTag condition holds.
		if _, err := ts.iamWith(second.Credentials).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
			t.Fatalf("ListUsers with the transitive tag: %v", err)
		}
		// GetRole's RoleLastUsed: the roles' sessions made requests (the
		// usage is written after the request, so wait for it); a role
		// never used has an empty RoleLastUsed.
		for _, name := range []string{"first", "second"} {
			deadline := time.Now().Add(5 * time.Second)
			for {
				out, err := rootA.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
				if err != nil {
					t.Fatal(err)
				}
				last := out.Role.RoleLastUsed
				if last != nil && last.LastUsedDate != nil {
					if d := time.Since(*last.LastUsedDate); d > time.Minute || d < -time.Minute || aws.ToString(last.Region) != "us-east-1" {
						t.Errorf("%s: RoleLastUsed %v in %s", name, *last.LastUsedDate, aws.ToString(last.Region))
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: no RoleLastUsed after its session was used: %+v", name, last)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		if _, err := rootA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("unused"), AssumeRolePolicyDocument: trust("arn:aws:iam::123456789012:role/first")}); err != nil {
			t.Fatal(err)
		}
		out, err := rootA.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("unused")})
		if err != nil || out.Role.RoleLastUsed == nil || out.Role.RoleLastUsed.LastUsedDate != nil || out.Role.RoleLastUsed.Region != nil {
			t.Errorf("GetRole of an unused role: RoleLastUsed %+v, %v", out.Role.RoleLastUsed, err)
		}
	})
}
