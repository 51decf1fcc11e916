package ivs

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// maxTags is the tag quota of a resource.
const maxTags = 50

var (
	tagKeyPattern   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValuePattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// validateTagKey checks one tag key.
func validateTagKey(member, k string) error {
	if k == "" || utf8.RuneCountInString(k) > 128 {
		return validation(member, k, "Member must have length less than or equal to 128 and greater than or equal to 1")
	}
	if !tagKeyPattern.MatchString(k) {
		return validation(member, k, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return awserr.New(awserr.ValidationException, "Tag keys starting with 'aws:' are reserved for AWS use: %s", k)
	}
	return nil
}

// validateTags checks a tags map of a request.
func validateTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return validation("tags", fmt.Sprintf("map of %d tags", len(tags)), fmt.Sprintf("Member must have length less than or equal to %d", maxTags))
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if err := validateTagKey("tags", k); err != nil {
			return err
		}
		v := tags[k]
		if utf8.RuneCountInString(v) > 256 || !tagValuePattern.MatchString(v) {
			return validation("tags."+k, v, `Member must have length less than or equal to 256 and satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
	}
	return nil
}

// storeTags converts a request's tags to records, sorted by key.
func storeTags(tags map[string]string) []store.Tag {
	out := make([]store.Tag, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, store.Tag{Key: k, Value: tags[k]})
	}
	return out
}

// tagMap converts records to the wire map (never nil: IVS returns {}).
func tagMap(tags []store.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out
}

// mergeTags adds or replaces tags and enforces the quota.
func mergeTags(have []store.Tag, add map[string]string) ([]store.Tag, error) {
	m := tagMap(have)
	maps.Copy(m, add)
	if len(m) > maxTags {
		return nil, awserr.New(awserr.ValidationException, "Resource can have at most %d tags", maxTags)
	}
	return storeTags(m), nil
}

// removeTags drops the listed keys.
func removeTags(have []store.Tag, keys []string) []store.Tag {
	return slices.DeleteFunc(slices.Clone(have), func(t store.Tag) bool { return slices.Contains(keys, t.Key) })
}

// requestTagContext sets aws:RequestTag/… and aws:TagKeys for a request
// that carries tags, then extra.
func requestTagContext(tags map[string]string, extra func(*policy.Context)) func(*policy.Context) {
	if len(tags) == 0 {
		return extra
	}
	return func(pc *policy.Context) {
		keys := slices.Sorted(maps.Keys(tags))
		for _, k := range keys {
			pc.SetTag("aws:RequestTag/", k, tags[k])
		}
		pc.SetMulti("aws:TagKeys", keys)
		if extra != nil {
			extra(pc)
		}
	}
}

// resourceTagContext sets aws:ResourceTag/… from a resource's current tags
// (condition keys compare case-insensitively, so aws:ResourceTag/Owner
// matches a tag named owner), then extra.
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

// TagResourceInput is the input of TagResource.
type TagResourceInput struct {
	ResourceArn string            `json:"-" path:"resourceArn"`
	Tags        map[string]string `json:"tags"`
}

// Empty is the output of operations that return {}.
type Empty struct{}

// TagResource adds or replaces tags on a channel or stream key. Errors:
// ValidationException, ResourceNotFoundException, AccessDeniedException.
func (s *Service) TagResource(ctx context.Context, c *authz.Caller, in *TagResourceInput) (*Empty, error) {
	a, err := parseARN("resourceArn", in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, required("tags")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		return s.retag(ctx, tx, c, "TagResource", a, requestTagContext(in.Tags, nil), func(have []store.Tag) ([]store.Tag, error) {
			return mergeTags(have, in.Tags)
		})
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// UntagResourceInput is the input of UntagResource.
type UntagResourceInput struct {
	ResourceArn string   `json:"-" path:"resourceArn"`
	TagKeys     []string `json:"-" query:"tagKeys"`
}

// UntagResource removes tags by key. Errors: ValidationException,
// ResourceNotFoundException, AccessDeniedException.
func (s *Service) UntagResource(ctx context.Context, c *authz.Caller, in *UntagResourceInput) (*Empty, error) {
	a, err := parseARN("resourceArn", in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, required("tagKeys")
	}
	if len(in.TagKeys) > maxTags {
		return nil, validation("tagKeys", fmt.Sprintf("list of %d keys", len(in.TagKeys)), fmt.Sprintf("Member must have length less than or equal to %d", maxTags))
	}
	for _, k := range in.TagKeys {
		if err := validateTagKey("tagKeys", k); err != nil {
			return nil, err
		}
	}
	keys := in.TagKeys
	err = s.st.Update(ctx, func(tx store.Tx) error {
		return s.retag(ctx, tx, c, "UntagResource", a, func(pc *policy.Context) { pc.SetMulti("aws:TagKeys", keys) }, func(have []store.Tag) ([]store.Tag, error) {
			return removeTags(have, keys), nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListTagsForResourceInput is the input of ListTagsForResource.
type ListTagsForResourceInput struct {
	ResourceArn string `json:"-" path:"resourceArn"`
}

// ListTagsForResourceOutput is the output of ListTagsForResource.
type ListTagsForResourceOutput struct {
	Tags map[string]string `json:"tags"`
}

// ListTagsForResource returns a resource's tags. Errors:
// ValidationException, ResourceNotFoundException, AccessDeniedException.
func (s *Service) ListTagsForResource(ctx context.Context, c *authz.Caller, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	a, err := parseARN("resourceArn", in.ResourceArn)
	if err != nil {
		return nil, err
	}
	var tags []store.Tag
	err = s.st.View(ctx, func(tx store.Tx) error {
		tg, err := s.taggable(ctx, tx, c, a)
		if err != nil {
			if aerr := s.authorize(ctx, c, "ListTagsForResource", a.ARN, nil); aerr != nil {
				return aerr
			}
			return err
		}
		if err := s.authorize(ctx, c, "ListTagsForResource", a.ARN, resourceTagContext(tg.tags(), nil)); err != nil {
			return err
		}
		tags = tg.tags()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ListTagsForResourceOutput{Tags: tagMap(tags)}, nil
}

// taggableResource is a loaded resource whose tags can change.
type taggableResource struct {
	tags func() []store.Tag
	set  func([]store.Tag)
	save func() error
}

// taggable loads the resource an ARN names: a resource that does not
// exist, is another account's or region's, or is of a kind this server
// does not keep is ResourceNotFoundException. Callers check the caller's
// right to the action first, so that a caller who may not act on the
// resource learns nothing of it.
func (s *Service) taggable(ctx context.Context, tx store.Tx, c *authz.Caller, a resourceARN) (*taggableResource, error) {
	sc := scopeOf(c)
	if !a.in(sc) {
		return nil, notFound(a.Kind, a.ARN)
	}
	switch a.Kind {
	case kindChannel:
		ch, err := loadChannel(ctx, tx, sc, a)
		if err != nil {
			return nil, err
		}
		return &taggableResource{tags: func() []store.Tag { return ch.Tags }, set: func(t []store.Tag) { ch.Tags = t },
			save: func() error { return store.PutJSON(ctx, tx, sc.account, store.IVSChannelKey(sc.region, ch.ID), ch) }}, nil
	case kindStreamKey:
		k, err := loadStreamKey(ctx, tx, sc, a)
		if err != nil {
			return nil, err
		}
		return &taggableResource{tags: func() []store.Tag { return k.Tags }, set: func(t []store.Tag) { k.Tags = t },
			save: func() error { return store.PutJSON(ctx, tx, sc.account, store.IVSStreamKeyKey(sc.region, k.ID), k) }}, nil
	case kindPlaybackKey:
		return taggableRecord[store.PlaybackKeyPair](ctx, tx, sc, a, kindPlaybackKey, store.IVSPlaybackKeyKey,
			func(v *store.PlaybackKeyPair) *[]store.Tag { return &v.Tags })
	case kindRestrictionPolicy:
		return taggableRecord[store.PlaybackRestrictionPolicy](ctx, tx, sc, a, kindRestrictionPolicy, store.IVSRestrictionPolicyKey,
			func(v *store.PlaybackRestrictionPolicy) *[]store.Tag { return &v.Tags })
	case kindRecording:
		return taggableRecord[store.RecordingConfiguration](ctx, tx, sc, a, kindRecording, store.IVSRecordingKey,
			func(v *store.RecordingConfiguration) *[]store.Tag { return &v.Tags })
	}
	return nil, notFound(a.Kind, a.ARN)
}

// taggableRecord loads a regional record whose tags field tagsOf points
// at, for the tag operations.
func taggableRecord[T any](ctx context.Context, tx store.Tx, sc scope, a resourceARN, kind string, key func(region, id string) string, tagsOf func(*T) *[]store.Tag) (*taggableResource, error) {
	v, err := loadRecord[T](ctx, tx, sc, a, kind, key)
	if err != nil {
		return nil, err
	}
	tags := tagsOf(v)
	return &taggableResource{tags: func() []store.Tag { return *tags }, set: func(t []store.Tag) { *tags = t },
		save: func() error { return store.PutJSON(ctx, tx, sc.account, key(sc.region, a.ID), v) }}, nil
}

// retag authorizes action on the resource (with its current tags) and
// applies change to its tags.
func (s *Service) retag(ctx context.Context, tx store.Tx, c *authz.Caller, action string, a resourceARN, extra func(*policy.Context), change func([]store.Tag) ([]store.Tag, error)) error {
	tg, err := s.taggable(ctx, tx, c, a)
	if err != nil {
		if aerr := s.authorize(ctx, c, action, a.ARN, extra); aerr != nil {
			return aerr
		}
		return err
	}
	if err := s.authorize(ctx, c, action, a.ARN, resourceTagContext(tg.tags(), extra)); err != nil {
		return err
	}
	tags, err := change(tg.tags())
	if err != nil {
		return err
	}
	tg.set(tags)
	return tg.save()
}
