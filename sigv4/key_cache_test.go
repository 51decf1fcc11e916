package sigv4

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

func signedWith(t testing.TB, akid, secret string) *http.Request {
	t.Helper()
	s := &Signer{Credentials: Credentials{AccessKeyID: akid, SecretAccessKey: secret}, Region: vecRegion, Service: "iam"}
	return signedPost(t, s, nil, nil)(t)
}

func verifyReq(v *Verifier, r *http.Request, secret string) error {
	s, err := v.Parse(r)
	if err != nil {
		return err
	}
	return v.Verify(s, secret, []byte(testBody))
}

// TestKeyCacheRotatedSecret: a cached key derived from an old secret must
// never verify a request against a new one, nor the reverse.
func TestKeyCacheRotatedSecret(t *testing.T) {
	t.Parallel()
	const oldSecret, newSecret = "old-secret-0123456789012345678901234567", "new-secret-0123456789012345678901234567"
	v := NewVerifier(fixedClock(vecTime), Options{})
	oldReq, newReq := signedWith(t, "AKIDROTATE", oldSecret), signedWith(t, "AKIDROTATE", newSecret)

	if err := verifyReq(v, oldReq, oldSecret); err != nil {
		t.Fatal(err)
	}
	if v.keys.len() != 1 {
		t.Fatalf("cache holds %d keys, want 1", v.keys.len())
	}
	if err := verifyReq(v, oldReq, newSecret); !errors.Is(err, SignatureDoesNotMatch) {
		t.Errorf("old request, new secret: err = %v, want SignatureDoesNotMatch", err)
	}
	if err := verifyReq(v, newReq, newSecret); err != nil {
		t.Errorf("new request, new secret: %v", err)
	}
	if err := verifyReq(v, newReq, oldSecret); !errors.Is(err, SignatureDoesNotMatch) {
		t.Errorf("new request, old secret (cached key is for the new one now): err = %v", err)
	}
	if v.keys.len() != 1 {
		t.Errorf("cache holds %d keys, want 1 (replaced)", v.keys.len())
	}
}

func TestKeyCacheOnlyOnSuccess(t *testing.T) {
	t.Parallel()
	v := NewVerifier(fixedClock(vecTime), Options{})
	if err := verifyReq(v, signedWith(t, "AKIDA", vecSecret), "wrong"); err == nil {
		t.Fatal("wrong secret verified")
	}
	if n := v.keys.len(); n != 0 {
		t.Errorf("failed verification cached %d keys", n)
	}
}

func TestKeyCacheBounded(t *testing.T) {
	t.Parallel()
	v := NewVerifier(fixedClock(vecTime), Options{KeyCacheSize: 3})
	for i := range 10 {
		akid := fmt.Sprintf("AKID%02d", i)
		if err := verifyReq(v, signedWith(t, akid, vecSecret), vecSecret); err != nil {
			t.Fatal(err)
		}
		if n := v.keys.len(); n > 3 {
			t.Fatalf("cache holds %d keys, limit 3", n)
		}
	}
}

func TestKeyCacheDisabled(t *testing.T) {
	t.Parallel()
	v := NewVerifier(fixedClock(vecTime), Options{KeyCacheSize: -1})
	if v.keys != nil {
		t.Fatal("cache not disabled")
	}
	for range 2 {
		if err := verifyReq(v, signedWith(t, "AKIDA", vecSecret), vecSecret); err != nil {
			t.Fatal(err)
		}
	}
}

// TestVerifierConcurrent exercises the pool and the cache (with eviction)
// from many goroutines; run it with -race.
func TestVerifierConcurrent(t *testing.T) {
	t.Parallel()
	v := NewVerifier(fixedClock(vecTime), Options{KeyCacheSize: 4})
	const keys = 8
	reqs := make([]*http.Request, keys)
	for i := range reqs {
		reqs[i] = signedWith(t, fmt.Sprintf("AKID%d", i), fmt.Sprintf("secret-%d", i))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for j := range 200 {
				i := (g + j) % keys
				err := verifyReq(v, reqs[i], fmt.Sprintf("secret-%d", i))
				if err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
				if err := verifyReq(v, reqs[i], "wrong"); !errors.Is(err, SignatureDoesNotMatch) {
					t.Errorf("goroutine %d: wrong secret: %v", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
