package sigv4

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func verifySecret(v *Verifier, r *http.Request, sec *Secret) error {
	s, err := v.Parse(r)
	if err != nil {
		return err
	}
	return v.VerifySecret(s, sec, []byte(testBody))
}

// signedIn signs a request in the given region and service.
func signedIn(t testing.TB, secret, region, service string) *http.Request {
	t.Helper()
	s := &Signer{Credentials: Credentials{AccessKeyID: "AKIDSECRET", SecretAccessKey: secret}, Region: region, Service: service}
	return signedPost(t, s, nil, nil)(t)
}

func keptScopes(sec *Secret) []string {
	var out []string
	if ks := sec.keys.Load(); ks != nil {
		for _, k := range ks.keys[:ks.n] {
			_, region, service := k.scope.fields()
			out = append(out, region+"/"+service)
		}
	}
	return out
}

// fields returns the date, region and service of id.
func (id *scopeID) fields() (date, region, service string) {
	b := id.b[:id.n]
	var f [3]string
	for i := range f {
		n := int(b[0])
		f[i], b = string(b[1:1+n]), b[1+n:]
	}
	return f[0], f[1], f[2]
}

// TestSecretKeepsScopes: VerifySecret keeps the derived keys of the last
// maxSecretKeys scopes, newest first, only after a verification succeeded,
// and a kept key verifies as a derived one does.
func TestSecretKeepsScopes(t *testing.T) {
	t.Parallel()
	v := NewVerifier(fixedClock(vecTime), Options{})
	sec := NewSecret(vecSecret)
	if err := verifySecret(v, signedIn(t, "wrong", vecRegion, "iam"), sec); !errors.Is(err, SignatureDoesNotMatch) {
		t.Fatalf("wrong secret: err = %v", err)
	}
	if got := keptScopes(sec); len(got) != 0 {
		t.Fatalf("a failed verification kept %v", got)
	}
	steps := []struct {
		region, service string
		want            []string
	}{
		{"us-east-1", "iam", []string{"us-east-1/iam"}},
		{"us-east-1", "iam", []string{"us-east-1/iam"}}, // kept: verified from the kept key
		{"us-west-2", "ivs", []string{"us-west-2/ivs", "us-east-1/iam"}},
		{"us-east-1", "sts", []string{"us-east-1/sts", "us-west-2/ivs", "us-east-1/iam"}},
		{"eu-west-1", "ivs", []string{"eu-west-1/ivs", "us-east-1/sts", "us-west-2/ivs", "us-east-1/iam"}},
		{"us-west-2", "ivs", []string{"eu-west-1/ivs", "us-east-1/sts", "us-west-2/ivs", "us-east-1/iam"}},
		{"ap-south-1", "ivs", []string{"ap-south-1/ivs", "eu-west-1/ivs", "us-east-1/sts", "us-west-2/ivs"}},
		{"us-east-1", "iam", []string{"us-east-1/iam", "ap-south-1/ivs", "eu-west-1/ivs", "us-east-1/sts"}},
	}
	for i, st := range steps {
		if err := verifySecret(v, signedIn(t, vecSecret, st.region, st.service), sec); err != nil {
			t.Fatalf("step %d (%s/%s): %v", i, st.region, st.service, err)
		}
		if got := fmt.Sprint(keptScopes(sec)); got != fmt.Sprint(st.want) {
			t.Fatalf("step %d: kept %s, want %v", i, got, st.want)
		}
		// The kept key refuses a request signed with another secret.
		if err := verifySecret(v, signedIn(t, "other-secret", st.region, st.service), sec); !errors.Is(err, SignatureDoesNotMatch) {
			t.Fatalf("step %d: another secret: err = %v", i, err)
		}
	}
	if v.keys.len() != 0 {
		t.Errorf("VerifySecret filled the Verifier's cache (%d keys)", v.keys.len())
	}
}

// TestSecretScopes: scopes that differ only in where their fields end
// have different ids, and a scope too long to keep verifies, derived each
// time.
func TestSecretScopes(t *testing.T) {
	t.Parallel()
	a, _ := packScope(&Scope{Date: "20150830", Region: "us-east-1i", Service: "am"})
	b, _ := packScope(&Scope{Date: "20150830", Region: "us-east-1", Service: "iam"})
	if a == b {
		t.Error("two scopes packed alike")
	}
	if id, ok := packScope(&Scope{Date: "20150830", Region: "us-east-1", Service: "iam"}); !ok || id != b {
		t.Error("a scope packed differently twice")
	}
	v := NewVerifier(fixedClock(vecTime), Options{})
	sec := NewSecret(vecSecret)
	long := strings.Repeat("x", maxScopeID)
	for range 2 {
		if err := verifySecret(v, signedIn(t, vecSecret, long, "ivs"), sec); err != nil {
			t.Fatalf("a long region: %v", err)
		}
		if err := verifySecret(v, signedIn(t, "other-secret", long, "ivs"), sec); !errors.Is(err, SignatureDoesNotMatch) {
			t.Fatalf("a long region, another secret: err = %v", err)
		}
	}
	if got := keptScopes(sec); len(got) != 0 {
		t.Errorf("kept %v", got)
	}
}

// TestSecretRotated: a Secret of a new secret value never verifies with a
// key derived from the old one.
func TestSecretRotated(t *testing.T) {
	t.Parallel()
	v := NewVerifier(fixedClock(vecTime), Options{})
	old, rotated := NewSecret("old-secret-0123456789012345678901234567"), NewSecret("new-secret-0123456789012345678901234567")
	oldReq := signedIn(t, "old-secret-0123456789012345678901234567", vecRegion, "iam")
	if err := verifySecret(v, oldReq, old); err != nil {
		t.Fatal(err)
	}
	if err := verifySecret(v, oldReq, rotated); !errors.Is(err, SignatureDoesNotMatch) {
		t.Errorf("old request, new secret: err = %v, want SignatureDoesNotMatch", err)
	}
}

// TestSecretConcurrent verifies through one Secret from many goroutines
// and scopes; run it with -race.
func TestSecretConcurrent(t *testing.T) {
	t.Parallel()
	v := NewVerifier(fixedClock(vecTime), Options{})
	sec := NewSecret(vecSecret)
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-south-1", "sa-east-1", "ca-central-1"}
	reqs := make([]*http.Request, len(regions))
	for i, r := range regions {
		reqs[i] = signedIn(t, vecSecret, r, "ivs")
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for j := range 200 {
				if err := verifySecret(v, reqs[(g+j)%len(reqs)], sec); err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := len(keptScopes(sec)); n > maxSecretKeys {
		t.Errorf("kept %d keys, limit %d", n, maxSecretKeys)
	}
}

func TestSecretEqual(t *testing.T) {
	t.Parallel()
	sec := NewSecret(vecSecret)
	for _, tc := range []struct {
		in   string
		want bool
	}{{vecSecret, true}, {vecSecret + "x", false}, {vecSecret[:len(vecSecret)-1], false}, {"", false}} {
		if got := sec.Equal(tc.in); got != tc.want {
			t.Errorf("Equal(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestSecretInit: a Secret made by Init, as a field of another struct,
// verifies and keeps its keys as one of NewSecret does.
func TestSecretInit(t *testing.T) {
	t.Parallel()
	var owner struct {
		id  string
		sec Secret
	}
	owner.sec.Init(vecSecret)
	v := NewVerifier(fixedClock(vecTime), Options{})
	if err := verifySecret(v, signedIn(t, vecSecret, "us-west-2", "ivs"), &owner.sec); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(keptScopes(&owner.sec)); got != "[us-west-2/ivs]" {
		t.Errorf("kept %s", got)
	}
	if !owner.sec.Equal(vecSecret) || owner.sec.Equal("other") {
		t.Error("Equal")
	}
}
