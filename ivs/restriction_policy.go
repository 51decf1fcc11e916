package ivs

import (
	"context"
	"regexp"
	"strconv"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/store"
)

// PlaybackRestrictionPolicy is the PlaybackRestrictionPolicy shape (also
// its summary, which has the same members).
type PlaybackRestrictionPolicy struct {
	Arn                           string            `json:"arn"`
	AllowedCountries              []string          `json:"allowedCountries"`
	AllowedOrigins                []string          `json:"allowedOrigins"`
	EnableStrictOriginEnforcement bool              `json:"enableStrictOriginEnforcement"`
	Name                          string            `json:"name"`
	Tags                          map[string]string `json:"tags"`
}

func policyShape(p *store.PlaybackRestrictionPolicy) *PlaybackRestrictionPolicy {
	return &PlaybackRestrictionPolicy{Arn: p.ARN, AllowedCountries: nonNil(p.AllowedCountries), AllowedOrigins: nonNil(p.AllowedOrigins),
		EnableStrictOriginEnforcement: p.EnableStrictOriginEnforcement, Name: p.Name, Tags: tagMap(p.Tags)}
}

func policyTags(p *store.PlaybackRestrictionPolicy) []store.Tag { return p.Tags }

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// validateCountries checks allowedCountries: ISO 3166-1 alpha-2 codes, or
// "*" for all countries.
func validateCountries(v []string) error {
	for i, c := range v {
		if c != "*" && !countryPattern.MatchString(c) {
			return validation("allowedCountries."+strconv.Itoa(i+1)+".member", c, "Member must be an ISO 3166-1 alpha-2 country code (two upper-case letters) or *")
		}
	}
	return nil
}

// validateOrigins checks allowedOrigins (each 0..128 characters).
func validateOrigins(v []string) error {
	for i, o := range v {
		if len(o) > 128 {
			return validation("allowedOrigins."+strconv.Itoa(i+1)+".member", o, "Member must have length less than or equal to 128")
		}
	}
	return nil
}

// CreatePlaybackRestrictionPolicyInput is the input of
// CreatePlaybackRestrictionPolicy.
type CreatePlaybackRestrictionPolicyInput struct {
	AllowedCountries              []string          `json:"allowedCountries"`
	AllowedOrigins                []string          `json:"allowedOrigins"`
	EnableStrictOriginEnforcement bool              `json:"enableStrictOriginEnforcement"`
	Name                          string            `json:"name"`
	Tags                          map[string]string `json:"tags"`
}

// PlaybackRestrictionPolicyOutput is the output of the Create, Get and
// Update operations of playback restriction policies.
type PlaybackRestrictionPolicyOutput struct {
	PlaybackRestrictionPolicy *PlaybackRestrictionPolicy `json:"playbackRestrictionPolicy"`
}

// CreatePlaybackRestrictionPolicy creates a geo/origin restriction policy.
// Empty lists allow every country/origin. The caller needs
// ivs:CreatePlaybackRestrictionPolicy on the new ARN (and ivs:TagResource
// when tags are given). Errors: ValidationException, AccessDeniedException.
func (s *Service) CreatePlaybackRestrictionPolicy(ctx context.Context, c *authz.Caller, in *CreatePlaybackRestrictionPolicyInput) (*PlaybackRestrictionPolicyOutput, error) {
	if err := firstError([]error{validateName("name", in.Name), validateCountries(in.AllowedCountries),
		validateOrigins(in.AllowedOrigins), validateTags(in.Tags)}); err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	p := &store.PlaybackRestrictionPolicy{ID: newID(), Name: in.Name, AllowedCountries: nonNil(in.AllowedCountries), AllowedOrigins: nonNil(in.AllowedOrigins),
		EnableStrictOriginEnforcement: in.EnableStrictOriginEnforcement, Tags: storeTags(in.Tags), CreatedAt: s.now().UTC()}
	p.ARN = sc.arn(kindRestrictionPolicy, p.ID)
	if err := s.authorizeCreate(ctx, c, "CreatePlaybackRestrictionPolicy", p.ARN, in.Tags); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		return store.CreateJSON(ctx, tx, sc.account, store.IVSRestrictionPolicyKey(sc.region, p.ID), p)
	})
	if err != nil {
		return nil, err
	}
	return &PlaybackRestrictionPolicyOutput{PlaybackRestrictionPolicy: policyShape(p)}, nil
}

// GetPlaybackRestrictionPolicy returns a policy. Errors:
// ValidationException, ResourceNotFoundException, AccessDeniedException.
func (s *Service) GetPlaybackRestrictionPolicy(ctx context.Context, c *authz.Caller, in *ARNInput) (*PlaybackRestrictionPolicyOutput, error) {
	v, err := getRecord(ctx, s, c, "GetPlaybackRestrictionPolicy", in.Arn, kindRestrictionPolicy, store.IVSRestrictionPolicyKey, policyTags)
	if err != nil {
		return nil, err
	}
	return &PlaybackRestrictionPolicyOutput{PlaybackRestrictionPolicy: policyShape(v)}, nil
}

// ListPlaybackRestrictionPoliciesOutput is the output of
// ListPlaybackRestrictionPolicies.
type ListPlaybackRestrictionPoliciesOutput struct {
	PlaybackRestrictionPolicies []PlaybackRestrictionPolicy `json:"playbackRestrictionPolicies"`
	NextToken                   string                      `json:"nextToken,omitempty"`
}

// ListPlaybackRestrictionPolicies lists the policies of the caller's
// account and region. The authorization reference lists no resource type
// for it, so it is one decision on "*". Errors: ValidationException,
// AccessDeniedException.
func (s *Service) ListPlaybackRestrictionPolicies(ctx context.Context, c *authz.Caller, in *ListInput) (*ListPlaybackRestrictionPoliciesOutput, error) {
	limit, after, err := pageArgs(in.MaxResults, 100, 1, in.NextToken)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	if err := s.authorize(ctx, c, "ListPlaybackRestrictionPolicies", "*", nil); err != nil {
		return nil, err
	}
	out := &ListPlaybackRestrictionPoliciesOutput{PlaybackRestrictionPolicies: []PlaybackRestrictionPolicy{}}
	err = s.st.View(ctx, func(tx store.Tx) error {
		ps, next, err := page(ctx, tx, sc.account, store.IVSRestrictionPolicyPrefix(sc.region), after, limit, func(*store.PlaybackRestrictionPolicy) bool { return true }, nil)
		for i := range ps {
			out.PlaybackRestrictionPolicies = append(out.PlaybackRestrictionPolicies, *policyShape(&ps[i]))
		}
		out.NextToken = next
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdatePlaybackRestrictionPolicyInput is the input of
// UpdatePlaybackRestrictionPolicy; absent members are left unchanged.
type UpdatePlaybackRestrictionPolicyInput struct {
	Arn                           string    `json:"arn"`
	AllowedCountries              *[]string `json:"allowedCountries"`
	AllowedOrigins                *[]string `json:"allowedOrigins"`
	EnableStrictOriginEnforcement *bool     `json:"enableStrictOriginEnforcement"`
	Name                          *string   `json:"name"`
}

// UpdatePlaybackRestrictionPolicy changes the given members of a policy.
// Errors: ValidationException, ResourceNotFoundException,
// AccessDeniedException.
func (s *Service) UpdatePlaybackRestrictionPolicy(ctx context.Context, c *authz.Caller, in *UpdatePlaybackRestrictionPolicyInput) (*PlaybackRestrictionPolicyOutput, error) {
	a, err := parseARN("arn", in.Arn, kindRestrictionPolicy)
	if err != nil {
		return nil, err
	}
	var errs []error
	if in.Name != nil {
		errs = append(errs, validateName("name", *in.Name))
	}
	if in.AllowedCountries != nil {
		errs = append(errs, validateCountries(*in.AllowedCountries))
	}
	if in.AllowedOrigins != nil {
		errs = append(errs, validateOrigins(*in.AllowedOrigins))
	}
	if err := firstError(errs); err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	var p *store.PlaybackRestrictionPolicy
	err = s.st.Update(ctx, func(tx store.Tx) error {
		p, err = authorizedRecord(ctx, s, tx, c, "UpdatePlaybackRestrictionPolicy", a, kindRestrictionPolicy, store.IVSRestrictionPolicyKey, policyTags)
		if err != nil {
			return err
		}
		if in.AllowedCountries != nil {
			p.AllowedCountries = nonNil(*in.AllowedCountries)
		}
		if in.AllowedOrigins != nil {
			p.AllowedOrigins = nonNil(*in.AllowedOrigins)
		}
		if in.EnableStrictOriginEnforcement != nil {
			p.EnableStrictOriginEnforcement = *in.EnableStrictOriginEnforcement
		}
		if in.Name != nil {
			p.Name = *in.Name
		}
		return store.PutJSON(ctx, tx, sc.account, store.IVSRestrictionPolicyKey(sc.region, p.ID), p)
	})
	if err != nil {
		return nil, err
	}
	return &PlaybackRestrictionPolicyOutput{PlaybackRestrictionPolicy: policyShape(p)}, nil
}

// DeletePlaybackRestrictionPolicy deletes a policy no channel uses.
// Errors: ValidationException, ResourceNotFoundException,
// AccessDeniedException, ConflictException (a channel uses it).
func (s *Service) DeletePlaybackRestrictionPolicy(ctx context.Context, c *authz.Caller, in *ARNInput) (*Empty, error) {
	a, err := parseARN("arn", in.Arn, kindRestrictionPolicy)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(c)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		p, err := authorizedRecord(ctx, s, tx, c, "DeletePlaybackRestrictionPolicy", a, kindRestrictionPolicy, store.IVSRestrictionPolicyKey, policyTags)
		if err != nil {
			return err
		}
		user, err := channelUsing(ctx, tx, sc, func(ch *store.Channel) bool { return ch.PlaybackRestrictionPolicyARN == p.ARN })
		if err != nil {
			return err
		}
		if user != "" {
			return awserr.New(awserr.ConflictException, "Playback restriction policy %s is in use by channel %s", p.ARN, user)
		}
		return tx.Delete(ctx, sc.account, store.IVSRestrictionPolicyKey(sc.region, p.ID))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// channelUsing returns the ARN of a channel of the scope that uses (as
// uses says) a linked resource, "" when none does.
func channelUsing(ctx context.Context, tx store.Tx, sc scope, uses func(*store.Channel) bool) (string, error) {
	after := ""
	for {
		chans, keys, err := store.ListJSON[store.Channel](ctx, tx, sc.account, store.IVSChannelPrefix(sc.region), after, 500)
		if err != nil {
			return "", err
		}
		for i := range chans {
			if uses(&chans[i]) {
				return chans[i].ARN, nil
			}
		}
		if len(chans) < 500 {
			return "", nil
		}
		after = keys[len(keys)-1]
	}
}

// linkedResources checks that the recording configuration and playback
// restriction policy a channel links to exist in the scope. Ad
// configurations are not kept yet: a non-empty ARN of one names nothing.
func linkedResources(ctx context.Context, tx store.Tx, sc scope, ch *store.Channel) error {
	if arn := ch.RecordingConfigurationARN; arn != "" {
		a, err := parseARN("recordingConfigurationArn", arn, kindRecording)
		if err != nil {
			return err
		}
		if _, err := loadRecord[store.RecordingConfiguration](ctx, tx, sc, a, kindRecording, store.IVSRecordingKey); err != nil {
			return err
		}
	}
	if arn := ch.PlaybackRestrictionPolicyARN; arn != "" {
		a, err := parseARN("playbackRestrictionPolicyArn", arn, kindRestrictionPolicy)
		if err != nil {
			return err
		}
		if _, err := loadRecord[store.PlaybackRestrictionPolicy](ctx, tx, sc, a, kindRestrictionPolicy, store.IVSRestrictionPolicyKey); err != nil {
			return err
		}
	}
	if arn := ch.AdConfigurationARN; arn != "" {
		return notFound("ad-configuration", arn)
	}
	return nil
}
