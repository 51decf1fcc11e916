// Package ivs implements the Amazon IVS low-latency control plane's
// business rules: channels, stream keys and their tags. Every method
// authorizes its caller as the operation's IAM action on every resource it
// touches, validates its input as the service model does, and makes its
// changes in one store transaction. Resources are regional: they live in
// the caller's account and the region of the request's signature.
package ivs

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/cachemap"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Endpoints say where clients reach this server's media endpoints.
type Endpoints struct {
	// Ingest is the host encoders publish to (a channel's ingestEndpoint):
	// rtmp://Ingest/app/ + stream key.
	Ingest string
	// Playback is the base URL of HLS playback (no trailing slash); a
	// channel's playbackUrl is Playback + /api/video/v1/….m3u8.
	Playback string
}

// Limits are the service quotas.
type Limits struct {
	// ChannelsPerRegion bounds the channels of an account in a region.
	ChannelsPerRegion int
	// StreamKeysPerChannel bounds the stream keys of a channel.
	StreamKeysPerChannel int
}

// DefaultLimits are AWS's default quotas.
var DefaultLimits = Limits{ChannelsPerRegion: 5000, StreamKeysPerChannel: 1}

// Service implements the IVS API.
type Service struct {
	st     store.Store
	authz  *authz.Authorizer
	box    *seal.Box
	ep     Endpoints
	limits Limits
	now    func() time.Time
	log    *slog.Logger
	// channels decodes listed channels once per stored version: a
	// ListChannels page holds up to 100 of them.
	channels *store.Memo[store.Channel]
	// outputs holds GetChannel's output per decoded channel value
	// (channelOutput).
	outputs *cachemap.Map[*store.Channel, *GetChannelOutput]
}

// maxMemoChannels bounds the decoded channels a Service keeps: the
// channels of busy accounts, a few hundred bytes each.
const maxMemoChannels = 50_000

// New returns a Service. IVS records carry no policies, so st need not be
// the store wrapped by the authorizer.
func New(st store.Store, az *authz.Authorizer, box *seal.Box, ep Endpoints, limits Limits, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, authz: az, box: box, ep: ep, limits: limits, now: now, log: log,
		channels: store.NewMemo[store.Channel](maxMemoChannels),
		outputs:  cachemap.New[*store.Channel, *GetChannelOutput](maxSharedOutputs, func(c *store.Channel, seed maphash.Seed) uint64 { return maphash.Comparable(seed, c) })}
}

// authorize requires the caller to be allowed ivs:action on resource.
func (s *Service) authorize(ctx context.Context, c *authz.Caller, action, resource string, extra func(*policy.Context)) error {
	return s.authz.Require(ctx, c, authz.Check{Action: "ivs:" + action, Resource: resource, Context: extra}, awserr.AccessDeniedException)
}

// scope is the account and region an operation acts in.
type scope struct{ account, region string }

func scopeOf(c *authz.Caller) scope { return scope{account: c.Account(), region: c.Region} }

// arn builds arn:aws:ivs:REGION:ACCOUNT:kind/id.
func (sc scope) arn(kind, id string) string {
	return "arn:aws:ivs:" + sc.region + ":" + sc.account + ":" + kind + "/" + id
}

// Resource kinds, as they appear in ARNs.
const (
	kindChannel   = "channel"
	kindStreamKey = "stream-key"
)

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns n characters of alphabet, uniformly chosen.
func randomString(n int, alphabet string) string {
	out := make([]byte, n)
	limit := 256 - 256%len(alphabet)
	var buf [64]byte
	for i := 0; i < n; {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("ivs: no randomness: " + err.Error())
		}
		for _, b := range buf {
			if int(b) < limit && i < n {
				out[i] = alphabet[int(b)%len(alphabet)]
				i++
			}
		}
	}
	return string(out)
}

// newID returns a resource id: 12 alphanumeric characters.
func newID() string { return randomString(12, alnum) }

// Validation

// validation is the service's constraint-violation error.
func validation(member, value, constraint string) error {
	return awserr.New(awserr.ValidationException, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func required(member string) error {
	return awserr.New(awserr.ValidationException, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

var (
	namePattern = regexp.MustCompile(`^[a-zA-Z0-9-_]*$`)
)

// validateName checks a resource name (0..128 of [a-zA-Z0-9-_]).
func validateName(member, v string) error {
	if len(v) > 128 {
		return validation(member, v, "Member must have length less than or equal to 128")
	}
	if !namePattern.MatchString(v) {
		return validation(member, v, "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]*")
	}
	return nil
}

// validateEnum checks an optional enum member ("" is absent).
func validateEnum(member, v string, allowed ...string) error {
	if v == "" {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return validation(member, v, fmt.Sprintf("Member must satisfy enum value set: %v", allowed))
}

// resourceARN is a parsed IVS ARN.
type resourceARN struct {
	ARN, Region, Account, Kind, ID string
}

// parseARN validates an ARN of one of the kinds (any IVS kind when none
// is given).
func parseARN(member, v string, kinds ...string) (resourceARN, error) {
	pattern := "arn:aws:ivs:[a-z0-9-]+:[0-9]+:[a-z-]/[a-zA-Z0-9-]+"
	if len(kinds) == 1 {
		pattern = "arn:aws:ivs:[a-z0-9-]+:[0-9]+:" + kinds[0] + "/[a-zA-Z0-9-]+"
	}
	if v == "" {
		return resourceARN{}, validation(member, v, "Member must have length greater than or equal to 1")
	}
	if len(v) > 128 {
		return resourceARN{}, validation(member, v, "Member must have length less than or equal to 128")
	}
	a, ok := splitARN(v)
	if !ok {
		return resourceARN{}, validation(member, v, "Member must satisfy regular expression pattern: "+pattern)
	}
	if len(kinds) > 0 {
		ok := false
		for _, k := range kinds {
			ok = ok || a.Kind == k
		}
		if !ok {
			return resourceARN{}, validation(member, v, "Member must satisfy regular expression pattern: "+pattern)
		}
	}
	return a, nil
}

// splitARN splits an ARN that matches
// ^arn:aws:ivs:([a-z0-9-]+):([0-9]+):([a-z-]+)/([a-zA-Z0-9-]+)$ into its
// region, account, kind and id (a regular expression took a tenth of
// ivs:GetChannel's time).
func splitARN(v string) (resourceARN, bool) {
	rest, ok := strings.CutPrefix(v, "arn:aws:ivs:")
	if !ok {
		return resourceARN{}, false
	}
	region, rest, ok1 := strings.Cut(rest, ":")
	account, rest, ok2 := strings.Cut(rest, ":")
	kind, id, ok3 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || !ok3 ||
		!allIn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") || !allIn(account, "0123456789") ||
		!allIn(kind, "abcdefghijklmnopqrstuvwxyz-") ||
		!allIn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") {
		return resourceARN{}, false
	}
	return resourceARN{ARN: v, Region: region, Account: account, Kind: kind, ID: id}, true
}

// allIn reports whether s is not empty and made of the bytes of set.
func allIn(s, set string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}

// in reports whether the ARN names a resource of the caller's account and
// region, the only ones this endpoint can find.
func (a resourceARN) in(sc scope) bool { return a.Account == sc.account && a.Region == sc.region }

// optionalARN validates an optional ARN member of a kind ("" is none).
func optionalARN(member, v, kind string) error {
	if v == "" {
		return nil
	}
	if len(v) > 128 {
		return validation(member, v, "Member must have length less than or equal to 128")
	}
	if a, ok := splitARN(v); !ok || a.Kind != kind {
		return validation(member, v, "Member must satisfy regular expression pattern: ^$|^arn:aws:ivs:[a-z0-9-]+:[0-9]+:"+kind+"/[a-zA-Z0-9-]+$")
	}
	return nil
}

// Pagination: a nextToken is the last key of the previous page,
// base64url-encoded (the model's pattern allows [a-zA-Z0-9+/=_-]).

func encodeToken(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeToken(t string) (string, error) {
	if t == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || len(t) > 1024 || !utf8.Valid(b) {
		return "", awserr.New(awserr.ValidationException, "The nextToken is not valid.")
	}
	return string(b), nil
}

// pageSize reads maxResults (1..max, default def).
func pageSize(v *int, max, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < 1 || *v > max {
		return 0, validation("maxResults", strconv.Itoa(*v), fmt.Sprintf("Member must have value less than or equal to %d and greater than or equal to 1", max))
	}
	return *v, nil
}

// Errors

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func notFound(kind, arn string) error {
	return awserr.New(awserr.ResourceNotFoundException, "%s not found: %s", kindTitle(kind), arn)
}

func kindTitle(kind string) string {
	switch kind {
	case kindChannel:
		return "Channel"
	case kindStreamKey:
		return "Stream key"
	case "recording-configuration":
		return "Recording configuration"
	case "playback-restriction-policy":
		return "Playback restriction policy"
	case "ad-configuration":
		return "Ad configuration"
	case "playback-key":
		return "Playback key pair"
	}
	return "Resource"
}

// pageArgs reads the paging parameters of a list request: maxResults
// (between 1 and max, def when absent) and nextToken.
func pageArgs(maxResults *int, max, def int, nextToken string) (limit int, after string, err error) {
	if limit, err = pageSize(maxResults, max, def); err != nil {
		return 0, "", err
	}
	if after, err = decodeToken(nextToken); err != nil {
		return 0, "", err
	}
	return limit, after, nil
}
