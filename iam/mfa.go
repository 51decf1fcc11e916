package iam

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/mfa"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// InvalidAuthenticationCode is IAM's error for wrong MFA codes.
const InvalidAuthenticationCode = "InvalidAuthenticationCode"

const (
	// maxMFADevicesPerUser is IAM's quota of MFA devices per user.
	maxMFADevicesPerUser = 8
	// enableRadius is how many time steps from now the later of the two
	// codes of EnableMFADevice may belong to.
	enableRadius = 2
	// resyncRadius is the same for ResyncMFADevice: a device whose clock
	// drifted up to ten minutes can be resynchronised.
	resyncRadius = 20
	// mfaIssuer names the service in authenticator apps.
	mfaIssuer = "Gatehouse"
)

// Blob is binary data, base64-encoded in XML as the query protocol writes
// blobs (clients decode it back to the bytes).
type Blob []byte

// MarshalText encodes the blob as base64.
func (b Blob) MarshalText() ([]byte, error) {
	return []byte(base64.StdEncoding.EncodeToString(b)), nil
}

// VirtualMFADevice is the IAM VirtualMFADevice shape. The seed and QR code
// are only ever set in the result of CreateVirtualMFADevice.
type VirtualMFADevice struct {
	SerialNumber     string     `xml:"SerialNumber"`
	Base32StringSeed Blob       `xml:"Base32StringSeed,omitempty"`
	QRCodePNG        Blob       `xml:"QRCodePNG,omitempty"`
	User             *User      `xml:"User,omitempty"`
	EnableDate       *time.Time `xml:"EnableDate,omitempty"`
	Tags             *List[Tag] `xml:"Tags,omitempty"`
}

// MFADevice is the IAM MFADevice shape: a device enabled for a user.
type MFADevice struct {
	UserName     string    `xml:"UserName"`
	SerialNumber string    `xml:"SerialNumber"`
	EnableDate   time.Time `xml:"EnableDate"`
}

var (
	serialPattern = regexp.MustCompile(`^[\w+=/:,.@-]+$`)
	codePattern   = regexp.MustCompile(`^[0-9]+$`)
)

// validateSerial checks a serial number as IAM's model does.
func validateSerial(v string) error {
	if len(v) < 9 || len(v) > 256 {
		return validation("serialNumber", v, "Member must have length less than or equal to 256 and greater than or equal to 9")
	}
	if !serialPattern.MatchString(v) {
		return validation("serialNumber", v, `Member must satisfy regular expression pattern: [\w+=/:,.@-]+`)
	}
	return nil
}

// validateCodes checks two authentication codes as IAM's model does.
func validateCodes(code1, code2 string) error {
	for i, v := range []string{code1, code2} {
		member := fmt.Sprintf("authenticationCode%d", i+1)
		if len(v) != mfa.Digits {
			return validation(member, v, "Member must have length less than or equal to 6 and greater than or equal to 6")
		}
		if !codePattern.MatchString(v) {
			return validation(member, v, `Member must satisfy regular expression pattern: [\d]+`)
		}
	}
	return nil
}

// invalidCode is IAM's answer to wrong codes.
func invalidCode() error {
	return awserr.New(InvalidAuthenticationCode, "Authentication code for device is not valid.")
}

// noSuchDevice is IAM's not-found error for an MFA device.
func noSuchDevice(serial string) error {
	return awserr.New(awserr.NoSuchEntity, "MFA Device with serial number %s does not exist.", serial)
}

// loadDevice reads a virtual MFA device by serial number.
func loadDevice(ctx context.Context, tx store.Tx, acct, serial string) (*store.MFADevice, error) {
	var d store.MFADevice
	if err := store.GetJSON(ctx, tx, acct, store.MFADeviceKey(serial), &d); err != nil {
		if isNotFound(err) {
			return nil, noSuchDevice(serial)
		}
		return nil, err
	}
	return &d, nil
}

// authorizedDevice loads a device and authorizes action on its ARN (with
// its tags as aws:ResourceTag). A caller not allowed the action on the
// serial number it gave learns nothing of the device.
func (s *Service) authorizedDevice(ctx context.Context, tx store.Tx, c *authz.Caller, action, serial string) (*store.MFADevice, error) {
	d, err := loadDevice(ctx, tx, c.Account(), serial)
	if err != nil {
		return nil, s.authorizeMissing(ctx, c, err, action, serial, nil)
	}
	if err := s.authorize(ctx, c, action, d.SerialNumber, resourceTagContext(d.Tags, nil)); err != nil {
		return nil, err
	}
	return d, nil
}

// CreateVirtualMFADeviceInput is the input of CreateVirtualMFADevice.
type CreateVirtualMFADeviceInput struct {
	Path                 string `query:"Path"`
	VirtualMFADeviceName string `query:"VirtualMFADeviceName,required"`
	Tags                 []Tag  `query:"Tags"`
}

// CreateVirtualMFADeviceOutput is the output of CreateVirtualMFADevice.
type CreateVirtualMFADeviceOutput struct {
	VirtualMFADevice VirtualMFADevice `xml:"VirtualMFADevice"`
}

// CreateVirtualMFADevice creates an unassigned virtual MFA device with a
// new TOTP seed, and returns the seed (base32) and a QR code of it, once;
// the seed is stored sealed. The caller needs iam:CreateVirtualMFADevice on
// the device ARN. Errors: EntityAlreadyExists, LimitExceeded, InvalidInput,
// ValidationError, AccessDenied.
func (s *Service) CreateVirtualMFADevice(ctx context.Context, c *authz.Caller, in *CreateVirtualMFADeviceInput) (*CreateVirtualMFADeviceOutput, error) {
	if err := validateName("virtualMFADeviceName", in.VirtualMFADeviceName, 226); err != nil {
		return nil, err
	}
	path, err := validatePath("path", in.Path)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTags {
		return nil, awserr.New(awserr.LimitExceeded, "The number of tags has reached the maximum limit.")
	}
	acct := c.Account()
	serial := entityARN(acct, "mfa", path, in.VirtualMFADeviceName)
	if err := validateSerial(serial); err != nil {
		return nil, validation("virtualMFADeviceName", in.VirtualMFADeviceName, "Member must have length that makes the serial number at most 256 characters")
	}
	if err := s.authorize(ctx, c, "CreateVirtualMFADevice", serial, tagContext(in.Tags)); err != nil {
		return nil, err
	}
	seed := mfa.NewSeed()
	qr, err := mfa.QRCodePNG(mfaIssuer, in.VirtualMFADeviceName+"@"+acct, seed)
	if err != nil {
		return nil, err
	}
	d := &store.MFADevice{SerialNumber: serial, Account: acct, Name: in.VirtualMFADeviceName, Path: path,
		SealedSeed: mfa.SealSeed(s.box, serial, seed), CreatedAt: s.timestamp()}
	for _, t := range in.Tags {
		d.Tags = append(d.Tags, store.Tag{Key: t.Key, Value: t.Value})
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if err := store.CreateJSON(ctx, tx, acct, store.MFADeviceKey(serial), d); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return awserr.New(awserr.EntityAlreadyExists, "MFADevice entity at the same path and name already exists.")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateVirtualMFADeviceOutput{VirtualMFADevice: VirtualMFADevice{SerialNumber: serial,
		Base32StringSeed: Blob(mfa.Base32(seed)), QRCodePNG: qr, Tags: tagList(d.Tags)}}, nil
}

// EnableMFADeviceInput is the input of EnableMFADevice.
type EnableMFADeviceInput struct {
	UserName            string `query:"UserName,required"`
	SerialNumber        string `query:"SerialNumber,required"`
	AuthenticationCode1 string `query:"AuthenticationCode1,required"`
	AuthenticationCode2 string `query:"AuthenticationCode2,required"`
}

// EnableMFADevice assigns a virtual MFA device to a user, given two
// consecutive codes of the device; they are then used up. The caller needs
// iam:EnableMFADevice on the user. Errors: NoSuchEntity,
// EntityAlreadyExists (the device is assigned), InvalidAuthenticationCode,
// LimitExceeded, ValidationError, AccessDenied.
func (s *Service) EnableMFADevice(ctx context.Context, c *authz.Caller, in *EnableMFADeviceInput) (*Empty, error) {
	if err := validateName("userName", in.UserName, 128); err != nil {
		return nil, err
	}
	if err := validateSerial(in.SerialNumber); err != nil {
		return nil, err
	}
	if err := validateCodes(in.AuthenticationCode1, in.AuthenticationCode2); err != nil {
		return nil, err
	}
	acct := c.Account()
	now := s.now()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "EnableMFADevice", in.UserName, nil)
		if err != nil {
			return err
		}
		d, err := loadDevice(ctx, tx, acct, in.SerialNumber)
		if err != nil {
			return err
		}
		if d.Assigned() {
			return awserr.New(awserr.EntityAlreadyExists, "MFA Device is already in use.")
		}
		have, err := tx.List(ctx, acct, store.UserMFAPrefix(u.ID), "", maxMFADevicesPerUser)
		if err != nil {
			return err
		}
		if len(have) >= maxMFADevicesPerUser {
			return awserr.New(awserr.LimitExceeded, "Cannot exceed quota for MFADevicesPerUser: %d", maxMFADevicesPerUser)
		}
		seed, err := mfa.OpenSeed(s.box, d)
		if err != nil {
			return err
		}
		step, ok := mfa.MatchConsecutive(seed, now, in.AuthenticationCode1, in.AuthenticationCode2, enableRadius)
		if !ok || step <= d.LastCounter {
			return invalidCode()
		}
		d.UserID, d.EnabledAt, d.LastCounter, d.Drift = u.ID, s.timestamp(), step, 0
		if err := store.PutJSON(ctx, tx, acct, store.MFADeviceKey(d.SerialNumber), d); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, acct, store.UserMFAKey(u.ID, d.SerialNumber), store.MFARef{SerialNumber: d.SerialNumber})
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ResyncMFADeviceInput is the input of ResyncMFADevice.
type ResyncMFADeviceInput struct {
	UserName            string `query:"UserName,required"`
	SerialNumber        string `query:"SerialNumber,required"`
	AuthenticationCode1 string `query:"AuthenticationCode1,required"`
	AuthenticationCode2 string `query:"AuthenticationCode2,required"`
}

// ResyncMFADevice resynchronises a user's device whose clock drifted (up
// to ten minutes), given two consecutive codes: later codes are expected
// around the device's time step, and must be newer than these. The caller
// needs iam:ResyncMFADevice on the user. Errors: NoSuchEntity,
// InvalidAuthenticationCode, ValidationError, AccessDenied.
func (s *Service) ResyncMFADevice(ctx context.Context, c *authz.Caller, in *ResyncMFADeviceInput) (*Empty, error) {
	if err := validateName("userName", in.UserName, 128); err != nil {
		return nil, err
	}
	if err := validateSerial(in.SerialNumber); err != nil {
		return nil, err
	}
	if err := validateCodes(in.AuthenticationCode1, in.AuthenticationCode2); err != nil {
		return nil, err
	}
	acct := c.Account()
	now := s.now()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		u, err := s.authorizedUser(ctx, tx, c, "ResyncMFADevice", in.UserName, nil)
		if err != nil {
			return err
		}
		d, err := loadDevice(ctx, tx, acct, in.SerialNumber)
		if err != nil {
			return err
		}
		if d.UserID != u.ID {
			return noSuchDevice(in.SerialNumber)
		}
		seed, err := mfa.OpenSeed(s.box, d)
		if err != nil {
			return err
		}
		step, ok := mfa.MatchConsecutive(seed, now, in.AuthenticationCode1, in.AuthenticationCode2, resyncRadius)
		if !ok {
			return invalidCode()
		}
		d.LastCounter, d.Drift = step, step-mfa.Step(now)
		return store.PutJSON(ctx, tx, acct, store.MFADeviceKey(d.SerialNumber), d)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DeactivateMFADeviceInput is the input of DeactivateMFADevice.
type DeactivateMFADeviceInput struct {
	UserName     string `query:"UserName"`
	SerialNumber string `query:"SerialNumber,required"`
}

// DeactivateMFADevice unassigns a device from its user; the device remains,
// unassigned. Without UserName it acts on the calling user, or, for other
// callers, on the user the device is assigned to. The caller needs
// iam:DeactivateMFADevice on the user. Errors: NoSuchEntity,
// ValidationError, AccessDenied.
func (s *Service) DeactivateMFADevice(ctx context.Context, c *authz.Caller, in *DeactivateMFADeviceInput) (*Empty, error) {
	if in.UserName != "" {
		if err := validateName("userName", in.UserName, 128); err != nil {
			return nil, err
		}
	}
	if err := validateSerial(in.SerialNumber); err != nil {
		return nil, err
	}
	acct := c.Account()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		name := in.UserName
		if name == "" && c.Principal.Type == policy.User {
			name = c.Principal.Username
		}
		if name == "" {
			owner, err := deviceOwner(ctx, tx, acct, in.SerialNumber)
			if err != nil {
				return s.authorizeMissing(ctx, c, err, "DeactivateMFADevice", in.SerialNumber, nil)
			}
			name = owner.Name
		}
		u, err := s.authorizedUser(ctx, tx, c, "DeactivateMFADevice", name, nil)
		if err != nil {
			return err
		}
		d, err := loadDevice(ctx, tx, acct, in.SerialNumber)
		if err != nil {
			return err
		}
		if d.UserID != u.ID {
			return noSuchDevice(in.SerialNumber)
		}
		if err := tx.Delete(ctx, acct, store.UserMFAKey(u.ID, d.SerialNumber)); err != nil && !isNotFound(err) {
			return err
		}
		d.UserID, d.EnabledAt, d.Drift = "", time.Time{}, 0
		return store.PutJSON(ctx, tx, acct, store.MFADeviceKey(d.SerialNumber), d)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// deviceOwner returns the user a device is assigned to; NoSuchEntity when
// the device does not exist or is unassigned.
func deviceOwner(ctx context.Context, tx store.Tx, acct, serial string) (*store.User, error) {
	d, err := loadDevice(ctx, tx, acct, serial)
	if err != nil {
		return nil, err
	}
	if !d.Assigned() {
		return nil, noSuchDevice(serial)
	}
	u, err := loadByID[store.User](ctx, tx, acct, store.UserIDKey, store.UserKey, d.UserID)
	if err != nil {
		return nil, fmt.Errorf("user %s of %s: %w", d.UserID, d.SerialNumber, err)
	}
	return u, nil
}

// DeleteVirtualMFADeviceInput is the input of DeleteVirtualMFADevice.
type DeleteVirtualMFADeviceInput struct {
	SerialNumber string `query:"SerialNumber,required"`
}

// DeleteVirtualMFADevice deletes an unassigned virtual MFA device. The
// caller needs iam:DeleteVirtualMFADevice on the device ARN. Errors:
// NoSuchEntity, DeleteConflict (still assigned), ValidationError,
// AccessDenied.
func (s *Service) DeleteVirtualMFADevice(ctx context.Context, c *authz.Caller, in *DeleteVirtualMFADeviceInput) (*Empty, error) {
	if err := validateSerial(in.SerialNumber); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		d, err := s.authorizedDevice(ctx, tx, c, "DeleteVirtualMFADevice", in.SerialNumber)
		if err != nil {
			return err
		}
		if d.Assigned() {
			return awserr.New(awserr.DeleteConflict, "MFA device is still in use.")
		}
		return tx.Delete(ctx, c.Account(), store.MFADeviceKey(d.SerialNumber))
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListMFADevicesInput is the input of ListMFADevices.
type ListMFADevicesInput struct {
	UserName string `query:"UserName"`
	Marker   string `query:"Marker"`
	MaxItems *int   `query:"MaxItems"`
}

// ListMFADevicesOutput is the output of ListMFADevices.
type ListMFADevicesOutput struct {
	MFADevices  List[MFADevice] `xml:"MFADevices"`
	IsTruncated bool            `xml:"IsTruncated"`
	Marker      string          `xml:"Marker,omitempty"`
}

// ListMFADevices lists the MFA devices enabled for a user, by default the
// calling user (or the calling root user). The caller needs
// iam:ListMFADevices on the user. Errors: NoSuchEntity, ValidationError,
// AccessDenied.
func (s *Service) ListMFADevices(ctx context.Context, c *authz.Caller, in *ListMFADevicesInput) (*ListMFADevicesOutput, error) {
	acct := c.Account()
	out := &ListMFADevicesOutput{MFADevices: List[MFADevice]{Member: []MFADevice{}}}
	err := s.st.View(ctx, func(tx store.Tx) error {
		u, _, err := s.keyOwner(ctx, tx, c, "ListMFADevices", in.UserName)
		if err != nil {
			return err
		}
		owner, userName := rootKeyOwner, acct
		if u != nil {
			owner, userName = u.ID, u.Name
		}
		refs, marker, err := page[store.MFARef](ctx, tx, acct, store.UserMFAPrefix(owner), in.Marker, in.MaxItems, nil)
		if err != nil {
			return err
		}
		for _, r := range refs {
			d, err := loadDevice(ctx, tx, acct, r.SerialNumber)
			if err != nil {
				return fmt.Errorf("MFA index of %s: %w", owner, err)
			}
			out.MFADevices.Member = append(out.MFADevices.Member, MFADevice{UserName: userName, SerialNumber: d.SerialNumber, EnableDate: d.EnabledAt})
		}
		out.Marker, out.IsTruncated = marker, marker != ""
		return nil
	})
	return out, err
}

// Assignment statuses of ListVirtualMFADevices.
const (
	AssignmentAssigned   = "Assigned"
	AssignmentUnassigned = "Unassigned"
	AssignmentAny        = "Any"
)

// ListVirtualMFADevicesInput is the input of ListVirtualMFADevices.
type ListVirtualMFADevicesInput struct {
	AssignmentStatus string `query:"AssignmentStatus"`
	Marker           string `query:"Marker"`
	MaxItems         *int   `query:"MaxItems"`
}

// ListVirtualMFADevicesOutput is the output of ListVirtualMFADevices.
type ListVirtualMFADevicesOutput struct {
	VirtualMFADevices List[VirtualMFADevice] `xml:"VirtualMFADevices"`
	IsTruncated       bool                   `xml:"IsTruncated"`
	Marker            string                 `xml:"Marker,omitempty"`
}

// ListVirtualMFADevices lists the account's virtual MFA devices, all of
// them or only the assigned or unassigned ones, with the user of each
// assigned device; never their seeds. The caller needs
// iam:ListVirtualMFADevices on "*". Errors: ValidationError, AccessDenied.
func (s *Service) ListVirtualMFADevices(ctx context.Context, c *authz.Caller, in *ListVirtualMFADevicesInput) (*ListVirtualMFADevicesOutput, error) {
	status := in.AssignmentStatus
	switch status {
	case "":
		status = AssignmentAny
	case AssignmentAssigned, AssignmentUnassigned, AssignmentAny:
	default:
		return nil, validation("assignmentStatus", status, "Member must satisfy enum value set: [Unassigned, Any, Assigned]")
	}
	if err := s.authorize(ctx, c, "ListVirtualMFADevices", "*", nil); err != nil {
		return nil, err
	}
	acct := c.Account()
	out := &ListVirtualMFADevicesOutput{VirtualMFADevices: List[VirtualMFADevice]{Member: []VirtualMFADevice{}}}
	err := s.st.View(ctx, func(tx store.Tx) error {
		devices, marker, err := page(ctx, tx, acct, store.MFADevicesPrefix, in.Marker, in.MaxItems, func(d *store.MFADevice) bool {
			return status == AssignmentAny || d.Assigned() == (status == AssignmentAssigned)
		})
		if err != nil {
			return err
		}
		for i := range devices {
			d := &devices[i]
			v := VirtualMFADevice{SerialNumber: d.SerialNumber}
			if d.Assigned() {
				u, err := loadByID[store.User](ctx, tx, acct, store.UserIDKey, store.UserKey, d.UserID)
				if err != nil {
					return fmt.Errorf("user %s of %s: %w", d.UserID, d.SerialNumber, err)
				}
				us := userShape(u, false)
				at := d.EnabledAt
				v.User, v.EnableDate = &us, &at
			}
			out.VirtualMFADevices.Member = append(out.VirtualMFADevices.Member, v)
		}
		out.Marker, out.IsTruncated = marker, marker != ""
		return nil
	})
	return out, err
}
