package mfa

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
)

// TOTP parameters, those of AWS's virtual MFA devices.
const (
	// Period is the length of a time step.
	Period = 30 * time.Second
	// Digits is the length of a code.
	Digits = 6
	// SeedSize is the length of a seed in bytes (64 base32 characters).
	SeedSize = 40
)

// Sentinel errors of Verify; callers map them to their service's codes.
var (
	// ErrNoDevice: no such device in the account, or it is not enabled
	// for a user.
	ErrNoDevice = errors.New("mfa: no enabled device with this serial number")
	// ErrInvalidCode: the code is not the device's code for the current
	// time step (±1), or a code of that step was already used.
	ErrInvalidCode = errors.New("mfa: invalid authentication code")
)

// Skew is how many time steps before or after the current one a code may
// belong to and still be accepted by Verify.
const Skew = 1

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSeed returns a new random seed.
func NewSeed() []byte {
	seed := make([]byte, SeedSize)
	if _, err := rand.Read(seed); err != nil {
		panic("mfa: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	return seed
}

// Base32 returns a seed as authenticator apps and AWS's Base32StringSeed
// write it: base32 without padding.
func Base32(seed []byte) string { return b32.EncodeToString(seed) }

// SealSeed seals a seed for the device with the serial number.
func SealSeed(box *seal.Box, serial string, seed []byte) []byte {
	return box.Seal(seed, []byte(serial))
}

// OpenSeed opens a device's seed.
func OpenSeed(box *seal.Box, d *store.MFADevice) ([]byte, error) {
	seed, err := box.Open(d.SealedSeed, []byte(d.SerialNumber))
	if err != nil {
		return nil, fmt.Errorf("open seed of %s: %w", d.SerialNumber, err)
	}
	return seed, nil
}

// Step returns the time step of t.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// code returns the seed's code for a time step.
func code(seed []byte, step int64) string {
	c, err := hotp.GenerateCodeCustom(Base32(seed), uint64(step), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		panic("mfa: " + err.Error()) // Base32 always yields a valid secret
	}
	return c
}

// matches reports, in constant time, whether s is the seed's code for a
// time step.
func matches(seed []byte, step int64, s string) bool {
	return subtle.ConstantTimeCompare([]byte(code(seed, step)), []byte(s)) == 1
}

// wellFormed reports whether s looks like a code: six decimal digits.
func wellFormed(s string) bool {
	if len(s) != Digits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MatchConsecutive looks for two consecutive codes: code1 of a step s and
// code2 of s+1, where s+1 is at most radius steps away from the step of
// now. It returns s+1, the step of the later code.
func MatchConsecutive(seed []byte, now time.Time, code1, code2 string, radius int64) (int64, bool) {
	if !wellFormed(code1) || !wellFormed(code2) {
		return 0, false
	}
	t := Step(now)
	for d := int64(0); d <= radius; d++ {
		for _, s := range []int64{t + d, t - d} {
			if matches(seed, s-1, code1) && matches(seed, s, code2) {
				return s, true
			}
			if d == 0 {
				break
			}
		}
	}
	return 0, false
}

// QRCodePNG returns a PNG of the otpauth:// URI of a TOTP seed, for an
// authenticator app to scan: the label is issuer:account.
func QRCodePNG(issuer, account string, seed []byte) ([]byte, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Secret: seed,
		Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("mfa: %w", err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return nil, fmt.Errorf("mfa: QR code: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("mfa: QR code: %w", err)
	}
	return b.Bytes(), nil
}

// Verify checks a one-time code of the account's device with the serial
// number at time now, and returns the name of the user the device is
// enabled for. The code must be the device's code for the current time
// step, or one step before or after, and for a later step than any code
// accepted before: Verify records the step in the device record, in one
// store transaction, so each code is usable once. Errors: ErrNoDevice,
// ErrInvalidCode, or a store or sealing failure.
func Verify(ctx context.Context, st store.Store, box *seal.Box, now time.Time, account, serialNumber, code string) (userName string, err error) {
	err = st.Update(ctx, func(tx store.Tx) error {
		userName = ""
		var d store.MFADevice
		if err := store.GetJSON(ctx, tx, account, store.MFADeviceKey(serialNumber), &d); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNoDevice
			}
			return err
		}
		if !d.Assigned() {
			return ErrNoDevice
		}
		if !wellFormed(code) {
			return ErrInvalidCode
		}
		seed, err := OpenSeed(box, &d)
		if err != nil {
			return err
		}
		step, ok := acceptedStep(seed, Step(now)+d.Drift, d.LastCounter, code)
		if !ok {
			return ErrInvalidCode
		}
		name, err := tx.Get(ctx, account, store.UserIDKey(d.UserID))
		if err != nil {
			return fmt.Errorf("user %s of %s: %w", d.UserID, d.SerialNumber, err)
		}
		var u store.User
		if err := store.GetJSON(ctx, tx, account, store.UserKey(string(name)), &u); err != nil {
			return fmt.Errorf("user %s of %s: %w", d.UserID, d.SerialNumber, err)
		}
		d.LastCounter = step
		if err := store.PutJSON(ctx, tx, account, store.MFADeviceKey(d.SerialNumber), &d); err != nil {
			return err
		}
		userName = u.Name
		return nil
	})
	if err != nil {
		return "", err
	}
	return userName, nil
}

// acceptedStep returns the step within Skew of t, later than last, whose
// code is c. Every candidate is computed, so the time taken does not tell
// which one matched.
func acceptedStep(seed []byte, t, last int64, c string) (int64, bool) {
	var found int64
	ok := false
	for s := t - Skew; s <= t+Skew; s++ {
		if matches(seed, s, c) && s > last && !ok {
			found, ok = s, true
		}
	}
	return found, ok
}
