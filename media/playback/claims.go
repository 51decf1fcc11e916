package playback

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// Claim names of an IVS playback authorization token.
const (
	ClaimChannelARN              = "aws:channel-arn"
	ClaimExpiry                  = "exp"
	ClaimAllowOrigin             = "aws:access-control-allow-origin"
	ClaimStrictOriginEnforcement = "aws:strict-origin-enforcement"
	ClaimSingleUseUUID           = "aws:single-use-uuid"
	ClaimViewerID                = "aws:viewer-id"
	ClaimViewerSessionVersion    = "aws:viewer-session-version"
	ClaimMaximumResolution       = "aws:maximum-resolution"
)

// Limits from the IVS user guide.
const (
	// MaxViewerIDLength is the longest aws:viewer-id, in characters.
	MaxViewerIDLength = 40
	// MaxStrictOrigins is the most origins aws:access-control-allow-origin
	// may list when aws:strict-origin-enforcement is true.
	MaxStrictOrigins = 5
	// MaxBoundLifetime is how far ahead exp may be when the token carries
	// aws:viewer-id or aws:single-use-uuid.
	MaxBoundLifetime = 10 * time.Minute
)

// Resolution is the value of aws:maximum-resolution.
type Resolution string

// The renditions a token may limit the viewer to.
const (
	ResolutionSD     Resolution = "SD"
	ResolutionHD     Resolution = "HD"
	ResolutionFullHD Resolution = "FULL_HD"
)

// Claims are the verified claims of a playback token.
type Claims struct {
	// ChannelARN is aws:channel-arn.
	ChannelARN string
	// Expires is exp, read as Unix seconds (a millisecond value is a date
	// far in the future, as on IVS).
	Expires time.Time
	// AllowOrigin lists aws:access-control-allow-origin; nil when the claim
	// is absent, which allows every origin.
	AllowOrigin []string
	// StrictOriginEnforcement is aws:strict-origin-enforcement.
	StrictOriginEnforcement bool
	// SingleUseUUID is aws:single-use-uuid, "" when absent.
	SingleUseUUID string
	// ViewerID is aws:viewer-id, "" when absent.
	ViewerID string
	// ViewerSessionVersion is aws:viewer-session-version, 0 when absent.
	ViewerSessionVersion int64
	// MaximumResolution is aws:maximum-resolution, "" when absent (no limit).
	MaximumResolution Resolution
	// KeyID is the ID of the request key that verified the signature.
	KeyID string
}

// parseClaims type-checks the claims of a verified token. Unknown claims are
// ignored. m was decoded with json.Number for numbers.
func parseClaims(m jwt.MapClaims) (*Claims, error) {
	c := &Claims{}
	var err error
	if c.ChannelARN, err = stringClaim(m, ClaimChannelARN, true); err != nil {
		return nil, err
	}
	if c.ChannelARN == "" {
		return nil, fmt.Errorf("%w: claim %s is empty", ErrMalformed, ClaimChannelARN)
	}
	exp, ok, err := intClaim(m, ClaimExpiry)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: required claim %s is missing", ErrMalformed, ClaimExpiry)
	}
	c.Expires = time.Unix(exp, 0).UTC()

	if _, present := m[ClaimAllowOrigin]; present {
		raw, err := stringClaim(m, ClaimAllowOrigin, false)
		if err != nil {
			return nil, err
		}
		c.AllowOrigin = []string{}
		for o := range strings.SplitSeq(raw, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.AllowOrigin = append(c.AllowOrigin, o)
			}
		}
		if len(c.AllowOrigin) == 0 {
			return nil, fmt.Errorf("%w: claim %s lists no origin (use \"*\" to allow all)", ErrMalformed, ClaimAllowOrigin)
		}
	}
	if v, present := m[ClaimStrictOriginEnforcement]; present {
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%w: claim %s must be a boolean, got %s", ErrMalformed, ClaimStrictOriginEnforcement, describe(v))
		}
		c.StrictOriginEnforcement = b
	}
	if c.StrictOriginEnforcement && len(c.AllowOrigin) > MaxStrictOrigins {
		return nil, fmt.Errorf("%w: claim %s lists %d origins; with %s at most %d are allowed",
			ErrMalformed, ClaimAllowOrigin, len(c.AllowOrigin), ClaimStrictOriginEnforcement, MaxStrictOrigins)
	}
	if c.SingleUseUUID, err = stringClaim(m, ClaimSingleUseUUID, false); err != nil {
		return nil, err
	}
	if _, present := m[ClaimSingleUseUUID]; present && c.SingleUseUUID == "" {
		return nil, fmt.Errorf("%w: claim %s is empty", ErrMalformed, ClaimSingleUseUUID)
	}
	if c.ViewerID, err = stringClaim(m, ClaimViewerID, false); err != nil {
		return nil, err
	}
	if _, present := m[ClaimViewerID]; present {
		if n := utf8.RuneCountInString(c.ViewerID); n == 0 || n > MaxViewerIDLength {
			return nil, fmt.Errorf("%w: claim %s is %d characters; it must be 1 to %d", ErrMalformed, ClaimViewerID, n, MaxViewerIDLength)
		}
	}
	if v, ok, err := intClaim(m, ClaimViewerSessionVersion); err != nil {
		return nil, err
	} else if ok {
		c.ViewerSessionVersion = v
	}
	res, err := stringClaim(m, ClaimMaximumResolution, false)
	if err != nil {
		return nil, err
	}
	switch r := Resolution(res); r {
	case "":
		if _, present := m[ClaimMaximumResolution]; present {
			return nil, fmt.Errorf("%w: claim %s is empty; use SD, HD or FULL_HD", ErrMalformed, ClaimMaximumResolution)
		}
	case ResolutionSD, ResolutionHD, ResolutionFullHD:
		c.MaximumResolution = r
	default:
		return nil, fmt.Errorf("%w: claim %s is %q; use SD, HD or FULL_HD", ErrMalformed, ClaimMaximumResolution, res)
	}
	return c, nil
}

// stringClaim returns claim name as a string; "" when absent and not required.
func stringClaim(m jwt.MapClaims, name string, required bool) (string, error) {
	v, ok := m[name]
	if !ok {
		if required {
			return "", fmt.Errorf("%w: required claim %s is missing", ErrMalformed, name)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: claim %s must be a string, got %s", ErrMalformed, name, describe(v))
	}
	return s, nil
}

// intClaim returns claim name as an int64; ok is false when it is absent.
func intClaim(m jwt.MapClaims, name string) (n int64, ok bool, err error) {
	v, present := m[name]
	if !present {
		return 0, false, nil
	}
	num, isNum := v.(json.Number)
	if !isNum {
		return 0, false, fmt.Errorf("%w: claim %s must be an integer, got %s", ErrMalformed, name, describe(v))
	}
	n, err = num.Int64()
	if err != nil {
		return 0, false, fmt.Errorf("%w: claim %s must be a 64-bit integer, got %s", ErrMalformed, name, num)
	}
	return n, true, nil
}

// describe names the JSON type of a decoded value for error messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("string %q", v)
	case bool:
		return fmt.Sprintf("boolean %t", v)
	case json.Number:
		return "number " + v.String()
	case float64:
		return fmt.Sprintf("number %v", v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
