package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Tag is a key-value pair on a user, role, policy or resource.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// Account is one AWS-style account served by Gatehouse.
type Account struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created"`
}

// User is an IAM user.
type User struct {
	ID        string    `json:"id"` // AIDA…
	Name      string    `json:"name"`
	Path      string    `json:"path"`
	ARN       string    `json:"arn"`
	CreatedAt time.Time `json:"created"`
	// Boundary is the ARN of the permissions boundary policy, or "".
	Boundary string `json:"boundary,omitempty"`
	Tags     []Tag  `json:"tags,omitempty"`
}

// Group is an IAM group.
type Group struct {
	ID        string    `json:"id"` // AGPA…
	Name      string    `json:"name"`
	Path      string    `json:"path"`
	ARN       string    `json:"arn"`
	CreatedAt time.Time `json:"created"`
}

// Role is an IAM role.
type Role struct {
	ID                 string    `json:"id"` // AROA…
	Name               string    `json:"name"`
	Path               string    `json:"path"`
	ARN                string    `json:"arn"`
	CreatedAt          time.Time `json:"created"`
	TrustPolicy        string    `json:"trust"`
	Description        string    `json:"description,omitempty"`
	MaxSessionDuration int       `json:"maxSession"`
	Boundary           string    `json:"boundary,omitempty"`
	Tags               []Tag     `json:"tags,omitempty"`
}

// PolicyVersion is one version of a managed policy's document.
type PolicyVersion struct {
	ID        string    `json:"id"` // v1, v2, …
	Document  string    `json:"doc"`
	CreatedAt time.Time `json:"created"`
}

// ManagedPolicy is a customer-managed policy with its versions.
type ManagedPolicy struct {
	ID             string          `json:"id"` // ANPA…
	Name           string          `json:"name"`
	Path           string          `json:"path"`
	ARN            string          `json:"arn"`
	Description    string          `json:"description,omitempty"`
	DefaultVersion string          `json:"default"`
	NextVersion    int             `json:"next"`
	Versions       []PolicyVersion `json:"versions"`
	CreatedAt      time.Time       `json:"created"`
	UpdatedAt      time.Time       `json:"updated"`
	Tags           []Tag           `json:"tags,omitempty"`
}

// DefaultDocument returns the document of the default version.
func (p *ManagedPolicy) DefaultDocument() string {
	for _, v := range p.Versions {
		if v.ID == p.DefaultVersion {
			return v.Document
		}
	}
	return ""
}

// InlinePolicy is a policy embedded in a user, group or role.
type InlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"doc"`
}

// Principal kinds that own policies.
const (
	KindUser  = "user"
	KindGroup = "group"
	KindRole  = "role"
)

// Attachment records that a managed policy is attached to an entity.
type Attachment struct {
	PolicyARN  string `json:"arn"`
	PolicyName string `json:"name"`
	OwnerKind  string `json:"kind"`
	OwnerID    string `json:"owner"`
}

// Access key statuses.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// AccessKey is a long-term access key of a user or of an account's root.
// The secret is stored sealed under the server's master key.
type AccessKey struct {
	ID      string `json:"id"` // AKIA…
	Account string `json:"account"`
	// UserID and UserName identify the owner; both are "" for the root.
	UserID       string    `json:"userId,omitempty"`
	UserName     string    `json:"userName,omitempty"`
	SealedSecret []byte    `json:"secret"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created"`
}

// KeyUsage records an access key's last use.
type KeyUsage struct {
	At      time.Time `json:"at"`
	Service string    `json:"service"`
	Region  string    `json:"region"`
}

// GetJSON reads the record at key into v.
func GetJSON(ctx context.Context, tx Tx, account, key string, v any) error {
	b, err := tx.Get(ctx, account, key)
	return decodeRecord(account, key, b, err, v)
}

// decodeRecord decodes the record read at key, unless the read failed.
func decodeRecord(account, key string, b []byte, err error, v any) error {
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s/%s: %w", account, key, err)
	}
	return nil
}

// Getter is a Store that reads one value outside any transaction (a
// Cache, from memory).
type Getter interface {
	Get(ctx context.Context, account, key string) ([]byte, error)
}

// ReadJSON reads and decodes the record at key on its own, outside any
// transaction: for a read that needs no snapshot with other reads, which
// a Cache serves from memory.
func ReadJSON(ctx context.Context, st Store, account, key string, v any) error {
	g, ok := st.(Getter)
	if !ok {
		return st.View(ctx, func(tx Tx) error { return GetJSON(ctx, tx, account, key, v) })
	}
	b, err := g.Get(ctx, account, key)
	return decodeRecord(account, key, b, err, v)
}

// PutJSON writes v as the record at key.
func PutJSON(ctx context.Context, tx Tx, account, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", account, key, err)
	}
	return tx.Put(ctx, account, key, b)
}

// CreateJSON writes v as a new record at key; ErrConflict if it exists.
func CreateJSON(ctx context.Context, tx Tx, account, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", account, key, err)
	}
	return tx.Create(ctx, account, key, b)
}

// ListJSON decodes every record under prefix (after after, at most limit)
// into values of T.
func ListJSON[T any](ctx context.Context, tx Tx, account, prefix, after string, limit int) ([]T, []string, error) {
	return ListShared[T](ctx, tx, account, prefix, after, limit, nil)
}
