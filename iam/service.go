package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Service implements the IAM API's business rules. Every method authorizes
// its caller first, validates its input as IAM does, and makes its changes
// in one store transaction.
type Service struct {
	st    store.Store
	authz *authz.Authorizer
	box   *seal.Box
	now   func() time.Time
	log   *slog.Logger
	pw    *passwordHasher // console passwords
}

// New returns a Service. st must be the store wrapped by the authorizer
// (authz.Authorizer.WrapStore) so that changes take effect at once.
func New(st store.Store, az *authz.Authorizer, box *seal.Box, now func() time.Time, log *slog.Logger) *Service {
	return &Service{st: st, authz: az, box: box, now: now, log: log, pw: newPasswordHasher(defaultHashParams)}
}

// authorize requires the caller to be allowed action on resource.
func (s *Service) authorize(ctx context.Context, c *authz.Caller, action, resource string, extra func(*policy.Context)) error {
	return s.authz.Require(ctx, c, authz.Check{Action: "iam:" + action, Resource: resource, Context: extra}, awserr.AccessDenied)
}

// timestamp returns the current time at second precision, as IAM reports.
func (s *Service) timestamp() time.Time { return s.now().UTC().Truncate(time.Second) }

// newID returns an IAM unique id: a 4-letter prefix and 17 characters.
func newID(prefix string) string {
	return prefix + randomString(17, idAlphabet)
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("iam: no randomness: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// entityARN builds arn:aws:iam::ACCOUNT:kind{path}{name}.
func entityARN(account, kind, path, name string) string {
	return "arn:aws:iam::" + account + ":" + kind + path + name
}

var (
	namePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
)

// validateName checks an entity name as IAM's model does.
func validateName(member, v string, maxLen int) error {
	if v == "" || utf8.RuneCountInString(v) > maxLen {
		return validation(member, v, fmt.Sprintf("Member must have length less than or equal to %d and greater than or equal to 1", maxLen))
	}
	if !namePattern.MatchString(v) {
		return validation(member, v, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	return nil
}

// validatePath checks a path; "" means the default "/".
func validatePath(member, v string) (string, error) {
	if v == "" {
		return "/", nil
	}
	if len(v) > 512 || !pathPattern.MatchString(v) {
		return "", validation(member, v, `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	return v, nil
}

// validation is AWS's constraint-violation error.
func validation(member, value, constraint string) error {
	return awserr.New(awserr.ValidationError, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

// pageLimit reads MaxItems (default 100, 1..1000).
func pageLimit(maxItems *int) (int, error) {
	if maxItems == nil {
		return 100, nil
	}
	if *maxItems < 1 || *maxItems > 1000 {
		return 0, validation("maxItems", fmt.Sprint(*maxItems), "Member must have value less than or equal to 1000 and greater than or equal to 1")
	}
	return *maxItems, nil
}

// Markers are opaque to clients: the last key of the previous page,
// base64-encoded.
func encodeMarker(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeMarker(m string) (string, error) {
	if m == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil {
		return "", awserr.New(awserr.InvalidInput, "Invalid Marker.")
	}
	return string(b), nil
}

// page lists records of T under prefix for a Marker/MaxItems request,
// keeping those for which keep returns true (keep may be nil). It returns
// the page and the marker of the next page ("" when there is none).
func page[T any](ctx context.Context, tx store.Tx, account, prefix, marker string, maxItems *int, keep func(*T) bool) ([]T, string, error) {
	limit, err := pageLimit(maxItems)
	if err != nil {
		return nil, "", err
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	out := make([]T, 0)
	lastKept := after
	for {
		batch, keys, err := store.ListJSON[T](ctx, tx, account, prefix, after, limit+1)
		if err != nil {
			return nil, "", err
		}
		for i := range batch {
			after = keys[i]
			if keep != nil && !keep(&batch[i]) {
				continue
			}
			if len(out) == limit {
				return out, encodeMarker(lastKept), nil
			}
			out = append(out, batch[i])
			lastKept = keys[i]
		}
		if len(batch) < limit+1 {
			return out, "", nil
		}
	}
}

// isNotFound reports whether err is the store's not-found.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// noSuchEntity is IAM's not-found error for a named entity.
func noSuchEntity(kind, name string) error {
	return awserr.New(awserr.NoSuchEntity, "The %s with name %s cannot be found.", kind, name)
}

// Tags

var tagKeyPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
var tagValuePattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// maxTags is IAM's tag quota per entity.
const maxTags = 50

// validateTags checks tags as IAM does.
func validateTags(tags []Tag) error {
	seen := map[string]bool{}
	for i, t := range tags {
		member := fmt.Sprintf("tags.%d.member.key", i+1)
		if t.Key == "" || utf8.RuneCountInString(t.Key) > 128 {
			return validation(member, t.Key, "Member must have length less than or equal to 128 and greater than or equal to 1")
		}
		if !tagKeyPattern.MatchString(t.Key) {
			return validation(member, t.Key, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		}
		if utf8.RuneCountInString(t.Value) > 256 || !tagValuePattern.MatchString(t.Value) {
			return validation(fmt.Sprintf("tags.%d.member.value", i+1), t.Value, `Member must have length less than or equal to 256 and satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return awserr.New(awserr.InvalidInput, "User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS tags.")
		}
		if seen[strings.ToLower(t.Key)] {
			return awserr.New(awserr.InvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(t.Key)] = true
	}
	return nil
}

// mergeTags adds or replaces tags (keys compare case-insensitively) and
// enforces the quota.
func mergeTags(have []store.Tag, add []Tag) ([]store.Tag, error) {
	out := append([]store.Tag(nil), have...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = store.Tag{Key: t.Key, Value: t.Value}
				replaced = true
			}
		}
		if !replaced {
			out = append(out, store.Tag{Key: t.Key, Value: t.Value})
		}
	}
	if len(out) > maxTags {
		return nil, awserr.New(awserr.LimitExceeded, "The number of tags has reached the maximum limit.")
	}
	return out, nil
}

// removeTags drops the tags whose keys are listed.
func removeTags(have []store.Tag, keys []string) []store.Tag {
	out := have[:0:0]
	for _, t := range have {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// tagContext sets aws:RequestTag/… and aws:TagKeys for a request that
// carries tags.
func tagContext(tags []Tag) func(*policy.Context) {
	if len(tags) == 0 {
		return nil
	}
	return func(pc *policy.Context) {
		keys := make([]string, 0, len(tags))
		for _, t := range tags {
			pc.SetTag("aws:RequestTag/", t.Key, t.Value)
			keys = append(keys, t.Key)
		}
		pc.SetMulti("aws:TagKeys", keys)
	}
}

// tagKeysContext sets aws:TagKeys for an untag request.
func tagKeysContext(keys []string) func(*policy.Context) {
	return func(pc *policy.Context) { pc.SetMulti("aws:TagKeys", keys) }
}

// resourceTagContext sets aws:ResourceTag/… from an entity's tags, plus
// extra.
func resourceTagContext(tags []store.Tag, extra func(*policy.Context)) func(*policy.Context) {
	if len(tags) == 0 {
		return extra
	}
	return func(pc *policy.Context) {
		for _, t := range tags {
			pc.SetTag("aws:ResourceTag/", t.Key, t.Value)
		}
		if extra != nil {
			extra(pc)
		}
	}
}
