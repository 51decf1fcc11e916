// Package playback plays IVS channels: it serves the HLS of the streams
// media/ingest receives (a [Hub] of live streams remuxed by gohlslib into
// low-latency HLS, with PutMetadata's timed metadata as ID3, behind a
// [Handler] at the channels' playback URLs), and it decides whether a
// viewer may play: it checks playback authorization tokens of private
// channels and playback restriction policies, as
// ../shared/spec/ivs-authorization.md section 4 says.
//
// Token verification does no I/O and reads no clock. The caller passes the
// channel, the Origin header, the viewer's country, the current time, the
// public keys of the account's playback key pairs and two small lookups
// (viewer-session revocations, single-use marks) in a [Request].
//
// Importing a key pair:
//
//	pub, fingerprint, err := playback.ParsePublicKey([]byte(publicKeyMaterial))
//	if err != nil {
//		// ValidationException with err's message
//	}
//
// Serving the multivariant playlist of an authorized channel:
//
//	claims, err := verifier.Verify(r.URL.Query().Get("token"), playback.Request{
//		ChannelARN:  channel.ARN,
//		Origin:      r.Header.Get("Origin"),
//		Country:     country,
//		Now:         clk.Now(),
//		Keys:        keys, // every playback key pair of the account and region
//		Revocations: revocations,
//		SingleUse:   singleUse,
//		Restriction: policy, // nil when the channel links none
//	})
//	switch {
//	case err == nil:
//		// serve, limited to claims.MaximumResolution
//	case playback.Refused(err):
//		// 403; errors.Is(err, playback.ErrExpired) etc. say why
//	default:
//		// a lookup failed: 500
//	}
//
// A channel that is not authorized ignores tokens and only applies its
// restriction policy with [RestrictionPolicy.Check].
//
// Tokens are compact JWS (JWT) signed ES384 — ECDSA P-384 with SHA-384, the
// signature r||s — and nothing else: none, HMAC, RSA and other curves are
// refused before any key is used, so a public key can never serve as an HMAC
// secret. exp is read as Unix seconds; a token whose exp is in milliseconds
// (JavaScript's Date.now()) is accepted as a date far in the future, as IVS
// accepts it.
package playback
