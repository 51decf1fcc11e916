package server_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ivs"
	ivstypes "github.com/aws/aws-sdk-go-v2/service/ivs/types"
	"github.com/aws/smithy-go"
)

func (ts *testServer) ivs(keyID, secret string) *ivs.Client {
	return ivs.New(ivs.Options{
		Region:       "us-west-2",
		BaseEndpoint: aws.String(ts.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
	})
}

func (ts *testServer) rootIVS() *ivs.Client { return ts.ivs(rootKeyID, rootSecret) }

// ivsError returns the code, the message and the HTTP status of an IVS
// error. aws-sdk-go-v2's typed IVS errors carry the text in
// ExceptionMessage (their Message is never set), so it is read from there.
func ivsError(t *testing.T, err error) (code, msg string, status int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error", err)
	}
	code, msg = ae.ErrorCode(), ae.ErrorMessage()
	var (
		ve *ivstypes.ValidationException
		ne *ivstypes.ResourceNotFoundException
		de *ivstypes.AccessDeniedException
		ce *ivstypes.ConflictException
		qe *ivstypes.ServiceQuotaExceededException
	)
	switch {
	case errors.As(err, &ve):
		msg = aws.ToString(ve.ExceptionMessage)
	case errors.As(err, &ne):
		msg = aws.ToString(ne.ExceptionMessage)
	case errors.As(err, &de):
		msg = aws.ToString(de.ExceptionMessage)
	case errors.As(err, &ce):
		msg = aws.ToString(ce.ExceptionMessage)
	case errors.As(err, &qe):
		msg = aws.ToString(qe.ExceptionMessage)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, msg, status
}

var (
	channelARN   = regexp.MustCompile(`^arn:aws:ivs:us-west-2:123456789012:channel/[a-zA-Z0-9]{12}$`)
	streamKeyARN = regexp.MustCompile(`^arn:aws:ivs:us-west-2:123456789012:stream-key/[a-zA-Z0-9]{12}$`)
	keyValue     = regexp.MustCompile(`^sk_us-west-2_[a-zA-Z0-9]{12}_[a-zA-Z0-9]{12}$`)
)

func channelID(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

func TestIVSChannelsAndStreamKeysWithSDK(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	c := ts.rootIVS()
	s := aws.String

	// CreateChannel: defaults, ARNs, endpoints and the stream key.
	cr, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{Name: s("main-stage"), Tags: map[string]string{"team": "live"}})
	if err != nil {
		t.Fatal(err)
	}
	ch, key := cr.Channel, cr.StreamKey
	if !channelARN.MatchString(aws.ToString(ch.Arn)) || ch.LatencyMode != ivstypes.ChannelLatencyModeLowLatency || ch.Type != ivstypes.ChannelTypeStandardChannelType ||
		ch.ContainerFormat != ivstypes.ContainerFormatTs || ch.Preset != "" || ch.Authorized || ch.Tags["team"] != "live" || aws.ToString(ch.Name) != "main-stage" {
		t.Fatalf("channel %+v", ch)
	}
	id := channelID(aws.ToString(ch.Arn))
	if pu := aws.ToString(ch.PlaybackUrl); aws.ToString(ch.IngestEndpoint) != "127.0.0.1" ||
		!strings.HasPrefix(pu, "http://127.0.0.1:") || !strings.HasSuffix(pu, "/api/video/v1/us-west-2.123456789012.channel."+id+".m3u8") {
		t.Fatalf("endpoints %s %s", aws.ToString(ch.IngestEndpoint), aws.ToString(ch.PlaybackUrl))
	}
	if !streamKeyARN.MatchString(aws.ToString(key.Arn)) || !keyValue.MatchString(aws.ToString(key.Value)) || aws.ToString(key.ChannelArn) != aws.ToString(ch.Arn) {
		t.Fatalf("stream key %+v", key)
	}
	secret := aws.ToString(key.Value)

	adv, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{Name: s("second"), Type: ivstypes.ChannelTypeAdvancedHDChannelType, LatencyMode: ivstypes.ChannelLatencyModeNormalLatency})
	if err != nil || adv.Channel.Preset != ivstypes.TranscodePresetHigherBandwidthTranscodePreset {
		t.Fatalf("advanced channel: %v %+v", err, adv)
	}
	if _, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{Name: s("third")}); err != nil {
		t.Fatal(err)
	}

	// Get, List (filter and pages), Update, BatchGet.
	got, err := c.GetChannel(ctx, &ivs.GetChannelInput{Arn: ch.Arn})
	if err != nil || aws.ToString(got.Channel.Name) != "main-stage" {
		t.Fatalf("GetChannel: %v %+v", err, got)
	}
	l, err := c.ListChannels(ctx, &ivs.ListChannelsInput{FilterByName: s("second")})
	if err != nil || len(l.Channels) != 1 || aws.ToString(l.Channels[0].Arn) != aws.ToString(adv.Channel.Arn) {
		t.Fatalf("ListChannels by name: %v %+v", err, l)
	}
	var pages, total int
	p := ivs.NewListChannelsPaginator(c, &ivs.ListChannelsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		total += len(pg.Channels)
	}
	if pages != 2 || total != 3 {
		t.Fatalf("pages %d, channels %d", pages, total)
	}
	up, err := c.UpdateChannel(ctx, &ivs.UpdateChannelInput{Arn: ch.Arn, Name: s("renamed"), Authorized: true})
	if err != nil || aws.ToString(up.Channel.Name) != "renamed" || !up.Channel.Authorized || up.Channel.Tags["team"] != "live" {
		t.Fatalf("UpdateChannel: %v %+v", err, up)
	}
	missing := "arn:aws:ivs:us-west-2:123456789012:channel/AAAAAAAAAAAA"
	bg, err := c.BatchGetChannel(ctx, &ivs.BatchGetChannelInput{Arns: []string{aws.ToString(ch.Arn), missing}})
	if err != nil || len(bg.Channels) != 1 || len(bg.Errors) != 1 || aws.ToString(bg.Errors[0].Arn) != missing || aws.ToString(bg.Errors[0].Code) != "ResourceNotFoundException" {
		t.Fatalf("BatchGetChannel: %v %+v", err, bg)
	}

	// Stream keys: one per channel; rotate by delete and create.
	keys, err := c.ListStreamKeys(ctx, &ivs.ListStreamKeysInput{ChannelArn: ch.Arn})
	if err != nil || len(keys.StreamKeys) != 1 || aws.ToString(keys.StreamKeys[0].Arn) != aws.ToString(key.Arn) {
		t.Fatalf("ListStreamKeys: %v %+v", err, keys)
	}
	gk, err := c.GetStreamKey(ctx, &ivs.GetStreamKeyInput{Arn: key.Arn})
	if err != nil || aws.ToString(gk.StreamKey.Value) != secret {
		t.Fatalf("GetStreamKey: %v %+v", err, gk)
	}
	_, err = c.CreateStreamKey(ctx, &ivs.CreateStreamKeyInput{ChannelArn: ch.Arn})
	if code, _, status := ivsError(t, err); code != "ServiceQuotaExceededException" || status != 402 {
		t.Fatalf("second key: %s %d", code, status)
	}
	if _, err := c.DeleteStreamKey(ctx, &ivs.DeleteStreamKeyInput{Arn: key.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetStreamKey(ctx, &ivs.GetStreamKeyInput{Arn: key.Arn})
	if code, _, status := ivsError(t, err); code != "ResourceNotFoundException" || status != 404 {
		t.Fatalf("deleted key: %s %d", code, status)
	}
	nk, err := c.CreateStreamKey(ctx, &ivs.CreateStreamKeyInput{ChannelArn: ch.Arn, Tags: map[string]string{"rotated": "yes"}})
	if err != nil || !keyValue.MatchString(aws.ToString(nk.StreamKey.Value)) || aws.ToString(nk.StreamKey.Value) == secret || nk.StreamKey.Tags["rotated"] != "yes" {
		t.Fatalf("CreateStreamKey: %v %+v", err, nk)
	}
	bk, err := c.BatchGetStreamKey(ctx, &ivs.BatchGetStreamKeyInput{Arns: []string{aws.ToString(nk.StreamKey.Arn), aws.ToString(key.Arn)}})
	if err != nil || len(bk.StreamKeys) != 1 || aws.ToString(bk.StreamKeys[0].Value) != aws.ToString(nk.StreamKey.Value) || len(bk.Errors) != 1 {
		t.Fatalf("BatchGetStreamKey: %v %+v", err, bk)
	}

	// Tags on channels and stream keys.
	if _, err := c.TagResource(ctx, &ivs.TagResourceInput{ResourceArn: ch.Arn, Tags: map[string]string{"env": "prod", "team": "video"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &ivs.UntagResourceInput{ResourceArn: ch.Arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &ivs.ListTagsForResourceInput{ResourceArn: ch.Arn})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["team"] != "video" {
		t.Fatalf("ListTagsForResource: %v %+v", err, tags)
	}
	ktags, err := c.ListTagsForResource(ctx, &ivs.ListTagsForResourceInput{ResourceArn: nk.StreamKey.Arn})
	if err != nil || ktags.Tags["rotated"] != "yes" {
		t.Fatalf("stream key tags: %v %+v", err, ktags)
	}
	_, err = c.TagResource(ctx, &ivs.TagResourceInput{ResourceArn: s(missing), Tags: map[string]string{"a": "b"}})
	if code, _, _ := ivsError(t, err); code != "ResourceNotFoundException" {
		t.Fatalf("tag missing: %s", code)
	}

	// Errors.
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
		msg    string
	}{
		{"bad name", func() error {
			_, e := c.CreateChannel(ctx, &ivs.CreateChannelInput{Name: s("bad name!")})
			return e
		}, "ValidationException", 400, "Value 'bad name!' at 'name' failed to satisfy constraint"},
		{"bad latency", func() error {
			_, e := c.CreateChannel(ctx, &ivs.CreateChannelInput{LatencyMode: "FAST"})
			return e
		}, "ValidationException", 400, "latencyMode"},
		{"preset on standard", func() error {
			_, e := c.CreateChannel(ctx, &ivs.CreateChannelInput{Preset: ivstypes.TranscodePresetConstrainedBandwidthTranscodePreset})
			return e
		}, "ValidationException", 400, "preset"},
		{"reserved tag", func() error {
			_, e := c.CreateChannel(ctx, &ivs.CreateChannelInput{Tags: map[string]string{"aws:x": "y"}})
			return e
		}, "ValidationException", 400, "aws:"},
		{"bad arn", func() error {
			_, e := c.GetChannel(ctx, &ivs.GetChannelInput{Arn: s("arn:aws:ivs:us-west-2:123456789012:stream-key/abc")})
			return e
		}, "ValidationException", 400, "regular expression pattern"},
		{"missing channel", func() error {
			_, e := c.GetChannel(ctx, &ivs.GetChannelInput{Arn: s(missing)})
			return e
		}, "ResourceNotFoundException", 404, missing},
		{"other region", func() error {
			_, e := c.GetChannel(ctx, &ivs.GetChannelInput{Arn: s(strings.Replace(aws.ToString(ch.Arn), "us-west-2", "eu-west-1", 1))})
			return e
		}, "ResourceNotFoundException", 404, ""},
		{"two filters", func() error {
			_, e := c.ListChannels(ctx, &ivs.ListChannelsInput{FilterByName: s("x"), FilterByRecordingConfigurationArn: s("arn:aws:ivs:us-west-2:123456789012:recording-configuration/ABCD12cdEFgh")})
			return e
		}, "ConflictException", 409, ""},
		{"bad page size", func() error {
			_, e := c.ListChannels(ctx, &ivs.ListChannelsInput{MaxResults: aws.Int32(101)})
			return e
		}, "ValidationException", 400, "maxResults"},
		{"bad token", func() error {
			_, e := c.ListChannels(ctx, &ivs.ListChannelsInput{NextToken: s("bm9wZQ")})
			return e
		}, "ValidationException", 400, "nextToken"},
		{"missing recording configuration", func() error {
			_, e := c.CreateChannel(ctx, &ivs.CreateChannelInput{RecordingConfigurationArn: s("arn:aws:ivs:us-west-2:123456789012:recording-configuration/ABCD12cdEFgh")})
			return e
		}, "ResourceNotFoundException", 404, "Recording configuration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, msg, status := ivsError(t, tc.call())
			if code != tc.code || status != tc.status || !strings.Contains(msg, tc.msg) {
				t.Fatalf("got %s %d %q, want %s %d containing %q", code, status, msg, tc.code, tc.status, tc.msg)
			}
		})
	}

	// DeleteChannel deletes its keys too.
	if _, err := c.DeleteChannel(ctx, &ivs.DeleteChannelInput{Arn: ch.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetChannel(ctx, &ivs.GetChannelInput{Arn: ch.Arn})
	if code, _, _ := ivsError(t, err); code != "ResourceNotFoundException" {
		t.Fatalf("deleted channel: %s", code)
	}
	_, err = c.GetStreamKey(ctx, &ivs.GetStreamKeyInput{Arn: nk.StreamKey.Arn})
	if code, _, _ := ivsError(t, err); code != "ResourceNotFoundException" {
		t.Fatalf("key of deleted channel: %s", code)
	}
	_, err = c.DeleteChannel(ctx, &ivs.DeleteChannelInput{Arn: ch.Arn})
	if code, _, _ := ivsError(t, err); code != "ResourceNotFoundException" {
		t.Fatalf("delete twice: %s", code)
	}

	// Stream key values are sealed at rest.
	for _, f := range []string{"gatehouse.db", "gatehouse.db-wal"} {
		b, err := os.ReadFile(filepath.Join(ts.dataDir, f))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		for _, v := range []string{secret, aws.ToString(nk.StreamKey.Value), aws.ToString(adv.StreamKey.Value)} {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s holds a stream key value in the clear", f)
			}
		}
	}
}

// ivsUser creates an IAM user with an inline policy and returns its IVS
// client.
func ivsUser(t *testing.T, ts *testServer, name, doc string) *ivs.Client {
	t.Helper()
	ctx := ctxT(t)
	root := ts.rootIAM()
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if doc != "" {
		if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("ivs"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return ts.ivs(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
}

func seedPolicy(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "policy", "testdata", "seed", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func deniedMessage(user, action, resource string) string {
	return "User: arn:aws:iam::123456789012:user/" + user + " is not authorized to perform: " + action + " on resource: " + resource +
		" because no identity-based policy allows the " + action + " action"
}

// expectDenied checks that err is the AccessDeniedException of user for
// action on resource.
func expectDenied(t *testing.T, err error, user, action, resource string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s by %s on %s allowed", action, user, resource)
	}
	code, msg, status := ivsError(t, err)
	if want := deniedMessage(user, action, resource); code != "AccessDeniedException" || status != 403 || msg != want {
		t.Fatalf("got %s %d %q\nwant AccessDeniedException 403 %q", code, status, msg, want)
	}
}

// TestIVSDocumentationPolicies runs the example policies of the IVS IAM
// documentation through real requests.
func TestIVSDocumentationPolicies(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	root := ts.rootIVS()
	mk := func(name string, tags map[string]string) *ivstypes.Channel {
		t.Helper()
		out, err := root.CreateChannel(ctx, &ivs.CreateChannelInput{Name: aws.String(name), Tags: tags})
		if err != nil {
			t.Fatal(err)
		}
		return out.Channel
	}

	t.Run("access one channel", func(t *testing.T) {
		mine, other := mk("mine", nil), mk("other", nil)
		doc := strings.ReplaceAll(seedPolicy(t, "access-one-channel.json"), "VgNkEJgOVX9N", channelID(aws.ToString(mine.Arn)))
		c := ivsUser(t, ts, "mateo", doc)
		if _, err := c.GetChannel(ctx, &ivs.GetChannelInput{Arn: mine.Arn}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListChannels(ctx, &ivs.ListChannelsInput{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdateChannel(ctx, &ivs.UpdateChannelInput{Arn: mine.Arn, Name: aws.String("mine2")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.GetChannel(ctx, &ivs.GetChannelInput{Arn: other.Arn})
		expectDenied(t, err, "mateo", "ivs:GetChannel", aws.ToString(other.Arn))
		_, err = c.UpdateChannel(ctx, &ivs.UpdateChannelInput{Arn: other.Arn, Name: aws.String("x")})
		expectDenied(t, err, "mateo", "ivs:UpdateChannel", aws.ToString(other.Arn))
		_, err = c.DeleteChannel(ctx, &ivs.DeleteChannelInput{Arn: mine.Arn})
		expectDenied(t, err, "mateo", "ivs:DeleteChannel", aws.ToString(mine.Arn))
		_, err = c.CreateChannel(ctx, &ivs.CreateChannelInput{})
		if code, _, _ := ivsError(t, err); code != "AccessDeniedException" {
			t.Fatalf("CreateChannel: %s", code)
		}
		// A channel that does not exist is denied, not reported missing.
		missing := "arn:aws:ivs:us-west-2:123456789012:channel/AAAAAAAAAAAA"
		_, err = c.GetChannel(ctx, &ivs.GetChannelInput{Arn: aws.String(missing)})
		expectDenied(t, err, "mateo", "ivs:GetChannel", missing)
	})

	t.Run("view channels by Owner tag", func(t *testing.T) {
		doc := seedPolicy(t, "view-channels-by-tag.json")
		c := ivsUser(t, ts, "richard", doc)
		upper := mk("owned", map[string]string{"Owner": "richard"})
		lower := mk("owned-lower", map[string]string{"owner": "richard"})
		theirs := mk("theirs", map[string]string{"Owner": "mateo"})
		untagged := mk("untagged", nil)
		for _, ch := range []*ivstypes.Channel{upper, lower} {
			if _, err := c.GetChannel(ctx, &ivs.GetChannelInput{Arn: ch.Arn}); err != nil {
				t.Fatalf("%s: %v", aws.ToString(ch.Name), err)
			}
		}
		for _, ch := range []*ivstypes.Channel{theirs, untagged} {
			_, err := c.GetChannel(ctx, &ivs.GetChannelInput{Arn: ch.Arn})
			expectDenied(t, err, "richard", "ivs:GetChannel", aws.ToString(ch.Arn))
		}
		l, err := c.ListChannels(ctx, &ivs.ListChannelsInput{})
		if err != nil || len(l.Channels) < 4 {
			t.Fatalf("ListChannels (one decision, not filtered): %v %+v", err, l)
		}
		// The owner loses access when the tag changes.
		if _, err := root.TagResource(ctx, &ivs.TagResourceInput{ResourceArn: upper.Arn, Tags: map[string]string{"Owner": "someone"}}); err != nil {
			t.Fatal(err)
		}
		_, err = c.GetChannel(ctx, &ivs.GetChannelInput{Arn: upper.Arn})
		expectDenied(t, err, "richard", "ivs:GetChannel", aws.ToString(upper.Arn))
	})

	t.Run("console ivs:*", func(t *testing.T) {
		c := ivsUser(t, ts, "console", seedPolicy(t, "ivs-console.json"))
		out, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{Name: aws.String("console"), Tags: map[string]string{"k": "v"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetStreamKey(ctx, &ivs.GetStreamKeyInput{Arn: out.StreamKey.Arn}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteChannel(ctx, &ivs.DeleteChannelInput{Arn: out.Channel.Arn}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("no policy", func(t *testing.T) {
		c := ivsUser(t, ts, "nobody", "")
		_, err := c.ListChannels(ctx, &ivs.ListChannelsInput{})
		expectDenied(t, err, "nobody", "ivs:ListChannels", "arn:aws:ivs:us-west-2:123456789012:channel/*")
	})

	t.Run("create needs the stream key and tagging", func(t *testing.T) {
		c := ivsUser(t, ts, "creator", `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ivs:CreateChannel","Resource":"arn:aws:ivs:*:*:channel/*"}]}`)
		_, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{})
		code, msg, _ := ivsError(t, err)
		if code != "AccessDeniedException" || !strings.Contains(msg, "ivs:CreateChannel on resource: arn:aws:ivs:us-west-2:123456789012:stream-key/") {
			t.Fatalf("stream key not authorized: %s %s", code, msg)
		}
		c = ivsUser(t, ts, "creator2", `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ivs:CreateChannel","Resource":"*",
			 "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]}`)
		if _, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{}); err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateChannel(ctx, &ivs.CreateChannelInput{Tags: map[string]string{"team": "a"}})
		if code, msg, _ := ivsError(t, err); code != "AccessDeniedException" || !strings.Contains(msg, "ivs:TagResource") {
			t.Fatalf("tag on create without ivs:TagResource: %s %s", code, msg)
		}
		_, err = c.CreateChannel(ctx, &ivs.CreateChannelInput{Tags: map[string]string{"cost": "a"}})
		if code, msg, _ := ivsError(t, err); code != "AccessDeniedException" || !strings.Contains(msg, "ivs:CreateChannel") {
			t.Fatalf("aws:TagKeys condition: %s %s", code, msg)
		}
	})

	t.Run("batch get authorizes each channel", func(t *testing.T) {
		a, b := mk("batch-a", map[string]string{"Owner": "batcher"}), mk("batch-b", nil)
		c := ivsUser(t, ts, "batcher", `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ivs:BatchGetChannel","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Owner":"${aws:username}"}}}]}`)
		out, err := c.BatchGetChannel(ctx, &ivs.BatchGetChannelInput{Arns: []string{aws.ToString(a.Arn), aws.ToString(b.Arn)}})
		if err != nil || len(out.Channels) != 1 || aws.ToString(out.Channels[0].Arn) != aws.ToString(a.Arn) || len(out.Errors) != 1 {
			t.Fatalf("BatchGetChannel: %v %+v", err, out)
		}
		e := out.Errors[0]
		if aws.ToString(e.Arn) != aws.ToString(b.Arn) || aws.ToString(e.Code) != "AccessDeniedException" ||
			aws.ToString(e.Message) != deniedMessage("batcher", "ivs:BatchGetChannel", aws.ToString(b.Arn)) {
			t.Fatalf("batch error %+v", e)
		}
	})
}
