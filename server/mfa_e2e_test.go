package server_test

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/pquerna/otp/totp"
)

// TestVirtualMFAWithSDK drives the virtual MFA device operations with
// aws-sdk-go-v2: the seed the SDK decodes yields the codes that enable the
// device.
func TestVirtualMFAWithSDK(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	root := ts.rootIAM()
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mateojackson")}); err != nil {
		t.Fatal(err)
	}
	created, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("mateo-phone"), Path: aws.String("/video/")})
	if err != nil {
		t.Fatal(err)
	}
	dev := created.VirtualMFADevice
	serial := aws.ToString(dev.SerialNumber)
	seed := string(dev.Base32StringSeed)
	if serial != "arn:aws:iam::123456789012:mfa/video/mateo-phone" || len(seed) != 64 || strings.Trim(seed, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Fatalf("created %s with seed %q", serial, seed)
	}
	if _, err := png.Decode(bytes.NewReader(dev.QRCodePNG)); err != nil {
		t.Fatalf("QRCodePNG: %v", err)
	}
	_, err = root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("Mateo-Phone"), Path: aws.String("/video/")})
	if code, _ := apiCode(t, err); code != "EntityAlreadyExists" {
		t.Fatalf("duplicate: %s", code)
	}

	now := time.Now() // one clock reading for a pair of codes
	code := func(steps int) string {
		c, err := totp.GenerateCode(seed, now.Add(time.Duration(steps)*30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	enable := func(c1, c2 string) error {
		_, err := root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("mateojackson"), SerialNumber: dev.SerialNumber,
			AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)})
		return err
	}
	err = enable(code(-2), code(0))
	if c, msg := apiCode(t, err); c != "InvalidAuthenticationCode" || msg != "Authentication code for device is not valid." {
		t.Fatalf("wrong codes: %s %s", c, msg)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
		t.Fatalf("wrong codes: status %v", err)
	}
	if err := enable(code(-1), code(0)); err != nil {
		t.Fatal(err)
	}
	if code, _ := apiCode(t, enable(code(-1), code(0))); code != "EntityAlreadyExists" {
		t.Fatalf("enabled twice: %s", code)
	}

	list, err := root.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("mateojackson")})
	if err != nil || len(list.MFADevices) != 1 || aws.ToString(list.MFADevices[0].SerialNumber) != serial ||
		aws.ToString(list.MFADevices[0].UserName) != "mateojackson" || list.MFADevices[0].EnableDate == nil || list.IsTruncated {
		t.Fatalf("ListMFADevices: %v %+v", err, list)
	}
	virt, err := root.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeAssigned})
	if err != nil || len(virt.VirtualMFADevices) != 1 {
		t.Fatalf("ListVirtualMFADevices: %v %+v", err, virt)
	}
	if v := virt.VirtualMFADevices[0]; aws.ToString(v.SerialNumber) != serial || v.User == nil || aws.ToString(v.User.UserName) != "mateojackson" ||
		v.EnableDate == nil || v.Base32StringSeed != nil || v.QRCodePNG != nil {
		t.Fatalf("virtual device: %+v", v)
	}
	none, err := root.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeUnassigned})
	if err != nil || len(none.VirtualMFADevices) != 0 {
		t.Fatalf("unassigned: %v %+v", err, none)
	}

	_, err = root.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: dev.SerialNumber})
	if code, _ := apiCode(t, err); code != "DeleteConflict" {
		t.Fatalf("delete while assigned: %s", code)
	}
	_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("mateojackson")})
	if code, _ := apiCode(t, err); code != "DeleteConflict" {
		t.Fatalf("delete user with MFA: %s", code)
	}
	if _, err := root.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("mateojackson"), SerialNumber: dev.SerialNumber}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: dev.SerialNumber}); err != nil {
		t.Fatal(err)
	}
	all, err := root.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
	if err != nil || len(all.VirtualMFADevices) != 0 {
		t.Fatalf("after delete: %v %+v", err, all)
	}
	if _, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("mateojackson")}); err != nil {
		t.Fatal(err)
	}

	// The seed is neither stored nor logged in the clear.
	for _, f := range []string{"gatehouse.db", "gatehouse.db-wal"} {
		b, err := os.ReadFile(filepath.Join(ts.dataDir, f))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(seed)) {
			t.Errorf("%s holds the MFA seed in the clear", f)
		}
	}
	if strings.Contains(ts.logs.String(), seed) {
		t.Error("the logs hold the MFA seed")
	}
}
