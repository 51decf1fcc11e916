// Package awserr is the error type the services return: an AWS error code,
// a message in AWS's wording, and whether the fault is the caller's. Only
// the protocol codecs turn it into HTTP statuses and wire shapes.
package awserr

import (
	"errors"
	"fmt"
)

// Error is an AWS API error. It implements the ErrorCode, ErrorMessage and
// ErrorFault methods that smithy-go's APIError has.
type Error struct {
	// Code is the AWS error code, e.g. "NoSuchEntity".
	Code string
	// Message is the human-readable text sent to the client.
	Message string
	// Server marks a server fault (Receiver); the default is a client
	// fault (Sender).
	Server bool
	// Err is an underlying cause, logged but never sent to the client.
	Err error
}

// Error returns "Code: Message".
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the AWS error code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage returns the message.
func (e *Error) ErrorMessage() string { return e.Message }

// ErrorFault returns "server" or "client".
func (e *Error) ErrorFault() string {
	if e.Server {
		return "server"
	}
	return "client"
}

// New returns a client-fault error with a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error as a server fault whose message says
// nothing of the cause.
func Internal(err error) *Error {
	return &Error{Code: InternalFailure, Message: "We encountered an internal error. Please try again.", Server: true, Err: err}
}

// As returns err as an *Error, wrapping anything else with Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Codes used across services. Service-specific ones are named where used.
const (
	AccessDenied               = "AccessDenied"
	AccessDeniedException      = "AccessDeniedException"
	DeleteConflict             = "DeleteConflict"
	EntityAlreadyExists        = "EntityAlreadyExists"
	ExpiredToken               = "ExpiredToken"
	IncompleteSignature        = "IncompleteSignature"
	InternalFailure            = "InternalFailure"
	InvalidAction              = "InvalidAction"
	InvalidClientTokenID       = "InvalidClientTokenId"
	InvalidInput               = "InvalidInput"
	InvalidParameterValue      = "InvalidParameterValue"
	LimitExceeded              = "LimitExceeded"
	MalformedPolicyDocument    = "MalformedPolicyDocument"
	MissingAction              = "MissingAction"
	MissingAuthenticationToken = "MissingAuthenticationToken"
	MissingParameter           = "MissingParameter"
	NoSuchEntity               = "NoSuchEntity"
	RequestExpired             = "RequestExpired"
	SignatureDoesNotMatch      = "SignatureDoesNotMatch"
	UnmodifiableEntity         = "UnmodifiableEntity"
	ValidationError            = "ValidationError"
	ServiceUnavailable         = "ServiceUnavailable"
	InvalidRequest             = "InvalidRequest"
)

// Codes of the JSON APIs (IVS).
const (
	ValidationException           = "ValidationException"
	ResourceNotFoundException     = "ResourceNotFoundException"
	ConflictException             = "ConflictException"
	ServiceQuotaExceededException = "ServiceQuotaExceededException"
	InternalServerException       = "InternalServerException"
)
