package sts

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
)

// ErrInvalidToken is returned by KeyRing.Open for a token it did not seal:
// garbage, tampered with, or sealed under a key the ring does not have.
var ErrInvalidToken = errors.New("sts: invalid session token")

// Token layout: base64url (no padding) of
//
//	version (1 byte) | key id (8 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext
//
// The version and key id are authenticated as additional data. The
// plaintext is a format byte (plainJSON or deflatedJSON) and the claims.
const (
	tokenVersion = 1
	keyIDLen     = 8
	nonceLen     = 12
	headerLen    = 1 + keyIDLen
	// maxTokenLen bounds the token text accepted by Open.
	maxTokenLen = 64 << 10
	// maxClaimsLen bounds the inflated claims.
	maxClaimsLen = 1 << 20
	// deflateFrom is the JSON length from which claims are compressed.
	deflateFrom = 512
)

const (
	plainJSON    byte = 0
	deflatedJSON byte = 1
)

// Key rotation: a new signing key is made when the newest is older than
// rotateAfter. A key opens tokens for keepKeys after it was made: longer
// than it signs plus the longest session.
const (
	rotateAfter = 24 * time.Hour
	keepKeys    = rotateAfter + maxSessionLifetime + time.Hour
)

// KeyRing seals and opens session tokens. Its keys live in the store's
// Global namespace, each sealed under the master key; opened keys are
// cached, so a token costs a store read only the first time its key is
// seen. It is safe for concurrent use.
type KeyRing struct {
	st  store.Store
	box *seal.Box
	now func() time.Time

	mu      sync.RWMutex
	keys    map[string]cipher.AEAD // key id (hex) → opened key
	current *ringKey               // the newest key, which signs
	rotMu   sync.Mutex             // one rotation at a time
}

type ringKey struct {
	id      [keyIDLen]byte
	aead    cipher.AEAD
	created time.Time
}

// NewKeyRing returns a ring kept in st, its keys sealed by box.
func NewKeyRing(st store.Store, box *seal.Box, now func() time.Time) *KeyRing {
	return &KeyRing{st: st, box: box, now: now, keys: map[string]cipher.AEAD{}}
}

// Seal returns the session token of the claims, sealed under the newest
// key (made first when there is none younger than a day).
func (r *KeyRing) Seal(ctx context.Context, c *Claims) (string, error) {
	k, err := r.signingKey(ctx)
	if err != nil {
		return "", err
	}
	pt, err := encodeClaims(c)
	if err != nil {
		return "", err
	}
	out := make([]byte, headerLen+nonceLen, headerLen+nonceLen+len(pt)+k.aead.Overhead())
	out[0] = tokenVersion
	copy(out[1:headerLen], k.id[:])
	if _, err := rand.Read(out[headerLen:]); err != nil {
		return "", fmt.Errorf("sts: nonce: %w", err)
	}
	out = k.aead.Seal(out, out[headerLen:], pt, out[:headerLen])
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open returns the claims of a token made by Seal on any node sharing the
// store. It does not check the expiry. Errors: ErrInvalidToken, or a
// store or master-key failure.
func (r *KeyRing) Open(ctx context.Context, token string) (*Claims, error) {
	if len(token) > maxTokenLen {
		return nil, ErrInvalidToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < headerLen+nonceLen+16 || raw[0] != tokenVersion {
		return nil, ErrInvalidToken
	}
	aead, err := r.key(ctx, hex.EncodeToString(raw[1:headerLen]))
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, raw[headerLen:headerLen+nonceLen], raw[headerLen+nonceLen:], raw[:headerLen])
	if err != nil {
		return nil, ErrInvalidToken
	}
	c, err := decodeClaims(pt)
	if err != nil {
		return nil, ErrInvalidToken
	}
	return c, nil
}

// key returns the opened key with the id, reading it from the store the
// first time.
func (r *KeyRing) key(ctx context.Context, id string) (cipher.AEAD, error) {
	r.mu.RLock()
	aead := r.keys[id]
	r.mu.RUnlock()
	if aead != nil {
		return aead, nil
	}
	var rec store.SessionKey
	err := r.st.View(ctx, func(tx store.Tx) error {
		return store.GetJSON(ctx, tx, store.Global, store.SessionKeyKey(id), &rec)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("sts: read session key: %w", err)
	}
	k, err := r.openKey(&rec)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.keys[id] = k.aead
	r.mu.Unlock()
	return k.aead, nil
}

// signingKey returns the newest key, rotating when it is too old.
func (r *KeyRing) signingKey(ctx context.Context) (*ringKey, error) {
	now := r.now()
	r.mu.RLock()
	cur := r.current
	r.mu.RUnlock()
	if fresh(cur, now) {
		return cur, nil
	}
	r.rotMu.Lock()
	defer r.rotMu.Unlock()
	r.mu.RLock()
	cur = r.current
	r.mu.RUnlock()
	if fresh(cur, now) {
		return cur, nil
	}
	// Another node may have made a key: take the newest stored one.
	var recs []store.SessionKey
	err := r.st.View(ctx, func(tx store.Tx) error {
		var err error
		recs, _, err = store.ListJSON[store.SessionKey](ctx, tx, store.Global, store.SessionKeysPrefix, "", 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sts: list session keys: %w", err)
	}
	if newest := newestKey(recs); newest != nil && now.Sub(newest.CreatedAt) < rotateAfter {
		return r.use(newest)
	}
	rec, err := r.rotate(ctx, now)
	if err != nil {
		return nil, err
	}
	return r.use(rec)
}

func fresh(k *ringKey, now time.Time) bool {
	return k != nil && now.Sub(k.created) < rotateAfter
}

func newestKey(recs []store.SessionKey) *store.SessionKey {
	var newest *store.SessionKey
	for i := range recs {
		if newest == nil || recs[i].CreatedAt.After(newest.CreatedAt) {
			newest = &recs[i]
		}
	}
	return newest
}

// use opens a stored key and makes it the signing key.
func (r *KeyRing) use(rec *store.SessionKey) (*ringKey, error) {
	k, err := r.openKey(rec)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.keys[rec.ID] = k.aead
	if r.current == nil || !k.created.Before(r.current.created) {
		r.current = k
	}
	r.mu.Unlock()
	return k, nil
}

// rotate stores a new key and deletes the keys no token can still use.
func (r *KeyRing) rotate(ctx context.Context, now time.Time) (*store.SessionKey, error) {
	var id [keyIDLen]byte
	secret := make([]byte, 32)
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("sts: key id: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("sts: key: %w", err)
	}
	idHex := hex.EncodeToString(id[:])
	rec := &store.SessionKey{ID: idHex, CreatedAt: now.UTC(),
		SealedKey: r.box.Seal(secret, []byte(store.SessionKeyKey(idHex)))}
	err := r.st.Update(ctx, func(tx store.Tx) error {
		old, _, err := store.ListJSON[store.SessionKey](ctx, tx, store.Global, store.SessionKeysPrefix, "", 0)
		if err != nil {
			return err
		}
		for _, o := range old {
			if now.Sub(o.CreatedAt) > keepKeys {
				if err := tx.Delete(ctx, store.Global, store.SessionKeyKey(o.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
		}
		return store.CreateJSON(ctx, tx, store.Global, store.SessionKeyKey(idHex), rec)
	})
	if err != nil {
		return nil, fmt.Errorf("sts: store session key: %w", err)
	}
	return rec, nil
}

// openKey unseals a stored key.
func (r *KeyRing) openKey(rec *store.SessionKey) (*ringKey, error) {
	raw, err := hex.DecodeString(rec.ID)
	if err != nil || len(raw) != keyIDLen {
		return nil, fmt.Errorf("sts: session key id %q is malformed", rec.ID)
	}
	secret, err := r.box.Open(rec.SealedKey, []byte(store.SessionKeyKey(rec.ID)))
	if err != nil {
		return nil, fmt.Errorf("sts: open session key %s: %w", rec.ID, err)
	}
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("sts: session key %s: %w", rec.ID, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sts: session key %s: %w", rec.ID, err)
	}
	k := &ringKey{aead: aead, created: rec.CreatedAt}
	copy(k.id[:], raw)
	return k, nil
}

// flateWriters reuses compressors, which are large.
var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestCompression)
	return w
}}

// encodeClaims renders claims as the token plaintext.
func encodeClaims(c *Claims) ([]byte, error) {
	js, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("sts: encode claims: %w", err)
	}
	if len(js) < deflateFrom {
		return append([]byte{plainJSON}, js...), nil
	}
	var b bytes.Buffer
	b.WriteByte(deflatedJSON)
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(&b)
	if _, err := w.Write(js); err != nil {
		return nil, fmt.Errorf("sts: compress claims: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("sts: compress claims: %w", err)
	}
	return b.Bytes(), nil
}

// decodeClaims reads the token plaintext.
func decodeClaims(pt []byte) (*Claims, error) {
	if len(pt) == 0 {
		return nil, ErrInvalidToken
	}
	js := pt[1:]
	switch pt[0] {
	case plainJSON:
	case deflatedJSON:
		fr := flate.NewReader(bytes.NewReader(pt[1:]))
		b, err := io.ReadAll(io.LimitReader(fr, maxClaimsLen+1))
		if err != nil || len(b) > maxClaimsLen {
			return nil, ErrInvalidToken
		}
		js = b
	default:
		return nil, ErrInvalidToken
	}
	var c Claims
	if err := json.Unmarshal(js, &c); err != nil {
		return nil, ErrInvalidToken
	}
	return &c, nil
}
