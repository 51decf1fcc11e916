package policy

import (
	"strings"
	"testing"
)

// TestLowerKey: the keys lowerKey spells out are lower-cased as
// strings.ToLower does, and setting them allocates only the entries.
func TestLowerKey(t *testing.T) {
	keys := []string{"aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport", "aws:RequestedRegion",
		"aws:SourceIp", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:TokenIssueTime",
		"aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType", "aws:TagKeys",
		"aws:RequestTag/Owner", "ivs:Resolution", "aws:username"}
	for _, k := range keys {
		if got, want := lowerKey(k), strings.ToLower(k); got != want {
			t.Errorf("lowerKey(%q) = %q, want %q", k, got, want)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		var c Context
		for _, k := range keys[:12] {
			c.Set(k, "v")
		}
		if v, ok := c.Get("aws:SourceIp"); !ok || v[0] != "v" {
			t.Fatal("aws:SourceIp not found")
		}
	})
	// The entries (6, then 12), and Get's one-element slice.
	if allocs > 3 {
		t.Errorf("%v allocations, want at most 3", allocs)
	}
}
