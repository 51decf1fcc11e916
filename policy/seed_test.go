package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The policies of the Amazon IVS IAM page (../shared/seed), copied verbatim
// under testdata/seed, must be valid exactly as written and decide as the
// page says.

func loadSeed(t *testing.T, name string) *Compiled {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("testdata", "seed", name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCompiled(name, doc, KindIdentity)
	if err != nil {
		t.Fatalf("seed policy %s is rejected: %v", name, err)
	}
	return c
}

func TestSeedCopiesAreVerbatim(t *testing.T) {
	seeds, _ := filepath.Glob("../../shared/seed/*.txt")
	if len(seeds) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("../shared/seed is missing")
		}
		t.Skip("../shared/seed is not beside this checkout; the copies under testdata/seed are tested on their own")
	}
	var text strings.Builder
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		text.Write(b)
	}
	copies, _ := filepath.Glob("testdata/seed/*.json")
	if len(copies) != 4 {
		t.Fatalf("want the seed's 4 policies, have %d", len(copies))
	}
	for _, c := range copies {
		b, _ := os.ReadFile(c)
		if !strings.Contains(text.String(), strings.TrimSpace(string(b))) {
			t.Errorf("%s is not verbatim in the seed", c)
		}
	}
}

func TestSeedPolicies(t *testing.T) {
	console := loadSeed(t, "ivs-console.json")
	own := loadSeed(t, "view-own-permissions.json")
	one := loadSeed(t, "access-one-channel.json")
	tags := loadSeed(t, "view-channels-by-tag.json")
	user := func(name string) *Principal {
		return &Principal{ARN: "arn:aws:iam::123456789012:user/" + name, Account: acct, Type: User, Username: name}
	}
	tagged := func(k, v string) *Context {
		c := &Context{}
		c.Set("aws:ResourceTag/"+k, v)
		return c
	}
	other := "arn:aws:ivs:us-west-2:123456789012:channel/abcd1234EFGH"
	tests := []struct {
		name   string
		pol    *Compiled
		p      *Principal
		action string
		res    string
		ctx    *Context
		want   Outcome
	}{
		{"console: any ivs action", console, user("admin"), "ivs:CreateChannel", "arn:aws:ivs:us-west-2:123456789012:channel/*", nil, Allow},
		{"console: service-linked role", console, user("admin"), "iam:CreateServiceLinkedRole", "arn:aws:iam::123456789012:role/aws-service-role/ivs.amazonaws.com/AWSServiceRoleForIVSRecordToS3", nil, Allow},
		{"console: not other roles", console, user("admin"), "iam:PutRolePolicy", "arn:aws:iam::123456789012:role/admin", nil, ImplicitDeny},
		{"console: s3 buckets", console, user("admin"), "s3:CreateBucket", "*", nil, Allow},
		{"console: no s3 objects", console, user("admin"), "s3:GetObject", "arn:aws:s3:::b/k", nil, ImplicitDeny},
		{"own: get own user (region * matches IAM's empty region)", own, user("alice"), "iam:GetUser", "arn:aws:iam::123456789012:user/alice", nil, Allow},
		{"own: not another user", own, user("alice"), "iam:GetUser", "arn:aws:iam::123456789012:user/bob", nil, ImplicitDeny},
		{"own: list users", own, user("alice"), "iam:ListUsers", "*", nil, Allow},
		{"own: no changes", own, user("alice"), "iam:DeleteUser", "arn:aws:iam::123456789012:user/alice", nil, ImplicitDeny},
		{"one channel: get", one, user("mateojackson"), "ivs:GetChannel", channel, nil, Allow},
		{"one channel: stop", one, user("mateojackson"), "ivs:StopStream", channel, nil, Allow},
		{"one channel: list", one, user("mateojackson"), "ivs:ListChannels", "arn:aws:ivs:us-west-2:123456789012:channel/*", nil, Allow},
		{"one channel: other channel", one, user("mateojackson"), "ivs:GetChannel", other, nil, ImplicitDeny},
		{"one channel: no delete", one, user("mateojackson"), "ivs:DeleteChannel", channel, nil, ImplicitDeny},
		{"tags: Owner=richard-roe", tags, user("richard-roe"), "ivs:GetChannel", channel, tagged("Owner", "richard-roe"), Allow},
		{"tags: owner=richard-roe", tags, user("richard-roe"), "ivs:GetChannel", channel, tagged("owner", "richard-roe"), Allow},
		{"tags: another owner", tags, user("richard-roe"), "ivs:GetChannel", channel, tagged("Owner", "mateojackson"), ImplicitDeny},
		{"tags: untagged", tags, user("richard-roe"), "ivs:GetChannel", channel, nil, ImplicitDeny},
		{"tags: list", tags, user("richard-roe"), "ivs:ListChannels", "arn:aws:ivs:us-west-2:123456789012:channel/*", nil, Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Evaluate(&Request{Principal: tc.p, Action: tc.action, Resource: tc.res, Context: tc.ctx}, Policies{Identity: []*Compiled{tc.pol}}, nil)
			if d.Outcome != tc.want {
				t.Fatalf("got %v, want %v", d.Outcome, tc.want)
			}
		})
	}
}
