package ivs

import (
	"context"
	"strconv"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/media/playback"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Viewer-session revocation: a revocation of (channel, viewer) with
// version V refuses the playback tokens of that viewer whose
// aws:viewer-session-version is at most V. The store keeps one record per
// channel and viewer, with the highest version asked for.

// StartViewerSessionRevocationInput is the input of
// StartViewerSessionRevocation, and an item of its batch form.
type StartViewerSessionRevocationInput struct {
	ChannelArn                             string `json:"channelArn"`
	ViewerID                               string `json:"viewerId"`
	ViewerSessionVersionsLessThanOrEqualTo *int64 `json:"viewerSessionVersionsLessThanOrEqualTo"`
}

// validate checks the members of a revocation; prefix names the item in
// a batch ("" for the single call).
func (in *StartViewerSessionRevocationInput) validate(prefix string) (resourceARN, error) {
	a, err := parseARN(prefix+"channelArn", in.ChannelArn, kindChannel)
	if err != nil {
		return a, err
	}
	if in.ViewerID == "" {
		return a, validation(prefix+"viewerId", "", "Member must have length greater than or equal to 1")
	}
	if len([]rune(in.ViewerID)) > 40 {
		return a, validation(prefix+"viewerId", in.ViewerID, "Member must have length less than or equal to 40")
	}
	if v := in.ViewerSessionVersionsLessThanOrEqualTo; v != nil && *v < 0 {
		return a, validation(prefix+"viewerSessionVersionsLessThanOrEqualTo", strconv.FormatInt(*v, 10), "Member must have value greater than or equal to 0")
	}
	return a, nil
}

func (in *StartViewerSessionRevocationInput) version() int64 {
	if in.ViewerSessionVersionsLessThanOrEqualTo == nil {
		return 0
	}
	return *in.ViewerSessionVersionsLessThanOrEqualTo
}

// revoke authorizes action on the channel and records the revocation.
func (s *Service) revoke(ctx context.Context, tx store.Tx, c *authz.Caller, action string, a resourceARN, in *StartViewerSessionRevocationInput) error {
	ch, err := s.authorizedChannel(ctx, tx, c, action, a)
	if err != nil {
		return err
	}
	sc := scopeOf(c)
	key := store.IVSRevocationKey(sc.region, ch.ID, in.ViewerID)
	var rec store.ViewerRevocation
	err = store.GetJSON(ctx, tx, sc.account, key, &rec)
	switch {
	case isNotFound(err):
		rec = store.ViewerRevocation{ChannelARN: ch.ARN, ViewerID: in.ViewerID, Version: in.version()}
	case err != nil:
		return err
	case in.version() > rec.Version:
		rec.Version = in.version()
	}
	rec.UpdatedAt = s.now().UTC()
	return store.PutJSON(ctx, tx, sc.account, key, &rec)
}

// StartViewerSessionRevocation revokes a viewer's sessions on a channel.
// Errors: ValidationException, ResourceNotFoundException,
// AccessDeniedException.
func (s *Service) StartViewerSessionRevocation(ctx context.Context, c *authz.Caller, in *StartViewerSessionRevocationInput) (*Empty, error) {
	a, err := in.validate("")
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		return s.revoke(ctx, tx, c, "StartViewerSessionRevocation", a, in)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// BatchStartViewerSessionRevocationInput is the input of
// BatchStartViewerSessionRevocation.
type BatchStartViewerSessionRevocationInput struct {
	ViewerSessions []StartViewerSessionRevocationInput `json:"viewerSessions"`
}

// BatchStartViewerSessionRevocationError reports an item not revoked.
type BatchStartViewerSessionRevocationError struct {
	ChannelArn string `json:"channelArn"`
	ViewerID   string `json:"viewerId"`
	Code       string `json:"code"`
	Message    string `json:"message"`
}

// BatchStartViewerSessionRevocationOutput is the output of
// BatchStartViewerSessionRevocation.
type BatchStartViewerSessionRevocationOutput struct {
	Errors []BatchStartViewerSessionRevocationError `json:"errors"`
}

// BatchStartViewerSessionRevocation revokes up to 20 viewers' sessions,
// each authorized on its own channel; items that fail are reported in
// errors. Errors: ValidationException.
func (s *Service) BatchStartViewerSessionRevocation(ctx context.Context, c *authz.Caller, in *BatchStartViewerSessionRevocationInput) (*BatchStartViewerSessionRevocationOutput, error) {
	if in.ViewerSessions == nil {
		return nil, required("viewerSessions")
	}
	if n := len(in.ViewerSessions); n < 1 || n > 20 {
		return nil, validation("viewerSessions", strconv.Itoa(n)+" items", "Member must have length less than or equal to 20 and greater than or equal to 1")
	}
	arns := make([]resourceARN, len(in.ViewerSessions))
	for i := range in.ViewerSessions {
		a, err := in.ViewerSessions[i].validate("viewerSessions." + strconv.Itoa(i+1) + ".member.")
		if err != nil {
			return nil, err
		}
		arns[i] = a
	}
	out := &BatchStartViewerSessionRevocationOutput{Errors: []BatchStartViewerSessionRevocationError{}}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		out.Errors = out.Errors[:0]
		for i := range in.ViewerSessions {
			item := &in.ViewerSessions[i]
			if err := s.revoke(ctx, tx, c, "BatchStartViewerSessionRevocation", arns[i], item); err != nil {
				be, err := batchError(item.ChannelArn, err)
				if err != nil {
					return err
				}
				out.Errors = append(out.Errors, BatchStartViewerSessionRevocationError{ChannelArn: item.ChannelArn, ViewerID: item.ViewerID, Code: be.Code, Message: be.Message})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Revocations returns the revocations of the store for playback token
// verification, reading with ctx.
func (s *Service) Revocations(ctx context.Context) playback.Revocations {
	return playback.RevokedFunc(func(channelARN, viewerID string, version int64) (bool, error) {
		a, err := parseARN("channelArn", channelARN, kindChannel)
		if err != nil {
			return false, err
		}
		var rec store.ViewerRevocation
		err = s.st.View(ctx, func(tx store.Tx) error {
			return store.GetJSON(ctx, tx, a.Account, store.IVSRevocationKey(a.Region, a.ID, viewerID), &rec)
		})
		if isNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, awserr.Internal(err)
		}
		return version <= rec.Version, nil
	})
}
