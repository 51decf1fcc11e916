package sigv4

import (
	"crypto/subtle"
	"strings"
	"sync/atomic"
)

// maxSecretKeys is how many derived signing keys a Secret keeps: one per
// scope (day, region, service) its requests use, a few at a time.
const maxSecretKeys = 4

// Secret is an access key's secret access key with the signing keys most
// recently derived from it, for Verifier.VerifySecret. It is safe for
// concurrent use. A Secret belongs to one secret value: a rotated secret
// needs a new Secret, so a stale derived key is never used.
type Secret struct {
	value string
	keys  atomic.Pointer[[]derivedKey] // newest first; never modified once stored
}

// derivedKey is a signing key and the scope it was derived for.
type derivedKey struct {
	date, region, service string
	key                   [32]byte
}

// NewSecret returns a Secret holding the secret access key secret.
func NewSecret(secret string) *Secret { return &Secret{value: secret} }

// key returns the kept signing key of scope, if there is one.
func (s *Secret) key(scope *Scope) ([32]byte, bool) {
	if ks := s.keys.Load(); ks != nil {
		for i := range *ks {
			k := &(*ks)[i]
			if k.date == scope.Date && k.region == scope.Region && k.service == scope.Service {
				return k.key, true
			}
		}
	}
	return [32]byte{}, false
}

// keep adds the signing key of scope, dropping the oldest beyond
// maxSecretKeys. Concurrent calls may drop each other's key; it is then
// derived again.
func (s *Secret) keep(scope *Scope, key *[32]byte) {
	old := s.keys.Load()
	ks := make([]derivedKey, 1, maxSecretKeys)
	// The scope's strings point into a request header: copy them.
	ks[0] = derivedKey{strings.Clone(scope.Date), strings.Clone(scope.Region), strings.Clone(scope.Service), *key}
	if old != nil {
		for _, k := range *old {
			if len(ks) == maxSecretKeys {
				break
			}
			if k.date != scope.Date || k.region != scope.Region || k.service != scope.Service {
				ks = append(ks, k)
			}
		}
	}
	s.keys.Store(&ks)
}

// Equal reports, in constant time, whether secret is the secret s holds.
func (s *Secret) Equal(secret string) bool {
	return subtle.ConstantTimeCompare([]byte(s.value), []byte(secret)) == 1
}
