package playback

import (
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// requireOpenSSL skips when openssl is not on the PATH, except under CI.
func requireOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is not on the PATH and CI=true: install openssl")
		}
		t.Skip("openssl is not on the PATH; skipping tests with openssl-made keys")
	}
}

func openssl(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	if stdin != nil {
		cmd.Stdin = strings.NewReader(string(stdin))
	}
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("openssl %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatalf("openssl %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// opensslKeyPair makes a key pair as the IVS user guide does and returns the
// private key file and the public key PEM.
func opensslKeyPair(t *testing.T, curve string) (privFile string, pubPEM []byte) {
	t.Helper()
	dir := t.TempDir()
	privFile = filepath.Join(dir, "priv.pem")
	pubFile := filepath.Join(dir, "public.pem")
	openssl(t, nil, "ecparam", "-name", curve, "-genkey", "-noout", "-out", privFile)
	openssl(t, nil, "ec", "-in", privFile, "-pubout", "-out", pubFile)
	pubPEM, err := os.ReadFile(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	return privFile, pubPEM
}

func TestOpenSSLKeys(t *testing.T) {
	t.Parallel()
	requireOpenSSL(t)
	privFile, pubPEM := opensslKeyPair(t, "secp384r1")
	pub, fp, err := ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatalf("importing openssl's public.pem: %v", err)
	}

	// The fingerprint is MD5 over the DER SubjectPublicKeyInfo, as openssl computes it.
	der := openssl(t, pubPEM, "pkey", "-pubin", "-outform", "DER")
	md5 := string(openssl(t, der, "dgst", "-md5", "-c"))
	if _, want, _ := strings.Cut(strings.TrimSpace(md5), "= "); want != fp {
		t.Fatalf("fingerprint %q, openssl says %q", fp, want)
	}

	privPEM, err := os.ReadFile(privFile)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := jwt.ParseECPrivateKeyFromPEM(privPEM)
	if err != nil {
		t.Fatalf("reading openssl's priv.pem: %v", err)
	}
	if !priv.PublicKey.Equal(pub) {
		t.Fatal("openssl's public.pem is not the public half of priv.pem")
	}
	keys := []Key{{ID: "go", Public: &newKey(t, pub.Curve).PublicKey}, {ID: "openssl", Public: pub}}
	v := NewVerifier()

	t.Run("token signed by golang-jwt with the openssl key", func(t *testing.T) {
		c := baseClaims()
		c[ClaimViewerID] = "viewer-1"
		c[ClaimExpiry] = testNow.Add(5 * time.Minute).Unix()
		got, err := v.Verify(sign(t, jwt.SigningMethodES384, priv, c),
			Request{ChannelARN: testChannel, Now: testNow, Keys: keys, Revocations: revocations{}})
		if err != nil {
			t.Fatal(err)
		}
		if got.KeyID != "openssl" || got.ViewerID != "viewer-1" {
			t.Fatalf("claims = %+v", got)
		}
	})

	// openssl itself signs; its DER signature is converted to JWS r||s.
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES384","typ":"JWT"}`))
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"aws:channel-arn":"` + testChannel + `","exp":` +
		big.NewInt(testNow.Add(time.Hour).Unix()).String() + `}`))
	input := header + "." + payload
	sigFile := filepath.Join(t.TempDir(), "sig")
	inFile := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(inFile, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	openssl(t, nil, "dgst", "-sha384", "-sign", privFile, "-out", sigFile, inFile)
	derSig, err := os.ReadFile(sigFile)
	if err != nil {
		t.Fatal(err)
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(derSig, &rs); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 96)
	rs.R.FillBytes(raw[:48])
	rs.S.FillBytes(raw[48:])

	t.Run("token signed by openssl", func(t *testing.T) {
		_, err := v.Verify(input+"."+base64.RawURLEncoding.EncodeToString(raw), Request{ChannelARN: testChannel, Now: testNow, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("DER signature refused", func(t *testing.T) {
		_, err := v.Verify(input+"."+base64.RawURLEncoding.EncodeToString(derSig), Request{ChannelARN: testChannel, Now: testNow, Keys: keys})
		assertErr(t, err, ErrBadSignature, "not DER")
	})
}

func TestOpenSSLWrongCurve(t *testing.T) {
	t.Parallel()
	requireOpenSSL(t)
	for _, curve := range []string{"prime256v1", "secp521r1", "secp256k1"} {
		t.Run(curve, func(t *testing.T) {
			t.Parallel()
			_, pubPEM := opensslKeyPair(t, curve)
			_, _, err := ParsePublicKey(pubPEM)
			if err == nil || !strings.Contains(err.Error(), "must use P-384") {
				t.Fatalf("%s key: err = %v", curve, err)
			}
		})
	}
	t.Run("private key given as public", func(t *testing.T) {
		t.Parallel()
		privFile, _ := opensslKeyPair(t, "secp384r1")
		privPEM, err := os.ReadFile(privFile)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := ParsePublicKey(privPEM); err == nil || !strings.Contains(err.Error(), "private key") {
			t.Fatalf("err = %v", err)
		}
	})
}
