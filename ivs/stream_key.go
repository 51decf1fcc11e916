package ivs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/store"
)

// StreamKey is the StreamKey shape, with the secret value.
type StreamKey struct {
	Arn        string            `json:"arn"`
	Value      string            `json:"value"`
	ChannelArn string            `json:"channelArn"`
	Tags       map[string]string `json:"tags"`
}

// StreamKeySummary is the StreamKeySummary shape, without the value.
type StreamKeySummary struct {
	Arn        string            `json:"arn"`
	ChannelArn string            `json:"channelArn"`
	Tags       map[string]string `json:"tags"`
}

func streamKeyShape(k *store.StreamKey, value string) *StreamKey {
	return &StreamKey{Arn: k.ARN, Value: value, ChannelArn: k.ChannelARN, Tags: tagMap(k.Tags)}
}

// newStreamKey makes a stream key of a channel, with its value sealed.
// The value is sk_REGION_ and 24 random alphanumerics (about 143 bits).
func (s *Service) newStreamKey(sc scope, ch *store.Channel, tags map[string]string) (*store.StreamKey, string) {
	k := &store.StreamKey{ID: newID(), ChannelARN: ch.ARN, ChannelID: ch.ID, Tags: storeTags(tags), CreatedAt: s.now().UTC()}
	k.ARN = sc.arn(kindStreamKey, k.ID)
	value := "sk_" + sc.region + "_" + randomString(12, alnum) + "_" + randomString(12, alnum)
	k.SealedValue = s.box.Seal([]byte(value), []byte(k.ARN))
	k.ValueHash = HashStreamKey(value)
	return k, value
}

// HashStreamKey is the index hash of a stream key value (SHA-256, hex):
// ingest finds the key a publisher presents by it.
func HashStreamKey(value string) string {
	h := sha256.Sum256([]byte(value))
	return hex.EncodeToString(h[:])
}

// putStreamKey writes a new stream key, its channel index entry and its
// value index entry.
func (s *Service) putStreamKey(ctx context.Context, tx store.Tx, sc scope, k *store.StreamKey) error {
	if err := store.CreateJSON(ctx, tx, sc.account, store.IVSStreamKeyKey(sc.region, k.ID), k); err != nil {
		return err
	}
	if err := tx.Put(ctx, sc.account, store.IVSKeysOfKey(sc.region, k.ChannelID, k.ID), []byte(k.ID)); err != nil {
		return err
	}
	ref := store.StreamKeyRef{Account: sc.account, Region: sc.region, ID: k.ID}
	return store.PutJSON(ctx, tx, store.Global, store.IVSStreamKeyValueKey(k.ValueHash), &ref)
}

// deleteStreamKey removes a stream key and its index entries.
func deleteStreamKey(ctx context.Context, tx store.Tx, sc scope, k *store.StreamKey) error {
	if err := tx.Delete(ctx, sc.account, store.IVSStreamKeyKey(sc.region, k.ID)); err != nil {
		return err
	}
	if err := tx.Delete(ctx, sc.account, store.IVSKeysOfKey(sc.region, k.ChannelID, k.ID)); err != nil && !isNotFound(err) {
		return err
	}
	if err := tx.Delete(ctx, store.Global, store.IVSStreamKeyValueKey(k.ValueHash)); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

// channelKeys returns the stream keys of a channel.
func channelKeys(ctx context.Context, tx store.Tx, sc scope, channelID string) ([]store.StreamKey, error) {
	items, err := tx.List(ctx, sc.account, store.IVSKeysOfPrefix(sc.region, channelID), "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]store.StreamKey, 0, len(items))
	for _, it := range items {
		var k store.StreamKey
		if err := store.GetJSON(ctx, tx, sc.account, store.IVSStreamKeyKey(sc.region, string(it.Value)), &k); err != nil {
			if isNotFound(err) {
				continue
			}
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// loadStreamKey reads a stream key of the scope.
func loadStreamKey(ctx context.Context, tx store.Tx, sc scope, a resourceARN) (*store.StreamKey, error) {
	if !a.in(sc) || a.Kind != kindStreamKey {
		return nil, notFound(kindStreamKey, a.ARN)
	}
	var k store.StreamKey
	if err := store.GetJSON(ctx, tx, sc.account, store.IVSStreamKeyKey(sc.region, a.ID), &k); err != nil {
		if isNotFound(err) {
			return nil, notFound(kindStreamKey, a.ARN)
		}
		return nil, err
	}
	return &k, nil
}

// authorizedStreamKey loads a stream key and authorizes action on it with
// its tags; a caller who may not act on a missing key is denied.
func (s *Service) authorizedStreamKey(ctx context.Context, tx store.Tx, c *authz.Caller, action string, a resourceARN) (*store.StreamKey, error) {
	k, err := loadStreamKey(ctx, tx, scopeOf(c), a)
	if err != nil {
		if aerr := s.authorize(ctx, c, action, a.ARN, nil); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if err := s.authorize(ctx, c, action, k.ARN, resourceTagContext(k.Tags, nil)); err != nil {
		return nil, err
	}
	return k, nil
}

// openValue unseals a stream key's value.
func (s *Service) openValue(k *store.StreamKey) (string, error) {
	v, err := s.box.Open(k.SealedValue, []byte(k.ARN))
	if err != nil {
		return "", awserr.Internal(err)
	}
	return string(v), nil
}

// CreateStreamKeyInput is the input of CreateStreamKey.
type CreateStreamKeyInput struct {
	ChannelArn string            `json:"channelArn"`
	Tags       map[string]string `json:"tags"`
}

// StreamKeyOutput is the output of CreateStreamKey and GetStreamKey.
type StreamKeyOutput struct {
	StreamKey *StreamKey `json:"streamKey"`
}

// CreateStreamKey creates a stream key for a channel, within the quota of
// keys per channel. The caller needs ivs:CreateStreamKey on the new key
// (and ivs:TagResource when tags are given). Errors: ValidationException,
// ResourceNotFoundException, AccessDeniedException,
// ServiceQuotaExceededException.
func (s *Service) CreateStreamKey(ctx context.Context, c *authz.Caller, in *CreateStreamKeyInput) (*StreamKeyOutput, error) {
	a, err := parseARN("channelArn", in.ChannelArn, kindChannel)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	var out *StreamKeyOutput
	err = s.st.Update(ctx, func(tx store.Tx) error {
		ch, err := loadChannel(ctx, tx, sc, a)
		if err != nil {
			if aerr := s.authorize(ctx, c, "CreateStreamKey", sc.arn(kindStreamKey, "*"), requestTagContext(in.Tags, nil)); aerr != nil {
				return aerr
			}
			return err
		}
		k, value := s.newStreamKey(sc, ch, in.Tags)
		reqTags := requestTagContext(in.Tags, nil)
		if err := s.authorize(ctx, c, "CreateStreamKey", k.ARN, reqTags); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			if err := s.authorize(ctx, c, "TagResource", k.ARN, reqTags); err != nil {
				return err
			}
		}
		have, err := tx.List(ctx, sc.account, store.IVSKeysOfPrefix(sc.region, ch.ID), "", 0)
		if err != nil {
			return err
		}
		if len(have) >= s.limits.StreamKeysPerChannel {
			return awserr.New(awserr.ServiceQuotaExceededException, "Request would exceed the quota of %d stream keys per channel", s.limits.StreamKeysPerChannel)
		}
		if err := s.putStreamKey(ctx, tx, sc, k); err != nil {
			return err
		}
		out = &StreamKeyOutput{StreamKey: streamKeyShape(k, value)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetStreamKey returns a stream key with its value. Errors:
// ValidationException, ResourceNotFoundException, AccessDeniedException.
func (s *Service) GetStreamKey(ctx context.Context, c *authz.Caller, in *ARNInput) (*StreamKeyOutput, error) {
	a, err := parseARN("arn", in.Arn, kindStreamKey)
	if err != nil {
		return nil, err
	}
	var k *store.StreamKey
	err = s.st.View(ctx, func(tx store.Tx) error {
		k, err = s.authorizedStreamKey(ctx, tx, c, "GetStreamKey", a)
		return err
	})
	if err != nil {
		return nil, err
	}
	value, err := s.openValue(k)
	if err != nil {
		return nil, err
	}
	return &StreamKeyOutput{StreamKey: streamKeyShape(k, value)}, nil
}

// BatchGetStreamKeyOutput is the output of BatchGetStreamKey.
type BatchGetStreamKeyOutput struct {
	StreamKeys []*StreamKey `json:"streamKeys"`
	Errors     []BatchError `json:"errors"`
}

// BatchGetStreamKey returns up to 50 stream keys, each authorized on its
// own; missing or forbidden keys are reported in errors. Errors:
// ValidationException.
func (s *Service) BatchGetStreamKey(ctx context.Context, c *authz.Caller, in *BatchGetInput) (*BatchGetStreamKeyOutput, error) {
	arns, err := validateBatch(in.Arns, kindStreamKey)
	if err != nil {
		return nil, err
	}
	out := &BatchGetStreamKeyOutput{StreamKeys: []*StreamKey{}, Errors: []BatchError{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		seen := map[string]bool{}
		for _, a := range arns {
			if seen[a.ARN] {
				continue
			}
			seen[a.ARN] = true
			k, err := s.authorizedStreamKey(ctx, tx, c, "BatchGetStreamKey", a)
			if err != nil {
				be, err := batchError(a.ARN, err)
				if err != nil {
					return err
				}
				out.Errors = append(out.Errors, be)
				continue
			}
			value, err := s.openValue(k)
			if err != nil {
				return err
			}
			out.StreamKeys = append(out.StreamKeys, streamKeyShape(k, value))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListStreamKeysInput is the input of ListStreamKeys.
type ListStreamKeysInput struct {
	ChannelArn string `json:"channelArn"`
	NextToken  string `json:"nextToken"`
	MaxResults *int   `json:"maxResults"`
}

// ListStreamKeysOutput is the output of ListStreamKeys.
type ListStreamKeysOutput struct {
	StreamKeys []StreamKeySummary `json:"streamKeys"`
	NextToken  string             `json:"nextToken,omitempty"`
}

// ListStreamKeys lists a channel's stream keys without their values. The
// caller needs ivs:ListStreamKeys on the channel and on …:stream-key/*.
// Errors: ValidationException, ResourceNotFoundException,
// AccessDeniedException.
func (s *Service) ListStreamKeys(ctx context.Context, c *authz.Caller, in *ListStreamKeysInput) (*ListStreamKeysOutput, error) {
	a, err := parseARN("channelArn", in.ChannelArn, kindChannel)
	if err != nil {
		return nil, err
	}
	limit, after, err := pageArgs(in.MaxResults, 50, 1, in.NextToken)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	out := &ListStreamKeysOutput{StreamKeys: []StreamKeySummary{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		ch, err := s.authorizedChannel(ctx, tx, c, "ListStreamKeys", a)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, c, "ListStreamKeys", sc.arn(kindStreamKey, "*"), nil); err != nil {
			return err
		}
		keys, err := channelKeys(ctx, tx, sc, ch.ID)
		if err != nil {
			return err
		}
		last := ""
		for _, k := range keys { // in id order
			if k.ID <= after {
				continue
			}
			if len(out.StreamKeys) == limit {
				out.NextToken = encodeToken(last)
				break
			}
			out.StreamKeys = append(out.StreamKeys, StreamKeySummary{Arn: k.ARN, ChannelArn: k.ChannelARN, Tags: tagMap(k.Tags)})
			last = k.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteStreamKey deletes a stream key; it can no longer publish. Errors:
// ValidationException, ResourceNotFoundException, AccessDeniedException.
func (s *Service) DeleteStreamKey(ctx context.Context, c *authz.Caller, in *ARNInput) (*Empty, error) {
	a, err := parseARN("arn", in.Arn, kindStreamKey)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		k, err := s.authorizedStreamKey(ctx, tx, c, "DeleteStreamKey", a)
		if err != nil {
			return err
		}
		return deleteStreamKey(ctx, tx, sc, k)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
