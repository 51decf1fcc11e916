package ivs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/media/ingest"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Ingest is the store side of RTMP ingest: it finds the stream key an
// encoder presents, makes the channel live with a new stream session, and
// ends it when the encoder leaves. A live session notices that StopStream
// ended it by polling its live-stream record, which works across nodes
// sharing one store.
type Ingest struct {
	s *Service
}

var _ ingest.Publisher = (*Ingest)(nil)

// Ingest returns the service's ingest side.
func (s *Service) Ingest() *Ingest { return &Ingest{s: s} }

// Stream event names and types, as IVS's EventBridge events name them.
const (
	eventStateChange    = "IVS Stream State Change"
	eventSessionCreated = "Session Created"
	eventStreamStart    = "Stream Start"
	eventStreamEnd      = "Stream End"
	eventSessionEnded   = "Session Ended"
)

// keyTarget is what a stream key value publishes to: the key and its
// channel, in their account and region.
type keyTarget struct {
	sc  scope
	key store.StreamKey
	ch  store.Channel
}

// refused is an ingest refusal.
func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ingest.ErrRefused, fmt.Sprintf(format, args...))
}

// findKey finds the stream key with value and its channel; an unknown or
// deleted key, or a channel that is gone, is refused.
func findKey(ctx context.Context, tx store.Tx, value string) (*keyTarget, error) {
	hash := HashStreamKey(value)
	var ref store.StreamKeyRef
	if err := store.GetJSON(ctx, tx, store.Global, store.IVSStreamKeyValueKey(hash), &ref); err != nil {
		if isNotFound(err) {
			return nil, refused("unknown stream key")
		}
		return nil, err
	}
	t := &keyTarget{sc: scope{account: ref.Account, region: ref.Region}}
	if err := store.GetJSON(ctx, tx, ref.Account, store.IVSStreamKeyKey(ref.Region, ref.ID), &t.key); err != nil {
		if isNotFound(err) {
			return nil, refused("the stream key was deleted")
		}
		return nil, err
	}
	if t.key.ValueHash != hash {
		return nil, refused("unknown stream key")
	}
	if err := store.GetJSON(ctx, tx, ref.Account, store.IVSChannelKey(ref.Region, t.key.ChannelID), &t.ch); err != nil {
		if isNotFound(err) {
			return nil, refused("the channel of stream key %s was deleted", t.key.ARN)
		}
		return nil, err
	}
	return t, nil
}

// publishable finds the target of a stream key and refuses a channel that
// is already live.
func publishable(ctx context.Context, tx store.Tx, value string) (*keyTarget, error) {
	t, err := findKey(ctx, tx, value)
	if err != nil {
		return nil, err
	}
	live, err := isLive(ctx, tx, t.sc, &t.ch)
	if err != nil {
		return nil, err
	}
	if live {
		return nil, refused("channel %s is already live", t.ch.ARN)
	}
	return t, nil
}

// Authorize admits a publish with a stream key of a channel that is not
// live. Refusals wrap ingest.ErrRefused.
func (in *Ingest) Authorize(ctx context.Context, streamKey string) error {
	return in.s.st.View(ctx, func(tx store.Tx) error {
		_, err := publishable(ctx, tx, streamKey)
		return err
	})
}

// Start makes the key's channel live: a LIVE, HEALTHY stream with a new
// stream id and its session, whose ingest configuration comes from the
// tracks, in one transaction. Refusals (the key was deleted, the channel
// went live meanwhile) wrap ingest.ErrRefused.
func (in *Ingest) Start(ctx context.Context, streamKey string, info ingest.TrackInfo) (ingest.Session, error) {
	now := in.s.now().UTC()
	streamID := NewStreamID()
	var t *keyTarget
	err := in.s.st.Update(ctx, func(tx store.Tx) error {
		var err error
		if t, err = publishable(ctx, tx, streamKey); err != nil {
			return err
		}
		ls := store.LiveStream{ChannelARN: t.ch.ARN, ChannelID: t.ch.ID, StreamID: streamID, State: store.StreamLive,
			Health: store.HealthHealthy, StartTime: now}
		if err := store.CreateJSON(ctx, tx, t.sc.account, store.IVSLiveKey(t.sc.region, t.ch.ID), &ls); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return refused("channel %s is already live", t.ch.ARN)
			}
			return err
		}
		ss := store.StreamSession{StreamID: streamID, ChannelARN: t.ch.ARN, ChannelID: t.ch.ID, StartTime: now,
			RecordingConfigurationARN: t.ch.RecordingConfigurationARN, Video: videoConfigurations(info), Audio: audioConfigurations(info)}
		ss.AddEvent(store.StreamEvent{Name: eventSessionCreated, Type: eventStateChange, Time: now})
		ss.AddEvent(store.StreamEvent{Name: eventStreamStart, Type: eventStateChange, Time: now})
		return store.CreateJSON(ctx, tx, t.sc.account, store.IVSSessionKey(t.sc.region, t.ch.ID, streamID), &ss)
	})
	if err != nil {
		return nil, err
	}
	ls := &LiveSession{in: in, sc: t.sc, channelARN: t.ch.ARN, channelID: t.ch.ID, streamID: streamID,
		log: in.s.log.With("channel_arn", t.ch.ARN, "stream_key_arn", t.key.ARN, "stream_id", streamID)}
	ls.log.Info("ivs stream started", "tracks", info.String())
	return ls, nil
}

// videoConfigurations records the video tracks as IVS reports them.
func videoConfigurations(info ingest.TrackInfo) []store.VideoConfiguration {
	out := make([]store.VideoConfiguration, 0, len(info.Video))
	for i, v := range info.Video {
		out = append(out, store.VideoConfiguration{AvcProfile: v.Profile, AvcLevel: v.Level, Codec: v.Codec, Encoder: info.Encoder,
			TargetBitrate: v.Bitrate, TargetFramerate: v.Framerate, Height: int64(v.Height), Width: int64(v.Width),
			Level: v.Level, Profile: v.Profile, Track: fmt.Sprintf("Track%d", i)})
	}
	return out
}

// audioConfigurations records the audio tracks as IVS reports them.
func audioConfigurations(info ingest.TrackInfo) []store.AudioConfiguration {
	out := make([]store.AudioConfiguration, 0, len(info.Audio))
	for i, a := range info.Audio {
		out = append(out, store.AudioConfiguration{Codec: a.Codec, TargetBitrate: a.Bitrate, SampleRate: int64(a.SampleRate),
			Channels: int64(a.Channels), Track: fmt.Sprintf("Track%d", i)})
	}
	return out
}

// LiveSession is a stream live through this node's ingest. Start returns
// one (as an ingest.Session).
type LiveSession struct {
	in                              *Ingest
	sc                              scope
	channelARN, channelID, streamID string
	log                             *slog.Logger
	// viewers is the stream's view count, as playback last reported it;
	// Update records it, at most every ViewerCountInterval, and
	// viewersRecorded is when it last did (Update only).
	viewers         atomic.Int64
	viewersRecorded time.Time
}

// ViewerCountInterval is the least time between two records of a live
// stream's changed viewerCount: every write of the store bumps the
// account's generation, and IVS itself takes up to 15 s to count a new
// view.
const ViewerCountInterval = 5 * time.Second

// ChannelARN is the ARN of the live channel.
func (ls *LiveSession) ChannelARN() string { return ls.channelARN }

// StreamID is the id of the stream (and of its session).
func (ls *LiveSession) StreamID() string { return ls.streamID }

// SetViewers reports the stream's concurrent views; the next Update
// records them as the stream's viewerCount.
func (ls *LiveSession) SetViewers(n int64) { ls.viewers.Store(n) }

// Metadata returns the timed metadata PutMetadata kept for the stream,
// oldest first.
func (ls *LiveSession) Metadata(ctx context.Context) ([]store.TimedMetadata, error) {
	return ls.in.s.ChannelMetadata(ctx, ls.sc.account, ls.sc.region, ls.channelID, ls.streamID)
}

// ours reads the channel's live stream: nil when it is not this session's
// any more (StopStream deleted it, or another stream replaced it).
func (ls *LiveSession) ours(ctx context.Context, tx store.Tx) (*store.LiveStream, error) {
	cur, err := liveStream(ctx, tx, ls.sc, ls.channelID)
	if err != nil || cur == nil || cur.StreamID != ls.streamID {
		return nil, err
	}
	return cur, nil
}

// Update checks that the stream is still live (ingest.ErrStopped when
// StopStream ended it) and records its health and its viewer count when
// they changed: HEALTHY while media flows, STARVING when it does not; the
// views SetViewers last reported (at most every ViewerCountInterval).
func (ls *LiveSession) Update(ctx context.Context, st ingest.Status) error {
	want := store.HealthHealthy
	if st.Starving {
		want = store.HealthStarving
	}
	viewers := ls.viewers.Load()
	var cur *store.LiveStream
	err := ls.in.s.st.View(ctx, func(tx store.Tx) error {
		var err error
		cur, err = ls.ours(ctx, tx)
		return err
	})
	switch {
	case err != nil:
		return err
	case cur == nil:
		return ingest.ErrStopped
	}
	now := ls.in.s.now()
	healthChanged := cur.Health != want
	if !healthChanged && (cur.ViewerCount == viewers || now.Sub(ls.viewersRecorded) < ViewerCountInterval) {
		return nil
	}
	err = ls.in.s.st.Update(ctx, func(tx store.Tx) error {
		cur, err := ls.ours(ctx, tx)
		if err != nil || cur == nil {
			return err
		}
		cur.Health, cur.ViewerCount = want, viewers
		return store.PutJSON(ctx, tx, ls.sc.account, store.IVSLiveKey(ls.sc.region, ls.channelID), cur)
	})
	if err != nil {
		return err
	}
	ls.viewersRecorded = now
	if healthChanged {
		ls.log.Info("ivs stream health changed", "health", want)
	}
	return nil
}

// End ends the stream when the encoder leaves: the live record goes and
// the session ends, unless StopStream did it already (EndStream ended the
// session then, and a deleted channel had to be stopped first).
func (ls *LiveSession) End(ctx context.Context) {
	now := ls.in.s.now().UTC()
	err := ls.in.s.st.Update(ctx, func(tx store.Tx) error {
		cur, err := ls.ours(ctx, tx)
		if err != nil || cur == nil {
			return err
		}
		return EndStream(ctx, tx, ls.sc.account, ls.sc.region, cur, now)
	})
	if err != nil {
		ls.log.Error("ivs stream end failed", "err", err)
		return
	}
	ls.log.Info("ivs stream ended")
}

// EndStream ends the live stream ls of a channel at now: it deletes the
// live record, marks its session ended and records the end events. Ingest
// calls it when an encoder disconnects; StopStream when it stops one.
func EndStream(ctx context.Context, tx store.Tx, account, region string, ls *store.LiveStream, now time.Time) error {
	if err := tx.Delete(ctx, account, store.IVSLiveKey(region, ls.ChannelID)); err != nil && !isNotFound(err) {
		return err
	}
	key := store.IVSSessionKey(region, ls.ChannelID, ls.StreamID)
	var ss store.StreamSession
	if err := store.GetJSON(ctx, tx, account, key, &ss); err != nil {
		if !isNotFound(err) {
			return err
		}
		ss = store.StreamSession{StreamID: ls.StreamID, ChannelARN: ls.ChannelARN, ChannelID: ls.ChannelID, StartTime: ls.StartTime}
	}
	if ss.EndTime == nil {
		ss.EndTime = &now
		ss.AddEvent(store.StreamEvent{Name: eventStreamEnd, Type: eventStateChange, Time: now})
		ss.AddEvent(store.StreamEvent{Name: eventSessionEnded, Type: eventStateChange, Time: now})
	}
	return store.PutJSON(ctx, tx, account, key, &ss)
}
