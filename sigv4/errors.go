package sigv4

import (
	"fmt"
	"strings"
	"time"
)

// Kind classifies an authentication failure. Each Kind corresponds to exactly
// one AWS error code, returned by [Kind.Code]. Kinds are append-only: do not
// reorder or remove them.
//
// A Kind is also an error value so that callers can match with errors.Is:
//
//	if errors.Is(err, sigv4.SignatureDoesNotMatch) { ... }
type Kind uint8

// The kinds of authentication failure.
const (
	// MissingAuthenticationToken: the request carries neither an
	// Authorization header nor presigned query parameters.
	MissingAuthenticationToken Kind = iota + 1
	// IncompleteSignature: the Authorization header or the presigned query
	// parameters are malformed or lack a required part.
	IncompleteSignature
	// InvalidClientTokenID: the access key id is unknown or inactive, or the
	// session token does not belong to it. Parse and Verify never return it;
	// the caller does, after looking up the key (see [InvalidClientTokenIDError]).
	InvalidClientTokenID
	// SignatureDoesNotMatch: the signature is wrong, or the request was signed
	// for the wrong scope, or a signed part of the request is missing, or
	// the request time is outside the clock-skew window (IAM and STS answer
	// "Signature expired: …" with this code, HTTP 403).
	SignatureDoesNotMatch
	// RequestExpired: a presigned request is past its expiry.
	RequestExpired
)

// Code returns the AWS error code for k, e.g. "SignatureDoesNotMatch".
func (k Kind) Code() string {
	switch k {
	case MissingAuthenticationToken:
		return "MissingAuthenticationToken"
	case IncompleteSignature:
		return "IncompleteSignature"
	case InvalidClientTokenID:
		return "InvalidClientTokenId"
	case SignatureDoesNotMatch:
		return "SignatureDoesNotMatch"
	case RequestExpired:
		return "RequestExpired"
	}
	return "InternalFailure"
}

// Error returns the AWS error code. It makes Kind usable as an errors.Is target.
func (k Kind) Error() string { return k.Code() }

// Error is an authentication failure. Msg copies the wording AWS uses, so the
// protocol layer can send Code() and Msg to the client unchanged.
type Error struct {
	Kind Kind   // the AWS error code, via Kind.Code
	Msg  string // the message for the client, in AWS's wording
}

// Error returns "Code: Msg".
func (e *Error) Error() string { return e.Kind.Code() + ": " + e.Msg }

// Code returns the AWS error code of e's Kind.
func (e *Error) Code() string { return e.Kind.Code() }

// Is reports whether target is e's Kind, or an *Error of the same Kind.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Kind:
		return t == e.Kind
	case *Error:
		return t.Kind == e.Kind
	}
	return false
}

// AWS wording for the fixed messages.
const (
	msgMissingToken      = "Request is missing Authentication Token"
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInvalidClientToken = "The security token included in the request is invalid."
	msgHostNotSigned      = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgPresignExpired     = "Request has expired."
	msgContentSHAMismatch = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgBothAuth           = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter " +
		"or the Authorization header should be specified."
)

// InvalidClientTokenIDError returns the error a caller sends when the access
// key id of a parsed request is unknown or inactive, or its session token is
// missing or does not match: "The security token included in the request is
// invalid."
func InvalidClientTokenIDError() *Error {
	return &Error{Kind: InvalidClientTokenID, Msg: msgInvalidClientToken}
}

// WrongServiceError returns the error a caller sends when the credential
// scope names a service other than the one the endpoint serves.
func WrongServiceError(service string) *Error {
	return &Error{Kind: SignatureDoesNotMatch,
		Msg: "Credential should be scoped to correct service: '" + service + "'."}
}

// InvalidRegionError returns the error a caller sends when the credential
// scope names a region the server does not serve.
func InvalidRegionError(region string) *Error {
	return &Error{Kind: SignatureDoesNotMatch,
		Msg: "Credential should be scoped to a valid region, not '" + region + "'."}
}

func errMissingToken() *Error {
	return &Error{Kind: MissingAuthenticationToken, Msg: msgMissingToken}
}

func errMismatch() *Error {
	return &Error{Kind: SignatureDoesNotMatch, Msg: msgSignatureMismatch}
}

func errIncomplete(msg string) *Error {
	return &Error{Kind: IncompleteSignature, Msg: msg}
}

func errBadDate(got string) *Error {
	return errIncomplete("Date must be in ISO-8601 'basic format'. Got '" + got +
		"'. See http://en.wikipedia.org/wiki/ISO_8601")
}

func errCredentialParts(got string) *Error {
	return errIncomplete("Credential must have exactly 5 slash-delimited elements, " +
		"e.g. keyid/date/region/service/term, got '" + got + "'")
}

func errTerminator(got string) *Error {
	return &Error{Kind: SignatureDoesNotMatch,
		Msg: "Credential should be scoped with a valid terminator: 'aws4_request', not '" + got + "'."}
}

func errScopeDate(scopeDate, amzDate string) *Error {
	return &Error{Kind: SignatureDoesNotMatch,
		Msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			scopeDate + "' != '" + amzDate[:8] + "', from '" + amzDate + "'."}
}

// errTooOld and errTooNew copy the AWS clock-skew errors, which IAM and
// STS send as SignatureDoesNotMatch:
//
//	Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T125100Z - 5 min.)
//	Signature not yet current: 20150830T130000Z is still later than 20150830T125600Z (20150830T125100Z + 5 min.)
func errTooOld(t, now time.Time, skew time.Duration) *Error {
	return &Error{Kind: SignatureDoesNotMatch, Msg: fmt.Sprintf(
		"Signature expired: %s is now earlier than %s (%s - %s.)",
		isoBasic(t), isoBasic(now.Add(-skew)), isoBasic(now), skewText(skew))}
}

func errTooNew(t, now time.Time, skew time.Duration) *Error {
	return &Error{Kind: SignatureDoesNotMatch, Msg: fmt.Sprintf(
		"Signature not yet current: %s is still later than %s (%s + %s.)",
		isoBasic(t), isoBasic(now.Add(skew)), isoBasic(now), skewText(skew))}
}

func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int64(d/time.Minute))
	}
	return fmt.Sprintf("%d sec", int64(d/time.Second))
}

// missingParts builds AWS's IncompleteSignature message, which lists every
// missing part of the Authorization header in one sentence each.
func missingParts(credential, signature, signedHeaders, date bool) *Error {
	var b strings.Builder
	add := func(s string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	if credential {
		add("Authorization header requires 'Credential' parameter.")
	}
	if signature {
		add("Authorization header requires 'Signature' parameter.")
	}
	if signedHeaders {
		add("Authorization header requires 'SignedHeaders' parameter.")
	}
	if date {
		add("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	return errIncomplete(b.String())
}

// missingQueryParams builds the message for presigned requests that lack some
// of the required X-Amz-* parameters.
func missingQueryParams(names []string) *Error {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("AWS query-string parameters must include '" + n + "'.")
	}
	b.WriteString(" Re-examine the query-string parameters.")
	return errIncomplete(b.String())
}
