package store

import (
	"encoding/hex"
	"time"
)

// Live streams, stream sessions, timed metadata and viewer-session
// revocations of IVS channels. Ingest writes the live stream and session
// records (it starts a session when an encoder publishes and ends it when
// the encoder leaves); the control plane reads them, and StopStream and
// PutMetadata change them.

// Stream states and health values.
const (
	StreamLive    = "LIVE"
	StreamOffline = "OFFLINE"

	HealthHealthy  = "HEALTHY"
	HealthStarving = "STARVING"
	HealthUnknown  = "UNKNOWN"
)

// LiveStream is the stream live on a channel now; a channel without one is
// not broadcasting.
type LiveStream struct {
	ChannelARN  string    `json:"channel"`
	ChannelID   string    `json:"channelId"`
	StreamID    string    `json:"streamId"`
	State       string    `json:"state"`
	Health      string    `json:"health"`
	ViewerCount int64     `json:"viewers"`
	StartTime   time.Time `json:"start"`
}

// StreamSession is one broadcast of a channel, live or ended.
type StreamSession struct {
	StreamID   string     `json:"streamId"`
	ChannelARN string     `json:"channel"`
	ChannelID  string     `json:"channelId"`
	StartTime  time.Time  `json:"start"`
	EndTime    *time.Time `json:"end,omitempty"`
	// RecordingConfigurationARN is the channel's recording configuration
	// when the session started ("" for none).
	RecordingConfigurationARN string `json:"recording,omitempty"`
	// Video and Audio describe the ingested tracks, as ingest reads them.
	Video  []VideoConfiguration `json:"video,omitempty"`
	Audio  []AudioConfiguration `json:"audio,omitempty"`
	Events []StreamEvent        `json:"events,omitempty"`
}

// MaxStreamEvents bounds the events kept per session (the API's
// truncatedEvents holds at most 500).
const MaxStreamEvents = 500

// AddEvent appends an event, keeping the newest MaxStreamEvents.
func (s *StreamSession) AddEvent(e StreamEvent) {
	s.Events = append(s.Events, e)
	if n := len(s.Events); n > MaxStreamEvents {
		s.Events = append([]StreamEvent(nil), s.Events[n-MaxStreamEvents:]...)
	}
}

// VideoConfiguration is an ingested video track.
type VideoConfiguration struct {
	AvcProfile      string `json:"avcProfile,omitempty"`
	AvcLevel        string `json:"avcLevel,omitempty"`
	Codec           string `json:"codec,omitempty"`
	Encoder         string `json:"encoder,omitempty"`
	TargetBitrate   int64  `json:"bitrate,omitempty"`
	TargetFramerate int64  `json:"framerate,omitempty"`
	Height          int64  `json:"height,omitempty"`
	Width           int64  `json:"width,omitempty"`
	Level           string `json:"level,omitempty"`
	Profile         string `json:"profile,omitempty"`
	Track           string `json:"track,omitempty"`
}

// AudioConfiguration is an ingested audio track.
type AudioConfiguration struct {
	Codec         string `json:"codec,omitempty"`
	TargetBitrate int64  `json:"bitrate,omitempty"`
	SampleRate    int64  `json:"sampleRate,omitempty"`
	Channels      int64  `json:"channels,omitempty"`
	Track         string `json:"track,omitempty"`
}

// StreamEvent is an event of a session (e.g. "Session Created",
// "Stream Start", "Stream End", "Session Ended").
type StreamEvent struct {
	Name string    `json:"name"`
	Type string    `json:"type"`
	Code string    `json:"code,omitempty"`
	Time time.Time `json:"time"`
}

// TimedMetadata is one PutMetadata payload, kept for playback to insert
// into the stream.
type TimedMetadata struct {
	StreamID string    `json:"streamId"`
	Payload  string    `json:"payload"`
	Time     time.Time `json:"time"`
}

// ChannelMetadata is the recent timed metadata of a channel: the payloads
// playback has yet to deliver and the times of the last calls (for the
// rate limit).
type ChannelMetadata struct {
	Items []TimedMetadata `json:"items"`
}

// MetadataRate is the times of an account's recent PutMetadata calls in a
// region, for the account-wide rate limit.
type MetadataRate struct {
	Times []time.Time `json:"times"`
}

// ViewerRevocation revokes the sessions of a viewer of a channel whose
// aws:viewer-session-version is at most Version.
type ViewerRevocation struct {
	ChannelARN string    `json:"channel"`
	ViewerID   string    `json:"viewer"`
	Version    int64     `json:"version"`
	UpdatedAt  time.Time `json:"updated"`
}

// IVSLivePrefix lists the live streams of a region.
func IVSLivePrefix(region string) string { return "ivs/" + region + "/live/" }

// IVSLiveKey is the key of a channel's live stream.
func IVSLiveKey(region, channelID string) string { return IVSLivePrefix(region) + channelID }

// IVSSessionPrefix lists the stream sessions of a channel.
func IVSSessionPrefix(region, channelID string) string {
	return "ivs/" + region + "/session/" + channelID + "/"
}

// IVSSessionKey is the key of a stream session.
func IVSSessionKey(region, channelID, streamID string) string {
	return IVSSessionPrefix(region, channelID) + streamID
}

// IVSMetadataKey is the key of a channel's timed metadata.
func IVSMetadataKey(region, channelID string) string {
	return "ivs/" + region + "/metadata/" + channelID
}

// IVSMetadataRateKey is the key of an account's PutMetadata call times in
// a region.
func IVSMetadataRateKey(region string) string { return "ivs/" + region + "/metadata-rate" }

// IVSRevocationPrefix lists the viewer revocations of a channel.
func IVSRevocationPrefix(region, channelID string) string {
	return "ivs/" + region + "/revocation/" + channelID + "/"
}

// IVSRevocationKey is the key of a viewer's revocation on a channel; the
// viewer id (any characters) is hex-encoded.
func IVSRevocationKey(region, channelID, viewerID string) string {
	return IVSRevocationPrefix(region, channelID) + hex.EncodeToString([]byte(viewerID))
}

// SingleUseMark records that a single-use playback token
// (aws:single-use-uuid) of a channel was used; it is kept until the
// token expires.
type SingleUseMark struct {
	Expires time.Time `json:"expires"`
}

// IVSSingleUsePrefix lists the single-use marks of a channel.
func IVSSingleUsePrefix(region, channelID string) string {
	return "ivs/" + region + "/single-use/" + channelID + "/"
}

// IVSSingleUseKey is the key of the mark of a single-use token id on a
// channel; the id (any characters) is hex-encoded.
func IVSSingleUseKey(region, channelID, uuid string) string {
	return IVSSingleUsePrefix(region, channelID) + hex.EncodeToString([]byte(uuid))
}
