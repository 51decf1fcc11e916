package ivs

import (
	"context"
	"crypto/elliptic"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/store"
)

// TestTagsOnEveryKind: the tag operations work on playback key pairs,
// restriction policies and recording configurations too.
func TestTagsOnEveryKind(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	kp, err := e.svc.ImportPlaybackKeyPair(ctx, e.root, &ImportPlaybackKeyPairInput{PublicKeyMaterial: ptr(publicPEM(t, elliptic.P384()))})
	if err != nil {
		t.Fatal(err)
	}
	arn := kp.KeyPair.Arn
	if _, err := e.svc.TagResource(ctx, e.root, &TagResourceInput{ResourceArn: arn, Tags: map[string]string{"team": "video"}}); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.ListTagsForResource(ctx, e.root, &ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || got.Tags["team"] != "video" {
		t.Fatalf("ListTagsForResource: %v %v", got, err)
	}
	if _, err := e.svc.UntagResource(ctx, e.root, &UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	got, err = e.svc.ListTagsForResource(ctx, e.root, &ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || len(got.Tags) != 0 {
		t.Fatalf("after untag: %v %v", got, err)
	}
}

// TestLiveChannelConflicts: a channel with a live stream cannot be updated
// or deleted.
func TestLiveChannelConflicts(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{})
	if err != nil {
		t.Fatal(err)
	}
	ch := out.Channel
	a, err := parseARN("arn", ch.Arn)
	if err != nil {
		t.Fatal(err)
	}
	err = e.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(ctx, tx, testAccount, store.IVSLiveKey("us-west-2", a.ID), store.LiveStream{ChannelARN: ch.Arn, ChannelID: a.ID, StreamID: "st-live", State: "LIVE", Health: "HEALTHY", StartTime: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateChannel(ctx, e.root, &UpdateChannelInput{Arn: ch.Arn}); code(err) != awserr.ConflictException {
		t.Fatalf("UpdateChannel while live: %v", err)
	}
	if _, err := e.svc.DeleteChannel(ctx, e.root, &ARNInput{Arn: ch.Arn}); code(err) != awserr.ConflictException {
		t.Fatalf("DeleteChannel while live: %v", err)
	}
}
