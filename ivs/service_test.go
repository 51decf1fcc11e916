package ivs

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

const testAccount = "123456789012"

type testEnv struct {
	svc  *Service
	st   store.Store
	root *authz.Caller
}

func newTestEnv(t *testing.T, limits Limits) *testEnv {
	t.Helper()
	return newTestEnvOn(t, limits, false)
}

// newTestEnvOn is newTestEnv with, when cached, the store behind the
// record cache the server puts in front of it.
func newTestEnvOn(t *testing.T, limits Limits, cached bool) *testEnv {
	t.Helper()
	raw, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	box, err := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	var st store.Store = raw
	if cached {
		st = store.NewCache(raw, nil, 1<<20)
	}
	now := func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
	svc := New(st, authz.New(st), box, Endpoints{Ingest: "ingest.example", Playback: "https://play.example"}, limits, now, nil)
	root := &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:iam::" + testAccount + ":root", Account: testAccount, Type: policy.Root, UserID: testAccount}, Region: "us-west-2"}
	return &testEnv{svc: svc, st: st, root: root}
}

func code(err error) string {
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

func TestCreateChannelValidation(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	tests := []struct {
		name string
		in   CreateChannelInput
		code string
		// check the created channel
		check func(*Channel) bool
	}{
		{"defaults", CreateChannelInput{}, "", func(c *Channel) bool {
			return c.Name == "" && c.LatencyMode == LatencyLow && c.Type == TypeStandard && c.ContainerFormat == ContainerTS && c.Preset == "" && !c.Authorized && c.Tags != nil
		}},
		{"all settings", CreateChannelInput{channelSettings: channelSettings{Name: ptr("a-b_C9"), LatencyMode: ptr(LatencyNormal), Type: ptr(TypeBasic), Authorized: ptr(true), InsecureIngest: ptr(true)}}, "", func(c *Channel) bool {
			return c.Name == "a-b_C9" && c.LatencyMode == LatencyNormal && c.Type == TypeBasic && c.Authorized && c.InsecureIngest
		}},
		{"advanced default preset", CreateChannelInput{channelSettings: channelSettings{Type: ptr(TypeAdvancedSD)}}, "", func(c *Channel) bool { return c.Preset == PresetHigher }},
		{"advanced preset", CreateChannelInput{channelSettings: channelSettings{Type: ptr(TypeAdvancedHD), Preset: ptr(PresetConstrained)}}, "", func(c *Channel) bool { return c.Preset == PresetConstrained }},
		{"multitrack", CreateChannelInput{channelSettings: channelSettings{ContainerFormat: ptr(ContainerFMP4),
			MultitrackInputConfiguration: &MultitrackInputConfiguration{Enabled: true, Policy: MultitrackAllow, MaximumResolution: "HD"}}}, "", func(c *Channel) bool {
			return c.MultitrackInputConfiguration != nil && c.MultitrackInputConfiguration.Enabled
		}},
		{"name too long", CreateChannelInput{channelSettings: channelSettings{Name: ptr(strings.Repeat("a", 129))}}, awserr.ValidationException, nil},
		{"name pattern", CreateChannelInput{channelSettings: channelSettings{Name: ptr("a b")}}, awserr.ValidationException, nil},
		{"latency enum", CreateChannelInput{channelSettings: channelSettings{LatencyMode: ptr("low")}}, awserr.ValidationException, nil},
		{"type enum", CreateChannelInput{channelSettings: channelSettings{Type: ptr("PREMIUM")}}, awserr.ValidationException, nil},
		{"container enum", CreateChannelInput{channelSettings: channelSettings{ContainerFormat: ptr("MP4")}}, awserr.ValidationException, nil},
		{"preset on basic", CreateChannelInput{channelSettings: channelSettings{Type: ptr(TypeBasic), Preset: ptr(PresetHigher)}}, awserr.ValidationException, nil},
		{"multitrack on basic", CreateChannelInput{channelSettings: channelSettings{Type: ptr(TypeBasic), ContainerFormat: ptr(ContainerFMP4),
			MultitrackInputConfiguration: &MultitrackInputConfiguration{Enabled: true, Policy: MultitrackAllow, MaximumResolution: "HD"}}}, awserr.ValidationException, nil},
		{"multitrack needs fmp4", CreateChannelInput{channelSettings: channelSettings{
			MultitrackInputConfiguration: &MultitrackInputConfiguration{Enabled: true, Policy: MultitrackAllow, MaximumResolution: "HD"}}}, awserr.ValidationException, nil},
		{"multitrack needs policy", CreateChannelInput{channelSettings: channelSettings{ContainerFormat: ptr(ContainerFMP4),
			MultitrackInputConfiguration: &MultitrackInputConfiguration{Enabled: true, MaximumResolution: "HD"}}}, awserr.ValidationException, nil},
		{"bad recording arn", CreateChannelInput{channelSettings: channelSettings{RecordingConfigurationArn: ptr("arn:aws:ivs:us-west-2:1:channel/x")}}, awserr.ValidationException, nil},
		{"missing recording configuration", CreateChannelInput{channelSettings: channelSettings{RecordingConfigurationArn: ptr("arn:aws:ivs:us-west-2:123456789012:recording-configuration/ABCD12cdEFgh")}}, awserr.ResourceNotFoundException, nil},
		{"empty recording arn", CreateChannelInput{channelSettings: channelSettings{RecordingConfigurationArn: ptr("")}}, "", func(c *Channel) bool { return c.RecordingConfigurationArn == "" }},
		{"tags", CreateChannelInput{Tags: map[string]string{"Owner": "ana", "empty": ""}}, "", func(c *Channel) bool { return c.Tags["Owner"] == "ana" && len(c.Tags) == 2 }},
		{"reserved tag", CreateChannelInput{Tags: map[string]string{"AWS:x": "1"}}, awserr.ValidationException, nil},
		{"empty tag key", CreateChannelInput{Tags: map[string]string{"": "1"}}, awserr.ValidationException, nil},
		{"bad tag value", CreateChannelInput{Tags: map[string]string{"k": "a|b"}}, awserr.ValidationException, nil},
		{"too many tags", CreateChannelInput{Tags: manyTags(51)}, awserr.ValidationException, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.CreateChannel(ctx, e.root, &tc.in)
			if got := code(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
			if err != nil {
				return
			}
			ch := out.Channel
			id := ch.Arn[strings.LastIndexByte(ch.Arn, '/')+1:]
			if !strings.HasPrefix(ch.Arn, "arn:aws:ivs:us-west-2:123456789012:channel/") || len(id) != 12 ||
				ch.IngestEndpoint != "ingest.example" || ch.PlaybackURL != "https://play.example/api/video/v1/us-west-2.123456789012.channel."+id+".m3u8" {
				t.Fatalf("channel %+v", ch)
			}
			if !strings.HasPrefix(out.StreamKey.Value, "sk_us-west-2_") || out.StreamKey.ChannelArn != ch.Arn {
				t.Fatalf("stream key %+v", out.StreamKey)
			}
			if tc.check != nil && !tc.check(ch) {
				t.Fatalf("channel %+v", ch)
			}
		})
	}
}

func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m["k"+strings.Repeat("x", i)] = "v"
	}
	return m
}

func TestUpdateChannel(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{channelSettings: channelSettings{Name: ptr("n"), Type: ptr(TypeAdvancedHD), Preset: ptr(PresetConstrained)}})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Channel.Arn
	steps := []struct {
		name  string
		in    UpdateChannelInput
		code  string
		check func(*Channel) bool
	}{
		{"nothing changes", UpdateChannelInput{}, "", func(c *Channel) bool { return c.Name == "n" && c.Preset == PresetConstrained }},
		{"to standard clears preset", UpdateChannelInput{channelSettings: channelSettings{Type: ptr(TypeStandard)}}, "", func(c *Channel) bool { return c.Type == TypeStandard && c.Preset == "" }},
		{"preset on standard", UpdateChannelInput{channelSettings: channelSettings{Preset: ptr(PresetHigher)}}, awserr.ValidationException, nil},
		{"to advanced takes default preset", UpdateChannelInput{channelSettings: channelSettings{Type: ptr(TypeAdvancedSD)}}, "", func(c *Channel) bool { return c.Preset == PresetHigher }},
		{"rename, keep type", UpdateChannelInput{channelSettings: channelSettings{Name: ptr("m"), LatencyMode: ptr(LatencyNormal)}}, "", func(c *Channel) bool {
			return c.Name == "m" && c.Type == TypeAdvancedSD && c.LatencyMode == LatencyNormal
		}},
		{"bad enum", UpdateChannelInput{channelSettings: channelSettings{LatencyMode: ptr("SLOW")}}, awserr.ValidationException, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.in.Arn = arn
			got, err := e.svc.UpdateChannel(ctx, e.root, &st.in)
			if c := code(err); c != st.code {
				t.Fatalf("code %q, want %q (%v)", c, st.code, err)
			}
			if st.check != nil && !st.check(got.Channel) {
				t.Fatalf("channel %+v", got.Channel)
			}
		})
	}
	_, err = e.svc.UpdateChannel(ctx, e.root, &UpdateChannelInput{Arn: "arn:aws:ivs:us-west-2:123456789012:channel/AAAAAAAAAAAA"})
	if code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("missing: %v", err)
	}
}

func TestQuotasAndPages(t *testing.T) {
	e := newTestEnv(t, Limits{ChannelsPerRegion: 3, StreamKeysPerChannel: 1})
	ctx := context.Background()
	var arns []string
	for range 3 {
		out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, out.Channel.Arn)
	}
	if _, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{}); code(err) != awserr.ServiceQuotaExceededException {
		t.Fatalf("fourth channel: %v", err)
	}
	// Another region has its own quota and its own channels.
	west1 := *e.root
	west1.Region = "eu-west-1"
	if _, err := e.svc.CreateChannel(ctx, &west1, &CreateChannelInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetChannel(ctx, &west1, &ARNInput{Arn: arns[0]}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("other region's channel: %v", err)
	}
	// Deleting frees quota.
	if _, err := e.svc.DeleteChannel(ctx, e.root, &ARNInput{Arn: arns[2]}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{}); err != nil {
		t.Fatal(err)
	}
	// Pages of one.
	seen := map[string]bool{}
	token := ""
	for i := 0; ; i++ {
		out, err := e.svc.ListChannels(ctx, e.root, &ListChannelsInput{MaxResults: ptr(1), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range out.Channels {
			seen[c.Arn] = true
		}
		if token = out.NextToken; token == "" {
			break
		}
		if i > 5 {
			t.Fatal("pages do not end")
		}
	}
	if len(seen) != 3 {
		t.Fatalf("listed %d channels", len(seen))
	}
	for _, tc := range []struct {
		name string
		in   ListChannelsInput
		code string
	}{
		{"max 0", ListChannelsInput{MaxResults: ptr(0)}, awserr.ValidationException},
		{"max 101", ListChannelsInput{MaxResults: ptr(101)}, awserr.ValidationException},
		{"garbage token", ListChannelsInput{NextToken: "!!"}, awserr.ValidationException},
		{"foreign token", ListChannelsInput{NextToken: encodeToken("user/x")}, awserr.ValidationException},
		{"two filters", ListChannelsInput{FilterByName: "a", FilterByAdConfigurationArn: "arn:aws:ivs:us-west-2:123456789012:ad-configuration/abc"}, awserr.ConflictException},
		{"bad filter arn", ListChannelsInput{FilterByRecordingConfigurationArn: "nope"}, awserr.ValidationException},
	} {
		if _, err := e.svc.ListChannels(ctx, e.root, &tc.in); code(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
}

func TestStreamKeys(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{})
	if err != nil {
		t.Fatal(err)
	}
	ch, key := out.Channel, out.StreamKey
	// The value is sealed at rest and indexed by its hash for ingest.
	err = e.st.View(ctx, func(tx store.Tx) error {
		var ref store.StreamKeyRef
		if err := store.GetJSON(ctx, tx, store.Global, store.IVSStreamKeyValueKey(HashStreamKey(key.Value)), &ref); err != nil {
			return err
		}
		if key.Arn != "arn:aws:ivs:us-west-2:123456789012:stream-key/"+ref.ID {
			t.Errorf("index %+v", ref)
		}
		b, err := tx.Get(ctx, testAccount, store.IVSStreamKeyKey("us-west-2", ref.ID))
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(key.Value)) {
			t.Error("stream key value stored in the clear")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateStreamKey(ctx, e.root, &CreateStreamKeyInput{ChannelArn: ch.Arn}); code(err) != awserr.ServiceQuotaExceededException {
		t.Fatalf("second key: %v", err)
	}
	if _, err := e.svc.CreateStreamKey(ctx, e.root, &CreateStreamKeyInput{ChannelArn: "arn:aws:ivs:us-west-2:123456789012:channel/AAAAAAAAAAAA"}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("key of missing channel: %v", err)
	}
	list, err := e.svc.ListStreamKeys(ctx, e.root, &ListStreamKeysInput{ChannelArn: ch.Arn})
	if err != nil || len(list.StreamKeys) != 1 || list.NextToken != "" {
		t.Fatalf("ListStreamKeys: %v %+v", err, list)
	}
	if _, err := e.svc.ListStreamKeys(ctx, e.root, &ListStreamKeysInput{ChannelArn: ch.Arn, MaxResults: ptr(51)}); code(err) != awserr.ValidationException {
		t.Fatalf("maxResults 51: %v", err)
	}
	for _, tc := range []struct {
		name string
		arns []string
		code string
	}{
		{"none", nil, awserr.ValidationException},
		{"empty", []string{}, awserr.ValidationException},
		{"channel arn", []string{ch.Arn}, awserr.ValidationException},
		{"51", make([]string, 51), awserr.ValidationException},
		{"ok", []string{key.Arn, key.Arn}, ""},
	} {
		out, err := e.svc.BatchGetStreamKey(ctx, e.root, &BatchGetInput{Arns: tc.arns})
		if code(err) != tc.code {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err == nil && (len(out.StreamKeys) != 1 || out.StreamKeys[0].Value != key.Value) {
			t.Errorf("%s: %+v", tc.name, out)
		}
	}
	if _, err := e.svc.DeleteStreamKey(ctx, e.root, &ARNInput{Arn: key.Arn}); err != nil {
		t.Fatal(err)
	}
	err = e.st.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(ctx, store.Global, store.IVSStreamKeyValueKey(HashStreamKey(key.Value)))
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("value index after delete: %v", err)
	}
	if _, err := e.svc.DeleteStreamKey(ctx, e.root, &ARNInput{Arn: key.Arn}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestTags(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	out, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{Tags: map[string]string{"a": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Channel.Arn
	tests := []struct {
		name string
		run  func() error
		code string
		want map[string]string
	}{
		{"add", func() error {
			_, err := e.svc.TagResource(ctx, e.root, &TagResourceInput{ResourceArn: arn, Tags: map[string]string{"b": "2", "a": "0"}})
			return err
		}, "", map[string]string{"a": "0", "b": "2"}},
		{"remove", func() error {
			_, err := e.svc.UntagResource(ctx, e.root, &UntagResourceInput{ResourceArn: arn, TagKeys: []string{"a", "zz"}})
			return err
		}, "", map[string]string{"b": "2"}},
		{"tags required", func() error {
			_, err := e.svc.TagResource(ctx, e.root, &TagResourceInput{ResourceArn: arn})
			return err
		}, awserr.ValidationException, map[string]string{"b": "2"}},
		{"tagKeys required", func() error {
			_, err := e.svc.UntagResource(ctx, e.root, &UntagResourceInput{ResourceArn: arn})
			return err
		}, awserr.ValidationException, map[string]string{"b": "2"}},
		{"quota", func() error {
			_, err := e.svc.TagResource(ctx, e.root, &TagResourceInput{ResourceArn: arn, Tags: manyTags(50)})
			return err
		}, awserr.ValidationException, map[string]string{"b": "2"}},
		{"bad arn", func() error {
			_, err := e.svc.TagResource(ctx, e.root, &TagResourceInput{ResourceArn: "arn:aws:s3:::bucket", Tags: map[string]string{"x": "y"}})
			return err
		}, awserr.ValidationException, map[string]string{"b": "2"}},
		{"kind not kept", func() error {
			_, err := e.svc.TagResource(ctx, e.root, &TagResourceInput{ResourceArn: "arn:aws:ivs:us-west-2:123456789012:playback-key/abc", Tags: map[string]string{"x": "y"}})
			return err
		}, awserr.ResourceNotFoundException, map[string]string{"b": "2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c := code(tc.run()); c != tc.code {
				t.Fatalf("code %q, want %q", c, tc.code)
			}
			got, err := e.svc.ListTagsForResource(ctx, e.root, &ListTagsForResourceInput{ResourceArn: arn})
			if err != nil || len(got.Tags) != len(tc.want) {
				t.Fatalf("tags %v %v, want %v", err, got, tc.want)
			}
			for k, v := range tc.want {
				if got.Tags[k] != v {
					t.Fatalf("tags %v, want %v", got.Tags, tc.want)
				}
			}
		})
	}
}

// TestListChannelsSeesChanges: listed channels are decoded once per
// stored version (Service.channels), so a list after a change must show
// the change.
func TestListChannelsSeesChanges(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := t.Context()
	ch, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{channelSettings: channelSettings{Name: ptr("before")}})
	if err != nil {
		t.Fatal(err)
	}
	list := func() ChannelSummary {
		t.Helper()
		out, err := e.svc.ListChannels(ctx, e.root, &ListChannelsInput{})
		if err != nil || len(out.Channels) != 1 {
			t.Fatalf("ListChannels = %+v, %v", out, err)
		}
		return out.Channels[0]
	}
	if got := list(); got.Name != "before" || len(got.Tags) != 0 {
		t.Fatalf("listed %+v", got)
	}
	arn := ch.Channel.Arn
	if _, err := e.svc.UpdateChannel(ctx, e.root, &UpdateChannelInput{Arn: arn, channelSettings: channelSettings{Name: ptr("after")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.TagResource(ctx, e.root, &TagResourceInput{ResourceArn: arn, Tags: map[string]string{"team": "red"}}); err != nil {
		t.Fatal(err)
	}
	if got := list(); got.Name != "after" || got.Tags["team"] != "red" {
		t.Fatalf("after the update and the tag, listed %+v", got)
	}
	// Changing what a listing returned changes nothing remembered.
	first := list()
	first.Tags["team"] = "blue"
	if got := list(); got.Tags["team"] != "red" {
		t.Fatalf("a caller's change leaked into the memo: %+v", got)
	}
}
