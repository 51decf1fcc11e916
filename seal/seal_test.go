package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	box, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	s1 := box.Seal(secret, []byte("AKIAEXAMPLE"))
	s2 := box.Seal(secret, []byte("AKIAEXAMPLE"))
	if bytes.Equal(s1, s2) {
		t.Error("two seals of the same secret are equal: nonce reuse")
	}
	if bytes.Contains(s1, secret) {
		t.Error("sealed value contains the plaintext")
	}
	got, err := box.Open(s1, []byte("AKIAEXAMPLE"))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := box.Open(s1, []byte("AKIAOTHER")); !errors.Is(err, ErrOpen) {
		t.Errorf("Open with another context: %v", err)
	}
	s1[len(s1)-1] ^= 1
	if _, err := box.Open(s1, []byte("AKIAEXAMPLE")); !errors.Is(err, ErrOpen) {
		t.Errorf("Open of a tampered value: %v", err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(s2, []byte("AKIAEXAMPLE")); !errors.Is(err, ErrOpen) {
		t.Errorf("Open under another key: %v", err)
	}
	if _, err := box.Open([]byte("short"), nil); !errors.Is(err, ErrOpen) {
		t.Errorf("Open of a short value: %v", err)
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("New accepted a short key")
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	k1, created, err := LoadOrCreateKey(path)
	if err != nil || !created || len(k1) != KeySize {
		t.Fatalf("create: %v %v %d", err, created, len(k1))
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, created, err := LoadOrCreateKey(path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("load: %v %v", err, created)
	}
	for _, s := range []string{"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="} {
		if k, err := ParseKey(s); err != nil || k[31] != 31 {
			t.Errorf("ParseKey(%q) = %v, %v", s, k, err)
		}
	}
	if _, err := ParseKey("nope"); err == nil {
		t.Error("ParseKey accepted garbage")
	}
}
