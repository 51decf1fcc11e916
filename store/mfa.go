package store

import (
	"strings"
	"time"
)

// MFADevice is a virtual MFA device. Its TOTP seed is stored sealed under
// the server's master key, with the serial number as the sealing context.
type MFADevice struct {
	// SerialNumber is the device ARN, arn:aws:iam::ACCOUNT:mfa{path}{name},
	// as created.
	SerialNumber string    `json:"serial"`
	Account      string    `json:"account"`
	Name         string    `json:"name"`
	Path         string    `json:"path"`
	SealedSeed   []byte    `json:"seed"`
	CreatedAt    time.Time `json:"created"`
	Tags         []Tag     `json:"tags,omitempty"`
	// UserID is the id of the user the device is enabled for, "" while it
	// is unassigned. The user's record gives the current name.
	UserID    string    `json:"userId,omitempty"`
	EnabledAt time.Time `json:"enabled,omitzero"`
	// LastCounter is the device time step of the last code accepted: a
	// code is accepted only for a later step, so each is usable once.
	LastCounter int64 `json:"last,omitempty"`
	// Drift is the device clock's offset in time steps, as measured by the
	// last resynchronisation (0 until then).
	Drift int64 `json:"drift,omitempty"`
}

// Assigned reports whether the device is enabled for a user.
func (d *MFADevice) Assigned() bool { return d.UserID != "" }

// MFARef is the value of a user's MFA index entry (UserMFAKey).
type MFARef struct {
	SerialNumber string `json:"serial"`
}

// MFADevicesPrefix lists the account's virtual MFA devices.
const MFADevicesPrefix = "mfa/"

// MFADeviceKey is the key of a virtual MFA device, by serial number
// (serial numbers are unique regardless of case, as names are).
func MFADeviceKey(serial string) string { return MFADevicesPrefix + strings.ToLower(serial) }

// UserMFAKey records that a device is enabled for a user (the user's
// side; the device record names the user).
func UserMFAKey(userID, serial string) string { return UserMFAPrefix(userID) + strings.ToLower(serial) }
