package playback

import "errors"

// Errors returned by [Verifier.Verify] and [RestrictionPolicy.Check], wrapped
// with the details of what is wrong. Match them with errors.Is. Every one of
// them means "refuse playback" (HTTP 403 at the playback endpoint). Errors
// that wrap none of them come from a caller-supplied lookup or from a misuse
// of the API and mean "internal failure".
var (
	// ErrMalformed: the token is not a compact JWS with a JSON header and
	// payload, or a claim is missing, has the wrong type or a value out of range.
	ErrMalformed = errors.New("malformed playback token")
	// ErrBadAlgorithm: the header's alg is not ES384.
	ErrBadAlgorithm = errors.New("playback token algorithm not allowed")
	// ErrBadSignature: no candidate public key verifies the signature.
	ErrBadSignature = errors.New("playback token signature invalid")
	// ErrWrongChannel: aws:channel-arn is not the channel being played.
	ErrWrongChannel = errors.New("playback token is for another channel")
	// ErrExpired: exp is not after the current time.
	ErrExpired = errors.New("playback token expired")
	// ErrExpiryTooFar: the token carries aws:viewer-id or aws:single-use-uuid
	// and exp is more than 10 minutes ahead.
	ErrExpiryTooFar = errors.New("playback token expiry too far in the future")
	// ErrOriginNotAllowed: the request's Origin is missing or does not match
	// the allowed origins (token claim or restriction policy).
	ErrOriginNotAllowed = errors.New("origin not allowed")
	// ErrRestricted: the channel's playback restriction policy refuses the
	// request (country or origin).
	ErrRestricted = errors.New("playback restricted by policy")
	// ErrRevoked: the viewer session was revoked (StartViewerSessionRevocation).
	ErrRevoked = errors.New("viewer session revoked")
	// ErrReplayed: the single-use token was already used.
	ErrReplayed = errors.New("single-use playback token already used")
)

// refusals are the errors that mean "refuse playback".
var refusals = [...]error{ErrMalformed, ErrBadAlgorithm, ErrBadSignature, ErrWrongChannel, ErrExpired,
	ErrExpiryTooFar, ErrOriginNotAllowed, ErrRestricted, ErrRevoked, ErrReplayed}

// Refused reports whether err is a refusal of playback (HTTP 403) rather than
// a failure of a lookup or a misuse of the API (HTTP 500).
func Refused(err error) bool {
	for _, r := range refusals {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}
