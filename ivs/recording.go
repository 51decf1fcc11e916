package ivs

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/store"
)

// RecordingConfigurationsPerRegion is the quota of recording
// configurations of an account in a region.
const RecordingConfigurationsPerRegion = 20

// Recording configuration states.
const RecordingStateActive = "ACTIVE"

// S3DestinationConfiguration is the S3DestinationConfiguration shape.
type S3DestinationConfiguration struct {
	BucketName *string `json:"bucketName"`
}

// DestinationConfiguration is the DestinationConfiguration shape.
type DestinationConfiguration struct {
	S3 *S3DestinationConfiguration `json:"s3"`
}

// ThumbnailConfiguration is the ThumbnailConfiguration shape.
type ThumbnailConfiguration struct {
	RecordingMode         string   `json:"recordingMode,omitempty"`
	TargetIntervalSeconds *int64   `json:"targetIntervalSeconds,omitempty"`
	Resolution            string   `json:"resolution,omitempty"`
	Storage               []string `json:"storage,omitempty"`
}

// RenditionConfiguration is the RenditionConfiguration shape.
type RenditionConfiguration struct {
	RenditionSelection string   `json:"renditionSelection,omitempty"`
	Renditions         []string `json:"renditions"`
}

// RecordingConfiguration is the RecordingConfiguration shape.
type RecordingConfiguration struct {
	Arn                             string                   `json:"arn"`
	Name                            string                   `json:"name"`
	DestinationConfiguration        DestinationConfiguration `json:"destinationConfiguration"`
	State                           string                   `json:"state"`
	Tags                            map[string]string        `json:"tags"`
	ThumbnailConfiguration          *ThumbnailConfiguration  `json:"thumbnailConfiguration"`
	RecordingReconnectWindowSeconds int                      `json:"recordingReconnectWindowSeconds"`
	RenditionConfiguration          *RenditionConfiguration  `json:"renditionConfiguration"`
}

// RecordingConfigurationSummary is the RecordingConfigurationSummary shape.
type RecordingConfigurationSummary struct {
	Arn                      string                   `json:"arn"`
	Name                     string                   `json:"name"`
	DestinationConfiguration DestinationConfiguration `json:"destinationConfiguration"`
	State                    string                   `json:"state"`
	Tags                     map[string]string        `json:"tags"`
}

func destinationShape(r *store.RecordingConfiguration) DestinationConfiguration {
	b := r.BucketName
	return DestinationConfiguration{S3: &S3DestinationConfiguration{BucketName: &b}}
}

func recordingShape(r *store.RecordingConfiguration) *RecordingConfiguration {
	iv := r.Thumbnail.TargetIntervalSeconds
	return &RecordingConfiguration{Arn: r.ARN, Name: r.Name, DestinationConfiguration: destinationShape(r), State: r.State, Tags: tagMap(r.Tags),
		ThumbnailConfiguration: &ThumbnailConfiguration{RecordingMode: r.Thumbnail.RecordingMode, TargetIntervalSeconds: &iv,
			Resolution: r.Thumbnail.Resolution, Storage: nonNil(r.Thumbnail.Storage)},
		RecordingReconnectWindowSeconds: r.RecordingReconnectWindowSeconds,
		RenditionConfiguration:          &RenditionConfiguration{RenditionSelection: r.Rendition.RenditionSelection, Renditions: nonNil(r.Rendition.Renditions)}}
}

func recordingTags(r *store.RecordingConfiguration) []store.Tag { return r.Tags }

var bucketPattern = regexp.MustCompile(`^[a-z0-9-.]+$`)

// Thumbnail and rendition enums.
var (
	thumbnailModes     = []string{"DISABLED", "INTERVAL"}
	resolutions        = []string{"SD", "HD", "FULL_HD", "LOWEST_RESOLUTION"}
	thumbnailStorages  = []string{"SEQUENTIAL", "LATEST"}
	renditionSelection = []string{"ALL", "NONE", "CUSTOM"}
)

// CreateRecordingConfigurationInput is the input of
// CreateRecordingConfiguration.
type CreateRecordingConfigurationInput struct {
	Name                            string                    `json:"name"`
	DestinationConfiguration        *DestinationConfiguration `json:"destinationConfiguration"`
	Tags                            map[string]string         `json:"tags"`
	ThumbnailConfiguration          *ThumbnailConfiguration   `json:"thumbnailConfiguration"`
	RecordingReconnectWindowSeconds *int                      `json:"recordingReconnectWindowSeconds"`
	RenditionConfiguration          *RenditionConfiguration   `json:"renditionConfiguration"`
}

// record validates the input and returns the configuration it describes,
// with the service's defaults: thumbnails every 60 s (INTERVAL,
// SEQUENTIAL, source resolution), all renditions, no reconnect window.
func (in *CreateRecordingConfigurationInput) record() (*store.RecordingConfiguration, error) {
	if err := validateName("name", in.Name); err != nil {
		return nil, err
	}
	if in.DestinationConfiguration == nil {
		return nil, required("destinationConfiguration")
	}
	if in.DestinationConfiguration.S3 == nil {
		return nil, awserr.New(awserr.ValidationException, "destinationConfiguration must specify s3")
	}
	b := in.DestinationConfiguration.S3.BucketName
	if b == nil {
		return nil, required("destinationConfiguration.s3.bucketName")
	}
	const bm = "destinationConfiguration.s3.bucketName"
	switch {
	case len(*b) < 3:
		return nil, validation(bm, *b, "Member must have length greater than or equal to 3")
	case len(*b) > 63:
		return nil, validation(bm, *b, "Member must have length less than or equal to 63")
	case !bucketPattern.MatchString(*b):
		return nil, validation(bm, *b, "Member must satisfy regular expression pattern: [a-z0-9-.]+")
	}
	r := &store.RecordingConfiguration{Name: in.Name, BucketName: *b, State: RecordingStateActive,
		Thumbnail: store.RecThumbnail{RecordingMode: "INTERVAL", TargetIntervalSeconds: 60, Storage: []string{"SEQUENTIAL"}},
		Rendition: store.RecRendition{RenditionSelection: "ALL", Renditions: []string{}}}
	if w := in.RecordingReconnectWindowSeconds; w != nil {
		if *w < 0 || *w > 300 {
			return nil, validation("recordingReconnectWindowSeconds", strconv.Itoa(*w), "Member must have value less than or equal to 300 and greater than or equal to 0")
		}
		r.RecordingReconnectWindowSeconds = *w
	}
	if t := in.ThumbnailConfiguration; t != nil {
		if err := validateEnum("thumbnailConfiguration.recordingMode", t.RecordingMode, thumbnailModes...); err != nil {
			return nil, err
		}
		if err := validateEnum("thumbnailConfiguration.resolution", t.Resolution, resolutions...); err != nil {
			return nil, err
		}
		for i, st := range t.Storage {
			if err := validateEnum(fmt.Sprintf("thumbnailConfiguration.storage.%d.member", i+1), st, thumbnailStorages...); err != nil {
				return nil, err
			}
			if st == "" {
				return nil, validation(fmt.Sprintf("thumbnailConfiguration.storage.%d.member", i+1), st, fmt.Sprintf("Member must satisfy enum value set: %v", thumbnailStorages))
			}
		}
		if t.RecordingMode != "" {
			r.Thumbnail.RecordingMode = t.RecordingMode
		}
		if iv := t.TargetIntervalSeconds; iv != nil {
			if *iv < 1 || *iv > 60 {
				return nil, validation("thumbnailConfiguration.targetIntervalSeconds", strconv.FormatInt(*iv, 10), "Member must have value less than or equal to 60 and greater than or equal to 1")
			}
			r.Thumbnail.TargetIntervalSeconds = *iv
		}
		r.Thumbnail.Resolution = t.Resolution
		if t.Storage != nil {
			r.Thumbnail.Storage = t.Storage
		}
	}
	if rc := in.RenditionConfiguration; rc != nil {
		if err := validateEnum("renditionConfiguration.renditionSelection", rc.RenditionSelection, renditionSelection...); err != nil {
			return nil, err
		}
		for i, rd := range rc.Renditions {
			m := fmt.Sprintf("renditionConfiguration.renditions.%d.member", i+1)
			if err := validateEnum(m, rd, resolutions...); err != nil {
				return nil, err
			}
			if rd == "" {
				return nil, validation(m, rd, fmt.Sprintf("Member must satisfy enum value set: %v", resolutions))
			}
		}
		if rc.RenditionSelection != "" {
			r.Rendition.RenditionSelection = rc.RenditionSelection
		}
		r.Rendition.Renditions = nonNil(rc.Renditions)
		switch {
		case r.Rendition.RenditionSelection == "CUSTOM" && len(r.Rendition.Renditions) == 0:
			return nil, awserr.New(awserr.ValidationException, "renditionConfiguration.renditions must be given when renditionSelection is CUSTOM")
		case r.Rendition.RenditionSelection != "CUSTOM" && len(r.Rendition.Renditions) > 0:
			return nil, awserr.New(awserr.ValidationException, "renditionConfiguration.renditions may be given only when renditionSelection is CUSTOM")
		}
	}
	return r, nil
}

// RecordingConfigurationOutput is the output of
// CreateRecordingConfiguration and GetRecordingConfiguration.
type RecordingConfigurationOutput struct {
	RecordingConfiguration *RecordingConfiguration `json:"recordingConfiguration"`
}

// CreateRecordingConfiguration stores a recording configuration (no
// recording is made; it is ACTIVE at once). The caller needs
// ivs:CreateRecordingConfiguration on the new ARN (and ivs:TagResource when
// tags are given). Errors: ValidationException, AccessDeniedException,
// ServiceQuotaExceededException.
func (s *Service) CreateRecordingConfiguration(ctx context.Context, c *authz.Caller, in *CreateRecordingConfigurationInput) (*RecordingConfigurationOutput, error) {
	r, err := in.record()
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	r.ID, r.Tags, r.CreatedAt = newID(), storeTags(in.Tags), s.now().UTC()
	r.ARN = sc.arn(kindRecording, r.ID)
	if err := s.authorizeCreate(ctx, c, "CreateRecordingConfiguration", r.ARN, in.Tags); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		have, err := tx.List(ctx, sc.account, store.IVSRecordingPrefix(sc.region), "", 0)
		if err != nil {
			return err
		}
		if len(have) >= RecordingConfigurationsPerRegion {
			return awserr.New(awserr.ServiceQuotaExceededException, "Request would exceed the quota of %d recording configurations per region", RecordingConfigurationsPerRegion)
		}
		return store.CreateJSON(ctx, tx, sc.account, store.IVSRecordingKey(sc.region, r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &RecordingConfigurationOutput{RecordingConfiguration: recordingShape(r)}, nil
}

// GetRecordingConfiguration returns a recording configuration. Errors:
// ValidationException, ResourceNotFoundException, AccessDeniedException.
func (s *Service) GetRecordingConfiguration(ctx context.Context, c *authz.Caller, in *ARNInput) (*RecordingConfigurationOutput, error) {
	v, err := getRecord(ctx, s, c, "GetRecordingConfiguration", in.Arn, kindRecording, store.IVSRecordingKey, recordingTags)
	if err != nil {
		return nil, err
	}
	return &RecordingConfigurationOutput{RecordingConfiguration: recordingShape(v)}, nil
}

// ListRecordingConfigurationsOutput is the output of
// ListRecordingConfigurations.
type ListRecordingConfigurationsOutput struct {
	RecordingConfigurations []RecordingConfigurationSummary `json:"recordingConfigurations"`
	NextToken               string                          `json:"nextToken,omitempty"`
}

// ListRecordingConfigurations lists the recording configurations of the
// caller's account and region: one decision on
// …:recording-configuration/*. Errors: ValidationException,
// AccessDeniedException.
func (s *Service) ListRecordingConfigurations(ctx context.Context, c *authz.Caller, in *ListInput) (*ListRecordingConfigurationsOutput, error) {
	limit, after, err := pageArgs(in.MaxResults, 100, RecordingConfigurationsPerRegion, in.NextToken)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	if err := s.authorize(ctx, c, "ListRecordingConfigurations", sc.arn(kindRecording, "*"), nil); err != nil {
		return nil, err
	}
	out := &ListRecordingConfigurationsOutput{RecordingConfigurations: []RecordingConfigurationSummary{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		rs, next, err := page(ctx, tx, sc.account, store.IVSRecordingPrefix(sc.region), after, limit, func(*store.RecordingConfiguration) bool { return true }, nil)
		for i := range rs {
			r := &rs[i]
			out.RecordingConfigurations = append(out.RecordingConfigurations, RecordingConfigurationSummary{Arn: r.ARN, Name: r.Name,
				DestinationConfiguration: destinationShape(r), State: r.State, Tags: tagMap(r.Tags)})
		}
		out.NextToken = next
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRecordingConfiguration deletes a recording configuration no
// channel uses. Errors: ValidationException, ResourceNotFoundException,
// AccessDeniedException, ConflictException (a channel uses it).
func (s *Service) DeleteRecordingConfiguration(ctx context.Context, c *authz.Caller, in *ARNInput) (*Empty, error) {
	a, err := parseARN("arn", in.Arn, kindRecording)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := authorizedRecord(ctx, s, tx, c, "DeleteRecordingConfiguration", a, kindRecording, store.IVSRecordingKey, recordingTags)
		if err != nil {
			return err
		}
		user, err := channelUsing(ctx, tx, sc, func(ch *store.Channel) bool { return ch.RecordingConfigurationARN == r.ARN })
		if err != nil {
			return err
		}
		if user != "" {
			return awserr.New(awserr.ConflictException, "Recording configuration %s is in use by channel %s", r.ARN, user)
		}
		return tx.Delete(ctx, sc.account, store.IVSRecordingKey(sc.region, r.ID))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
