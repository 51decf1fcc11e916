package sigv4_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// A server authenticates a request in two phases: Parse needs no secret,
// the caller looks the access key up, and Verify checks the signature.
func Example() {
	// A client signs an IAM call (any AWS SDK does the same).
	signedAt := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	body := []byte("Action=ListUsers&Version=2010-05-08")
	req, err := http.NewRequest(http.MethodPost, "https://iam.amazonaws.com/", bytes.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	signer := &sigv4.Signer{
		Credentials: sigv4.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Region:      "us-east-1",
		Service:     "iam",
	}
	if err := signer.Sign(req, body, signedAt); err != nil {
		log.Fatal(err)
	}

	// The server keeps one Verifier; its clock is injected.
	now := func() time.Time { return signedAt.Add(time.Minute) }
	v := sigv4.NewVerifier(now, sigv4.Options{})
	secrets := map[string]string{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"} // the key store

	authenticate := func(r *http.Request, body []byte) (*sigv4.Signed, error) {
		s, err := v.Parse(r) // form, scope and clock skew
		if err != nil {
			return nil, err
		}
		if s.Scope.Service != "iam" { // route on the scope
			return nil, sigv4.WrongServiceError("iam")
		}
		secret, ok := secrets[s.AccessKeyID]
		if !ok {
			return nil, sigv4.InvalidClientTokenIDError()
		}
		return s, v.Verify(s, secret, body) // constant-time comparison
	}

	s, err := authenticate(req, body)
	fmt.Println(s.AccessKeyID, s.Scope.Service, s.Scope.Region, err)

	// A changed body no longer matches; the error carries the AWS code.
	_, err = authenticate(req, []byte("Action=DeleteUser&Version=2010-05-08"))
	var e *sigv4.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code())
	}
	fmt.Println(errors.Is(err, sigv4.SignatureDoesNotMatch))
	// Output:
	// AKIDEXAMPLE iam us-east-1 <nil>
	// SignatureDoesNotMatch
	// true
}

// Parse rejects a request signed outside the clock-skew window with AWS's
// wording, before any secret is looked up.
func ExampleVerifier_Parse() {
	signedAt := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	req, _ := http.NewRequest(http.MethodGet, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	signer := &sigv4.Signer{
		Credentials: sigv4.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"},
		Region:      "us-east-1",
		Service:     "sts",
	}
	if err := signer.Sign(req, nil, signedAt); err != nil {
		log.Fatal(err)
	}

	v := sigv4.NewVerifier(func() time.Time { return signedAt.Add(15 * time.Minute) }, sigv4.Options{})
	_, err := v.Parse(req)
	fmt.Println(err)
	// Output:
	// SignatureDoesNotMatch: Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T125100Z - 5 min.)
}

// Presign puts the signature in the query string, for URLs handed to
// another party.
func ExampleSigner_Presign() {
	signedAt := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	req, _ := http.NewRequest(http.MethodGet, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	signer := &sigv4.Signer{
		Credentials: sigv4.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"},
		Region:      "us-east-1",
		Service:     "sts",
	}
	if err := signer.Presign(req, nil, signedAt, 15*time.Minute); err != nil {
		log.Fatal(err)
	}

	v := sigv4.NewVerifier(func() time.Time { return signedAt.Add(10 * time.Minute) }, sigv4.Options{})
	s, err := v.Parse(req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Presigned, s.Expires, v.Verify(s, "secret", nil))
	// Output:
	// true 15m0s <nil>
}
