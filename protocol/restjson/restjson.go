// Package restjson is the codec of AWS's REST-JSON protocol (awsRestJson1),
// spoken by IVS: an operation's input comes from a JSON body, URI path
// parameters and query parameters; its output goes out as a JSON body; an
// error goes out as its HTTP status, the header x-amzn-ErrorType and a
// JSON body with the message.
package restjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/protocol"
)

// Request is what an operation's input is decoded from.
type Request struct {
	// Body is the request body: a JSON object, or empty.
	Body []byte
	// Path holds the URI path parameters, already percent-decoded.
	Path map[string]string
	// Query is the URL query.
	Query url.Values
}

// Handler runs one operation: it decodes the request into the operation's
// input, calls it with the authenticated caller C, and returns the output
// (nil for an operation without one).
type Handler[C any] func(ctx context.Context, caller C, req *Request) (any, error)

// Op adapts a service method to a Handler.
func Op[C, I, O any](fn func(context.Context, C, *I) (*O, error)) Handler[C] {
	var b *bindings
	if t := reflect.TypeFor[I](); t.Kind() == reflect.Struct {
		b = bindingsFor(t)
	}
	return func(ctx context.Context, caller C, req *Request) (any, error) {
		in := new(I)
		if err := decode(req, in, b); err != nil {
			return nil, err
		}
		out, err := fn(ctx, caller, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// Decode fills in, a pointer to a struct, from req: the body's JSON keys
// bind by the fields' `json` tags (unknown keys are ignored), then fields
// tagged `path:"name"` take the path parameter name and fields tagged
// `query:"name"` (string or []string) the query parameter name. A body
// that is not a JSON object of the right types is a ValidationException.
func Decode(req *Request, in any) error {
	return decode(req, in, nil)
}

// decode is Decode with the bindings of in's type (nil: work them out).
func decode(req *Request, in any, b *bindings) error {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("restjson: decode into %T, not a pointer to a struct", in)
	}
	v = v.Elem()
	if b == nil {
		b = bindingsFor(v.Type())
	}
	if body := bytes.TrimSpace(req.Body); len(body) > 0 {
		if body[0] != '{' {
			return awserr.New(awserr.ValidationException, "Could not parse request body into json: the body is not a JSON object")
		}
		if !b.decodeFlat(body, v) {
			if err := json.Unmarshal(body, in); err != nil {
				return jsonError(err)
			}
		}
	}
	for _, p := range b.path {
		v.Field(p.index).SetString(req.Path[p.name])
	}
	for _, q := range b.query {
		vals := req.Query[q.name]
		switch {
		case !q.list && len(vals) > 0:
			v.Field(q.index).SetString(vals[0])
		case q.list && vals != nil:
			v.Field(q.index).Set(reflect.ValueOf(append([]string{}, vals...)))
		}
	}
	return nil
}

// jsonError turns a JSON decoding error into the client's error.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "body"
		}
		return awserr.New(awserr.ValidationException, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must be of type %s", field, jsonType(te.Type))
	}
	return awserr.New(awserr.ValidationException, "Could not parse request body into json: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonType names a Go type as the JSON type a client must send.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Slice:
		return "list"
	case reflect.Map, reflect.Struct:
		return "structure"
	}
	return t.String()
}

// WriteResult writes a successful response with the given status: the
// output as JSON ({} for nil), or no body at all for 204.
func WriteResult(w http.ResponseWriter, requestID string, status int, out any) error {
	// Set in canonical form: Header.Set would canonicalize the name,
	// allocating, on every response.
	w.Header()["X-Amzn-Requestid"] = []string{requestID}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return nil
	}
	if out == nil || isNil(out) {
		w.Header()["Content-Type"] = applicationJSON
		w.WriteHeader(status)
		_, err := w.Write(emptyObject)
		return err
	}
	sr, shared := out.(SharedResult)
	if shared {
		if body := sr.EncodedResult(); body != nil {
			return writeBody(w, status, body)
		}
	}
	rw := resultWriters.Get().(*resultWriter)
	body, err := rw.encode(out)
	if err != nil {
		return err
	}
	if shared {
		body = bytes.Clone(body) // the pooled buffer is reused
		sr.KeepEncodedResult(body)
	}
	err = writeBody(w, status, body)
	rw.release()
	return err
}

// A SharedResult is an operation's output that many requests share and
// nobody modifies (ivs.GetChannelOutput, one per stored version of a
// channel): WriteResult encodes it the first time, keeps the encoding in
// it, and writes that as it is for the requests after. Its methods must be
// safe for concurrent use.
type SharedResult interface {
	// EncodedResult returns the encoding kept, or nil.
	EncodedResult() []byte
	// KeepEncodedResult keeps the result's encoding, which nothing
	// modifies afterwards.
	KeepEncodedResult([]byte)
}

// writeBody writes a JSON response body with the given status.
func writeBody(w http.ResponseWriter, status int, body []byte) error {
	w.Header()["Content-Type"] = applicationJSON
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// applicationJSON is the Content-Type of results, shared by all of them
// (nothing modifies a header's values once set).
var applicationJSON = []string{"application/json"}

var emptyObject = []byte("{}")

// resultWriter is WriteResult's scratch, kept between responses: a buffer
// and a json.Encoder writing into it, which escapes as json.Marshal does.
type resultWriter struct {
	b   bytes.Buffer
	enc *json.Encoder
}

var resultWriters = sync.Pool{New: func() any {
	rw := &resultWriter{}
	rw.enc = json.NewEncoder(&rw.b)
	return rw
}}

// maxPooledResult bounds the buffer a resultWriter keeps.
const maxPooledResult = 64 << 10

// encode returns out as JSON, in rw's buffer: valid until rw is released.
// After an error, rw is not to be released (the encoder may hold part of
// a value).
func (rw *resultWriter) encode(out any) ([]byte, error) {
	rw.b.Reset()
	if err := rw.enc.Encode(out); err != nil {
		return nil, err
	}
	b := rw.b.Bytes()
	return b[:len(b)-1], nil // Encode's newline
}

// release returns rw to the pool, unless its buffer grew too large.
func (rw *resultWriter) release() {
	if rw.b.Cap() <= maxPooledResult {
		resultWriters.Put(rw)
	}
}

func isNil(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// jsonCodes renames the query-protocol codes of authentication failures
// and internal errors to the codes JSON services send.
var jsonCodes = map[string]string{
	awserr.InvalidClientTokenID:       "UnrecognizedClientException",
	awserr.SignatureDoesNotMatch:      "InvalidSignatureException",
	awserr.MissingAuthenticationToken: "MissingAuthenticationTokenException",
	awserr.IncompleteSignature:        "IncompleteSignatureException",
	awserr.ExpiredToken:               "ExpiredTokenException",
	awserr.RequestExpired:             "InvalidSignatureException",
	awserr.InternalFailure:            awserr.InternalServerException,
	"Throttling":                      "ThrottlingException",
}

// Code returns the code a REST-JSON client receives for e.
func Code(e *awserr.Error) string {
	if c, ok := jsonCodes[e.Code]; ok {
		return c
	}
	return e.Code
}

// errorBody is the JSON body of an error. Clients read the code from the
// x-amzn-ErrorType header; botocore reads the text from "message", and
// aws-sdk-go-v2's typed IVS errors from the modeled member
// "exceptionMessage", so both carry it.
type errorBody struct {
	Message          string `json:"message"`
	ExceptionMessage string `json:"exceptionMessage"`
}

// WriteError writes AWS's REST-JSON error: the status of the code, the
// code in x-amzn-ErrorType, and the message in the body.
func WriteError(w http.ResponseWriter, requestID string, e *awserr.Error) {
	code := Code(e)
	b, _ := json.Marshal(errorBody{Message: e.Message, ExceptionMessage: e.Message})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("x-amzn-ErrorType", code)
	w.WriteHeader(protocol.Status(code, e.Server))
	_, _ = w.Write(b)
}
