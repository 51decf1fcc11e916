package mfa

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/store/sqlite"
)

const (
	testAccount = "123456789012"
	testSerial  = "arn:aws:iam::123456789012:mfa/alice-phone"
)

// t0 is the start of a time step.
var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// GenerateCode returns the code of a seed at t, computed independently of
// the package (by pquerna/otp's TOTP).
func GenerateCode(t *testing.T, seed []byte, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(Base32(seed), at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type env struct {
	st     store.Store
	box    *seal.Box
	seed   []byte
	dbPath string
}

// newEnv returns a store with user alice and a device; enabled says
// whether the device is assigned to her.
func newEnv(t *testing.T, enabled bool) *env {
	t.Helper()
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "test.db")
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	seed := NewSeed()
	d := store.MFADevice{SerialNumber: testSerial, Account: testAccount, Name: "alice-phone", Path: "/",
		SealedSeed: SealSeed(box, testSerial, seed), CreatedAt: t0}
	u := store.User{ID: "AIDAALICE00000000000", Name: "Alice", Path: "/", ARN: "arn:aws:iam::123456789012:user/Alice", CreatedAt: t0}
	if enabled {
		d.UserID, d.EnabledAt = u.ID, t0
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		if err := store.PutJSON(ctx, tx, testAccount, store.UserKey(u.Name), &u); err != nil {
			return err
		}
		if err := tx.Put(ctx, testAccount, store.UserIDKey(u.ID), []byte("alice")); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, testAccount, store.MFADeviceKey(d.SerialNumber), &d)
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{st: st, box: box, seed: seed, dbPath: dbPath}
}

func (e *env) verify(now time.Time, serial, code string) (string, error) {
	return Verify(context.Background(), e.st, e.box, now, testAccount, serial, code)
}

func TestVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	now := t0.Add(10 * time.Second)
	wrong := func(c string) string { return string('0'+('9'-c[0])%10) + c[1:] }
	// The cases run in order against one device: clock and code are in
	// steps from now, and each accepted code uses its step up.
	tests := []struct {
		name        string
		serial      string
		clock, code int
		mangle      func(string) string
		want        error
	}{
		{"current step", testSerial, 0, 0, nil, nil},
		{"serial in another case", strings.ToUpper(testSerial), 1, 1, nil, nil},
		{"step used up", testSerial, 2, 1, nil, ErrInvalidCode},
		{"one step ahead", testSerial, 2, 3, nil, nil},
		{"two steps ahead", testSerial, 4, 6, nil, ErrInvalidCode},
		{"wrong code", testSerial, 5, 5, wrong, ErrInvalidCode},
		{"five digits", testSerial, 5, 5, func(c string) string { return c[:5] }, ErrInvalidCode},
		{"letters", testSerial, 5, 5, func(string) string { return "12345a" }, ErrInvalidCode},
		{"unknown device", "arn:aws:iam::123456789012:mfa/nope", 5, 5, nil, ErrNoDevice},
		{"other account", "arn:aws:iam::210987654321:mfa/alice-phone", 5, 5, nil, ErrNoDevice},
		{"still good after failures", testSerial, 5, 5, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := GenerateCode(t, e.seed, now.Add(time.Duration(tc.code)*Period))
			if tc.mangle != nil {
				c = tc.mangle(c)
			}
			user, err := e.verify(now.Add(time.Duration(tc.clock)*Period), tc.serial, c)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %q, %v; want %v", user, err, tc.want)
			}
			if err == nil && user != "Alice" {
				t.Fatalf("user %q", user)
			}
		})
	}
}

func TestVerifySkew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		offset int64 // steps between the code and the clock
		ok     bool
	}{
		{"behind by one", -1, true},
		{"same step", 0, true},
		{"ahead by one", 1, true},
		{"behind by two", -2, false},
		{"ahead by two", 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, true)
			now := t0.Add(15 * time.Second)
			_, err := e.verify(now, testSerial, GenerateCode(t, e.seed, now.Add(time.Duration(tc.offset)*Period)))
			if (err == nil) != tc.ok {
				t.Fatalf("Verify: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestVerifyReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	now := t0.Add(5 * time.Second)
	c := GenerateCode(t, e.seed, now)
	if _, err := e.verify(now, testSerial, c); err != nil {
		t.Fatal(err)
	}
	if _, err := e.verify(now.Add(time.Second), testSerial, c); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("replay: %v", err)
	}
	// An older code stays refused, even within the skew.
	if _, err := e.verify(now.Add(Period), testSerial, GenerateCode(t, e.seed, now.Add(-Period))); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("older code: %v", err)
	}
	// The next step's code is good once.
	if _, err := e.verify(now.Add(Period), testSerial, GenerateCode(t, e.seed, now.Add(Period))); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyConcurrentUseOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	c := GenerateCode(t, e.seed, t0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.verify(t0, testSerial, c)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				accepted++
			} else if !errors.Is(err, ErrInvalidCode) {
				t.Errorf("Verify: %v", err)
			}
		}()
	}
	wg.Wait()
	if accepted != 1 {
		t.Fatalf("code accepted %d times", accepted)
	}
}

func TestVerifyUnassignedDevice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	if _, err := e.verify(t0, testSerial, GenerateCode(t, e.seed, t0)); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("unassigned: %v", err)
	}
}

func TestVerifyDrift(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	ctx := context.Background()
	err := e.st.Update(ctx, func(tx store.Tx) error {
		var d store.MFADevice
		if err := store.GetJSON(ctx, tx, testAccount, store.MFADeviceKey(testSerial), &d); err != nil {
			return err
		}
		d.Drift = 5 // the device runs 2.5 minutes ahead
		return store.PutJSON(ctx, tx, testAccount, store.MFADeviceKey(testSerial), &d)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.verify(t0, testSerial, GenerateCode(t, e.seed, t0)); !errors.Is(err, ErrInvalidCode) {
		t.Fatalf("server-time code: %v", err)
	}
	if _, err := e.verify(t0, testSerial, GenerateCode(t, e.seed, t0.Add(5*Period))); err != nil {
		t.Fatalf("device-time code: %v", err)
	}
}

func TestMatchConsecutive(t *testing.T) {
	t.Parallel()
	seed := NewSeed()
	now := t0.Add(20 * time.Second)
	code := func(steps int) string { return GenerateCode(t, seed, now.Add(time.Duration(steps)*Period)) }
	tests := []struct {
		name         string
		code1, code2 string
		radius       int64
		want         int64 // offset of the later code's step; -99 for no match
	}{
		{"last and current", code(-1), code(0), 2, 0},
		{"current and next", code(0), code(1), 2, 1},
		{"older pair", code(-3), code(-2), 2, -2},
		{"too old", code(-4), code(-3), 2, -99},
		{"drifted ahead, wide radius", code(14), code(15), 20, 15},
		{"not consecutive", code(-2), code(0), 2, -99},
		{"reversed", code(0), code(-1), 2, -99},
		{"same code twice", code(0), code(0), 2, -99},
		{"malformed", "12345", code(0), 2, -99},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := MatchConsecutive(seed, now, tc.code1, tc.code2, tc.radius)
			if tc.want == -99 {
				if ok {
					t.Fatalf("matched step %d", got)
				}
				return
			}
			if !ok || got != Step(now)+tc.want {
				t.Fatalf("MatchConsecutive = %d, %v; want %d", got, ok, Step(now)+tc.want)
			}
		})
	}
}

func TestCodeMatchesRFC6238(t *testing.T) {
	t.Parallel()
	// RFC 6238 appendix B, SHA-1, truncated to 6 digits.
	seed := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		if got := code(seed, Step(time.Unix(tc.unix, 0))); got != tc.want {
			t.Errorf("code at %d = %s, want %s", tc.unix, got, tc.want)
		}
	}
}

func TestSealedSeedNotInClear(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	ctx := context.Background()
	var d store.MFADevice
	if err := e.st.View(ctx, func(tx store.Tx) error {
		return store.GetJSON(ctx, tx, testAccount, store.MFADeviceKey(testSerial), &d)
	}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(d.SealedSeed, e.seed) {
		t.Fatal("sealed seed contains the seed")
	}
	got, err := OpenSeed(e.box, &d)
	if err != nil || !bytes.Equal(got, e.seed) {
		t.Fatalf("OpenSeed: %v", err)
	}
	// The seed is bound to its serial number.
	moved := d
	moved.SerialNumber = "arn:aws:iam::123456789012:mfa/other"
	if _, err := OpenSeed(e.box, &moved); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("open under another serial: %v", err)
	}
	e.st.Close()
	for _, f := range []string{e.dbPath, e.dbPath + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(b, e.seed) || bytes.Contains(b, []byte(Base32(e.seed))) {
			t.Errorf("%s holds the seed in the clear", f)
		}
	}
}

func TestQRCodePNG(t *testing.T) {
	t.Parallel()
	seed := NewSeed()
	b, err := QRCodePNG("Gatehouse", "phone@123456789012", seed)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 256 {
		t.Fatalf("size %v", img.Bounds())
	}
	if len(Base32(seed)) != 64 {
		t.Fatalf("seed %q is not 64 base32 characters", Base32(seed))
	}
}
