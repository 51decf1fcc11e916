// Package sigv4 verifies AWS Signature Version 4 requests, and signs them
// for tests and tools.
//
// # Verifying
//
// Verification has two phases so that the package stays free of I/O:
//
//  1. [Verifier.Parse] reads the Authorization header
//     ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...")
//     or the presigned query parameters (X-Amz-Algorithm, X-Amz-Credential,
//     X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature,
//     X-Amz-Security-Token). It checks their form, that "host" is signed, that
//     the scope date matches the signing time, the ±5 minute clock-skew window
//     and the presigned expiry (at most 7 days). The result, a [Signed], names
//     the access key id, the credential scope (date, region, service) to route
//     on, and the session token.
//  2. The caller looks up the secret for Signed.AccessKeyID (and checks the
//     session token and the scope's service and region), then calls
//     [Verifier.Verify] with the secret and the body. Verify builds the
//     canonical request, derives or reuses the signing key and compares the
//     signatures with hmac.Equal.
//
// Time comes only from the clock given to [NewVerifier].
//
// # Canonicalization
//
// The rules are those of all services but S3. The path is taken exactly as
// sent on the wire (Request.RequestURI on a server) and percent-encoded once
// more, so a client's %3A is signed as %253A. Dot segments and repeated
// slashes are removed first, as botocore signs; because aws-sdk-go-v2 signs
// the path unchanged, Verify also accepts the unnormalized form when it
// differs. The query is decoded and re-encoded strictly ('+' is a plus sign,
// never a space) and sorted after encoding; a malformed percent-escape never
// verifies. Header values are trimmed, runs of spaces and obsolete line folds
// become one space, and repeated headers are joined with commas.
//
// The payload hash is the SHA-256 of the body unless X-Amz-Content-Sha256 is
// present: then its value is signed, a hash in it must be the body's, and
// UNSIGNED-PAYLOAD is accepted unless Options.RejectUnsignedPayload is set.
// A session token may be signed or added after signing (the header is then
// simply not among SignedHeaders; in a presigned URL Verify also tries the
// canonical query without it). SigV4a and SigV2 are rejected.
//
// # Errors
//
// Failures are *[Error] values whose [Kind] maps one-to-one to an AWS error
// code ([Error.Code]) and whose message copies AWS's wording, for example
//
//	SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. ...
//	SignatureDoesNotMatch: Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T125100Z - 5 min.)
//
// Match them with errors.Is(err, sigv4.SignatureDoesNotMatch) or errors.As.
// The protocol layer chooses HTTP statuses and wire shapes.
//
// # Performance
//
// Derived signing keys are cached per (access key id, date, region, service)
// in a bounded cache, together with a hash of the secret they came from so
// that a rotated secret never reuses a stale key. Buffers are pooled; with a
// cached key, Parse and Verify of a small POST allocate once (the Signed).
// A Verifier is safe for concurrent use.
//
// # Signing
//
// [Signer] signs with the same canonicalization, in the header form
// ([Signer.Sign]) or the presigned form ([Signer.Presign]). Servers do not
// need it; tests and command-line tools do.
package sigv4
