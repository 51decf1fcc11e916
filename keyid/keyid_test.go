package keyid

import (
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, acct := range []string{"123456789012", "000000000001", "999999999999", "210987654321"} {
		for _, prefix := range []string{"AKIA", "ASIA"} {
			seen := map[string]bool{}
			for range 200 {
				id := New(prefix, acct)
				if len(id) != 20 || !strings.HasPrefix(id, prefix) || strings.Trim(id[4:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
					t.Fatalf("New(%s, %s) = %q", prefix, acct, id)
				}
				if got, ok := Account(id); !ok || got != acct {
					t.Fatalf("Account(%s) = %q, %v; want %s", id, got, ok, acct)
				}
				if seen[id] {
					t.Fatalf("New(%s, %s) repeated %s", prefix, acct, id)
				}
				seen[id] = true
			}
		}
	}
}

// TestAWSExample decodes key ids whose accounts are published: the
// decoding is AWS's.
func TestAWSExample(t *testing.T) {
	// AKIAIOSFODNN7EXAMPLE is AWS's documentation key (made before
	// account ids were encoded); ASIAY34FZKBOKMUTVV7A decodes to
	// 609629065308 by the published method.
	if got, ok := Account("ASIAY34FZKBOKMUTVV7A"); !ok || got != "609629065308" {
		t.Errorf("Account(ASIAY34FZKBOKMUTVV7A) = %q, %v", got, ok)
	}
}

func TestNotAKeyID(t *testing.T) {
	// Wrong lengths, and characters outside base32 (0, 1, 8, 9, /).
	for _, id := range []string{"", "AKIA", "AKIALOADBENCHROOT001", "AKIA0000000000000000", "AKIAIOSFODNN7EXAMPLE1", "AKIA////////////////"} {
		if got, ok := Account(id); ok {
			t.Errorf("Account(%q) = %q, true", id, got)
		}
	}
	// A key id whose bits hold more than twelve digits encodes no account.
	if got, ok := Account("AKIA7777777777777777"); ok {
		t.Errorf("Account(AKIA7777777777777777) = %q, true", got)
	}
}

func FuzzAccount(f *testing.F) {
	f.Add("ASIAY34FZKBOKMUTVV7A")
	f.Add("AKIAIOSFODNN7EXAMPLE")
	f.Fuzz(func(t *testing.T, id string) {
		acct, ok := Account(id)
		if ok && len(acct) != 12 {
			t.Fatalf("Account(%q) = %q", id, acct)
		}
	})
}
