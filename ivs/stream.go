package ivs

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Streams and stream sessions. Ingest writes a channel's store.LiveStream
// when an encoder publishes and its store.StreamSession records; these
// operations read them. A channel without a live stream record is not
// broadcasting.

// ChannelNotBroadcasting is the error code of operations that need a live
// stream on an offline channel.
const ChannelNotBroadcasting = "ChannelNotBroadcasting"

// ThrottlingException is the error code of a rate limit.
const ThrottlingException = "ThrottlingException"

// PutMetadata limits: the payload size and the documented rates.
const (
	MaxMetadataBytes       = 1024
	MetadataPerChannelTPS  = 5
	MetadataPerAccountTPS  = 155
	metadataKeptPerChannel = 100
)

// Stream is the Stream shape.
type Stream struct {
	ChannelArn  string     `json:"channelArn"`
	StreamID    string     `json:"streamId"`
	PlaybackURL string     `json:"playbackUrl"`
	StartTime   *time.Time `json:"startTime,omitempty"`
	State       string     `json:"state"`
	Health      string     `json:"health"`
	ViewerCount int64      `json:"viewerCount"`
}

// StreamSummary is the StreamSummary shape.
type StreamSummary struct {
	ChannelArn  string     `json:"channelArn"`
	StreamID    string     `json:"streamId"`
	State       string     `json:"state"`
	Health      string     `json:"health"`
	ViewerCount int64      `json:"viewerCount"`
	StartTime   *time.Time `json:"startTime,omitempty"`
}

// StreamSessionSummary is the StreamSessionSummary shape.
type StreamSessionSummary struct {
	StreamID      string     `json:"streamId"`
	StartTime     *time.Time `json:"startTime,omitempty"`
	EndTime       *time.Time `json:"endTime,omitempty"`
	HasErrorEvent bool       `json:"hasErrorEvent"`
}

// StreamSession is the StreamSession shape.
type StreamSession struct {
	StreamID             string                `json:"streamId"`
	StartTime            *time.Time            `json:"startTime,omitempty"`
	EndTime              *time.Time            `json:"endTime,omitempty"`
	Channel              *Channel              `json:"channel,omitempty"`
	IngestConfiguration  *IngestConfiguration  `json:"ingestConfiguration,omitempty"`
	IngestConfigurations *IngestConfigurations `json:"ingestConfigurations,omitempty"`
	TruncatedEvents      []StreamEvent         `json:"truncatedEvents"`
}

// IngestConfiguration is the IngestConfiguration shape (the first tracks).
type IngestConfiguration struct {
	Video *VideoConfiguration `json:"video,omitempty"`
	Audio *AudioConfiguration `json:"audio,omitempty"`
}

// IngestConfigurations is the IngestConfigurations shape (every track).
type IngestConfigurations struct {
	VideoConfigurations []VideoConfiguration `json:"videoConfigurations"`
	AudioConfigurations []AudioConfiguration `json:"audioConfigurations"`
}

// VideoConfiguration is the VideoConfiguration shape.
type VideoConfiguration struct {
	AvcProfile      string `json:"avcProfile,omitempty"`
	AvcLevel        string `json:"avcLevel,omitempty"`
	Codec           string `json:"codec,omitempty"`
	Encoder         string `json:"encoder,omitempty"`
	TargetBitrate   int64  `json:"targetBitrate"`
	TargetFramerate int64  `json:"targetFramerate"`
	VideoHeight     int64  `json:"videoHeight"`
	VideoWidth      int64  `json:"videoWidth"`
	Level           string `json:"level,omitempty"`
	Track           string `json:"track,omitempty"`
	Profile         string `json:"profile,omitempty"`
}

// AudioConfiguration is the AudioConfiguration shape.
type AudioConfiguration struct {
	Codec         string `json:"codec,omitempty"`
	TargetBitrate int64  `json:"targetBitrate"`
	SampleRate    int64  `json:"sampleRate"`
	Channels      int64  `json:"channels"`
	Track         string `json:"track,omitempty"`
}

// StreamEvent is the StreamEvent shape.
type StreamEvent struct {
	Name      string     `json:"name"`
	Type      string     `json:"type"`
	EventTime *time.Time `json:"eventTime,omitempty"`
	Code      string     `json:"code,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func (s *Service) streamShape(ls *store.LiveStream, ch *store.Channel) *Stream {
	return &Stream{ChannelArn: ls.ChannelARN, StreamID: ls.StreamID, PlaybackURL: s.playbackURL(ch), StartTime: timePtr(ls.StartTime),
		State: ls.State, Health: ls.Health, ViewerCount: ls.ViewerCount}
}

func sessionSummary(ss *store.StreamSession) StreamSessionSummary {
	out := StreamSessionSummary{StreamID: ss.StreamID, StartTime: timePtr(ss.StartTime)}
	if ss.EndTime != nil {
		out.EndTime = timePtr(*ss.EndTime)
	}
	for _, e := range ss.Events {
		out.HasErrorEvent = out.HasErrorEvent || e.Code != "" || strings.Contains(strings.ToLower(e.Type), "failure")
	}
	return out
}

func (s *Service) sessionShape(ss *store.StreamSession, ch *store.Channel) *StreamSession {
	sum := sessionSummary(ss)
	out := &StreamSession{StreamID: ss.StreamID, StartTime: sum.StartTime, EndTime: sum.EndTime, Channel: s.channelShape(ch), TruncatedEvents: []StreamEvent{}}
	videos := make([]VideoConfiguration, 0, len(ss.Video))
	for _, v := range ss.Video {
		videos = append(videos, VideoConfiguration{AvcProfile: v.AvcProfile, AvcLevel: v.AvcLevel, Codec: v.Codec, Encoder: v.Encoder,
			TargetBitrate: v.TargetBitrate, TargetFramerate: v.TargetFramerate, VideoHeight: v.Height, VideoWidth: v.Width,
			Level: v.Level, Track: v.Track, Profile: v.Profile})
	}
	audios := make([]AudioConfiguration, 0, len(ss.Audio))
	for _, a := range ss.Audio {
		audios = append(audios, AudioConfiguration{Codec: a.Codec, TargetBitrate: a.TargetBitrate, SampleRate: a.SampleRate, Channels: a.Channels, Track: a.Track})
	}
	if len(videos)+len(audios) > 0 {
		ic := &IngestConfiguration{}
		if len(videos) > 0 {
			ic.Video = &videos[0]
		}
		if len(audios) > 0 {
			ic.Audio = &audios[0]
		}
		out.IngestConfiguration = ic
		out.IngestConfigurations = &IngestConfigurations{VideoConfigurations: videos, AudioConfigurations: audios}
	}
	for _, e := range ss.Events {
		out.TruncatedEvents = append(out.TruncatedEvents, StreamEvent{Name: e.Name, Type: e.Type, EventTime: timePtr(e.Time), Code: e.Code})
	}
	return out
}

// liveStream reads a channel's live stream; nil when it is not live.
func liveStream(ctx context.Context, tx store.Tx, sc scope, channelID string) (*store.LiveStream, error) {
	var ls store.LiveStream
	if err := store.GetJSON(ctx, tx, sc.account, store.IVSLiveKey(sc.region, channelID), &ls); err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &ls, nil
}

func notBroadcasting(arn string) error {
	return awserr.New(ChannelNotBroadcasting, "Channel is not broadcasting: %s", arn)
}

// ChannelARNInput is the input of operations that take one channel ARN.
type ChannelARNInput struct {
	ChannelArn string `json:"channelArn"`
}

// GetStreamOutput is the output of GetStream.
type GetStreamOutput struct {
	Stream *Stream `json:"stream"`
}

// GetStream returns the live stream of a channel. Errors:
// ValidationException, ResourceNotFoundException, AccessDeniedException,
// ChannelNotBroadcasting.
func (s *Service) GetStream(ctx context.Context, c *authz.Caller, in *ChannelARNInput) (*GetStreamOutput, error) {
	a, err := parseARN("channelArn", in.ChannelArn, kindChannel)
	if err != nil {
		return nil, err
	}
	var out *GetStreamOutput
	err = s.st.View(ctx, func(tx store.Tx) error {
		ch, err := s.authorizedChannel(ctx, tx, c, "GetStream", a)
		if err != nil {
			return err
		}
		ls, err := liveStream(ctx, tx, scopeOf(c), ch.ID)
		if err != nil {
			return err
		}
		if ls == nil {
			return notBroadcasting(ch.ARN)
		}
		out = &GetStreamOutput{Stream: s.streamShape(ls, ch)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StreamFilters is the StreamFilters shape.
type StreamFilters struct {
	Health string `json:"health"`
}

// ListStreamsInput is the input of ListStreams.
type ListStreamsInput struct {
	FilterBy   *StreamFilters `json:"filterBy"`
	NextToken  string         `json:"nextToken"`
	MaxResults *int           `json:"maxResults"`
}

// ListStreamsOutput is the output of ListStreams.
type ListStreamsOutput struct {
	Streams   []StreamSummary `json:"streams"`
	NextToken string          `json:"nextToken,omitempty"`
}

// ListStreams lists the live streams of the account in the region,
// optionally by health. The caller needs ivs:ListStreams on …:channel/*.
// Errors: ValidationException, AccessDeniedException.
func (s *Service) ListStreams(ctx context.Context, c *authz.Caller, in *ListStreamsInput) (*ListStreamsOutput, error) {
	health := ""
	if in.FilterBy != nil {
		health = in.FilterBy.Health
		if err := validateEnum("filterBy.health", health, store.HealthHealthy, store.HealthStarving, store.HealthUnknown); err != nil {
			return nil, err
		}
	}
	limit, after, err := pageArgs(in.MaxResults, 100, 100, in.NextToken)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	if err := s.authorize(ctx, c, "ListStreams", sc.arn(kindChannel, "*"), nil); err != nil {
		return nil, err
	}
	out := &ListStreamsOutput{Streams: []StreamSummary{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		items, next, err := page(ctx, tx, sc.account, store.IVSLivePrefix(sc.region), after, limit, func(ls *store.LiveStream) bool {
			return health == "" || ls.Health == health
		}, nil)
		if err != nil {
			return err
		}
		for _, ls := range items {
			out.Streams = append(out.Streams, StreamSummary{ChannelArn: ls.ChannelARN, StreamID: ls.StreamID, State: ls.State,
				Health: ls.Health, ViewerCount: ls.ViewerCount, StartTime: timePtr(ls.StartTime)})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StopStream disconnects the encoder of a live channel: the live stream
// record goes and the session ends (ingest, watching the record, closes
// the connection). Errors: ValidationException,
// ResourceNotFoundException, AccessDeniedException, ChannelNotBroadcasting.
func (s *Service) StopStream(ctx context.Context, c *authz.Caller, in *ChannelARNInput) (*Empty, error) {
	a, err := parseARN("channelArn", in.ChannelArn, kindChannel)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		ch, err := s.authorizedChannel(ctx, tx, c, "StopStream", a)
		if err != nil {
			return err
		}
		ls, err := liveStream(ctx, tx, sc, ch.ID)
		if err != nil {
			return err
		}
		if ls == nil {
			return notBroadcasting(ch.ARN)
		}
		return EndStream(ctx, tx, sc.account, sc.region, ls, s.now().UTC())
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// PutMetadataInput is the input of PutMetadata.
type PutMetadataInput struct {
	ChannelArn string  `json:"channelArn"`
	Metadata   *string `json:"metadata"`
}

// PutMetadata keeps timed metadata for the live stream of a channel, for
// playback to insert. Payloads are 1..1024 bytes of UTF-8; a channel takes
// at most 5 calls a second and an account 155 a second in a region.
// Errors: ValidationException, ResourceNotFoundException,
// AccessDeniedException, ChannelNotBroadcasting, ThrottlingException.
func (s *Service) PutMetadata(ctx context.Context, c *authz.Caller, in *PutMetadataInput) (*Empty, error) {
	a, err := parseARN("channelArn", in.ChannelArn, kindChannel)
	if err != nil {
		return nil, err
	}
	if in.Metadata == nil {
		return nil, required("metadata")
	}
	md := *in.Metadata
	if md == "" {
		return nil, validation("metadata", "", "Member must have length greater than or equal to 1")
	}
	if !utf8.ValidString(md) {
		return nil, awserr.New(awserr.ValidationException, "metadata must be UTF-8 text")
	}
	if len(md) > MaxMetadataBytes {
		return nil, awserr.New(awserr.ValidationException, "metadata is %d bytes; it may be at most %d bytes", len(md), MaxMetadataBytes)
	}
	sc := scopeOf(c)
	now := s.now().UTC()
	err = s.st.Update(ctx, func(tx store.Tx) error {
		ch, err := s.authorizedChannel(ctx, tx, c, "PutMetadata", a)
		if err != nil {
			return err
		}
		ls, err := liveStream(ctx, tx, sc, ch.ID)
		if err != nil {
			return err
		}
		if ls == nil {
			return notBroadcasting(ch.ARN)
		}
		// The account-wide rate.
		var rate store.MetadataRate
		if err := store.GetJSON(ctx, tx, sc.account, store.IVSMetadataRateKey(sc.region), &rate); err != nil && !isNotFound(err) {
			return err
		}
		rate.Times = recent(rate.Times, now)
		if len(rate.Times) >= MetadataPerAccountTPS {
			return awserr.New(ThrottlingException, "Rate exceeded: at most %d PutMetadata calls per second per account", MetadataPerAccountTPS)
		}
		// The channel's rate and its kept payloads.
		var cm store.ChannelMetadata
		if err := store.GetJSON(ctx, tx, sc.account, store.IVSMetadataKey(sc.region, ch.ID), &cm); err != nil && !isNotFound(err) {
			return err
		}
		n := 0
		for _, it := range cm.Items {
			if inLastSecond(it.Time, now) {
				n++
			}
		}
		if n >= MetadataPerChannelTPS {
			return awserr.New(ThrottlingException, "Rate exceeded: at most %d PutMetadata calls per second per channel", MetadataPerChannelTPS)
		}
		cm.Items = append(cm.Items, store.TimedMetadata{StreamID: ls.StreamID, Payload: md, Time: now})
		if k := len(cm.Items); k > metadataKeptPerChannel {
			cm.Items = append([]store.TimedMetadata(nil), cm.Items[k-metadataKeptPerChannel:]...)
		}
		rate.Times = append(rate.Times, now)
		if err := store.PutJSON(ctx, tx, sc.account, store.IVSMetadataRateKey(sc.region), &rate); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, sc.account, store.IVSMetadataKey(sc.region, ch.ID), &cm)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// inLastSecond reports whether t is within the second before now
// (inclusive of now).
func inLastSecond(t, now time.Time) bool { return !t.After(now) && now.Sub(t) < time.Second }

// recent keeps the times of the last second.
func recent(ts []time.Time, now time.Time) []time.Time {
	out := ts[:0]
	for _, t := range ts {
		if inLastSecond(t, now) {
			out = append(out, t)
		}
	}
	return out
}

// ChannelMetadata returns the timed metadata kept for a channel's stream
// streamID, oldest first, for playback.
func (s *Service) ChannelMetadata(ctx context.Context, account, region, channelID, streamID string) ([]store.TimedMetadata, error) {
	var cm store.ChannelMetadata
	err := s.st.View(ctx, func(tx store.Tx) error {
		err := store.GetJSON(ctx, tx, account, store.IVSMetadataKey(region, channelID), &cm)
		if isNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []store.TimedMetadata{}
	for _, it := range cm.Items {
		if it.StreamID == streamID {
			out = append(out, it)
		}
	}
	return out, nil
}

// ListStreamSessionsInput is the input of ListStreamSessions.
type ListStreamSessionsInput struct {
	ChannelArn string `json:"channelArn"`
	NextToken  string `json:"nextToken"`
	MaxResults *int   `json:"maxResults"`
}

// ListStreamSessionsOutput is the output of ListStreamSessions.
type ListStreamSessionsOutput struct {
	StreamSessions []StreamSessionSummary `json:"streamSessions"`
	NextToken      string                 `json:"nextToken,omitempty"`
}

// ListStreamSessions lists the current and past sessions of a channel.
// Errors: ValidationException, ResourceNotFoundException,
// AccessDeniedException.
func (s *Service) ListStreamSessions(ctx context.Context, c *authz.Caller, in *ListStreamSessionsInput) (*ListStreamSessionsOutput, error) {
	a, err := parseARN("channelArn", in.ChannelArn, kindChannel)
	if err != nil {
		return nil, err
	}
	limit, after, err := pageArgs(in.MaxResults, 100, 100, in.NextToken)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	out := &ListStreamSessionsOutput{StreamSessions: []StreamSessionSummary{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		ch, err := s.authorizedChannel(ctx, tx, c, "ListStreamSessions", a)
		if err != nil {
			return err
		}
		items, next, err := page(ctx, tx, sc.account, store.IVSSessionPrefix(sc.region, ch.ID), after, limit, func(*store.StreamSession) bool { return true }, nil)
		if err != nil {
			return err
		}
		for i := range items {
			out.StreamSessions = append(out.StreamSessions, sessionSummary(&items[i]))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetStreamSessionInput is the input of GetStreamSession.
type GetStreamSessionInput struct {
	ChannelArn string `json:"channelArn"`
	StreamID   string `json:"streamId"`
}

// GetStreamSessionOutput is the output of GetStreamSession.
type GetStreamSessionOutput struct {
	StreamSession *StreamSession `json:"streamSession"`
}

var streamIDPattern = regexp.MustCompile(`^st-[a-zA-Z0-9]+$`)

// NewStreamID returns a stream id: st- and 23 alphanumerics.
func NewStreamID() string { return "st-" + randomString(23, alnum) }

// GetStreamSession returns a session of a channel, the most recent when
// no streamId is given. Errors: ValidationException,
// ResourceNotFoundException, AccessDeniedException.
func (s *Service) GetStreamSession(ctx context.Context, c *authz.Caller, in *GetStreamSessionInput) (*GetStreamSessionOutput, error) {
	a, err := parseARN("channelArn", in.ChannelArn, kindChannel)
	if err != nil {
		return nil, err
	}
	if in.StreamID != "" && (len(in.StreamID) != 26 || !streamIDPattern.MatchString(in.StreamID)) {
		return nil, validation("streamId", in.StreamID, "Member must satisfy regular expression pattern: st-[a-zA-Z0-9]+ and have length 26")
	}
	sc := scopeOf(c)
	var out *GetStreamSessionOutput
	err = s.st.View(ctx, func(tx store.Tx) error {
		ch, err := s.authorizedChannel(ctx, tx, c, "GetStreamSession", a)
		if err != nil {
			return err
		}
		var ss *store.StreamSession
		if in.StreamID != "" {
			var rec store.StreamSession
			if err := store.GetJSON(ctx, tx, sc.account, store.IVSSessionKey(sc.region, ch.ID, in.StreamID), &rec); err != nil {
				if isNotFound(err) {
					return awserr.New(awserr.ResourceNotFoundException, "Stream session not found: %s", in.StreamID)
				}
				return err
			}
			ss = &rec
		} else {
			all, _, err := store.ListJSON[store.StreamSession](ctx, tx, sc.account, store.IVSSessionPrefix(sc.region, ch.ID), "", 0)
			if err != nil {
				return err
			}
			for i := range all {
				if ss == nil || all[i].StartTime.After(ss.StartTime) {
					ss = &all[i]
				}
			}
			if ss == nil {
				return awserr.New(awserr.ResourceNotFoundException, "Channel has no stream sessions: %s", ch.ARN)
			}
		}
		out = &GetStreamSessionOutput{StreamSession: s.sessionShape(ss, ch)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deleteStreamRecords removes what a deleted channel leaves behind: its
// stream sessions, its timed metadata, its viewer-session revocations
// and the marks of its used single-use playback tokens.
func deleteStreamRecords(ctx context.Context, tx store.Tx, sc scope, channelID string) error {
	for _, prefix := range []string{store.IVSSessionPrefix(sc.region, channelID), store.IVSRevocationPrefix(sc.region, channelID),
		store.IVSSingleUsePrefix(sc.region, channelID)} {
		items, err := tx.List(ctx, sc.account, prefix, "", 0)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := tx.Delete(ctx, sc.account, it.Key); err != nil {
				return err
			}
		}
	}
	if err := tx.Delete(ctx, sc.account, store.IVSMetadataKey(sc.region, channelID)); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}
