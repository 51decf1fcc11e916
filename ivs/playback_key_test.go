package ivs

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/awserr"
)

// publicPEM makes a key pair on curve and returns its public half as PEM.
func publicPEM(t *testing.T, curve elliptic.Curve) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{2}(:[0-9a-f]{2}){15}$`)

func TestImportPlaybackKeyPair(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	good := publicPEM(t, elliptic.P384())
	tests := []struct {
		name string
		in   ImportPlaybackKeyPairInput
		code string
		msg  string
	}{
		{"missing material", ImportPlaybackKeyPairInput{}, awserr.ValidationException, "publicKeyMaterial"},
		{"not pem", ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr("hello")}, awserr.ValidationException, "not PEM"},
		{"P-256", ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr(publicPEM(t, elliptic.P256()))}, awserr.ValidationException, "P-384"},
		{"bad name", ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr(good), Name: "a b"}, awserr.ValidationException, "name"},
		{"reserved tag", ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr(good), Tags: map[string]string{"aws:x": "1"}}, awserr.ValidationException, ""},
		{"ok", ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr(good), Name: "key-1", Tags: map[string]string{"team": "a"}}, "", ""},
		{"duplicate", ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr("\n" + good + "\n"), Name: "again"}, awserr.ConflictException, "already exists"},
	}
	var arn string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.ImportPlaybackKeyPair(ctx, e.root, &tc.in)
			if got := code(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("message %q lacks %q", err, tc.msg)
				}
				return
			}
			k := out.KeyPair
			if !regexp.MustCompile(`^arn:aws:ivs:us-west-2:123456789012:playback-key/[a-zA-Z0-9]{12}$`).MatchString(k.Arn) ||
				k.Name != "key-1" || k.Tags["team"] != "a" || !fingerprintPattern.MatchString(k.Fingerprint) {
				t.Fatalf("key pair %+v", k)
			}
			arn = k.Arn
		})
	}
	got, err := e.svc.GetPlaybackKeyPair(ctx, e.root, &ARNInput{Arn: arn})
	if err != nil || got.KeyPair.Arn != arn || got.KeyPair.Fingerprint == "" {
		t.Fatalf("get: %v %+v", err, got)
	}
	// The quota is 3 per account and region; a 4th is refused, another
	// region has its own.
	for range 2 {
		if _, err := e.svc.ImportPlaybackKeyPair(ctx, e.root, &ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr(publicPEM(t, elliptic.P384()))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.ImportPlaybackKeyPair(ctx, e.root, &ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr(publicPEM(t, elliptic.P384()))}); code(err) != awserr.ServiceQuotaExceededException {
		t.Fatalf("fourth: %v", err)
	}
	west1 := *e.root
	west1.Region = "eu-west-1"
	if _, err := e.svc.ImportPlaybackKeyPair(ctx, &west1, &ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr(good)}); err != nil {
		t.Fatalf("same key in another region: %v", err)
	}
	if _, err := e.svc.GetPlaybackKeyPair(ctx, &west1, &ARNInput{Arn: arn}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("other region's key: %v", err)
	}
	// List pages (default page is 3).
	l, err := e.svc.ListPlaybackKeyPairs(ctx, e.root, &ListInput{})
	if err != nil || len(l.KeyPairs) != 3 || l.NextToken != "" {
		t.Fatalf("list: %v %+v", err, l)
	}
	l, err = e.svc.ListPlaybackKeyPairs(ctx, e.root, &ListInput{MaxResults: ptr(2)})
	if err != nil || len(l.KeyPairs) != 2 || l.NextToken == "" {
		t.Fatalf("list page 1: %v %+v", err, l)
	}
	l2, err := e.svc.ListPlaybackKeyPairs(ctx, e.root, &ListInput{MaxResults: ptr(2), NextToken: l.NextToken})
	if err != nil || len(l2.KeyPairs) != 1 || l2.NextToken != "" || l2.KeyPairs[0].Arn == l.KeyPairs[1].Arn {
		t.Fatalf("list page 2: %v %+v", err, l2)
	}
	if _, err := e.svc.ListPlaybackKeyPairs(ctx, e.root, &ListInput{MaxResults: ptr(101)}); code(err) != awserr.ValidationException {
		t.Fatalf("maxResults: %v", err)
	}
	// Delete frees the quota and the key material.
	if _, err := e.svc.DeletePlaybackKeyPair(ctx, e.root, &ARNInput{Arn: arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeletePlaybackKeyPair(ctx, e.root, &ARNInput{Arn: arn}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("delete again: %v", err)
	}
	if _, err := e.svc.GetPlaybackKeyPair(ctx, e.root, &ARNInput{Arn: arn}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("get deleted: %v", err)
	}
	if _, err := e.svc.ImportPlaybackKeyPair(ctx, e.root, &ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr(good)}); err != nil {
		t.Fatalf("re-import: %v", err)
	}
	for _, bad := range []string{"", "arn:aws:ivs:us-west-2:123456789012:channel/abcdABCDefgh"} {
		if _, err := e.svc.GetPlaybackKeyPair(ctx, e.root, &ARNInput{Arn: bad}); code(err) != awserr.ValidationException {
			t.Fatalf("arn %q: %v", bad, err)
		}
	}
}
