package store

import "time"

// SessionKey is one key of the ring that STS seals session tokens with.
// The key itself is stored sealed under the server's master key, with the
// record's store key as the sealing context.
type SessionKey struct {
	// ID is the key id written in every token sealed with the key
	// (16 hex digits).
	ID        string    `json:"id"`
	SealedKey []byte    `json:"key"`
	CreatedAt time.Time `json:"created"`
}

// SessionKeysPrefix lists the session-token keys (Global).
const SessionKeysPrefix = "stskey/"

// SessionKeyKey is the Global key of a session-token key.
func SessionKeyKey(id string) string { return SessionKeysPrefix + id }
