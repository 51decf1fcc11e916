package policy

import (
	"fmt"
	"strconv"
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

// TestSetTag checks that SetTag(prefix, key, v) is Set(prefix+key, v):
// the same keys found, spelled the same, the same replacements, with
// ASCII and other case folding; and that it allocates once.
func TestSetTag(t *testing.T) {
	type set struct{ prefix, key, v string }
	sets := []set{{"aws:ResourceTag/", "team", "t01"}, {"aws:ResourceTag/", "Env", "prod"}, {"aws:RequestTag/", "Owner", "a"},
		{"aws:ResourceTag/", "TEAM", "t02"}, {"aws:ResourceTag/", "Ünïcode", "x"}, {"aws:ResourceTag/", "\u212Aey", "kelvin"},
		{"aws:ResourceTag/", "key", "plain"}, {"aws:ResourceTag/", "", "empty"}}
	var want, got Context
	for _, s := range sets {
		want.Set(s.prefix+s.key, s.v)
		got.SetTag(s.prefix, s.key, s.v)
	}
	list := func(c *Context) string {
		var b strings.Builder
		c.Each(func(k string, vs []string, multi bool) { fmt.Fprintf(&b, "%s=%v;", k, vs) })
		return b.String()
	}
	if list(&got) != list(&want) {
		t.Errorf("SetTag: %s\nSet:    %s", list(&got), list(&want))
	}
	for _, k := range []string{"aws:resourcetag/team", "AWS:RESOURCETAG/ENV", "aws:requesttag/owner", "aws:resourcetag/ünïcode",
		"aws:ResourceTag/key", "aws:resourcetag/kEY", "aws:resourcetag/"} {
		gv, gok := got.Get(k)
		wv, wok := want.Get(k)
		if fmt.Sprint(gv, gok) != fmt.Sprint(wv, wok) {
			t.Errorf("Get(%q): %v %v after SetTag, %v %v after Set", k, gv, gok, wv, wok)
		}
	}
	var c Context
	c.Set("aws:SourceIp", "10.0.0.1") // the entries allocated
	if n := testing.AllocsPerRun(100, func() { c.entries = c.entries[:1]; c.SetTag("aws:ResourceTag/", "Team", "t01") }); n != 1 {
		t.Errorf("SetTag allocates %v times, want 1", n)
	}
}

// TestCloneGrow: a copy made for a check's own keys holds the caller's
// keys as they were set, takes n more without growing, and changes to it
// (new keys, replaced values) leave the original as it was.
func TestCloneGrow(t *testing.T) {
	var c Context
	c.Set("aws:SourceIp", "10.0.0.1")
	c.SetMulti("aws:TagKeys", []string{"a", "b"})
	c.Set("aws:PrincipalTag/Team", "red")
	dump := func(c *Context) string {
		var b strings.Builder
		c.Each(func(k string, vs []string, multi bool) { fmt.Fprintf(&b, "%s=%v/%v;", k, vs, multi) })
		return b.String()
	}
	before := dump(&c)
	cp := c.CloneGrow(2)
	if got := dump(&cp); got != before {
		t.Fatalf("copy %q, want %q", got, before)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		cp := c.CloneGrow(2)
		cp.SetTag("aws:ResourceTag/", "env", "prod")
		cp.SetTag("aws:ResourceTag/", "team", "red")
	}); allocs != 3 { // the entries and the two keys' names
		t.Errorf("%v allocations, want 3", allocs)
	}
	cp.Set("aws:sourceip", "192.0.2.1")
	cp.Set("aws:ResourceTag/env", "prod")
	if dump(&c) != before {
		t.Errorf("the original changed: %q, want %q", dump(&c), before)
	}
	if v, ok := cp.Get("aws:SourceIp"); !ok || v[0] != "192.0.2.1" {
		t.Errorf("copy's aws:SourceIp = %v %v", v, ok)
	}
	if v, ok := cp.Get("aws:PrincipalTag/team"); !ok || v[0] != "red" {
		t.Errorf("copy's aws:PrincipalTag/team = %v %v", v, ok)
	}
	if v, ok := cp.Get("aws:resourcetag/ENV"); !ok || v[0] != "prod" || cp.Len() != 4 {
		t.Errorf("copy's aws:ResourceTag/env = %v %v, %d keys", v, ok, cp.Len())
	}
}

// TestContextReset: Reset empties a context and keeps its storage, but
// for a context grown past maxReusedKeys, and the values set before are
// gone from the storage.
func TestContextReset(t *testing.T) {
	var c Context
	c.Set("aws:SourceIp", "10.0.0.1")
	c.SetMulti("aws:TagKeys", []string{"a"})
	storage := &c.entries[:1][0]
	c.Reset()
	if c.Len() != 0 {
		t.Fatalf("Len after Reset = %d", c.Len())
	}
	if _, ok := c.Get("aws:SourceIp"); ok {
		t.Fatal("a key survived Reset")
	}
	if e := c.entries[:2]; e[0].name != "" || e[0].key != "" || e[0].val.one != "" || e[1].name != "" || e[1].val.many != nil {
		t.Fatalf("Reset left %+v in the storage", e)
	}
	c.Set("aws:CurrentTime", "2026-01-01T00:00:00Z")
	if &c.entries[0] != storage {
		t.Fatal("Reset did not keep the storage")
	}
	for i := range maxReusedKeys + 1 {
		c.Set("k"+strconv.Itoa(i), "v")
	}
	c.Reset()
	if c.entries != nil {
		t.Fatalf("Reset kept the storage of %d keys", maxReusedKeys+1)
	}
}
