package store

import "time"

// IVS resources are regional: their keys live in the owning account and
// begin with "ivs/REGION/". Ids are 12 alphanumeric characters.

// Channel is an IVS channel.
type Channel struct {
	ID                           string      `json:"id"`
	ARN                          string      `json:"arn"`
	Region                       string      `json:"region"`
	Name                         string      `json:"name"`
	LatencyMode                  string      `json:"latency"`
	Type                         string      `json:"type"`
	Authorized                   bool        `json:"authorized,omitempty"`
	InsecureIngest               bool        `json:"insecureIngest,omitempty"`
	Preset                       string      `json:"preset,omitempty"`
	RecordingConfigurationARN    string      `json:"recording,omitempty"`
	PlaybackRestrictionPolicyARN string      `json:"restriction,omitempty"`
	AdConfigurationARN           string      `json:"ad,omitempty"`
	ContainerFormat              string      `json:"container"`
	Multitrack                   *Multitrack `json:"multitrack,omitempty"`
	Tags                         []Tag       `json:"tags,omitempty"`
	CreatedAt                    time.Time   `json:"created"`
}

// Multitrack is a channel's multitrack input configuration.
type Multitrack struct {
	Enabled           bool   `json:"enabled"`
	Policy            string `json:"policy,omitempty"`
	MaximumResolution string `json:"maxResolution,omitempty"`
}

// StreamKey is an IVS stream key. Its value is a secret, stored sealed
// under the server's master key; ValueHash indexes it for ingest.
type StreamKey struct {
	ID          string    `json:"id"`
	ARN         string    `json:"arn"`
	ChannelARN  string    `json:"channel"`
	ChannelID   string    `json:"channelId"`
	SealedValue []byte    `json:"value"`
	ValueHash   string    `json:"hash"`
	Tags        []Tag     `json:"tags,omitempty"`
	CreatedAt   time.Time `json:"created"`
}

// StreamKeyRef is the Global index entry of a stream key value: where the
// key lives.
type StreamKeyRef struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	ID      string `json:"id"`
}

// IVSChannelPrefix lists the channels of a region.
func IVSChannelPrefix(region string) string { return "ivs/" + region + "/channel/" }

// IVSChannelKey is the key of a channel record.
func IVSChannelKey(region, id string) string { return IVSChannelPrefix(region) + id }

// IVSStreamKeyKey is the key of a stream-key record.
func IVSStreamKeyKey(region, id string) string { return "ivs/" + region + "/stream-key/" + id }

// IVSKeysOfPrefix lists the stream-key ids of a channel.
func IVSKeysOfPrefix(region, channelID string) string {
	return "ivs/" + region + "/keys-of/" + channelID + "/"
}

// IVSKeysOfKey records that a stream key belongs to a channel.
func IVSKeysOfKey(region, channelID, keyID string) string {
	return IVSKeysOfPrefix(region, channelID) + keyID
}

// IVSStreamKeyValueKey is the Global index of stream keys by the SHA-256
// (hex) of their value, for ingest to find the key a publisher presents.
func IVSStreamKeyValueKey(hash string) string { return "ivs-stream-key/" + hash }
