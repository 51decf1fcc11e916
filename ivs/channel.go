package ivs

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/media/playback"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Channel enums.
const (
	TypeBasic      = "BASIC"
	TypeStandard   = "STANDARD"
	TypeAdvancedSD = "ADVANCED_SD"
	TypeAdvancedHD = "ADVANCED_HD"

	LatencyLow    = "LOW"
	LatencyNormal = "NORMAL"

	PresetHigher      = "HIGHER_BANDWIDTH_DELIVERY"
	PresetConstrained = "CONSTRAINED_BANDWIDTH_DELIVERY"

	ContainerTS       = "TS"
	ContainerFMP4     = "FRAGMENTED_MP4"
	MultitrackAllow   = "ALLOW"
	MultitrackRequire = "REQUIRE"
)

// MultitrackInputConfiguration is the shape of a channel's multitrack
// input settings.
type MultitrackInputConfiguration struct {
	Enabled           bool   `json:"enabled"`
	Policy            string `json:"policy,omitempty"`
	MaximumResolution string `json:"maximumResolution,omitempty"`
}

// Channel is the Channel shape.
type Channel struct {
	Arn                          string                        `json:"arn"`
	Name                         string                        `json:"name"`
	LatencyMode                  string                        `json:"latencyMode"`
	Type                         string                        `json:"type"`
	RecordingConfigurationArn    string                        `json:"recordingConfigurationArn"`
	IngestEndpoint               string                        `json:"ingestEndpoint"`
	PlaybackURL                  string                        `json:"playbackUrl"`
	Authorized                   bool                          `json:"authorized"`
	Tags                         map[string]string             `json:"tags"`
	InsecureIngest               bool                          `json:"insecureIngest"`
	Preset                       string                        `json:"preset"`
	PlaybackRestrictionPolicyArn string                        `json:"playbackRestrictionPolicyArn"`
	MultitrackInputConfiguration *MultitrackInputConfiguration `json:"multitrackInputConfiguration,omitempty"`
	ContainerFormat              string                        `json:"containerFormat"`
	AdConfigurationArn           string                        `json:"adConfigurationArn"`
}

// ChannelSummary is the ChannelSummary shape of ListChannels.
type ChannelSummary struct {
	Arn                          string            `json:"arn"`
	Name                         string            `json:"name"`
	LatencyMode                  string            `json:"latencyMode"`
	Authorized                   bool              `json:"authorized"`
	RecordingConfigurationArn    string            `json:"recordingConfigurationArn"`
	Tags                         map[string]string `json:"tags"`
	InsecureIngest               bool              `json:"insecureIngest"`
	Type                         string            `json:"type"`
	Preset                       string            `json:"preset"`
	PlaybackRestrictionPolicyArn string            `json:"playbackRestrictionPolicyArn"`
	AdConfigurationArn           string            `json:"adConfigurationArn"`
}

// BatchError reports one item a batch operation could not return.
type BatchError struct {
	Arn     string `json:"arn"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Service) channelShape(ch *store.Channel) *Channel {
	out := &Channel{Arn: ch.ARN, Name: ch.Name, LatencyMode: ch.LatencyMode, Type: ch.Type,
		RecordingConfigurationArn: ch.RecordingConfigurationARN, IngestEndpoint: s.ep.Ingest,
		PlaybackURL: s.playbackURL(ch), Authorized: ch.Authorized, Tags: tagMap(ch.Tags),
		InsecureIngest: ch.InsecureIngest, Preset: ch.Preset, PlaybackRestrictionPolicyArn: ch.PlaybackRestrictionPolicyARN,
		ContainerFormat: ch.ContainerFormat, AdConfigurationArn: ch.AdConfigurationARN}
	if m := ch.Multitrack; m != nil {
		out.MultitrackInputConfiguration = &MultitrackInputConfiguration{Enabled: m.Enabled, Policy: m.Policy, MaximumResolution: m.MaximumResolution}
	}
	return out
}

func summaryShape(ch *store.Channel) ChannelSummary {
	return ChannelSummary{Arn: ch.ARN, Name: ch.Name, LatencyMode: ch.LatencyMode, Authorized: ch.Authorized,
		RecordingConfigurationArn: ch.RecordingConfigurationARN, Tags: tagMap(ch.Tags), InsecureIngest: ch.InsecureIngest,
		Type: ch.Type, Preset: ch.Preset, PlaybackRestrictionPolicyArn: ch.PlaybackRestrictionPolicyARN, AdConfigurationArn: ch.AdConfigurationARN}
}

// playbackURL is the channel's HLS multivariant playlist on this server.
func (s *Service) playbackURL(ch *store.Channel) string {
	acct := ch.ARN
	for range 4 { // arn:aws:ivs:region:account:channel/id
		_, acct, _ = strings.Cut(acct, ":")
	}
	acct, _, _ = strings.Cut(acct, ":")
	return s.ep.Playback + playback.MultivariantPath(ch.Region, acct, ch.ID)
}

// channelSettings are the settable fields of a channel, as Create and
// Update take them (nil: not given).
type channelSettings struct {
	Name                         *string                       `json:"name"`
	LatencyMode                  *string                       `json:"latencyMode"`
	Type                         *string                       `json:"type"`
	Authorized                   *bool                         `json:"authorized"`
	RecordingConfigurationArn    *string                       `json:"recordingConfigurationArn"`
	InsecureIngest               *bool                         `json:"insecureIngest"`
	Preset                       *string                       `json:"preset"`
	PlaybackRestrictionPolicyArn *string                       `json:"playbackRestrictionPolicyArn"`
	MultitrackInputConfiguration *MultitrackInputConfiguration `json:"multitrackInputConfiguration"`
	ContainerFormat              *string                       `json:"containerFormat"`
	AdConfigurationArn           *string                       `json:"adConfigurationArn"`
}

// validate checks each given member on its own.
func (in *channelSettings) validate() error {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	if err := validateName("name", str(in.Name)); err != nil {
		return err
	}
	checks := []error{
		validateEnum("latencyMode", str(in.LatencyMode), LatencyNormal, LatencyLow),
		validateEnum("type", str(in.Type), TypeBasic, TypeStandard, TypeAdvancedSD, TypeAdvancedHD),
		validateEnum("preset", str(in.Preset), PresetHigher, PresetConstrained),
		validateEnum("containerFormat", str(in.ContainerFormat), ContainerTS, ContainerFMP4),
		optionalARN("recordingConfigurationArn", str(in.RecordingConfigurationArn), "recording-configuration"),
		optionalARN("playbackRestrictionPolicyArn", str(in.PlaybackRestrictionPolicyArn), "playback-restriction-policy"),
		optionalARN("adConfigurationArn", str(in.AdConfigurationArn), "ad-configuration"),
	}
	if m := in.MultitrackInputConfiguration; m != nil {
		checks = append(checks,
			validateEnum("multitrackInputConfiguration.policy", m.Policy, MultitrackAllow, MultitrackRequire),
			validateEnum("multitrackInputConfiguration.maximumResolution", m.MaximumResolution, "SD", "HD", "FULL_HD"))
	}
	return firstError(checks)
}

func firstError(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// apply sets the given members on ch; empty enums mean the default.
func (in *channelSettings) apply(ch *store.Channel) {
	set := func(dst *string, p *string, def string) {
		if p != nil {
			*dst = *p
			if *dst == "" {
				*dst = def
			}
		}
	}
	set(&ch.Name, in.Name, "")
	set(&ch.LatencyMode, in.LatencyMode, LatencyLow)
	typeChanged := in.Type != nil && *in.Type != "" && *in.Type != ch.Type
	set(&ch.Type, in.Type, TypeStandard)
	if in.Authorized != nil {
		ch.Authorized = *in.Authorized
	}
	if in.InsecureIngest != nil {
		ch.InsecureIngest = *in.InsecureIngest
	}
	set(&ch.RecordingConfigurationARN, in.RecordingConfigurationArn, "")
	set(&ch.PlaybackRestrictionPolicyARN, in.PlaybackRestrictionPolicyArn, "")
	set(&ch.AdConfigurationARN, in.AdConfigurationArn, "")
	set(&ch.ContainerFormat, in.ContainerFormat, ContainerTS)
	if typeChanged && in.Preset == nil {
		ch.Preset = ""
	}
	set(&ch.Preset, in.Preset, "")
	if isAdvanced(ch.Type) && ch.Preset == "" {
		ch.Preset = PresetHigher
	}
	if m := in.MultitrackInputConfiguration; m != nil {
		ch.Multitrack = &store.Multitrack{Enabled: m.Enabled, Policy: m.Policy, MaximumResolution: m.MaximumResolution}
	}
}

func isAdvanced(t string) bool { return t == TypeAdvancedSD || t == TypeAdvancedHD }

// checkChannel checks the rules that tie a channel's settings together.
func checkChannel(ch *store.Channel) error {
	if ch.Preset != "" && !isAdvanced(ch.Type) {
		return awserr.New(awserr.ValidationException, "preset may be set only for channels of type ADVANCED_SD or ADVANCED_HD")
	}
	if m := ch.Multitrack; m != nil && m.Enabled {
		if ch.Type != TypeStandard {
			return awserr.New(awserr.ValidationException, "multitrackInputConfiguration may be enabled only for channels of type STANDARD")
		}
		if m.Policy == "" || m.MaximumResolution == "" {
			return awserr.New(awserr.ValidationException, "multitrackInputConfiguration requires policy and maximumResolution when enabled")
		}
		if ch.ContainerFormat != ContainerFMP4 {
			return awserr.New(awserr.ValidationException, "multitrackInputConfiguration requires containerFormat FRAGMENTED_MP4 when enabled")
		}
	}
	return nil
}

// channelCountKey holds the number of channels of a region.
func channelCountKey(region string) string { return "ivs/" + region + "/count/channel" }

// CreateChannelInput is the input of CreateChannel.
type CreateChannelInput struct {
	channelSettings
	Tags map[string]string `json:"tags"`
}

// CreateChannelOutput is the output of CreateChannel.
type CreateChannelOutput struct {
	Channel   *Channel   `json:"channel"`
	StreamKey *StreamKey `json:"streamKey"`
}

// CreateChannel creates a channel and its stream key in one transaction.
// The caller needs ivs:CreateChannel on both new ARNs, and ivs:TagResource
// on the channel when tags are given. Errors: ValidationException,
// ResourceNotFoundException (linked resources), AccessDeniedException,
// ServiceQuotaExceededException.
func (s *Service) CreateChannel(ctx context.Context, c *authz.Caller, in *CreateChannelInput) (*CreateChannelOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	ch := &store.Channel{ID: newID(), Region: sc.region, CreatedAt: s.now().UTC(), Tags: storeTags(in.Tags)}
	ch.ARN = sc.arn(kindChannel, ch.ID)
	ch.LatencyMode, ch.Type, ch.ContainerFormat = LatencyLow, TypeStandard, ContainerTS
	in.apply(ch)
	if err := checkChannel(ch); err != nil {
		return nil, err
	}
	key, value := s.newStreamKey(sc, ch, nil)

	reqTags := requestTagContext(in.Tags, nil)
	if err := s.authorize(ctx, c, "CreateChannel", ch.ARN, reqTags); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "CreateChannel", key.ARN, reqTags); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.authorize(ctx, c, "TagResource", ch.ARN, reqTags); err != nil {
			return nil, err
		}
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := linkedResources(ctx, tx, sc, ch); err != nil {
			return err
		}
		if err := s.countChannel(ctx, tx, sc, +1); err != nil {
			return err
		}
		if err := store.CreateJSON(ctx, tx, sc.account, store.IVSChannelKey(sc.region, ch.ID), ch); err != nil {
			return err
		}
		return s.putStreamKey(ctx, tx, sc, key)
	})
	if err != nil {
		return nil, err
	}
	return &CreateChannelOutput{Channel: s.channelShape(ch), StreamKey: streamKeyShape(key, value)}, nil
}

// countChannel adds delta to the region's channel count, enforcing the
// quota on growth.
func (s *Service) countChannel(ctx context.Context, tx store.Tx, sc scope, delta int) error {
	n := 0
	b, err := tx.Get(ctx, sc.account, channelCountKey(sc.region))
	switch {
	case err == nil:
		n, _ = strconv.Atoi(string(b))
	case !isNotFound(err):
		return err
	}
	if delta > 0 && n+delta > s.limits.ChannelsPerRegion {
		return awserr.New(awserr.ServiceQuotaExceededException, "Request would exceed the quota of %d channels per region", s.limits.ChannelsPerRegion)
	}
	return tx.Put(ctx, sc.account, channelCountKey(sc.region), []byte(strconv.Itoa(max(n+delta, 0))))
}

// loadChannel reads a channel of the scope.
func loadChannel(ctx context.Context, tx store.Tx, sc scope, a resourceARN) (*store.Channel, error) {
	return readChannel(sc, a, func(account, key string) (*store.Channel, error) {
		var ch store.Channel
		return &ch, store.GetJSON(ctx, tx, account, key, &ch)
	})
}

// readChannel reads a channel with get, which reads a record.
func readChannel(sc scope, a resourceARN, get func(account, key string) (*store.Channel, error)) (*store.Channel, error) {
	if !a.in(sc) || a.Kind != kindChannel {
		return nil, notFound(kindChannel, a.ARN)
	}
	ch, err := get(sc.account, store.IVSChannelKey(sc.region, a.ID))
	if isNotFound(err) {
		return nil, notFound(kindChannel, a.ARN)
	}
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// authorizedChannel loads a channel and authorizes action on it with its
// tags as aws:ResourceTag. A caller who may not act on a channel that does
// not exist gets AccessDeniedException, not ResourceNotFoundException.
func (s *Service) authorizedChannel(ctx context.Context, tx store.Tx, c *authz.Caller, action string, a resourceARN) (*store.Channel, error) {
	ch, err := loadChannel(ctx, tx, scopeOf(c), a)
	return s.authorizeChannel(ctx, c, action, a, ch, err)
}

// authorizeChannel authorizes action on a channel read as ch, or whose
// read failed with err, as authorizedChannel does.
func (s *Service) authorizeChannel(ctx context.Context, c *authz.Caller, action string, a resourceARN, ch *store.Channel, err error) (*store.Channel, error) {
	if err != nil {
		if aerr := s.authorize(ctx, c, action, a.ARN, nil); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if err := s.authorize(ctx, c, action, ch.ARN, resourceTagContext(ch.Tags, nil)); err != nil {
		return nil, err
	}
	return ch, nil
}

// ARNInput is the input of operations that take one resource ARN.
type ARNInput struct {
	Arn string `json:"arn"`
}

// GetChannelOutput is the output of GetChannel, which hands every caller
// the same output for a stored version of a channel (channelOutput): read
// only.
type GetChannelOutput struct {
	Channel *Channel `json:"channel"`
	// encoded is the output as the protocol codec wrote it first
	// (restjson.SharedResult).
	encoded atomic.Pointer[[]byte]
}

// EncodedResult returns the output's encoding as kept by
// KeepEncodedResult, or nil.
func (o *GetChannelOutput) EncodedResult() []byte {
	if p := o.encoded.Load(); p != nil {
		return *p
	}
	return nil
}

// KeepEncodedResult keeps the output's encoding, for the requests that
// read the same version of the channel after this one.
func (o *GetChannelOutput) KeepEncodedResult(b []byte) { o.encoded.Store(&b) }

// maxSharedOutputs bounds the GetChannel outputs a Service keeps, a
// kilobyte or two each with their encoding.
const maxSharedOutputs = 10_000

// channelOutput returns GetChannel's output for ch: the one made for the
// same decoded value before, if there is one, so that reads of an
// unchanged channel neither shape nor encode it again. The store's cache
// hands every reader of a stored version the same value, so the same
// pointer means the same channel (and the map's key keeps it from being
// freed and its address reused); a value read past the cache is new each
// time and gets a new output.
func (s *Service) channelOutput(ch *store.Channel) *GetChannelOutput {
	if out, ok := s.outputs.Load(ch); ok {
		return out
	}
	out := &GetChannelOutput{Channel: s.channelShape(ch)}
	s.outputs.Store(ch, out)
	return out
}

// GetChannel returns a channel. Errors: ValidationException,
// ResourceNotFoundException, AccessDeniedException.
func (s *Service) GetChannel(ctx context.Context, c *authz.Caller, in *ARNInput) (*GetChannelOutput, error) {
	a, err := parseARN("arn", in.Arn, kindChannel)
	if err != nil {
		return nil, err
	}
	// One read on its own, which the server's record cache serves, decoded
	// once for every reader: nothing below modifies the channel.
	ch, err := readChannel(scopeOf(c), a, func(account, key string) (*store.Channel, error) {
		return store.ReadShared[store.Channel](ctx, s.st, account, key)
	})
	if ch, err = s.authorizeChannel(ctx, c, "GetChannel", a, ch, err); err != nil {
		return nil, err
	}
	return s.channelOutput(ch), nil
}

// BatchGetInput is the input of the BatchGet operations.
type BatchGetInput struct {
	Arns []string `json:"arns"`
}

// BatchGetChannelOutput is the output of BatchGetChannel.
type BatchGetChannelOutput struct {
	Channels []*Channel   `json:"channels"`
	Errors   []BatchError `json:"errors"`
}

// validateBatch checks the arns of a BatchGet operation.
func validateBatch(arns []string, kind string) ([]resourceARN, error) {
	if arns == nil {
		return nil, required("arns")
	}
	if len(arns) < 1 || len(arns) > 50 {
		return nil, validation("arns", strconv.Itoa(len(arns))+" ARNs", "Member must have length less than or equal to 50 and greater than or equal to 1")
	}
	out := make([]resourceARN, len(arns))
	for i, v := range arns {
		a, err := parseARN("arns."+strconv.Itoa(i+1)+".member", v, kind)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// batchError turns an item's failure into its BatchError, or returns the
// error when it is not the item's own (a store failure fails the call).
func batchError(arn string, err error) (BatchError, error) {
	var ae *awserr.Error
	if errors.As(err, &ae) && !ae.Server {
		return BatchError{Arn: arn, Code: ae.Code, Message: ae.Message}, nil
	}
	return BatchError{}, err
}

// BatchGetChannel returns up to 50 channels. Each is authorized on its
// own: a missing or forbidden channel is reported in errors. Errors:
// ValidationException.
func (s *Service) BatchGetChannel(ctx context.Context, c *authz.Caller, in *BatchGetInput) (*BatchGetChannelOutput, error) {
	arns, err := validateBatch(in.Arns, kindChannel)
	if err != nil {
		return nil, err
	}
	out := &BatchGetChannelOutput{Channels: []*Channel{}, Errors: []BatchError{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		seen := map[string]bool{}
		for _, a := range arns {
			if seen[a.ARN] {
				continue
			}
			seen[a.ARN] = true
			ch, err := s.authorizedChannel(ctx, tx, c, "BatchGetChannel", a)
			if err != nil {
				be, err := batchError(a.ARN, err)
				if err != nil {
					return err
				}
				out.Errors = append(out.Errors, be)
				continue
			}
			out.Channels = append(out.Channels, s.channelShape(ch))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListChannelsInput is the input of ListChannels.
type ListChannelsInput struct {
	FilterByName                         string `json:"filterByName"`
	FilterByRecordingConfigurationArn    string `json:"filterByRecordingConfigurationArn"`
	FilterByPlaybackRestrictionPolicyArn string `json:"filterByPlaybackRestrictionPolicyArn"`
	FilterByAdConfigurationArn           string `json:"filterByAdConfigurationArn"`
	NextToken                            string `json:"nextToken"`
	MaxResults                           *int   `json:"maxResults"`
}

// ListChannelsOutput is the output of ListChannels.
type ListChannelsOutput struct {
	Channels  []ChannelSummary `json:"channels"`
	NextToken string           `json:"nextToken,omitempty"`
}

// ListChannels lists the channels of the caller's account and region,
// optionally filtered (by at most one filter). It is one decision on the
// wildcard ARN …:channel/*. Errors: ValidationException,
// ConflictException (two filters), AccessDeniedException.
func (s *Service) ListChannels(ctx context.Context, c *authz.Caller, in *ListChannelsInput) (*ListChannelsOutput, error) {
	if err := validateName("filterByName", in.FilterByName); err != nil {
		return nil, err
	}
	filters := 0
	for _, f := range []struct{ member, value, kind string }{
		{"filterByRecordingConfigurationArn", in.FilterByRecordingConfigurationArn, "recording-configuration"},
		{"filterByPlaybackRestrictionPolicyArn", in.FilterByPlaybackRestrictionPolicyArn, "playback-restriction-policy"},
		{"filterByAdConfigurationArn", in.FilterByAdConfigurationArn, "ad-configuration"},
	} {
		if err := optionalARN(f.member, f.value, f.kind); err != nil {
			return nil, err
		}
		if f.value != "" {
			filters++
		}
	}
	if in.FilterByName != "" {
		filters++
	}
	if filters > 1 {
		return nil, awserr.New(awserr.ConflictException, "Only one filter may be given")
	}
	limit, after, err := pageArgs(in.MaxResults, 100, 100, in.NextToken)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	if err := s.authorize(ctx, c, "ListChannels", sc.arn(kindChannel, "*"), nil); err != nil {
		return nil, err
	}
	keep := func(ch *store.Channel) bool {
		switch {
		case in.FilterByName != "":
			return ch.Name == in.FilterByName
		case in.FilterByRecordingConfigurationArn != "":
			return ch.RecordingConfigurationARN == in.FilterByRecordingConfigurationArn
		case in.FilterByPlaybackRestrictionPolicyArn != "":
			return ch.PlaybackRestrictionPolicyARN == in.FilterByPlaybackRestrictionPolicyArn
		case in.FilterByAdConfigurationArn != "":
			return ch.AdConfigurationARN == in.FilterByAdConfigurationArn
		}
		return true
	}
	out := &ListChannelsOutput{Channels: []ChannelSummary{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		chans, next, err := page(ctx, tx, sc.account, store.IVSChannelPrefix(sc.region), after, limit, keep, s.channels)
		for i := range chans {
			out.Channels = append(out.Channels, summaryShape(&chans[i]))
		}
		out.NextToken = next
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// page lists the records of T under prefix after the key after, keeping
// those keep accepts, at most limit of them; it returns the next page's
// token, "" when there is none. With a memo, records listed before with
// the same bytes are not decoded again (see store.ListShared).
func page[T any](ctx context.Context, tx store.Tx, account, prefix, after string, limit int, keep func(*T) bool, memo *store.Memo[T]) ([]T, string, error) {
	if after != "" && !strings.HasPrefix(after, prefix) {
		return nil, "", awserr.New(awserr.ValidationException, "The nextToken is not valid.")
	}
	out := make([]T, 0)
	lastKept := after
	for {
		batch, keys, err := store.ListShared(ctx, tx, account, prefix, after, limit+1, memo)
		if err != nil {
			return nil, "", err
		}
		for i := range batch {
			after = keys[i]
			if !keep(&batch[i]) {
				continue
			}
			if len(out) == limit {
				return out, encodeToken(lastKept), nil
			}
			out = append(out, batch[i])
			lastKept = keys[i]
		}
		if len(batch) < limit+1 {
			return out, "", nil
		}
	}
}

// UpdateChannelOutput is the output of UpdateChannel: the channel as
// changed.
type UpdateChannelOutput struct {
	Channel *Channel `json:"channel"`
}

// UpdateChannelInput is the input of UpdateChannel.
type UpdateChannelInput struct {
	channelSettings
	Arn string `json:"arn"`
}

// UpdateChannel changes the given settings of a channel. Errors:
// ValidationException, ResourceNotFoundException, AccessDeniedException,
// ConflictException (live channel).
func (s *Service) UpdateChannel(ctx context.Context, c *authz.Caller, in *UpdateChannelInput) (*UpdateChannelOutput, error) {
	a, err := parseARN("arn", in.Arn, kindChannel)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	var ch *store.Channel
	err = s.st.Update(ctx, func(tx store.Tx) error {
		ch, err = s.authorizedChannel(ctx, tx, c, "UpdateChannel", a)
		if err != nil {
			return err
		}
		if live, err := isLive(ctx, tx, sc, ch); err != nil {
			return err
		} else if live {
			return awserr.New(awserr.ConflictException, "Channel is live and cannot be updated: %s", ch.ARN)
		}
		in.apply(ch)
		if err := checkChannel(ch); err != nil {
			return err
		}
		if err := linkedResources(ctx, tx, sc, ch); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, sc.account, store.IVSChannelKey(sc.region, ch.ID), ch)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateChannelOutput{Channel: s.channelShape(ch)}, nil
}

// isLive reports whether a stream is live on the channel: whether the
// channel has a live-stream record (written by the ingest).
func isLive(ctx context.Context, tx store.Tx, sc scope, ch *store.Channel) (bool, error) {
	_, err := tx.Get(ctx, sc.account, store.IVSLiveKey(sc.region, ch.ID))
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// DeleteChannel deletes a channel, its stream keys and its past stream
// sessions, timed metadata and viewer revocations; the caller needs
// ivs:DeleteChannel on the channel and on each of its keys. Errors:
// ValidationException, ResourceNotFoundException, AccessDeniedException,
// ConflictException (live channel).
func (s *Service) DeleteChannel(ctx context.Context, c *authz.Caller, in *ARNInput) (*Empty, error) {
	a, err := parseARN("arn", in.Arn, kindChannel)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		ch, err := s.authorizedChannel(ctx, tx, c, "DeleteChannel", a)
		if err != nil {
			return err
		}
		keys, err := channelKeys(ctx, tx, sc, ch.ID)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := s.authorize(ctx, c, "DeleteChannel", k.ARN, resourceTagContext(k.Tags, nil)); err != nil {
				return err
			}
		}
		if live, err := isLive(ctx, tx, sc, ch); err != nil {
			return err
		} else if live {
			return awserr.New(awserr.ConflictException, "Channel is live and cannot be deleted: %s", ch.ARN)
		}
		for i := range keys {
			if err := deleteStreamKey(ctx, tx, sc, &keys[i]); err != nil {
				return err
			}
		}
		if err := deleteStreamRecords(ctx, tx, sc, ch.ID); err != nil {
			return err
		}
		if err := tx.Delete(ctx, sc.account, store.IVSChannelKey(sc.region, ch.ID)); err != nil {
			return err
		}
		return s.countChannel(ctx, tx, sc, -1)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
