package playback

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"
)

func TestParsePublicKey(t *testing.T) {
	t.Parallel()
	p384 := newKey(t, elliptic.P384())
	p256 := newKey(t, elliptic.P256())
	p521 := newKey(t, elliptic.P521())
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(p384)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(p384)
	good := publicPEM(t, &p384.PublicKey)

	tests := []struct {
		name    string
		pem     []byte
		wantErr string // substring; "" means success
	}{
		{"P-384 SPKI", good, ""},
		{"P-384 SPKI with CRLF and surrounding space", []byte("\n  " + strings.ReplaceAll(string(good), "\n", "\r\n") + "\n\n"), ""},
		{"empty", nil, "not PEM"},
		{"base64 without armour", []byte("MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE"), "not PEM"},
		{"P-256", publicPEM(t, &p256.PublicKey), "curve P-256"},
		{"P-521", publicPEM(t, &p521.PublicKey), "curve P-521"},
		{"RSA", publicPEM(t, &rsaKey.PublicKey), "RSA"},
		{"Ed25519", publicPEM(t, edPub), "Ed25519"},
		{"SEC1 private key", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), "private key"},
		{"PKCS8 private key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), "private key"},
		{"EC PARAMETERS first", pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 5, 43, 129, 4, 0, 34}}), "EC PARAMETERS"},
		{"certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), `"CERTIFICATE"`},
		{"garbage DER", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("nope")}), "not a valid SubjectPublicKeyInfo"},
		{"two keys", append(append([]byte{}, good...), good...), "data after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pub, fp, err := ParsePublicKey(tc.pem)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if pub != nil || fp != "" {
					t.Fatalf("got key/fingerprint with an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !pub.Equal(&p384.PublicKey) {
				t.Fatal("parsed key differs from the generated one")
			}
			if !regexp.MustCompile(`^([0-9a-f]{2}:){15}[0-9a-f]{2}$`).MatchString(fp) {
				t.Fatalf("fingerprint %q is not 16 colon-separated hex bytes", fp)
			}
		})
	}
}

func TestFingerprintStableAndDistinct(t *testing.T) {
	t.Parallel()
	a, b := newKey(t, elliptic.P384()), newKey(t, elliptic.P384())
	_, fa1, err1 := ParsePublicKey(publicPEM(t, &a.PublicKey))
	_, fa2, err2 := ParsePublicKey([]byte("  " + string(publicPEM(t, &a.PublicKey))))
	_, fb, err3 := ParsePublicKey(publicPEM(t, &b.PublicKey))
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	if fa1 != fa2 {
		t.Fatalf("same key, different fingerprints: %s %s", fa1, fa2)
	}
	if fa1 == fb {
		t.Fatalf("different keys, same fingerprint %s", fa1)
	}
}

func FuzzParsePublicKey(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	f.Add(publicPEM(f, &k.PublicKey))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pub, fp, err := ParsePublicKey(b)
		if err == nil && (pub == nil || pub.Curve != elliptic.P384() || fp == "") {
			t.Fatalf("accepted %q without a P-384 key and fingerprint", b)
		}
	})
}
