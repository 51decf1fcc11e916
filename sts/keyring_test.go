package sts

import (
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

func testClaims(now time.Time) *Claims {
	return &Claims{Issuer: IssuerAssumeRole, Account: accountA, ARN: "arn:aws:sts::123456789012:assumed-role/r/s",
		UserID: "AROAEXAMPLEEXAMPLE123:s", RoleARN: "arn:aws:iam::123456789012:role/r", SessionName: "s",
		IssuedAt: now, Expires: now.Add(time.Hour), Tags: []Tag{{"team", "video"}}, TransitiveTagKeys: []string{"team"},
		SourceIdentity: "alice", MFA: true, MFAAuthTime: now, AccessKeyID: "ASIAEXAMPLEEXAMPLE12", Secret: strings.Repeat("s", 40)}
}

func TestKeyRingSealOpen(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	want := testClaims(e.clock.now())
	tok, err := e.ring.Seal(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) > 1024 {
		t.Errorf("token is %d bytes", len(tok))
	}
	got, err := e.ring.Open(ctx, tok)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Open = %+v, %v\nwant %+v", got, err, want)
	}
	if strings.Contains(tok, "alice") || strings.Contains(tok, want.Secret) {
		t.Error("the token shows its claims")
	}

	// Another node sharing the store opens it.
	other := NewKeyRing(e.st, e.box, e.clock.now)
	if _, err := other.Open(ctx, tok); err != nil {
		t.Fatalf("another ring: %v", err)
	}

	// Large session policies are compressed.
	big := testClaims(e.clock.now())
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ivs:GetChannel","ivs:ListChannels"],"Resource":"arn:aws:ivs:us-west-2:123456789012:channel/*"}]}`
	for range 10 {
		big.Policies = append(big.Policies, doc)
	}
	btok, err := e.ring.Seal(ctx, big)
	if err != nil {
		t.Fatal(err)
	}
	if len(btok) > 2048 {
		t.Errorf("token with ten policies is %d bytes", len(btok))
	}
	if got, err := e.ring.Open(ctx, btok); err != nil || !reflect.DeepEqual(got, big) {
		t.Fatalf("Open big = %v", err)
	}
}

func TestKeyRingRejects(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	tok, err := e.ring.Seal(ctx, testClaims(e.clock.now()))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	tests := map[string]string{
		"empty":            "",
		"garbage":          "not a token!",
		"truncated":        tok[:len(tok)/2],
		"version":          flip(0),
		"key id":           flip(1),
		"nonce":            flip(headerLen),
		"ciphertext":       flip(headerLen + nonceLen + 2),
		"tag":              flip(len(raw) - 1),
		"padding added":    tok + "=",
		"too long":         strings.Repeat("A", maxTokenLen+1),
		"AWS-looking":      "IQoJb3JpZ2luX2VjEPr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ",
		"unknown key id":   base64.RawURLEncoding.EncodeToString(append([]byte{tokenVersion, 1, 2, 3, 4, 5, 6, 7, 8}, raw[headerLen:]...)),
		"other master key": "",
	}
	// A token of a ring under another master key (another installation).
	other := newTestEnv(t)
	otok, err := other.ring.Seal(ctx, testClaims(other.clock.now()))
	if err != nil {
		t.Fatal(err)
	}
	tests["other master key"] = otok
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := e.ring.Open(ctx, tok); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Open = %v, want ErrInvalidToken", err)
			}
		})
	}
}

func TestKeyRingRotation(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	keyID := func(tok string) string {
		raw, _ := base64.RawURLEncoding.DecodeString(tok)
		return string(raw[1:headerLen])
	}
	first, err := e.ring.Seal(ctx, testClaims(e.clock.now()))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.advance(23 * time.Hour)
	same, err := e.ring.Seal(ctx, testClaims(e.clock.now()))
	if err != nil {
		t.Fatal(err)
	}
	if keyID(same) != keyID(first) {
		t.Error("rotated before a day")
	}
	e.clock.advance(2 * time.Hour)
	second, err := e.ring.Seal(ctx, testClaims(e.clock.now()))
	if err != nil {
		t.Fatal(err)
	}
	if keyID(second) == keyID(first) {
		t.Error("not rotated after a day")
	}
	// Another node picks up the new key rather than making its own.
	other := NewKeyRing(e.st, e.box, e.clock.now)
	third, err := other.Seal(ctx, testClaims(e.clock.now()))
	if err != nil {
		t.Fatal(err)
	}
	if keyID(third) != keyID(second) {
		t.Error("another node made its own key")
	}
	// The old key still opens its tokens, on both nodes.
	for _, r := range []*KeyRing{e.ring, other} {
		if _, err := r.Open(ctx, first); err != nil {
			t.Fatalf("old token: %v", err)
		}
	}
	// Keys are dropped once no token can need them.
	e.clock.advance(keepKeys + time.Hour)
	if _, err := e.ring.Seal(ctx, testClaims(e.clock.now())); err != nil {
		t.Fatal(err)
	}
	var n int
	err = e.st.View(ctx, func(tx store.Tx) error {
		items, err := tx.List(ctx, store.Global, store.SessionKeysPrefix, "", 0)
		n = len(items)
		return err
	})
	if err != nil || n != 1 {
		t.Fatalf("%d keys stored (%v), want 1", n, err)
	}
	if _, err := NewKeyRing(e.st, e.box, e.clock.now).Open(ctx, first); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("token of a dropped key: %v", err)
	}
}
