// Package mfa implements virtual MFA devices: TOTP seeds (RFC 6238:
// HMAC-SHA1, 30-second steps, 6 digits) sealed at rest, the QR code an
// authenticator app scans, and the verification of one-time codes, each
// usable once.
//
// The package knows no HTTP and no IAM rules; iam manages devices and sts
// calls Verify.
//
//	user, err := mfa.Verify(ctx, st, box, now, account, serial, code)
//	switch {
//	case errors.Is(err, mfa.ErrNoDevice), errors.Is(err, mfa.ErrInvalidCode):
//		// refuse the request
//	case err != nil:
//		// internal failure
//	}
package mfa
