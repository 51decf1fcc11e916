package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

const (
	testAccount    = "123456789012"
	rootKeyID      = "AKIAGATEHOUSEROOT001"
	rootSecret     = "gatehouse+root+secret+for+tests+only+000"
	testMasterKey  = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	defaultTimeout = 30 * time.Second
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is a Gatehouse serving on a free loopback port.
type testServer struct {
	endpoint string
	dataDir  string
	logs     *syncBuffer
	srv      *server.Server
}

func startServer(t *testing.T, mod func(*server.Config)) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	cfg := server.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: testAccount, Region: "us-west-2",
		RootAccessKeyID: rootKeyID, RootSecretAccessKey: rootSecret, MasterKey: testMasterKey,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := server.New(ctx, cfg, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	return &testServer{endpoint: "http://" + ln.Addr().String(), dataDir: cfg.DataDir, logs: logs, srv: srv}
}

func (ts *testServer) iam(keyID, secret string) *iam.Client {
	return iam.New(iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
	})
}

func (ts *testServer) rootIAM() *iam.Client { return ts.iam(rootKeyID, rootSecret) }

func apiCode(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), defaultTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestUsersAndAccessKeysWithSDK(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { exerciseUsersAndKeys(t, startServer(t, nil)) })
	t.Run("postgres", func(t *testing.T) {
		url := postgresSchema(t)
		exerciseUsersAndKeys(t, startServer(t, func(c *server.Config) { c.Store = url }))
	})
}

// postgresSchema returns a URL of a fresh schema of the test PostgreSQL,
// dropped when the test ends. Without GATEHOUSE_TEST_POSTGRES_URL the test
// is skipped (and fails under CI=true).
func postgresSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
	if base == "" {
		missingTool(t, "GATEHOUSE_TEST_POSTGRES_URL is not set; set it (postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL tests")
	}
	ctx := ctxT(t)
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL at GATEHOUSE_TEST_POSTGRES_URL is unreachable: %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "e2e_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	u, err := neturl.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func exerciseUsersAndKeys(t *testing.T, ts *testServer) {
	ctx := ctxT(t)
	root := ts.rootIAM()

	out, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mateojackson"), Path: aws.String("/video/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("live")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.User.Arn); got != "arn:aws:iam::123456789012:user/video/mateojackson" {
		t.Fatalf("ARN %s", got)
	}
	_, err = root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("MateoJackson")})
	if code, _ := apiCode(t, err); code != "EntityAlreadyExists" {
		t.Fatalf("duplicate: %s", code)
	}
	list, err := root.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(list.Users) != 1 || list.IsTruncated {
		t.Fatalf("ListUsers: %v %+v", err, list)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("mateojackson")})
	if err != nil {
		t.Fatal(err)
	}
	secret := aws.ToString(key.AccessKey.SecretAccessKey)
	if len(secret) != 40 {
		t.Fatalf("secret %q", secret)
	}
	mateo := ts.iam(aws.ToString(key.AccessKey.AccessKeyId), secret)
	_, err = mateo.ListUsers(ctx, &iam.ListUsersInput{})
	code, msg := apiCode(t, err)
	if code != "AccessDenied" || msg != "User: arn:aws:iam::123456789012:user/video/mateojackson is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action" {
		t.Fatalf("denied: %s %s", code, msg)
	}
	// A wrong secret, an unknown key, and a deactivated key.
	_, err = ts.iam(aws.ToString(key.AccessKey.AccessKeyId), "wrong"+secret[5:]).ListUsers(ctx, &iam.ListUsersInput{})
	if code, _ := apiCode(t, err); code != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %s", code)
	}
	_, err = ts.iam("AKIAUNKNOWNKEY000000", secret).ListUsers(ctx, &iam.ListUsersInput{})
	if code, _ := apiCode(t, err); code != "InvalidClientTokenId" {
		t.Fatalf("unknown key: %s", code)
	}
	if _, err := root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("mateojackson"), AccessKeyId: key.AccessKey.AccessKeyId, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = mateo.ListUsers(ctx, &iam.ListUsersInput{})
	if code, _ := apiCode(t, err); code != "InvalidClientTokenId" {
		t.Fatalf("inactive key: %s", code)
	}
	keys, err := root.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("mateojackson")})
	if err != nil || len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].Status != iamtypes.StatusTypeInactive {
		t.Fatalf("ListAccessKeys: %v %+v", err, keys)
	}

	// No secret is stored or logged in the clear.
	for _, f := range []string{"gatehouse.db", "gatehouse.db-wal"} { // SQLite only; PostgreSQL keeps no file here
		b, err := os.ReadFile(filepath.Join(ts.dataDir, f))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		for _, s := range []string{secret, rootSecret} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains a secret access key in the clear", f)
			}
		}
	}
	if logs := ts.logs.String(); strings.Contains(logs, secret) || strings.Contains(logs, rootSecret) || !strings.Contains(logs, "request_id=") {
		t.Errorf("logs leak a secret or lack request ids:\n%s", logs)
	}
}

// missingTool skips the test for want of what msg names, or fails it under
// CI=true, where everything the tests need must be installed.
func missingTool(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// TestAWSCLI runs test/cli/*.sh, which drive the server with the unchanged
// AWS CLI.
func TestAWSCLI(t *testing.T) {
	// Debian's AWS CLI v2 (the awscli package) is preferred to whatever
	// else is on the PATH.
	cli := "/usr/bin/aws"
	if _, err := os.Stat(cli); err != nil {
		if cli, err = exec.LookPath("aws"); err != nil {
			missingTool(t, "the AWS CLI is not installed; install it (apt-get install -y awscli) to run the CLI tests")
		}
	}
	scripts, _ := filepath.Glob("../test/cli/*.sh")
	if len(scripts) == 0 {
		t.Fatal("no CLI test scripts found")
	}
	for _, script := range scripts {
		runCLIScript(t, "", cli, script)
	}
	// Another CLI first on the PATH (this machine's pyenv has AWS CLI v1)
	// runs the core scripts too.
	if other, err := exec.LookPath("aws"); err == nil && other != cli {
		if v, err := exec.Command(other, "--version").CombinedOutput(); err == nil && strings.HasPrefix(string(v), "aws-cli/") {
			name := "path-v" + strings.SplitN(strings.TrimPrefix(string(v), "aws-cli/"), ".", 2)[0]
			for _, s := range []string{"iam.sh", "sts.sh", "ivs.sh"} {
				runCLIScript(t, name, other, filepath.Join("../test/cli", s))
			}
		}
	}
}

// runCLIScript runs a script of test/cli with the AWS CLI cli against a
// server of its own, as a parallel subtest (prefixed by name).
func runCLIScript(t *testing.T, name, cli, script string) {
	sub := filepath.Base(script)
	if name != "" {
		sub = name + "/" + sub
	}
	t.Run(sub, func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, func(c *server.Config) { c.RTMPAddr = "127.0.0.1:0" })
		// A second account, for the scripts that cross accounts.
		admin, err := server.OpenAdmin(ctxT(t), server.Config{DataDir: ts.dataDir, MasterKey: testMasterKey})
		if err != nil {
			t.Fatal(err)
		}
		b, err := admin.CreateAccount(ctxT(t), "111122223333", "", "")
		admin.Close()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", script)
		cmd.Env = append(os.Environ(), "GATEHOUSE_B_ACCESS_KEY_ID="+b.AccessKeyID, "GATEHOUSE_B_SECRET_ACCESS_KEY="+b.SecretAccessKey, "GATEHOUSE_ENDPOINT="+ts.endpoint, "AWS_CLI="+cli, "AWS_ACCESS_KEY_ID="+rootKeyID, "AWS_SECRET_ACCESS_KEY="+rootSecret)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s with %s: %v\n%s", script, cli, err, out)
		}
		t.Logf("%s", out)
	})
}

// TestBoto3 runs the Python programs of test/boto3 against a server: the
// AWS SDK for Python as users run it. It needs a python3 with boto3 (the
// one on the PATH, or Debian's: apt-get install -y python3-boto3).
func TestBoto3(t *testing.T) {
	python := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import boto3").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		missingTool(t, "no python3 with boto3; install it (apt-get install -y python3-boto3) to run the boto3 tests")
	}
	scripts, _ := filepath.Glob("../test/boto3/*.py")
	if len(scripts) == 0 {
		t.Fatal("no boto3 test programs found")
	}
	for _, script := range scripts {
		t.Run(filepath.Base(script), func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, nil)
			cmd := exec.Command(python, script)
			cmd.Env = append(os.Environ(), "GATEHOUSE_ENDPOINT="+ts.endpoint, "AWS_ACCESS_KEY_ID="+rootKeyID, "AWS_SECRET_ACCESS_KEY="+rootSecret,
				"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", script, err, out)
			}
			t.Logf("%s", out)
		})
	}
}

// TestMalformedRequests sends what real clients never send: the server
// answers each with AWS's error and keeps serving.
func TestMalformedRequests(t *testing.T) {
	ts := startServer(t, nil)
	signer := &sigv4.Signer{Credentials: sigv4.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}, Region: "us-east-1", Service: "iam"}
	send := func(method, path, body string, sign bool, hdr map[string]string) (int, string) {
		req, err := http.NewRequest(method, ts.endpoint+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if sign {
			if err := signer.Sign(req, []byte(body), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		name, method, path, body string
		sign                     bool
		hdr                      map[string]string
		status                   int
		code                     string
	}{
		{"no auth", "POST", "/", "Action=ListUsers&Version=2010-05-08", false, nil, 403, "MissingAuthenticationToken"},
		{"garbage auth", "POST", "/", "Action=ListUsers", false, map[string]string{"Authorization": "AWS4-HMAC-SHA256 garbage"}, 400, "IncompleteSignature"},
		{"no action", "POST", "/", "Version=2010-05-08", true, nil, 400, "MissingAction"},
		{"unknown action", "POST", "/", "Action=LaunchRockets&Version=2010-05-08", true, nil, 400, "InvalidAction"},
		{"bad form", "POST", "/", "Action=ListUsers&%zz", true, nil, 400, "InvalidParameterValue"},
		{"missing required", "POST", "/", "Action=CreateUser&Version=2010-05-08", true, nil, 400, "ValidationError"},
		{"bad integer", "POST", "/", "Action=ListUsers&MaxItems=lots", true, nil, 400, "ValidationError"},
		{"out of range", "POST", "/", "Action=ListUsers&MaxItems=0", true, nil, 400, "ValidationError"},
		{"bad marker", "POST", "/", "Action=ListUsers&Marker=%21%21", true, nil, 400, "InvalidInput"},
		{"too large", "POST", "/", "Action=ListUsers&X=" + strings.Repeat("a", 2<<20), true, nil, 413, "RequestEntityTooLargeException"},
		{"GET with query", "GET", "/?Action=ListUsers&Version=2010-05-08", "", true, nil, 200, ""},
		{"binary body", "POST", "/", "\x00\xff\xfe", true, nil, 400, "MissingAction"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(tc.method, tc.path, tc.body, tc.sign, tc.hdr)
			if status != tc.status || (tc.code != "" && !strings.Contains(body, "<Code>"+tc.code+"</Code>")) {
				t.Fatalf("status %d, want %d with %s:\n%.300s", status, tc.status, tc.code, body)
			}
			if tc.code != "" && !strings.Contains(body, "<RequestId>") {
				t.Errorf("error without a request id: %s", body)
			}
		})
	}
	// Still serving.
	if _, err := ts.rootIAM().ListUsers(ctxT(t), &iam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
}
