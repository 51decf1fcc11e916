package server_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ivs"
	ivstypes "github.com/aws/aws-sdk-go-v2/service/ivs/types"
)

// TestIVSStreamsWithSDK drives the stream, stream-session and
// viewer-session-revocation operations with aws-sdk-go-v2. Without ingest
// no channel is live.
func TestIVSStreamsWithSDK(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	c := ts.rootIVS()
	cr, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{Name: aws.String("stage"), Tags: map[string]string{"Owner": "rev"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := cr.Channel.Arn
	missing := aws.String("arn:aws:ivs:us-west-2:123456789012:channel/AAAAAAAAAAAA")

	// Offline: ChannelNotBroadcasting (404), typed.
	notLive := func(op string, err error) {
		t.Helper()
		var nb *ivstypes.ChannelNotBroadcasting
		if !errors.As(err, &nb) {
			t.Fatalf("%s: %v, want ChannelNotBroadcasting", op, err)
		}
		if code, _, status := ivsError(t, err); code != "ChannelNotBroadcasting" || status != 404 || aws.ToString(nb.ExceptionMessage) == "" {
			t.Fatalf("%s: %s %d %q", op, code, status, aws.ToString(nb.ExceptionMessage))
		}
	}
	_, err = c.GetStream(ctx, &ivs.GetStreamInput{ChannelArn: arn})
	notLive("GetStream", err)
	_, err = c.StopStream(ctx, &ivs.StopStreamInput{ChannelArn: arn})
	notLive("StopStream", err)
	_, err = c.PutMetadata(ctx, &ivs.PutMetadataInput{ChannelArn: arn, Metadata: aws.String(`{"q":1}`)})
	notLive("PutMetadata", err)

	_, err = c.GetStream(ctx, &ivs.GetStreamInput{ChannelArn: missing})
	if code, _, status := ivsError(t, err); code != "ResourceNotFoundException" || status != 404 {
		t.Fatalf("GetStream of a missing channel: %s %d", code, status)
	}
	big := make([]byte, 1025)
	for i := range big {
		big[i] = 'a'
	}
	_, err = c.PutMetadata(ctx, &ivs.PutMetadataInput{ChannelArn: arn, Metadata: aws.String(string(big))})
	if code, _, status := ivsError(t, err); code != "ValidationException" || status != 400 {
		t.Fatalf("PutMetadata 1025 bytes: %s %d", code, status)
	}

	l, err := c.ListStreams(ctx, &ivs.ListStreamsInput{})
	if err != nil || l.Streams == nil || len(l.Streams) != 0 || l.NextToken != nil {
		t.Fatalf("ListStreams: %v %+v", err, l)
	}
	l, err = c.ListStreams(ctx, &ivs.ListStreamsInput{FilterBy: &ivstypes.StreamFilters{Health: ivstypes.StreamHealthStreamHealthy}, MaxResults: aws.Int32(5)})
	if err != nil || len(l.Streams) != 0 {
		t.Fatalf("ListStreams by health: %v %+v", err, l)
	}
	ss, err := c.ListStreamSessions(ctx, &ivs.ListStreamSessionsInput{ChannelArn: arn})
	if err != nil || ss.StreamSessions == nil || len(ss.StreamSessions) != 0 {
		t.Fatalf("ListStreamSessions: %v %+v", err, ss)
	}
	_, err = c.GetStreamSession(ctx, &ivs.GetStreamSessionInput{ChannelArn: arn, StreamId: aws.String("st-1A2b3c4D5e6F78ghij9Klmn")})
	if code, _, status := ivsError(t, err); code != "ResourceNotFoundException" || status != 404 {
		t.Fatalf("GetStreamSession unknown: %s %d", code, status)
	}

	// Revocation.
	if _, err := c.StartViewerSessionRevocation(ctx, &ivs.StartViewerSessionRevocationInput{ChannelArn: arn, ViewerId: aws.String("viewer-1"),
		ViewerSessionVersionsLessThanOrEqualTo: 3}); err != nil {
		t.Fatal(err)
	}
	_, err = c.StartViewerSessionRevocation(ctx, &ivs.StartViewerSessionRevocationInput{ChannelArn: arn, ViewerId: aws.String("0123456789012345678901234567890123456789X")})
	if code, _, _ := ivsError(t, err); code != "ValidationException" {
		t.Fatalf("viewerId of 41: %s", code)
	}
	_, err = c.StartViewerSessionRevocation(ctx, &ivs.StartViewerSessionRevocationInput{ChannelArn: missing, ViewerId: aws.String("v")})
	if code, _, status := ivsError(t, err); code != "ResourceNotFoundException" || status != 404 {
		t.Fatalf("revocation on a missing channel: %s %d", code, status)
	}
	br, err := c.BatchStartViewerSessionRevocation(ctx, &ivs.BatchStartViewerSessionRevocationInput{ViewerSessions: []ivstypes.BatchStartViewerSessionRevocationViewerSession{
		{ChannelArn: arn, ViewerId: aws.String("viewer-2")},
		{ChannelArn: missing, ViewerId: aws.String("viewer-3"), ViewerSessionVersionsLessThanOrEqualTo: 1},
	}})
	if err != nil || len(br.Errors) != 1 || aws.ToString(br.Errors[0].ChannelArn) != aws.ToString(missing) ||
		aws.ToString(br.Errors[0].ViewerId) != "viewer-3" || aws.ToString(br.Errors[0].Code) != "ResourceNotFoundException" {
		t.Fatalf("BatchStartViewerSessionRevocation: %v %+v", err, br)
	}
	many := make([]ivstypes.BatchStartViewerSessionRevocationViewerSession, 21)
	for i := range many {
		many[i] = ivstypes.BatchStartViewerSessionRevocationViewerSession{ChannelArn: arn, ViewerId: aws.String("v")}
	}
	_, err = c.BatchStartViewerSessionRevocation(ctx, &ivs.BatchStartViewerSessionRevocationInput{ViewerSessions: many})
	if code, _, _ := ivsError(t, err); code != "ValidationException" {
		t.Fatalf("21 revocations: %s", code)
	}

	// Authorization: on the channel ARN, with its tags; lists on channel/*.
	other, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{Name: aws.String("other")})
	if err != nil {
		t.Fatal(err)
	}
	u := ivsUser(t, ts, "rev", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["ivs:GetStream","ivs:StopStream","ivs:PutMetadata","ivs:GetStreamSession","ivs:ListStreamSessions",
		  "ivs:StartViewerSessionRevocation","ivs:BatchStartViewerSessionRevocation"],
		 "Resource":"arn:aws:ivs:*:*:channel/*","Condition":{"StringEquals":{"aws:ResourceTag/Owner":"${aws:username}"}}}]}`)
	_, err = u.GetStream(ctx, &ivs.GetStreamInput{ChannelArn: arn})
	notLive("GetStream (allowed by tag)", err)
	_, err = u.StopStream(ctx, &ivs.StopStreamInput{ChannelArn: arn})
	notLive("StopStream (allowed by tag)", err)
	if _, err := u.ListStreamSessions(ctx, &ivs.ListStreamSessionsInput{ChannelArn: arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.StartViewerSessionRevocation(ctx, &ivs.StartViewerSessionRevocationInput{ChannelArn: arn, ViewerId: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	oarn := aws.ToString(other.Channel.Arn)
	for _, tc := range []struct {
		action string
		call   func() error
	}{
		{"ivs:GetStream", func() error {
			_, err := u.GetStream(ctx, &ivs.GetStreamInput{ChannelArn: other.Channel.Arn})
			return err
		}},
		{"ivs:StopStream", func() error {
			_, err := u.StopStream(ctx, &ivs.StopStreamInput{ChannelArn: other.Channel.Arn})
			return err
		}},
		{"ivs:PutMetadata", func() error {
			_, err := u.PutMetadata(ctx, &ivs.PutMetadataInput{ChannelArn: other.Channel.Arn, Metadata: aws.String("x")})
			return err
		}},
		{"ivs:ListStreamSessions", func() error {
			_, err := u.ListStreamSessions(ctx, &ivs.ListStreamSessionsInput{ChannelArn: other.Channel.Arn})
			return err
		}},
		{"ivs:GetStreamSession", func() error {
			_, err := u.GetStreamSession(ctx, &ivs.GetStreamSessionInput{ChannelArn: other.Channel.Arn})
			return err
		}},
		{"ivs:StartViewerSessionRevocation", func() error {
			_, err := u.StartViewerSessionRevocation(ctx, &ivs.StartViewerSessionRevocationInput{ChannelArn: other.Channel.Arn, ViewerId: aws.String("v")})
			return err
		}},
	} {
		expectDenied(t, tc.call(), "rev", tc.action, oarn)
	}
	_, err = u.ListStreams(ctx, &ivs.ListStreamsInput{})
	expectDenied(t, err, "rev", "ivs:ListStreams", "arn:aws:ivs:us-west-2:123456789012:channel/*")
	br, err = u.BatchStartViewerSessionRevocation(ctx, &ivs.BatchStartViewerSessionRevocationInput{ViewerSessions: []ivstypes.BatchStartViewerSessionRevocationViewerSession{
		{ChannelArn: arn, ViewerId: aws.String("a")},
		{ChannelArn: other.Channel.Arn, ViewerId: aws.String("b")},
	}})
	if err != nil || len(br.Errors) != 1 {
		t.Fatalf("batch with one denied item: %v %+v", err, br)
	}
	if e := br.Errors[0]; aws.ToString(e.ChannelArn) != oarn || aws.ToString(e.ViewerId) != "b" || aws.ToString(e.Code) != "AccessDeniedException" ||
		aws.ToString(e.Message) != deniedMessage("rev", "ivs:BatchStartViewerSessionRevocation", oarn) {
		t.Fatalf("batch error %+v", e)
	}
	// A user allowed ListStreams on channel/* lists (nothing is live).
	lu := ivsUser(t, ts, "lister", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"ivs:ListStreams","Resource":"arn:aws:ivs:us-west-2:123456789012:channel/*"}]}`)
	if l, err := lu.ListStreams(ctx, &ivs.ListStreamsInput{}); err != nil || len(l.Streams) != 0 {
		t.Fatalf("ListStreams by lister: %v %+v", err, l)
	}
}
