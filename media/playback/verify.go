package playback

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenLength is the longest token Verify reads, in bytes.
const MaxTokenLength = 8192

// es384SignatureSize is the size of a JWS ES384 signature: r||s, 48 bytes each.
const es384SignatureSize = 96

// Fetch says which playback request a token comes with.
type Fetch int

const (
	// FetchMultivariant is the request that starts playback: the
	// multivariant playlist. Every rule applies.
	FetchMultivariant Fetch = iota
	// FetchMedia is a later request of a playback session started with the
	// same token (variant playlist, segment). As on IVS the token is not
	// re-validated for expiry or single use, and the origin is checked only
	// under strict origin enforcement; the signature, the channel, the
	// restriction policy and revocation still apply.
	FetchMedia
)

// Key is a candidate verification key: the public key of a playback key pair
// of the channel's account and region.
type Key struct {
	// ID identifies the key, e.g. the playback key pair ARN. Claims.KeyID
	// reports the one that verified the token.
	ID string
	// Public is the P-384 public key from ParsePublicKey. Keys on other
	// curves are never used.
	Public *ecdsa.PublicKey
}

// Revocations answers whether viewer sessions were revoked.
type Revocations interface {
	// Revoked reports whether a viewer-session revocation for viewerID on
	// channelARN covers sessionVersion, i.e. whether
	// StartViewerSessionRevocation was called for them with
	// viewerSessionVersionsLessThanOrEqualTo ≥ sessionVersion.
	Revoked(channelARN, viewerID string, sessionVersion int64) (bool, error)
}

// RevokedFunc adapts a function to Revocations (e.g. a closure over a ctx
// and a store).
type RevokedFunc func(channelARN, viewerID string, sessionVersion int64) (bool, error)

// Revoked calls f.
func (f RevokedFunc) Revoked(channelARN, viewerID string, sessionVersion int64) (bool, error) {
	return f(channelARN, viewerID, sessionVersion)
}

// SingleUse records single-use tokens.
type SingleUse interface {
	// Consume atomically marks uuid of channelARN as used, keeping the mark
	// at least until expires, and reports whether this call was the first
	// to mark it.
	Consume(channelARN, uuid string, expires time.Time) (first bool, err error)
}

// ConsumeFunc adapts a function to SingleUse.
type ConsumeFunc func(channelARN, uuid string, expires time.Time) (bool, error)

// Consume calls f.
func (f ConsumeFunc) Consume(channelARN, uuid string, expires time.Time) (bool, error) {
	return f(channelARN, uuid, expires)
}

// Request is everything Verify needs to know about one playback request.
type Request struct {
	// ChannelARN is the ARN of the channel being played.
	ChannelARN string
	// Origin is the request's Origin header, "" when absent.
	Origin string
	// Country is the viewer's ISO 3166-1 alpha-2 country, "" when unknown.
	Country string
	// Now is the current time. Required.
	Now time.Time
	// Fetch is the kind of request; the zero value is the multivariant
	// playlist, which applies every rule.
	Fetch Fetch
	// Keys are the public keys of every playback key pair of the channel's
	// account and region. The token names none, so each is tried.
	Keys []Key
	// Revocations is consulted when the token carries aws:viewer-id.
	Revocations Revocations
	// SingleUse is consulted when the token carries aws:single-use-uuid.
	SingleUse SingleUse
	// Restriction is the channel's playback restriction policy, nil if none.
	Restriction *RestrictionPolicy
}

// Verifier checks IVS playback authorization tokens. It is safe for
// concurrent use. Create it with NewVerifier.
type Verifier struct {
	parser *jwt.Parser
}

// NewVerifier returns a Verifier.
func NewVerifier() *Verifier {
	return &Verifier{parser: newParser()}
}

func newParser() *jwt.Parser {
	// Claims are validated here, not by the library: exp is read as an
	// integer and compared with the injected time.
	return jwt.NewParser(jwt.WithJSONNumber(), jwt.WithStrictDecoding(), jwt.WithoutClaimsValidation())
}

// Verify checks token, the playback authorization token of a request for a
// private (authorized) channel, and returns its claims. A channel that is not
// authorized ignores tokens; check only req.Restriction for it.
//
// In order: the token is a compact JWS of at most MaxTokenLength bytes with
// alg ES384; one of req.Keys verifies its signature; aws:channel-arn equals
// req.ChannelARN; exp is after req.Now and, with aws:viewer-id or
// aws:single-use-uuid, at most MaxBoundLifetime ahead; the Origin satisfies
// aws:access-control-allow-origin and aws:strict-origin-enforcement; the
// restriction policy allows the request; the viewer session is not revoked;
// a single-use token is consumed (last, so a refused request does not use it
// up). Refusals wrap one of the package's Err* values; errors from
// req.Revocations or req.SingleUse, or a Request missing what the token needs,
// wrap none of them.
func (v *Verifier) Verify(token string, req Request) (*Claims, error) {
	if req.Now.IsZero() {
		return nil, errors.New("playback: Request.Now is not set")
	}
	if req.ChannelARN == "" {
		return nil, errors.New("playback: Request.ChannelARN is not set")
	}
	parser := v.parser
	if parser == nil {
		parser = newParser()
	}
	tok, signingInput, err := parse(parser, token)
	if err != nil {
		return nil, err
	}
	keyID, err := verifySignature(signingInput, tok.Signature, req.Keys)
	if err != nil {
		return nil, err
	}
	mc, _ := tok.Claims.(jwt.MapClaims)
	c, err := parseClaims(mc)
	if err != nil {
		return nil, err
	}
	c.KeyID = keyID
	if c.ChannelARN != req.ChannelARN {
		return nil, fmt.Errorf("%w: token is for %s, request is for %s", ErrWrongChannel, c.ChannelARN, req.ChannelARN)
	}
	if req.Fetch == FetchMultivariant {
		if err := checkExpiry(c, req.Now); err != nil {
			return nil, err
		}
	}
	if err := checkOrigin(c, req.Origin, req.Fetch); err != nil {
		return nil, err
	}
	if err := req.Restriction.Check(req.Country, req.Origin, req.Fetch); err != nil {
		return nil, err
	}
	if c.ViewerID != "" {
		if req.Revocations == nil {
			return nil, errors.New("playback: token has aws:viewer-id but Request.Revocations is nil")
		}
		revoked, err := req.Revocations.Revoked(req.ChannelARN, c.ViewerID, c.ViewerSessionVersion)
		if err != nil {
			return nil, fmt.Errorf("playback: revocation lookup: %w", err)
		}
		if revoked {
			return nil, fmt.Errorf("%w: viewer %q session version %d on %s", ErrRevoked, c.ViewerID, c.ViewerSessionVersion, req.ChannelARN)
		}
	}
	if c.SingleUseUUID != "" && req.Fetch == FetchMultivariant {
		if req.SingleUse == nil {
			return nil, errors.New("playback: token has aws:single-use-uuid but Request.SingleUse is nil")
		}
		first, err := req.SingleUse.Consume(req.ChannelARN, c.SingleUseUUID, c.Expires)
		if err != nil {
			return nil, fmt.Errorf("playback: single-use record: %w", err)
		}
		if !first {
			return nil, fmt.Errorf("%w: %s %q", ErrReplayed, ClaimSingleUseUUID, c.SingleUseUUID)
		}
	}
	return c, nil
}

// parse splits and decodes token and checks its header. Nothing it returns
// is trusted until the signature over signingInput is verified.
func parse(p *jwt.Parser, token string) (*jwt.Token, string, error) {
	if token == "" {
		return nil, "", fmt.Errorf("%w: token is empty", ErrMalformed)
	}
	if len(token) > MaxTokenLength {
		return nil, "", fmt.Errorf("%w: token is %d bytes; at most %d are accepted", ErrMalformed, len(token), MaxTokenLength)
	}
	if n := strings.Count(token, "."); n != 2 {
		return nil, "", fmt.Errorf("%w: token has %d parts; a compact JWS has 3 (header.payload.signature)", ErrMalformed, n+1)
	}
	tok, parts, err := p.ParseUnverified(token, jwt.MapClaims{})
	// The algorithm is judged first, whatever else is wrong: an attacker
	// choosing alg is the classic JWT attack and deserves a precise answer.
	if tok != nil && tok.Header != nil {
		alg, present := tok.Header["alg"]
		if !present {
			return nil, "", fmt.Errorf("%w: header has no alg; playback tokens must be ES384", ErrBadAlgorithm)
		}
		if alg != jwt.SigningMethodES384.Alg() {
			return nil, "", fmt.Errorf("%w: header alg is %s; playback tokens must be ES384", ErrBadAlgorithm, describe(alg))
		}
		if _, crit := tok.Header["crit"]; crit {
			return nil, "", fmt.Errorf("%w: header has crit; no critical extension is supported", ErrMalformed)
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s", ErrMalformed, strings.TrimPrefix(err.Error(), jwt.ErrTokenMalformed.Error()+": "))
	}
	return tok, parts[0] + "." + parts[1], nil
}

// verifySignature tries each P-384 key and returns the ID of the first that
// verifies sig over signingInput.
func verifySignature(signingInput string, sig []byte, keys []Key) (string, error) {
	if len(sig) != es384SignatureSize {
		return "", fmt.Errorf("%w: signature is %d bytes; ES384 needs %d (r||s, not DER)", ErrBadSignature, len(sig), es384SignatureSize)
	}
	tried := 0
	for _, k := range keys {
		if k.Public == nil || k.Public.Curve != elliptic.P384() {
			continue
		}
		tried++
		if jwt.SigningMethodES384.Verify(signingInput, sig, k.Public) == nil {
			return k.ID, nil
		}
	}
	if tried == 0 {
		return "", fmt.Errorf("%w: the channel's account and region have no P-384 playback key pair", ErrBadSignature)
	}
	return "", fmt.Errorf("%w: no playback key pair of the channel's account and region (%d tried) verifies it", ErrBadSignature, tried)
}

// checkExpiry applies exp and the 10-minute bound for bound tokens.
func checkExpiry(c *Claims, now time.Time) error {
	if !now.Before(c.Expires) {
		return fmt.Errorf("%w: exp %d (%s) is not after now (%s)",
			ErrExpired, c.Expires.Unix(), c.Expires.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	var bound string
	switch {
	case c.ViewerID != "":
		bound = ClaimViewerID
	case c.SingleUseUUID != "":
		bound = ClaimSingleUseUUID
	default:
		return nil
	}
	if ahead := c.Expires.Sub(now); ahead > MaxBoundLifetime {
		return fmt.Errorf("%w: exp is %s ahead; a token with %s may expire at most %s ahead",
			ErrExpiryTooFar, ahead.Truncate(time.Second), bound, MaxBoundLifetime)
	}
	return nil
}

// checkOrigin applies aws:access-control-allow-origin and
// aws:strict-origin-enforcement to the request's Origin header.
func checkOrigin(c *Claims, origin string, fetch Fetch) error {
	if c.StrictOriginEnforcement {
		if origin == "" {
			return fmt.Errorf("%w: the token sets %s and the request has no Origin header", ErrOriginNotAllowed, ClaimStrictOriginEnforcement)
		}
	} else if origin == "" || fetch != FetchMultivariant {
		return nil
	}
	if c.AllowOrigin == nil || matchAny(c.AllowOrigin, origin) {
		return nil
	}
	return fmt.Errorf("%w: origin %q is not in %s (%s)", ErrOriginNotAllowed, origin, ClaimAllowOrigin, strings.Join(c.AllowOrigin, ","))
}
