package ivs

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/awserr"
)

func TestPlaybackRestrictionPolicies(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	tests := []struct {
		name  string
		in    CreatePlaybackRestrictionPolicyInput
		code  string
		check func(*PlaybackRestrictionPolicy) bool
	}{
		{"defaults", CreatePlaybackRestrictionPolicyInput{}, "", func(p *PlaybackRestrictionPolicy) bool {
			return p.AllowedCountries != nil && len(p.AllowedCountries) == 0 && p.AllowedOrigins != nil && !p.EnableStrictOriginEnforcement && p.Tags != nil
		}},
		{"all settings", CreatePlaybackRestrictionPolicyInput{AllowedCountries: []string{"US", "DE"}, AllowedOrigins: []string{"https://example.com"},
			EnableStrictOriginEnforcement: true, Name: "geo_1", Tags: map[string]string{"k": "v"}}, "", func(p *PlaybackRestrictionPolicy) bool {
			return slices.Equal(p.AllowedCountries, []string{"US", "DE"}) && p.AllowedOrigins[0] == "https://example.com" && p.EnableStrictOriginEnforcement && p.Name == "geo_1" && p.Tags["k"] == "v"
		}},
		{"all countries", CreatePlaybackRestrictionPolicyInput{AllowedCountries: []string{"*"}, AllowedOrigins: []string{"*"}}, "", nil},
		{"lower-case country", CreatePlaybackRestrictionPolicyInput{AllowedCountries: []string{"us"}}, awserr.ValidationException, nil},
		{"three-letter country", CreatePlaybackRestrictionPolicyInput{AllowedCountries: []string{"USA"}}, awserr.ValidationException, nil},
		{"long origin", CreatePlaybackRestrictionPolicyInput{AllowedOrigins: []string{"https://" + strings.Repeat("a", 128)}}, awserr.ValidationException, nil},
		{"bad name", CreatePlaybackRestrictionPolicyInput{Name: "a/b"}, awserr.ValidationException, nil},
		{"bad tag", CreatePlaybackRestrictionPolicyInput{Tags: map[string]string{"k": "a|b"}}, awserr.ValidationException, nil},
	}
	var arn string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.CreatePlaybackRestrictionPolicy(ctx, e.root, &tc.in)
			if got := code(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
			if err != nil {
				return
			}
			p := out.PlaybackRestrictionPolicy
			if !strings.HasPrefix(p.Arn, "arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy/") || len(p.Arn[strings.LastIndexByte(p.Arn, '/')+1:]) != 12 {
				t.Fatalf("arn %s", p.Arn)
			}
			if tc.check != nil && !tc.check(p) {
				t.Fatalf("policy %+v", p)
			}
			if tc.name == "all settings" {
				arn = p.Arn
			}
		})
	}

	updates := []struct {
		name  string
		in    UpdatePlaybackRestrictionPolicyInput
		code  string
		check func(*PlaybackRestrictionPolicy) bool
	}{
		{"nothing changes", UpdatePlaybackRestrictionPolicyInput{}, "", func(p *PlaybackRestrictionPolicy) bool {
			return p.Name == "geo_1" && len(p.AllowedCountries) == 2 && p.EnableStrictOriginEnforcement
		}},
		{"countries only", UpdatePlaybackRestrictionPolicyInput{AllowedCountries: &[]string{"FR"}}, "", func(p *PlaybackRestrictionPolicy) bool {
			return slices.Equal(p.AllowedCountries, []string{"FR"}) && len(p.AllowedOrigins) == 1 && p.Name == "geo_1"
		}},
		{"clear origins, strict off, rename", UpdatePlaybackRestrictionPolicyInput{AllowedOrigins: &[]string{}, EnableStrictOriginEnforcement: ptr(false), Name: ptr("")}, "", func(p *PlaybackRestrictionPolicy) bool {
			return len(p.AllowedOrigins) == 0 && p.AllowedOrigins != nil && !p.EnableStrictOriginEnforcement && p.Name == "" && p.Tags["k"] == "v"
		}},
		{"bad country", UpdatePlaybackRestrictionPolicyInput{AllowedCountries: &[]string{"X"}}, awserr.ValidationException, nil},
	}
	for _, st := range updates {
		t.Run(st.name, func(t *testing.T) {
			st.in.Arn = arn
			out, err := e.svc.UpdatePlaybackRestrictionPolicy(ctx, e.root, &st.in)
			if got := code(err); got != st.code {
				t.Fatalf("code %q, want %q (%v)", got, st.code, err)
			}
			if st.check != nil && !st.check(out.PlaybackRestrictionPolicy) {
				t.Fatalf("policy %+v", out.PlaybackRestrictionPolicy)
			}
			got, err := e.svc.GetPlaybackRestrictionPolicy(ctx, e.root, &ARNInput{Arn: arn})
			if err != nil || (st.check != nil && !st.check(got.PlaybackRestrictionPolicy)) {
				t.Fatalf("get: %v %+v", err, got)
			}
		})
	}
	missing := "arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy/AAAAAAAAAAAA"
	if _, err := e.svc.UpdatePlaybackRestrictionPolicy(ctx, e.root, &UpdatePlaybackRestrictionPolicyInput{Arn: missing}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("update missing: %v", err)
	}

	// List: default page of 1, then all.
	l, err := e.svc.ListPlaybackRestrictionPolicies(ctx, e.root, &ListInput{})
	if err != nil || len(l.PlaybackRestrictionPolicies) != 1 || l.NextToken == "" {
		t.Fatalf("list: %v %+v", err, l)
	}
	l, err = e.svc.ListPlaybackRestrictionPolicies(ctx, e.root, &ListInput{MaxResults: ptr(100)})
	if err != nil || len(l.PlaybackRestrictionPolicies) != 3 || l.NextToken != "" {
		t.Fatalf("list all: %v %+v", err, l)
	}

	// A channel links to it: the link is checked, and delete conflicts.
	_, err = e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{channelSettings: channelSettings{PlaybackRestrictionPolicyArn: ptr(missing)}})
	if code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("channel with missing policy: %v", err)
	}
	ch, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{channelSettings: channelSettings{PlaybackRestrictionPolicyArn: ptr(arn)}})
	if err != nil || ch.Channel.PlaybackRestrictionPolicyArn != arn {
		t.Fatalf("channel with policy: %v", err)
	}
	if _, err := e.svc.DeletePlaybackRestrictionPolicy(ctx, e.root, &ARNInput{Arn: arn}); code(err) != awserr.ConflictException {
		t.Fatalf("delete in use: %v", err)
	}
	if _, err := e.svc.UpdateChannel(ctx, e.root, &UpdateChannelInput{Arn: ch.Channel.Arn, channelSettings: channelSettings{PlaybackRestrictionPolicyArn: ptr("")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeletePlaybackRestrictionPolicy(ctx, e.root, &ARNInput{Arn: arn}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := e.svc.GetPlaybackRestrictionPolicy(ctx, e.root, &ARNInput{Arn: arn}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("get deleted: %v", err)
	}
	if _, err := e.svc.UpdateChannel(ctx, e.root, &UpdateChannelInput{Arn: ch.Channel.Arn, channelSettings: channelSettings{PlaybackRestrictionPolicyArn: ptr(arn)}}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("link deleted policy: %v", err)
	}
}
