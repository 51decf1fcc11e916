package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server"
)

// newDataDir returns a data directory in which a server has started once:
// its store, master key file and first account exist.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	srv, err := server.New(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: dir, AccountID: "123456789012", Region: "us-west-2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestAccountCreateAndList(t *testing.T) {
	// Variables of serve must not leak into account create.
	t.Setenv("GATEHOUSE_ROOT_ACCESS_KEY_ID", "AKIASERVEROOTKEY0001")
	t.Setenv("GATEHOUSE_ROOT_SECRET_ACCESS_KEY", "serve+root+secret+that+account+ignores+0")
	t.Setenv("GATEHOUSE_MASTER_KEY", "")
	dir := newDataDir(t)

	out, code := runCLI(t, "account", "create", "--id", "210987654321", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("create: exit %d\n%s", code, out)
	}
	var creds struct{ AccountId, AccessKeyId, SecretAccessKey string }
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatalf("create printed no JSON: %v\n%s", err, out)
	}
	if creds.AccountId != "210987654321" || !strings.HasPrefix(creds.AccessKeyId, "AKIA") || len(creds.SecretAccessKey) != 40 {
		t.Fatalf("credentials %+v", creds)
	}

	// A chosen key, and the data directory from the environment.
	t.Setenv("GATEHOUSE_DATA_DIR", dir)
	out, code = runCLI(t, "account", "create", "--id", "333333333333", "--root-access-key-id", "AKIATHIRDACCOUNT0001", "--root-secret-access-key", "third+account+secret+for+tests+only+0000")
	if code != 0 || !strings.Contains(out, `"AccessKeyId": "AKIATHIRDACCOUNT0001"`) || !strings.Contains(out, `"SecretAccessKey": "third+account+secret+for+tests+only+0000"`) {
		t.Fatalf("create with key: exit %d\n%s", code, out)
	}

	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"existing id", []string{"create", "--id", "210987654321"}, 1, []string{"gatehouse: account already exists: 210987654321"}},
		{"the first account", []string{"create", "--id", "123456789012"}, 1, []string{"account already exists: 123456789012"}},
		{"key in use", []string{"create", "--id", "444444444444", "--root-access-key-id", "AKIATHIRDACCOUNT0001", "--root-secret-access-key", "another+secret+0000000000000000000000000"}, 1, []string{"access key id already in use: AKIATHIRDACCOUNT0001"}},
		{"bad id", []string{"create", "--id", "12"}, 1, []string{`account id "12" is not 12 digits`}},
		{"no id", []string{"create"}, 2, []string{"--id is required"}},
		{"half a key", []string{"create", "--id", "444444444444", "--root-access-key-id", "AKIAONLYTHEID0000000"}, 2, []string{"give both --root-access-key-id and --root-secret-access-key"}},
		{"wrong data dir", []string{"create", "--id", "444444444444", "--data-dir", t.TempDir()}, 1, []string{"no Gatehouse store at"}},
		{"list", []string{"list"}, 0, []string{"ACCOUNT ID    CREATED\n123456789012  20", "\n210987654321  20", "\n333333333333  20"}},
		{"list json", []string{"list", "--json"}, 0, []string{`"AccountId": "123456789012"`, `"AccountId": "333333333333"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runCLI(t, append([]string{"account"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
			}
			for _, w := range tc.wants {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}

	out, code = runCLI(t, "account", "list", "--json")
	var list struct {
		Accounts []struct {
			AccountId string
			Created   string
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 {
		t.Fatalf("list --json: exit %d, %v\n%s", code, err, out)
	}
	if len(list.Accounts) != 3 || list.Accounts[1].AccountId != "210987654321" || list.Accounts[1].Created == "" {
		t.Fatalf("list --json: %+v", list)
	}
}

func TestServeFlagsValidated(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"cert without key", []string{"--tls-cert", "cert.pem"}, "set both --tls-cert and --tls-key, or neither"},
		{"bad proxy", []string{"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "proxy.internal"}, `--trusted-proxy "proxy.internal" is neither a CIDR nor an IP address`},
		{"bad proxy list", []string{"--trusted-proxy", "10.0.0.0/8,10.0.0.0/99"}, `--trusted-proxy "10.0.0.0/99" is not a CIDR`},
		{"bad rtmp addr", []string{"--rtmp-addr", "1935"}, `--rtmp-addr "1935"`},
		{"missing cert file", []string{"--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"}, "--tls-cert/--tls-key: open /nonexistent/cert.pem"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, code := runCLI(t, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, tc.args...)...)
			if code != 2 || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want 2 and %q:\n%s", code, tc.want, out)
			}
		})
	}
	t.Run("proxies from the environment", func(t *testing.T) {
		t.Setenv("GATEHOUSE_TRUSTED_PROXY", "10.0.0.0/8,nope")
		out, code := runCLI(t, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
		if code != 2 || !strings.Contains(out, `--trusted-proxy "nope"`) {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
}
