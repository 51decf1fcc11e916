package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/gatehouse-iam/gatehouse/server"
)

// userWithPolicy creates a user whose only policy is an inline one
// allowing iam:ListUsers under condition, and returns its access key.
func userWithPolicy(t *testing.T, root *iam.Client, name, condition string) (string, string) {
	t.Helper()
	ctx := ctxT(t)
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*", "Condition": ` + condition + `}}`
	if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("conditional"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
}

// checkListUsers calls ListUsers and checks that it is allowed, or denied
// with AWS's message for the user.
func checkListUsers(t *testing.T, c *iam.Client, user string, allowed bool, optFns ...func(*iam.Options)) {
	t.Helper()
	_, err := c.ListUsers(ctxT(t), &iam.ListUsersInput{}, optFns...)
	if allowed {
		if err != nil {
			t.Fatalf("%s: ListUsers denied: %v", user, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("%s: ListUsers allowed, want AccessDenied", user)
	}
	code, msg := apiCode(t, err)
	want := "User: arn:aws:iam::123456789012:user/" + user + " is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action"
	if code != "AccessDenied" || msg != want {
		t.Fatalf("%s: %s %s", user, code, msg)
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and localhost and its
// key to dir, and returns their paths and a pool that trusts it.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gatehouse test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestSecureTransport proves aws:SecureTransport with real requests: a
// policy that requires it allows over HTTPS and denies over plain HTTP.
func TestSecureTransport(t *testing.T) {
	t.Parallel()
	const cond = `{"Bool": {"aws:SecureTransport": "true"}}`
	const insecureCond = `{"Bool": {"aws:SecureTransport": "false"}}`
	certFile, keyFile, pool := selfSignedCert(t, t.TempDir())

	tlsSrv := startServer(t, func(c *server.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	endpoint := "https://" + strings.TrimPrefix(tlsSrv.endpoint, "http://")
	client := func(keyID, secret string) *iam.Client {
		return iam.New(iam.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String(endpoint),
			Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
			HTTPClient:   &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}},
		})
	}
	root := client(rootKeyID, rootSecret)
	checkListUsers(t, client(userWithPolicy(t, root, "secure", cond)), "secure", true)
	checkListUsers(t, client(userWithPolicy(t, root, "insecure", insecureCond)), "insecure", false)
	// A plain-HTTP client cannot talk to the HTTPS endpoint at all.
	if _, err := tlsSrv.iam(rootKeyID, rootSecret).ListUsers(ctxT(t), &iam.ListUsersInput{}); err == nil {
		t.Fatal("plain HTTP to the HTTPS endpoint succeeded")
	}

	plain := startServer(t, nil)
	root = plain.rootIAM()
	checkListUsers(t, plain.iam(userWithPolicy(t, root, "secure", cond)), "secure", false)
	checkListUsers(t, plain.iam(userWithPolicy(t, root, "insecure", insecureCond)), "insecure", true)
}

// TestSourceIp proves aws:SourceIp with real requests, with and without a
// trusted proxy in front.
func TestSourceIp(t *testing.T) {
	t.Parallel()
	const loopback = `{"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}`
	const office = `{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}`
	const notOffice = `{"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`
	forwarded := func(v string) func(*iam.Options) {
		return iam.WithAPIOptions(smithyhttp.AddHeaderValue("X-Forwarded-For", v))
	}

	t.Run("peer address", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, nil)
		root := ts.rootIAM()
		lo := ts.iam(userWithPolicy(t, root, "loopback", loopback))
		off := ts.iam(userWithPolicy(t, root, "office", office))
		not := ts.iam(userWithPolicy(t, root, "notoffice", notOffice))
		checkListUsers(t, lo, "loopback", true)
		checkListUsers(t, off, "office", false)
		checkListUsers(t, not, "notoffice", true)
		// Without a trusted proxy a client cannot claim another address.
		checkListUsers(t, lo, "loopback", true, forwarded("203.0.113.9"))
		checkListUsers(t, off, "office", false, forwarded("203.0.113.9"))
	})

	t.Run("trusted proxy", func(t *testing.T) {
		t.Parallel()
		// The test client is the proxy: it connects from 127.0.0.1.
		ts := startServer(t, func(c *server.Config) { c.TrustedProxies = []string{"127.0.0.0/8"} })
		root := ts.rootIAM()
		lo := ts.iam(userWithPolicy(t, root, "loopback", loopback))
		off := ts.iam(userWithPolicy(t, root, "office", office))
		checkListUsers(t, lo, "loopback", true) // no header: the peer
		checkListUsers(t, off, "office", true, forwarded("203.0.113.9"))
		checkListUsers(t, off, "office", true, forwarded("2001:db8::9"))
		checkListUsers(t, lo, "loopback", false, forwarded("203.0.113.9"))
		// Entries left of the first untrusted hop are the client's own claim.
		checkListUsers(t, off, "office", false, forwarded("203.0.113.9, 198.51.100.1"))
		checkListUsers(t, off, "office", true, forwarded("198.51.100.1, 203.0.113.9, 127.0.0.5"))
	})
}
