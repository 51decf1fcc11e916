package iam

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/mfa"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mfaEnv is a testEnv whose Service runs on a fake clock, with user alice.
type mfaEnv struct {
	*testEnv
	clock *fakeClock
	box   *seal.Box
}

func newMFAEnv(t *testing.T) *mfaEnv {
	t.Helper()
	ctx := context.Background()
	raw, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	box, err := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	az := authz.New(raw)
	st := az.WrapStore(raw)
	clock := &fakeClock{t: time.Date(2026, 11, 27, 12, 0, 10, 0, time.UTC)}
	if _, _, err := EnsureAccount(ctx, st, box, testAccount, "", "", clock.Now()); err != nil {
		t.Fatal(err)
	}
	root := &authz.Caller{Principal: policy.Principal{ARN: "arn:aws:iam::" + testAccount + ":root", Account: testAccount, Type: policy.Root, UserID: testAccount}}
	e := &mfaEnv{testEnv: &testEnv{svc: New(st, az, box, clock.Now, nil), st: st, root: root}, clock: clock, box: box}
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, root, &CreateUserInput{UserName: "alice"}))
	return e
}

// create makes a virtual MFA device and returns its serial number and
// base32 seed.
func (e *mfaEnv) create(t *testing.T, name string) (string, string) {
	t.Helper()
	out := must[*CreateVirtualMFADeviceOutput](t)(e.svc.CreateVirtualMFADevice(context.Background(), e.root, &CreateVirtualMFADeviceInput{VirtualMFADeviceName: name}))
	return out.VirtualMFADevice.SerialNumber, string(out.VirtualMFADevice.Base32StringSeed)
}

// code is the device code of seed at the clock plus steps time steps.
func (e *mfaEnv) code(t *testing.T, seed string, steps int) string {
	t.Helper()
	c, err := totp.GenerateCode(seed, e.clock.Now().Add(time.Duration(steps)*mfa.Period))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enable assigns a device to a user with the codes of the last and the
// current step.
func (e *mfaEnv) enable(t *testing.T, user, serial, seed string) {
	t.Helper()
	must[*Empty](t)(e.svc.EnableMFADevice(context.Background(), e.root, &EnableMFADeviceInput{UserName: user, SerialNumber: serial,
		AuthenticationCode1: e.code(t, seed, -1), AuthenticationCode2: e.code(t, seed, 0)}))
}

func TestCreateVirtualMFADevice(t *testing.T) {
	e := newMFAEnv(t)
	ctx := context.Background()
	out := must[*CreateVirtualMFADeviceOutput](t)(e.svc.CreateVirtualMFADevice(ctx, e.root, &CreateVirtualMFADeviceInput{
		VirtualMFADeviceName: "alice-phone", Path: "/team/", Tags: []Tag{{"k", "v"}}}))
	d := out.VirtualMFADevice
	if d.SerialNumber != "arn:aws:iam::123456789012:mfa/team/alice-phone" || len(d.Base32StringSeed) != 64 || d.User != nil || d.Tags == nil {
		t.Fatalf("created %+v", d)
	}
	if !bytes.HasPrefix(d.QRCodePNG, []byte("\x89PNG\r\n")) {
		t.Fatal("QR code is not a PNG")
	}
	// The blob renders as base64 in XML.
	text, _ := d.Base32StringSeed.MarshalText()
	if dec, err := base64.StdEncoding.DecodeString(string(text)); err != nil || string(dec) != string(d.Base32StringSeed) {
		t.Fatalf("blob %q", text)
	}
	// The seed is stored sealed only.
	var rec store.MFADevice
	if err := e.st.View(ctx, func(tx store.Tx) error {
		return store.GetJSON(ctx, tx, testAccount, store.MFADeviceKey(d.SerialNumber), &rec)
	}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec.SealedSeed, d.Base32StringSeed) {
		t.Fatal("seed stored in the clear")
	}
	if seed, err := mfa.OpenSeed(e.box, &rec); err != nil || mfa.Base32(seed) != string(d.Base32StringSeed) {
		t.Fatalf("sealed seed: %v", err)
	}

	tests := []struct {
		name string
		in   CreateVirtualMFADeviceInput
		code string
	}{
		{"duplicate", CreateVirtualMFADeviceInput{VirtualMFADeviceName: "Alice-Phone", Path: "/team/"}, "EntityAlreadyExists"},
		{"bad name", CreateVirtualMFADeviceInput{VirtualMFADeviceName: "alice phone"}, "ValidationError"},
		{"bad path", CreateVirtualMFADeviceInput{VirtualMFADeviceName: "x", Path: "team"}, "ValidationError"},
		{"too long", CreateVirtualMFADeviceInput{VirtualMFADeviceName: strings.Repeat("x", 230)}, "ValidationError"},
		{"reserved tag", CreateVirtualMFADeviceInput{VirtualMFADeviceName: "x", Tags: []Tag{{"aws:x", "y"}}}, "InvalidInput"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateVirtualMFADevice(ctx, e.root, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
	// The same name under another path is another device.
	must[*CreateVirtualMFADeviceOutput](t)(e.svc.CreateVirtualMFADevice(ctx, e.root, &CreateVirtualMFADeviceInput{VirtualMFADeviceName: "alice-phone"}))
}

func TestEnableMFADevice(t *testing.T) {
	e := newMFAEnv(t)
	ctx := context.Background()
	serial, seed := e.create(t, "phone")
	other, _ := e.create(t, "other")
	enable := func(user, serial, c1, c2 string) error {
		_, err := e.svc.EnableMFADevice(ctx, e.root, &EnableMFADeviceInput{UserName: user, SerialNumber: serial, AuthenticationCode1: c1, AuthenticationCode2: c2})
		return err
	}
	tests := []struct {
		name         string
		user, serial string
		step1, step2 int // code steps from the clock
		c1, c2       string
		code         string
	}{
		{name: "not consecutive", user: "alice", serial: serial, step1: -2, step2: 0, code: "InvalidAuthenticationCode"},
		{name: "reversed", user: "alice", serial: serial, step1: 0, step2: -1, code: "InvalidAuthenticationCode"},
		{name: "same code twice", user: "alice", serial: serial, step1: 0, step2: 0, code: "InvalidAuthenticationCode"},
		{name: "too old", user: "alice", serial: serial, step1: -5, step2: -4, code: "InvalidAuthenticationCode"},
		{name: "another device's codes", user: "alice", serial: other, step1: -1, step2: 0, code: "InvalidAuthenticationCode"},
		{name: "short code", user: "alice", serial: serial, c1: "12345", c2: "123456", code: "ValidationError"},
		{name: "letters", user: "alice", serial: serial, c1: "12345a", c2: "123456", code: "ValidationError"},
		{name: "bad serial", user: "alice", serial: "arn", step1: -1, step2: 0, code: "ValidationError"},
		{name: "no such user", user: "bob", serial: serial, step1: -1, step2: 0, code: "NoSuchEntity"},
		{name: "no such device", user: "alice", serial: "arn:aws:iam::123456789012:mfa/none", step1: -1, step2: 0, code: "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c1, c2 := tc.c1, tc.c2
			if c1 == "" {
				c1, c2 = e.code(t, seed, tc.step1), e.code(t, seed, tc.step2)
			}
			wantCode(t, enable(tc.user, tc.serial, c1, c2), tc.code)
		})
	}

	// Two consecutive codes, the later one step ahead of the server's
	// clock, enable the device; its codes are then used up.
	c1, c2 := e.code(t, seed, 0), e.code(t, seed, 1)
	if err := enable("alice", serial, c1, c2); err != nil {
		t.Fatal(err)
	}
	if _, err := mfa.Verify(ctx, e.st, e.box, e.clock.Now(), testAccount, serial, c2); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("enable codes reused: %v", err)
	}
	e.clock.Advance(2 * mfa.Period)
	user, err := mfa.Verify(ctx, e.st, e.box, e.clock.Now(), testAccount, strings.ToUpper(serial), e.code(t, seed, 0))
	if err != nil || user != "alice" {
		t.Fatalf("Verify = %q, %v", user, err)
	}
	e.clock.Advance(mfa.Period)
	wantCode(t, enable("alice", serial, e.code(t, seed, -1), e.code(t, seed, 0)), "EntityAlreadyExists")

	// The user can no longer be deleted.
	_, err = e.svc.DeleteUser(ctx, e.root, &DeleteUserInput{UserName: "alice"})
	wantCode(t, err, "DeleteConflict")

	// Listed for the user, under the user's current name.
	must[*Empty](t)(e.svc.UpdateUser(ctx, e.root, &UpdateUserInput{UserName: "alice", NewUserName: "alice2"}))
	list := must[*ListMFADevicesOutput](t)(e.svc.ListMFADevices(ctx, e.root, &ListMFADevicesInput{UserName: "alice2"}))
	if len(list.MFADevices.Member) != 1 || list.MFADevices.Member[0].SerialNumber != serial || list.MFADevices.Member[0].UserName != "alice2" ||
		!list.MFADevices.Member[0].EnableDate.Equal(time.Date(2026, 11, 27, 12, 0, 10, 0, time.UTC)) {
		t.Fatalf("ListMFADevices: %+v", list)
	}
	e.clock.Advance(mfa.Period)
	if user, err := mfa.Verify(ctx, e.st, e.box, e.clock.Now(), testAccount, serial, e.code(t, seed, 0)); err != nil || user != "alice2" {
		t.Fatalf("Verify after rename = %q, %v", user, err)
	}
}

func TestResyncMFADevice(t *testing.T) {
	e := newMFAEnv(t)
	ctx := context.Background()
	serial, seed := e.create(t, "phone")
	e.enable(t, "alice", serial, seed)
	resync := func(user string, s1, s2 int) error {
		_, err := e.svc.ResyncMFADevice(ctx, e.root, &ResyncMFADeviceInput{UserName: user, SerialNumber: serial,
			AuthenticationCode1: e.code(t, seed, s1), AuthenticationCode2: e.code(t, seed, s2)})
		return err
	}
	// The device's clock runs five minutes (ten steps) ahead.
	e.clock.Advance(mfa.Period)
	if _, err := mfa.Verify(ctx, e.st, e.box, e.clock.Now(), testAccount, serial, e.code(t, seed, 10)); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("drifted code before resync: %v", err)
	}
	wantCode(t, resync("alice", 9, 11), "InvalidAuthenticationCode")
	wantCode(t, resync("alice", 30, 31), "InvalidAuthenticationCode")
	_, err := e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, resync("bob", 9, 10), "NoSuchEntity")
	if err := resync("alice", 9, 10); err != nil {
		t.Fatal(err)
	}
	// The resync codes are used up; the device's next code is good.
	if _, err := mfa.Verify(ctx, e.st, e.box, e.clock.Now(), testAccount, serial, e.code(t, seed, 10)); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("resync code reused: %v", err)
	}
	e.clock.Advance(mfa.Period)
	if _, err := mfa.Verify(ctx, e.st, e.box, e.clock.Now(), testAccount, serial, e.code(t, seed, 10)); err != nil {
		t.Fatalf("drifted code after resync: %v", err)
	}
}

func TestDeactivateAndDeleteMFADevice(t *testing.T) {
	e := newMFAEnv(t)
	ctx := context.Background()
	serial, seed := e.create(t, "phone")
	spare, _ := e.create(t, "spare")
	e.enable(t, "alice", serial, seed)
	must[*CreateUserOutput](t)(e.svc.CreateUser(ctx, e.root, &CreateUserInput{UserName: "bob"}))

	_, err := e.svc.DeleteVirtualMFADevice(ctx, e.root, &DeleteVirtualMFADeviceInput{SerialNumber: serial})
	wantCode(t, err, "DeleteConflict")

	assigned := must[*ListVirtualMFADevicesOutput](t)(e.svc.ListVirtualMFADevices(ctx, e.root, &ListVirtualMFADevicesInput{AssignmentStatus: "Assigned"}))
	if n := len(assigned.VirtualMFADevices.Member); n != 1 {
		t.Fatalf("assigned: %+v", assigned)
	}
	a := assigned.VirtualMFADevices.Member[0]
	if a.SerialNumber != serial || a.User == nil || a.User.UserName != "alice" || a.EnableDate == nil || a.Base32StringSeed != nil || a.QRCodePNG != nil {
		t.Fatalf("assigned device: %+v", a)
	}
	unassigned := must[*ListVirtualMFADevicesOutput](t)(e.svc.ListVirtualMFADevices(ctx, e.root, &ListVirtualMFADevicesInput{AssignmentStatus: "Unassigned"}))
	if len(unassigned.VirtualMFADevices.Member) != 1 || unassigned.VirtualMFADevices.Member[0].SerialNumber != spare || unassigned.VirtualMFADevices.Member[0].User != nil {
		t.Fatalf("unassigned: %+v", unassigned)
	}
	one := 1
	p1 := must[*ListVirtualMFADevicesOutput](t)(e.svc.ListVirtualMFADevices(ctx, e.root, &ListVirtualMFADevicesInput{MaxItems: &one}))
	p2 := must[*ListVirtualMFADevicesOutput](t)(e.svc.ListVirtualMFADevices(ctx, e.root, &ListVirtualMFADevicesInput{MaxItems: &one, Marker: p1.Marker}))
	if !p1.IsTruncated || p2.IsTruncated || len(p1.VirtualMFADevices.Member)+len(p2.VirtualMFADevices.Member) != 2 {
		t.Fatalf("pages: %+v %+v", p1, p2)
	}
	_, err = e.svc.ListVirtualMFADevices(ctx, e.root, &ListVirtualMFADevicesInput{AssignmentStatus: "Some"})
	wantCode(t, err, "ValidationError")

	tests := []struct {
		name string
		in   DeactivateMFADeviceInput
		code string
	}{
		{"no such user", DeactivateMFADeviceInput{UserName: "nobody", SerialNumber: serial}, "NoSuchEntity"},
		{"another user's device", DeactivateMFADeviceInput{UserName: "bob", SerialNumber: serial}, "NoSuchEntity"},
		{"unassigned device", DeactivateMFADeviceInput{UserName: "alice", SerialNumber: spare}, "NoSuchEntity"},
		{"unknown device", DeactivateMFADeviceInput{SerialNumber: "arn:aws:iam::123456789012:mfa/none"}, "NoSuchEntity"},
		{"bad serial", DeactivateMFADeviceInput{UserName: "alice", SerialNumber: "x"}, "ValidationError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.DeactivateMFADevice(ctx, e.root, &tc.in)
			wantCode(t, err, tc.code)
		})
	}
	// Without a user name, root deactivates the device of whoever has it.
	must[*Empty](t)(e.svc.DeactivateMFADevice(ctx, e.root, &DeactivateMFADeviceInput{SerialNumber: serial}))
	list := must[*ListMFADevicesOutput](t)(e.svc.ListMFADevices(ctx, e.root, &ListMFADevicesInput{UserName: "alice"}))
	if len(list.MFADevices.Member) != 0 {
		t.Fatalf("after deactivation: %+v", list)
	}
	e.clock.Advance(mfa.Period)
	if _, err := mfa.Verify(ctx, e.st, e.box, e.clock.Now(), testAccount, serial, e.code(t, seed, 0)); !errors.Is(err, mfa.ErrNoDevice) {
		t.Fatalf("Verify after deactivation: %v", err)
	}
	// Re-enabling needs fresh codes.
	wantCode(t, func() error {
		_, err := e.svc.EnableMFADevice(ctx, e.root, &EnableMFADeviceInput{UserName: "alice", SerialNumber: serial,
			AuthenticationCode1: e.code(t, seed, -2), AuthenticationCode2: e.code(t, seed, -1)})
		return err
	}(), "InvalidAuthenticationCode")

	must[*Empty](t)(e.svc.DeleteVirtualMFADevice(ctx, e.root, &DeleteVirtualMFADeviceInput{SerialNumber: strings.ToUpper(serial)}))
	_, err = e.svc.DeleteVirtualMFADevice(ctx, e.root, &DeleteVirtualMFADeviceInput{SerialNumber: serial})
	wantCode(t, err, "NoSuchEntity")
	must[*Empty](t)(e.svc.DeleteUser(ctx, e.root, &DeleteUserInput{UserName: "alice"}))
}

func TestMFAAuthorization(t *testing.T) {
	e := newMFAEnv(t)
	ctx := context.Background()
	serial, seed := e.create(t, "phone")
	alice := e.userCaller(t, "alice")
	tests := []struct {
		name string
		call func() error
	}{
		{"create", func() error {
			_, err := e.svc.CreateVirtualMFADevice(ctx, alice, &CreateVirtualMFADeviceInput{VirtualMFADeviceName: "mine"})
			return err
		}},
		{"enable", func() error {
			_, err := e.svc.EnableMFADevice(ctx, alice, &EnableMFADeviceInput{UserName: "alice", SerialNumber: serial, AuthenticationCode1: e.code(t, seed, -1), AuthenticationCode2: e.code(t, seed, 0)})
			return err
		}},
		{"enable for a missing user", func() error {
			_, err := e.svc.EnableMFADevice(ctx, alice, &EnableMFADeviceInput{UserName: "nobody", SerialNumber: serial, AuthenticationCode1: "123456", AuthenticationCode2: "123456"})
			return err
		}},
		{"list own devices", func() error {
			_, err := e.svc.ListMFADevices(ctx, alice, &ListMFADevicesInput{})
			return err
		}},
		{"list virtual devices", func() error {
			_, err := e.svc.ListVirtualMFADevices(ctx, alice, &ListVirtualMFADevicesInput{})
			return err
		}},
		{"delete", func() error {
			_, err := e.svc.DeleteVirtualMFADevice(ctx, alice, &DeleteVirtualMFADeviceInput{SerialNumber: serial})
			return err
		}},
		{"delete a missing device", func() error {
			_, err := e.svc.DeleteVirtualMFADevice(ctx, alice, &DeleteVirtualMFADeviceInput{SerialNumber: "arn:aws:iam::123456789012:mfa/none"})
			return err
		}},
		{"deactivate", func() error {
			_, err := e.svc.DeactivateMFADevice(ctx, alice, &DeactivateMFADeviceInput{SerialNumber: serial})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.call(), "AccessDenied") })
	}

	// A policy on her own user and on devices named after her lets alice
	// manage her MFA, as AWS's self-service example does.
	must[*Empty](t)(e.svc.PutUserPolicy(ctx, e.root, &PutUserPolicyInput{UserName: "alice", PolicyName: "self-mfa", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:CreateVirtualMFADevice","iam:DeleteVirtualMFADevice"],"Resource":"arn:aws:iam::*:mfa/${aws:username}"},
		{"Effect":"Allow","Action":["iam:EnableMFADevice","iam:ListMFADevices","iam:ResyncMFADevice","iam:DeactivateMFADevice"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`}))
	out := must[*CreateVirtualMFADeviceOutput](t)(e.svc.CreateVirtualMFADevice(ctx, alice, &CreateVirtualMFADeviceInput{VirtualMFADeviceName: "alice"}))
	_, err := e.svc.CreateVirtualMFADevice(ctx, alice, &CreateVirtualMFADeviceInput{VirtualMFADeviceName: "bob"})
	wantCode(t, err, "AccessDenied")
	own := out.VirtualMFADevice
	must[*Empty](t)(e.svc.EnableMFADevice(ctx, alice, &EnableMFADeviceInput{UserName: "alice", SerialNumber: own.SerialNumber,
		AuthenticationCode1: e.code(t, string(own.Base32StringSeed), -1), AuthenticationCode2: e.code(t, string(own.Base32StringSeed), 0)}))
	list := must[*ListMFADevicesOutput](t)(e.svc.ListMFADevices(ctx, alice, &ListMFADevicesInput{}))
	if len(list.MFADevices.Member) != 1 || list.MFADevices.Member[0].UserName != "alice" {
		t.Fatalf("own devices: %+v", list)
	}
	must[*Empty](t)(e.svc.DeactivateMFADevice(ctx, alice, &DeactivateMFADeviceInput{SerialNumber: own.SerialNumber}))
	must[*Empty](t)(e.svc.DeleteVirtualMFADevice(ctx, alice, &DeleteVirtualMFADeviceInput{SerialNumber: own.SerialNumber}))
}

func TestAccountSummaryCountsMFA(t *testing.T) {
	e := newMFAEnv(t)
	ctx := context.Background()
	serial, seed := e.create(t, "phone")
	e.create(t, "spare")
	e.enable(t, "alice", serial, seed)
	sum := must[*GetAccountSummaryOutput](t)(e.svc.GetAccountSummary(ctx, e.root, &GetAccountSummaryInput{}))
	if sum.SummaryMap["MFADevicesInUse"] != 1 || sum.SummaryMap["AccountMFAEnabled"] != 0 {
		t.Fatalf("summary: %+v", sum.SummaryMap)
	}
}
