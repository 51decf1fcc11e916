package ivs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/media/playback"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Playback: what the HLS endpoint needs of a channel to serve it, read
// from the store with no caller (a viewer holds no IAM credentials; a
// private channel's token is its authorization).

// PlaybackChannel returns what playback needs of channel id of account in
// region: its ARN, whether it is private and then the public keys of the
// account's playback key pairs in the region, and its playback
// restriction policy. It returns nil when there is no such channel.
func (s *Service) PlaybackChannel(ctx context.Context, region, account, id string) (*playback.Channel, error) {
	sc := scope{account: account, region: region}
	var out *playback.Channel
	err := s.st.View(ctx, func(tx store.Tx) error {
		var ch store.Channel
		if err := store.GetJSON(ctx, tx, account, store.IVSChannelKey(region, id), &ch); err != nil {
			if isNotFound(err) {
				return nil
			}
			return err
		}
		out = &playback.Channel{ARN: ch.ARN, Authorized: ch.Authorized}
		if ch.Authorized {
			keys, err := playbackKeys(ctx, tx, sc)
			out.Keys = keys
			return err
		}
		if ch.PlaybackRestrictionPolicyARN == "" {
			return nil
		}
		a, err := parseARN("playbackRestrictionPolicyArn", ch.PlaybackRestrictionPolicyARN, kindRestrictionPolicy)
		if err != nil {
			return err
		}
		p, err := loadRecord[store.PlaybackRestrictionPolicy](ctx, tx, sc, a, kindRestrictionPolicy, store.IVSRestrictionPolicyKey)
		if err != nil {
			return err
		}
		out.Restriction = &playback.RestrictionPolicy{AllowedCountries: p.AllowedCountries, AllowedOrigins: p.AllowedOrigins,
			EnableStrictOriginEnforcement: p.EnableStrictOriginEnforcement}
		return nil
	})
	if err != nil {
		return nil, awserr.Internal(err)
	}
	return out, nil
}

// playbackKeys reads the public keys of the playback key pairs of an
// account in a region.
func playbackKeys(ctx context.Context, tx store.Tx, sc scope) ([]playback.Key, error) {
	pairs, _, err := store.ListJSON[store.PlaybackKeyPair](ctx, tx, sc.account, store.IVSPlaybackKeyPrefix(sc.region), "", 0)
	if err != nil {
		return nil, err
	}
	keys := make([]playback.Key, 0, len(pairs))
	for _, kp := range pairs {
		pub, _, err := playback.ParsePublicKey([]byte(kp.PublicKey))
		if err != nil {
			return nil, fmt.Errorf("playback key pair %s: %w", kp.ARN, err)
		}
		keys = append(keys, playback.Key{ID: kp.ARN, Public: pub})
	}
	return keys, nil
}

// SingleUse returns the record of used single-use playback tokens, in the
// store (so a token is used once across nodes), writing with ctx.
func (s *Service) SingleUse(ctx context.Context) playback.SingleUse {
	return playback.ConsumeFunc(func(channelARN, uuid string, expires time.Time) (bool, error) {
		a, err := parseARN("channelArn", channelARN, kindChannel)
		if err != nil {
			return false, err
		}
		now := s.now()
		first := false
		err = s.st.Update(ctx, func(tx store.Tx) error {
			key := store.IVSSingleUseKey(a.Region, a.ID, uuid)
			err := store.CreateJSON(ctx, tx, a.Account, key, &store.SingleUseMark{Expires: expires})
			switch {
			case err == nil:
				first = true
			case errors.Is(err, store.ErrConflict):
				return nil
			default:
				return err
			}
			return dropExpiredMarks(ctx, tx, a, now)
		})
		if err != nil {
			return false, awserr.Internal(err)
		}
		return first, nil
	})
}

// dropExpiredMarks deletes the single-use marks of a channel whose tokens
// have expired: those tokens are refused for their expiry anyway.
func dropExpiredMarks(ctx context.Context, tx store.Tx, a resourceARN, now time.Time) error {
	prefix := store.IVSSingleUsePrefix(a.Region, a.ID)
	marks, keys, err := store.ListJSON[store.SingleUseMark](ctx, tx, a.Account, prefix, "", 0)
	if err != nil {
		return err
	}
	for i, m := range marks {
		if m.Expires.Before(now) {
			if err := tx.Delete(ctx, a.Account, keys[i]); err != nil && !isNotFound(err) {
				return err
			}
		}
	}
	return nil
}
