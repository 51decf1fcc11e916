package ivs

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/media/playback"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Resource kinds of playback keys, restriction policies and recording
// configurations, as they appear in ARNs.
const (
	kindPlaybackKey       = "playback-key"
	kindRestrictionPolicy = "playback-restriction-policy"
	kindRecording         = "recording-configuration"
)

// PlaybackKeyPairsPerRegion is the quota of playback key pairs of an
// account in a region.
const PlaybackKeyPairsPerRegion = 3

// loadRecord reads a regional record of kind named by a; a missing record,
// or one of another account, region or kind, is ResourceNotFoundException.
func loadRecord[T any](ctx context.Context, tx store.Tx, sc scope, a resourceARN, kind string, key func(region, id string) string) (*T, error) {
	if !a.in(sc) || a.Kind != kind {
		return nil, notFound(kind, a.ARN)
	}
	var v T
	if err := store.GetJSON(ctx, tx, sc.account, key(sc.region, a.ID), &v); err != nil {
		if isNotFound(err) {
			return nil, notFound(kind, a.ARN)
		}
		return nil, err
	}
	return &v, nil
}

// authorizedRecord loads a record and authorizes action on it with its tags
// as aws:ResourceTag; a caller who may not act on a missing record is
// denied rather than told it is missing.
func authorizedRecord[T any](ctx context.Context, s *Service, tx store.Tx, c *authz.Caller, action string, a resourceARN, kind string, key func(region, id string) string, tags func(*T) []store.Tag) (*T, error) {
	v, err := loadRecord[T](ctx, tx, scopeOf(c), a, kind, key)
	if err != nil {
		if aerr := s.authorize(ctx, c, action, a.ARN, nil); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if err := s.authorize(ctx, c, action, a.ARN, resourceTagContext(tags(v), nil)); err != nil {
		return nil, err
	}
	return v, nil
}

// getRecord is a Get operation on a regional record: parse the ARN, load
// the record and authorize action on it.
func getRecord[T any](ctx context.Context, s *Service, c *authz.Caller, action, arn, kind string, key func(region, id string) string, tags func(*T) []store.Tag) (*T, error) {
	a, err := parseARN("arn", arn, kind)
	if err != nil {
		return nil, err
	}
	var v *T
	err = s.st.View(ctx, func(tx store.Tx) error {
		v, err = authorizedRecord(ctx, s, tx, c, action, a, kind, key, tags)
		return err
	})
	return v, err
}

// authorizeCreate authorizes a Create on a new ARN, and ivs:TagResource
// when tags are given.
func (s *Service) authorizeCreate(ctx context.Context, c *authz.Caller, action, arn string, tags map[string]string) error {
	reqTags := requestTagContext(tags, nil)
	if err := s.authorize(ctx, c, action, arn, reqTags); err != nil {
		return err
	}
	if len(tags) > 0 {
		return s.authorize(ctx, c, "TagResource", arn, reqTags)
	}
	return nil
}

// PlaybackKeyPair is the PlaybackKeyPair shape.
type PlaybackKeyPair struct {
	Arn         string            `json:"arn"`
	Name        string            `json:"name"`
	Fingerprint string            `json:"fingerprint"`
	Tags        map[string]string `json:"tags"`
}

// PlaybackKeyPairSummary is the PlaybackKeyPairSummary shape.
type PlaybackKeyPairSummary struct {
	Arn  string            `json:"arn"`
	Name string            `json:"name"`
	Tags map[string]string `json:"tags"`
}

func keyPairShape(k *store.PlaybackKeyPair) *PlaybackKeyPair {
	return &PlaybackKeyPair{Arn: k.ARN, Name: k.Name, Fingerprint: k.Fingerprint, Tags: tagMap(k.Tags)}
}

func keyPairTags(k *store.PlaybackKeyPair) []store.Tag { return k.Tags }

// ImportPlaybackKeyPairInput is the input of ImportPlaybackKeyPair.
type ImportPlaybackKeyPairInput struct {
	PublicKeyMaterial *string           `json:"publicKeyMaterial"`
	Name              string            `json:"name"`
	Tags              map[string]string `json:"tags"`
}

// PlaybackKeyPairOutput is the output of ImportPlaybackKeyPair and
// GetPlaybackKeyPair.
type PlaybackKeyPairOutput struct {
	KeyPair *PlaybackKeyPair `json:"keyPair"`
}

// ImportPlaybackKeyPair stores the public half of an ECDSA P-384 key pair
// and its fingerprint. The caller needs ivs:ImportPlaybackKeyPair on the
// new ARN (and ivs:TagResource when tags are given). Errors:
// ValidationException (bad key material), ConflictException (the same key
// again), ServiceQuotaExceededException, AccessDeniedException.
func (s *Service) ImportPlaybackKeyPair(ctx context.Context, c *authz.Caller, in *ImportPlaybackKeyPairInput) (*PlaybackKeyPairOutput, error) {
	if in.PublicKeyMaterial == nil {
		return nil, required("publicKeyMaterial")
	}
	if err := validateName("name", in.Name); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	pub, fp, err := playback.ParsePublicKey([]byte(*in.PublicKeyMaterial))
	if err != nil {
		return nil, awserr.New(awserr.ValidationException, "%s", err.Error())
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, awserr.New(awserr.ValidationException, "%s", err.Error())
	}
	sum := sha256.Sum256(der)
	sc := scopeOf(c)
	k := &store.PlaybackKeyPair{ID: newID(), Name: in.Name, Fingerprint: fp, PublicKey: *in.PublicKeyMaterial,
		DERHash: hex.EncodeToString(sum[:]), Tags: storeTags(in.Tags), CreatedAt: s.now().UTC()}
	k.ARN = sc.arn(kindPlaybackKey, k.ID)
	if err := s.authorizeCreate(ctx, c, "ImportPlaybackKeyPair", k.ARN, in.Tags); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		idx := store.IVSPlaybackKeyMaterialKey(sc.region, k.DERHash)
		if _, err := tx.Get(ctx, sc.account, idx); err == nil {
			return awserr.New(awserr.ConflictException, "A playback key pair with this public key material already exists (fingerprint %s)", fp)
		} else if !isNotFound(err) {
			return err
		}
		have, err := tx.List(ctx, sc.account, store.IVSPlaybackKeyPrefix(sc.region), "", 0)
		if err != nil {
			return err
		}
		if len(have) >= PlaybackKeyPairsPerRegion {
			return awserr.New(awserr.ServiceQuotaExceededException, "Request would exceed the quota of %d playback key pairs per region", PlaybackKeyPairsPerRegion)
		}
		if err := store.CreateJSON(ctx, tx, sc.account, store.IVSPlaybackKeyKey(sc.region, k.ID), k); err != nil {
			return err
		}
		return tx.Put(ctx, sc.account, idx, []byte(k.ID))
	})
	if err != nil {
		return nil, err
	}
	return &PlaybackKeyPairOutput{KeyPair: keyPairShape(k)}, nil
}

// GetPlaybackKeyPair returns a playback key pair. Errors:
// ValidationException, ResourceNotFoundException, AccessDeniedException.
func (s *Service) GetPlaybackKeyPair(ctx context.Context, c *authz.Caller, in *ARNInput) (*PlaybackKeyPairOutput, error) {
	v, err := getRecord(ctx, s, c, "GetPlaybackKeyPair", in.Arn, kindPlaybackKey, store.IVSPlaybackKeyKey, keyPairTags)
	if err != nil {
		return nil, err
	}
	return &PlaybackKeyPairOutput{KeyPair: keyPairShape(v)}, nil
}

// ListInput is the input of the list operations that take only paging.
type ListInput struct {
	NextToken  string `json:"nextToken"`
	MaxResults *int   `json:"maxResults"`
}

// ListPlaybackKeyPairsOutput is the output of ListPlaybackKeyPairs.
type ListPlaybackKeyPairsOutput struct {
	KeyPairs  []PlaybackKeyPairSummary `json:"keyPairs"`
	NextToken string                   `json:"nextToken,omitempty"`
}

// ListPlaybackKeyPairs lists the key pairs of the caller's account and
// region: one decision on …:playback-key/*. Errors: ValidationException,
// AccessDeniedException.
func (s *Service) ListPlaybackKeyPairs(ctx context.Context, c *authz.Caller, in *ListInput) (*ListPlaybackKeyPairsOutput, error) {
	limit, after, err := pageArgs(in.MaxResults, 100, PlaybackKeyPairsPerRegion, in.NextToken)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	if err := s.authorize(ctx, c, "ListPlaybackKeyPairs", sc.arn(kindPlaybackKey, "*"), nil); err != nil {
		return nil, err
	}
	out := &ListPlaybackKeyPairsOutput{KeyPairs: []PlaybackKeyPairSummary{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		keys, next, err := page(ctx, tx, sc.account, store.IVSPlaybackKeyPrefix(sc.region), after, limit, func(*store.PlaybackKeyPair) bool { return true }, nil)
		for _, k := range keys {
			out.KeyPairs = append(out.KeyPairs, PlaybackKeyPairSummary{Arn: k.ARN, Name: k.Name, Tags: tagMap(k.Tags)})
		}
		out.NextToken = next
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeletePlaybackKeyPair deletes a key pair; tokens signed with its private
// key no longer verify. Errors: ValidationException,
// ResourceNotFoundException, AccessDeniedException.
func (s *Service) DeletePlaybackKeyPair(ctx context.Context, c *authz.Caller, in *ARNInput) (*Empty, error) {
	a, err := parseARN("arn", in.Arn, kindPlaybackKey)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		k, err := authorizedRecord(ctx, s, tx, c, "DeletePlaybackKeyPair", a, kindPlaybackKey, store.IVSPlaybackKeyKey, keyPairTags)
		if err != nil {
			return err
		}
		if err := tx.Delete(ctx, sc.account, store.IVSPlaybackKeyKey(sc.region, k.ID)); err != nil {
			return err
		}
		if err := tx.Delete(ctx, sc.account, store.IVSPlaybackKeyMaterialKey(sc.region, k.DERHash)); err != nil && !isNotFound(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
