package ivs

import (
	"context"
	"crypto/elliptic"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/media/ingest"
)

func TestPlaybackChannel(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	if _, err := e.svc.ImportPlaybackKeyPair(ctx, e.root, &ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr(publicPEM(t, elliptic.P384()))}); err != nil {
		t.Fatal(err)
	}
	pol, err := e.svc.CreatePlaybackRestrictionPolicy(ctx, e.root, &CreatePlaybackRestrictionPolicyInput{AllowedCountries: []string{"US"}, AllowedOrigins: []string{"https://a.example"}})
	if err != nil {
		t.Fatal(err)
	}
	private, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{channelSettings: channelSettings{Authorized: ptr(true), PlaybackRestrictionPolicyArn: &pol.PlaybackRestrictionPolicy.Arn}})
	if err != nil {
		t.Fatal(err)
	}
	public, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{channelSettings: channelSettings{PlaybackRestrictionPolicyArn: &pol.PlaybackRestrictionPolicy.Arn}})
	if err != nil {
		t.Fatal(err)
	}
	idOf := func(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

	tests := []struct {
		name, region, account, id string
		check                     func(t *testing.T, ch *playbackChannelView)
	}{
		{"private: keys, no restriction (IVS ignores it)", "us-west-2", testAccount, idOf(private.Channel.Arn), func(t *testing.T, ch *playbackChannelView) {
			if ch == nil || ch.ARN != private.Channel.Arn || !ch.Authorized || ch.keys != 1 || ch.restricted {
				t.Fatalf("%+v", ch)
			}
		}},
		{"public: its restriction policy", "us-west-2", testAccount, idOf(public.Channel.Arn), func(t *testing.T, ch *playbackChannelView) {
			if ch == nil || ch.Authorized || ch.keys != 0 || !ch.restricted {
				t.Fatalf("%+v", ch)
			}
		}},
		{"unknown channel", "us-west-2", testAccount, "AAAAAAAAAAAA", func(t *testing.T, ch *playbackChannelView) {
			if ch != nil {
				t.Fatalf("%+v", ch)
			}
		}},
		{"another region", "eu-west-1", testAccount, idOf(public.Channel.Arn), func(t *testing.T, ch *playbackChannelView) {
			if ch != nil {
				t.Fatalf("%+v", ch)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := e.svc.PlaybackChannel(ctx, tc.region, tc.account, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			var v *playbackChannelView
			if ch != nil {
				v = &playbackChannelView{ARN: ch.ARN, Authorized: ch.Authorized, keys: len(ch.Keys), restricted: ch.Restriction != nil}
			}
			tc.check(t, v)
		})
	}
}

type playbackChannelView struct {
	ARN        string
	Authorized bool
	keys       int
	restricted bool
}

func TestSingleUseTokens(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{})
	if err != nil {
		t.Fatal(err)
	}
	su := e.svc.SingleUse(ctx)
	soon := e.svc.now().Add(5 * time.Minute)
	for i, want := range []bool{true, false, false} {
		first, err := su.Consume(out.Channel.Arn, "uuid-1", soon)
		if err != nil || first != want {
			t.Fatalf("use %d: %v %v, want %v", i+1, first, err, want)
		}
	}
	if first, err := su.Consume(out.Channel.Arn, "uuid-2", soon); err != nil || !first {
		t.Fatalf("another token: %v %v", first, err)
	}
	// A mark whose token expired is dropped by the next use of another
	// token: the expired token is refused for its expiry anyway.
	if _, err := su.Consume(out.Channel.Arn, "uuid-old", e.svc.now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := su.Consume(out.Channel.Arn, "uuid-3", soon); err != nil {
		t.Fatal(err)
	}
	if first, err := su.Consume(out.Channel.Arn, "uuid-old", soon); err != nil || !first {
		t.Fatalf("the expired mark was kept: %v %v", first, err)
	}
}

func TestIngestRecordsViewers(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := e.svc.Ingest().Start(ctx, out.StreamKey.Value, testTracks)
	if err != nil {
		t.Fatal(err)
	}
	ls := sess.(*LiveSession)
	if ls.ChannelARN() != out.Channel.Arn || len(ls.StreamID()) != 26 {
		t.Fatalf("session of %s, %s", ls.ChannelARN(), ls.StreamID())
	}
	// A change is recorded at most every ViewerCountInterval (the test
	// clock stands still: viewersRecorded is moved back instead), or with
	// a change of health.
	steps := []struct {
		viewers, want  int64
		wait, starving bool
	}{
		{3, 3, true, false},
		{5, 3, false, false},
		{5, 5, true, false},
		{0, 0, false, true},
		{0, 0, true, false},
	}
	for i, st := range steps {
		if st.wait {
			ls.viewersRecorded = ls.viewersRecorded.Add(-ViewerCountInterval)
		}
		ls.SetViewers(st.viewers)
		if err := ls.Update(ctx, ingest.Status{Starving: st.starving}); err != nil {
			t.Fatal(err)
		}
		n := st.want
		got, err := e.svc.GetStream(ctx, e.root, &ChannelARNInput{ChannelArn: out.Channel.Arn})
		if err != nil || got.Stream.ViewerCount != n {
			t.Fatalf("step %d: viewerCount %+v %v, want %d", i, got, err, n)
		}
		list, err := e.svc.ListStreams(ctx, e.root, &ListStreamsInput{})
		if err != nil || len(list.Streams) != 1 || list.Streams[0].ViewerCount != n {
			t.Fatalf("ListStreams %+v %v", list, err)
		}
	}
}
