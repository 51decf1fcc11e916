package playback

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testChannel = "arn:aws:ivs:us-west-2:123456789012:channel/abcdEFGH1234"
	otherChan   = "arn:aws:ivs:us-west-2:123456789012:channel/zzzzZZZZ9999"
)

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func newKey(t testing.TB, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func publicPEM(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// sign makes a token with method and key.
func sign(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// baseClaims is a minimal valid claim set for testChannel at testNow.
func baseClaims() jwt.MapClaims {
	return jwt.MapClaims{
		ClaimChannelARN: testChannel,
		ClaimExpiry:     testNow.Add(time.Hour).Unix(),
	}
}

// revocations is an in-memory Revocations: channel+viewer -> threshold.
type revocations map[string]int64

func (r revocations) Revoked(ch, viewer string, v int64) (bool, error) {
	n, ok := r[ch+"|"+viewer]
	return ok && v <= n, nil
}

// singleUse is an in-memory SingleUse.
type singleUse struct {
	mu   sync.Mutex
	used map[string]time.Time
}

func (s *singleUse) Consume(ch, uuid string, exp time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used == nil {
		s.used = map[string]time.Time{}
	}
	k := ch + "|" + uuid
	if _, ok := s.used[k]; ok {
		return false, nil
	}
	s.used[k] = exp
	return true, nil
}

var (
	_ Revocations = revocations(nil)
	_ SingleUse   = (*singleUse)(nil)
	_ Revocations = RevokedFunc(nil)
	_ SingleUse   = ConsumeFunc(nil)
)
