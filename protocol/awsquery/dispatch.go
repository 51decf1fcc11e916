// Package awsquery is the codec of AWS's query protocol, spoken by IAM and
// STS: form-encoded requests (Action=…&Version=…&Param=…), XML responses,
// and <ErrorResponse> errors.
package awsquery

import (
	"context"
	"net/url"
)

// Handler runs one operation: it decodes the form into the operation's
// input, calls it with the authenticated caller C, and returns the output.
type Handler[C any] func(ctx context.Context, caller C, form url.Values) (any, error)

// Op adapts a service method to a Handler.
func Op[C, I, O any](fn func(context.Context, C, *I) (*O, error)) Handler[C] {
	return func(ctx context.Context, caller C, form url.Values) (any, error) {
		in := new(I)
		if err := Decode(form, in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, caller, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}
