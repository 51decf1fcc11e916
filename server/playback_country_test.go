package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ivs"

	"github.com/gatehouse-iam/gatehouse/server"
)

// TestPlaybackViewerCountry: with --viewer-country-header, a playback
// restriction policy that allows one country lets a viewer in whom a
// trusted proxy places there (the channel is not live: 404, past the
// policy), refuses one placed elsewhere or nowhere (403), and ignores the
// header when the peer is not a trusted proxy.
func TestPlaybackViewerCountry(t *testing.T) {
	const header = "CloudFront-Viewer-Country"
	for _, tc := range []struct {
		name    string
		proxies []string
		country string
		status  int
	}{
		{"allowed country from a trusted proxy", []string{"127.0.0.1/32"}, "US", 404},
		{"lower case", []string{"127.0.0.1/32"}, "us", 404},
		{"other country", []string{"127.0.0.1/32"}, "FR", 403},
		{"no country", []string{"127.0.0.1/32"}, "", 403},
		{"not a country code", []string{"127.0.0.1/32"}, "USA", 403},
		{"from a peer that is not a trusted proxy", []string{"10.0.0.1/32"}, "US", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, func(c *server.Config) { c.TrustedProxies, c.ViewerCountryHeader = tc.proxies, header })
			ctx := ctxT(t)
			c := ts.rootIVS()
			pol, err := c.CreatePlaybackRestrictionPolicy(ctx, &ivs.CreatePlaybackRestrictionPolicyInput{AllowedCountries: []string{"US"}})
			if err != nil {
				t.Fatal(err)
			}
			ch, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{Name: aws.String("geo"), PlaybackRestrictionPolicyArn: pol.PlaybackRestrictionPolicy.Arn})
			if err != nil {
				t.Fatal(err)
			}
			pu, err := url.Parse(aws.ToString(ch.Channel.PlaybackUrl))
			if err != nil {
				t.Fatal(err)
			}
			var hdr []string
			if tc.country != "" {
				hdr = []string{header, tc.country}
			}
			status, body := fetch(ctx, t, ts.endpoint+pu.Path, hdr...)
			if status != tc.status {
				t.Fatalf("country %q: %d %s, want %d", tc.country, status, body, tc.status)
			}
			if status == 403 && !strings.Contains(string(body), `"error_code"`) {
				t.Errorf("refusal body %s", body)
			}
		})
	}
}
