package playback

import (
	"fmt"
	"strings"
)

// RestrictionPolicy is the part of an IVS playback restriction policy that
// playback enforces. It applies to every playback of the channel that links
// it, with or without a token.
type RestrictionPolicy struct {
	// AllowedCountries are ISO 3166-1 alpha-2 codes; empty allows all.
	AllowedCountries []string
	// AllowedOrigins are Origin header values, matched as the token's
	// aws:access-control-allow-origin is; empty allows all.
	AllowedOrigins []string
	// EnableStrictOriginEnforcement requires every request, not only the
	// multivariant-playlist request of a browser, to carry an allowed Origin.
	EnableStrictOriginEnforcement bool
}

// Check reports whether the policy allows a viewer from country (ISO 3166-1
// alpha-2, "" when unknown) whose request carries the Origin header origin
// ("" when absent). A nil policy allows everything. Refusals wrap
// ErrRestricted, and also ErrOriginNotAllowed when the origin is the reason.
func (p *RestrictionPolicy) Check(country, origin string, fetch Fetch) error {
	if p == nil {
		return nil
	}
	if len(p.AllowedCountries) > 0 {
		if country == "" {
			return fmt.Errorf("%w: the viewer's country is unknown and the policy allows only %s",
				ErrRestricted, strings.Join(p.AllowedCountries, ", "))
		}
		allowed := false
		for _, c := range p.AllowedCountries {
			if strings.EqualFold(strings.TrimSpace(c), country) {
				allowed = true
				break
			}
		}
		if !allowed {
			return fmt.Errorf("%w: country %q is not in the policy's allowed countries (%s)",
				ErrRestricted, country, strings.Join(p.AllowedCountries, ", "))
		}
	}
	if p.EnableStrictOriginEnforcement && origin == "" {
		return fmt.Errorf("%w: %w: the policy enforces origins strictly and the request has no Origin header",
			ErrRestricted, ErrOriginNotAllowed)
	}
	if len(p.AllowedOrigins) == 0 || origin == "" {
		return nil
	}
	if !p.EnableStrictOriginEnforcement && fetch != FetchMultivariant {
		return nil
	}
	if !matchAny(p.AllowedOrigins, origin) {
		return fmt.Errorf("%w: %w: origin %q is not in the policy's allowed origins (%s)",
			ErrRestricted, ErrOriginNotAllowed, origin, strings.Join(p.AllowedOrigins, ", "))
	}
	return nil
}
