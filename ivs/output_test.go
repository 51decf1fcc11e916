package ivs

import (
	"context"
	"testing"
)

// TestGetChannelSharesOutput: reads of an unchanged channel through the
// store's cache get one output, so that it is shaped and encoded once; a
// change to the channel (its settings, its tags) gives the next read a new
// output that shows the change; reads past a cache get new outputs.
func TestGetChannelSharesOutput(t *testing.T) {
	ctx := context.Background()
	for _, cached := range []bool{true, false} {
		e := newTestEnvOn(t, DefaultLimits, cached)
		svc, root := e.svc, e.root
		created, err := svc.CreateChannel(ctx, root, &CreateChannelInput{channelSettings: channelSettings{Name: ptr("one")}})
		if err != nil {
			t.Fatal(err)
		}
		arn := created.Channel.Arn
		get := func() *GetChannelOutput {
			t.Helper()
			out, err := svc.GetChannel(ctx, root, &ARNInput{Arn: arn})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		first := get()
		first.KeepEncodedResult([]byte(`{"kept":1}`))
		if second := get(); (second == first) != cached {
			t.Fatalf("cached=%v: the second read got the same output: %v, want %v", cached, second == first, cached)
		}
		if !cached {
			continue
		}
		if got := string(get().EncodedResult()); got != `{"kept":1}` {
			t.Errorf("the kept encoding is %q", got)
		}
		if _, err := svc.UpdateChannel(ctx, root, &UpdateChannelInput{Arn: arn, channelSettings: channelSettings{Name: ptr("two")}}); err != nil {
			t.Fatal(err)
		}
		updated := get()
		if updated == first || updated.Channel.Name != "two" || updated.EncodedResult() != nil {
			t.Errorf("after UpdateChannel: same output %v, name %q, kept encoding %q", updated == first, updated.Channel.Name, updated.EncodedResult())
		}
		if _, err := svc.TagResource(ctx, root, &TagResourceInput{ResourceArn: arn, Tags: map[string]string{"team": "red"}}); err != nil {
			t.Fatal(err)
		}
		if tagged := get(); tagged == updated || tagged.Channel.Tags["team"] != "red" {
			t.Errorf("after TagResource: same output %v, tags %v", tagged == updated, tagged.Channel.Tags)
		}
	}
}
