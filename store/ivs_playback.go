package store

import "time"

// PlaybackKeyPair is an imported playback key pair: the public half of an
// ECDSA P-384 key that verifies playback authorization tokens.
type PlaybackKeyPair struct {
	ID          string    `json:"id"`
	ARN         string    `json:"arn"`
	Name        string    `json:"name"`
	Fingerprint string    `json:"fingerprint"`
	PublicKey   string    `json:"publicKey"` // PEM, as imported
	DERHash     string    `json:"derHash"`   // SHA-256 (hex) of the DER SubjectPublicKeyInfo
	Tags        []Tag     `json:"tags,omitempty"`
	CreatedAt   time.Time `json:"created"`
}

// PlaybackRestrictionPolicy is a geo/origin restriction policy.
type PlaybackRestrictionPolicy struct {
	ID                            string    `json:"id"`
	ARN                           string    `json:"arn"`
	Name                          string    `json:"name"`
	AllowedCountries              []string  `json:"countries"`
	AllowedOrigins                []string  `json:"origins"`
	EnableStrictOriginEnforcement bool      `json:"strict,omitempty"`
	Tags                          []Tag     `json:"tags,omitempty"`
	CreatedAt                     time.Time `json:"created"`
}

// RecordingConfiguration is a stored recording configuration.
type RecordingConfiguration struct {
	ID                              string       `json:"id"`
	ARN                             string       `json:"arn"`
	Name                            string       `json:"name"`
	BucketName                      string       `json:"bucket"`
	State                           string       `json:"state"`
	RecordingReconnectWindowSeconds int          `json:"reconnect"`
	Thumbnail                       RecThumbnail `json:"thumbnail"`
	Rendition                       RecRendition `json:"rendition"`
	Tags                            []Tag        `json:"tags,omitempty"`
	CreatedAt                       time.Time    `json:"created"`
}

// RecThumbnail is a recording configuration's thumbnail configuration.
type RecThumbnail struct {
	RecordingMode         string   `json:"mode"`
	TargetIntervalSeconds int64    `json:"interval"`
	Resolution            string   `json:"resolution,omitempty"`
	Storage               []string `json:"storage"`
}

// RecRendition is a recording configuration's rendition configuration.
type RecRendition struct {
	RenditionSelection string   `json:"selection"`
	Renditions         []string `json:"renditions"`
}

// IVSPlaybackKeyPrefix lists the playback key pairs of a region.
func IVSPlaybackKeyPrefix(region string) string { return "ivs/" + region + "/playback-key/" }

// IVSPlaybackKeyKey is the key of a playback key pair record.
func IVSPlaybackKeyKey(region, id string) string { return IVSPlaybackKeyPrefix(region) + id }

// IVSPlaybackKeyMaterialKey indexes a region's playback key pairs by the
// SHA-256 (hex) of their DER public key, to refuse duplicates.
func IVSPlaybackKeyMaterialKey(region, derHash string) string {
	return "ivs/" + region + "/playback-key-der/" + derHash
}

// IVSRestrictionPolicyPrefix lists the playback restriction policies of a region.
func IVSRestrictionPolicyPrefix(region string) string {
	return "ivs/" + region + "/playback-restriction-policy/"
}

// IVSRestrictionPolicyKey is the key of a playback restriction policy.
func IVSRestrictionPolicyKey(region, id string) string {
	return IVSRestrictionPolicyPrefix(region) + id
}

// IVSRecordingPrefix lists the recording configurations of a region.
func IVSRecordingPrefix(region string) string { return "ivs/" + region + "/recording-configuration/" }

// IVSRecordingKey is the key of a recording configuration.
func IVSRecordingKey(region, id string) string { return IVSRecordingPrefix(region) + id }
