package sigv4

import (
	"crypto/subtle"
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
	keys  atomic.Pointer[derivedKeys] // never modified once stored
}

// derivedKeys are a Secret's signing keys, newest first. Their scopes are
// held inline, so that finding a request's key reads one block of memory:
// under load, with thousands of keys in use, every pointer followed is a
// likely cache miss.
type derivedKeys struct {
	n    int
	keys [maxSecretKeys]derivedKey
}

// derivedKey is a signing key and the scope it was derived for.
type derivedKey struct {
	scope scopeID
	key   [32]byte
}

// scopeID is a scope's date, region and service, each after its length.
type scopeID struct {
	n uint8
	b [maxScopeID]byte
}

// maxScopeID bounds the scopes whose keys a Secret keeps; a longer scope
// (no AWS region and service make one) has its key derived each time.
const maxScopeID = 63

// packScope returns the scopeID of scope, or false if it is too long.
func packScope(scope *Scope) (scopeID, bool) {
	var id scopeID
	if len(scope.Date)+len(scope.Region)+len(scope.Service)+3 > maxScopeID {
		return id, false
	}
	b := id.b[:0]
	for _, f := range [3]string{scope.Date, scope.Region, scope.Service} {
		b = append(append(b, byte(len(f))), f...)
	}
	id.n = uint8(len(b))
	return id, true
}

// NewSecret returns a Secret holding the secret access key secret.
func NewSecret(secret string) *Secret { return &Secret{value: secret} }

// Init makes s, before any use, a Secret holding secret: a Secret may be
// a field of its owner's struct, one pointer fewer to follow.
func (s *Secret) Init(secret string) { s.value = secret }

// key returns the kept signing key of scope, if there is one.
func (s *Secret) key(scope *Scope) ([32]byte, bool) {
	ks := s.keys.Load()
	if ks == nil {
		return [32]byte{}, false
	}
	id, ok := packScope(scope)
	if !ok {
		return [32]byte{}, false
	}
	for i := range ks.n {
		if k := &ks.keys[i]; k.scope == id {
			return k.key, true
		}
	}
	return [32]byte{}, false
}

// keep adds the signing key of scope, dropping the oldest beyond
// maxSecretKeys. Concurrent calls may drop each other's key; it is then
// derived again.
func (s *Secret) keep(scope *Scope, key *[32]byte) {
	id, ok := packScope(scope)
	if !ok {
		return
	}
	ks := &derivedKeys{n: 1}
	ks.keys[0] = derivedKey{id, *key}
	if old := s.keys.Load(); old != nil {
		for _, k := range old.keys[:old.n] {
			if ks.n == maxSecretKeys {
				break
			}
			if k.scope != id {
				ks.keys[ks.n] = k
				ks.n++
			}
		}
	}
	s.keys.Store(ks)
}

// Equal reports, in constant time, whether secret is the secret s holds.
func (s *Secret) Equal(secret string) bool {
	return subtle.ConstantTimeCompare([]byte(s.value), []byte(secret)) == 1
}
