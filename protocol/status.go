// Package protocol holds what the wire codecs share: the one table that maps
// AWS error codes to HTTP statuses.
package protocol

import "net/http"

// statuses maps an AWS error code to its HTTP status. Codes not listed are
// 400 for client faults and 500 for server faults.
var statuses = map[string]int{
	"AccessDenied":                        http.StatusForbidden,
	"AccessDeniedException":               http.StatusForbidden,
	"InvalidClientTokenId":                http.StatusForbidden,
	"SignatureDoesNotMatch":               http.StatusForbidden,
	"MissingAuthenticationToken":          http.StatusForbidden,
	"ExpiredToken":                        http.StatusForbidden,
	"UnrecognizedClientException":         http.StatusForbidden,
	"InvalidSignatureException":           http.StatusForbidden,
	"MissingAuthenticationTokenException": http.StatusForbidden,
	"ExpiredTokenException":               http.StatusForbidden,
	"InvalidAuthenticationCode":           http.StatusForbidden,
	"RegionDisabledException":             http.StatusForbidden,
	"OptInRequired":                       http.StatusForbidden,
	"NoSuchEntity":                        http.StatusNotFound,
	"ResourceNotFoundException":           http.StatusNotFound,
	"UnknownOperationException":           http.StatusNotFound,
	"ChannelNotBroadcasting":              http.StatusNotFound,
	"EntityAlreadyExists":                 http.StatusConflict,
	"LimitExceeded":                       http.StatusConflict,
	"DeleteConflict":                      http.StatusConflict,
	"ConcurrentModification":              http.StatusConflict,
	"EntityTemporarilyUnmodifiable":       http.StatusConflict,
	"ConflictException":                   http.StatusConflict,
	"ServiceQuotaExceededException":       http.StatusPaymentRequired,
	"ThrottlingException":                 http.StatusTooManyRequests,
	"RequestEntityTooLargeException":      http.StatusRequestEntityTooLarge,
	"InternalFailure":                     http.StatusInternalServerError,
	"InternalServerException":             http.StatusInternalServerError,
	"ServiceFailure":                      http.StatusInternalServerError,
	"PolicyEvaluation":                    http.StatusInternalServerError,
	"ServiceUnavailable":                  http.StatusServiceUnavailable,
}

// Status returns the HTTP status of an AWS error code.
func Status(code string, serverFault bool) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	if serverFault {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}
