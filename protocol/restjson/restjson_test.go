package restjson

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gatehouse-iam/gatehouse/awserr"
)

type input struct {
	Name    string            `json:"name"`
	Max     *int              `json:"maxResults"`
	Tags    map[string]string `json:"tags"`
	ARN     string            `json:"-" path:"resourceArn"`
	TagKeys []string          `json:"-" query:"tagKeys"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, body string
		path       map[string]string
		query      url.Values
		want       input
		code       string
	}{
		{name: "empty body", body: ""},
		{name: "empty object", body: "{}"},
		{name: "fields", body: `{"name":"a","maxResults":5,"tags":{"k":"v"}}`, want: input{Name: "a", Max: new(5), Tags: map[string]string{"k": "v"}}},
		{name: "unknown fields ignored", body: `{"name":"a","color":"red"}`, want: input{Name: "a"}},
		{name: "path and query", body: "", path: map[string]string{"resourceArn": "arn:x"}, query: url.Values{"tagKeys": {"a", "b"}},
			want: input{ARN: "arn:x", TagKeys: []string{"a", "b"}}},
		{name: "body cannot set path member", body: `{"resourceArn":"evil"}`, path: map[string]string{"resourceArn": "arn:x"}, want: input{ARN: "arn:x"}},
		{name: "malformed", body: `{"name":`, code: awserr.ValidationException},
		{name: "not an object", body: `[1]`, code: awserr.ValidationException},
		{name: "wrong type", body: `{"maxResults":"five"}`, code: awserr.ValidationException},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got input
			err := Decode(&Request{Body: []byte(tc.body), Path: tc.path, Query: tc.query}, &got)
			if tc.code != "" {
				var ae *awserr.Error
				if !errors.As(err, &ae) || ae.Code != tc.code {
					t.Fatalf("error %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(tc.want)
			if string(gb) != string(wb) || got.ARN != tc.want.ARN || len(got.TagKeys) != len(tc.want.TagKeys) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		err    *awserr.Error
		code   string
		status int
	}{
		{awserr.New(awserr.ResourceNotFoundException, "Channel not found"), "ResourceNotFoundException", 404},
		{awserr.New(awserr.AccessDeniedException, "no"), "AccessDeniedException", 403},
		{awserr.New(awserr.ServiceQuotaExceededException, "quota"), "ServiceQuotaExceededException", 402},
		{awserr.New(awserr.ConflictException, "live"), "ConflictException", 409},
		{awserr.New(awserr.ValidationException, "bad"), "ValidationException", 400},
		{awserr.New(awserr.InvalidClientTokenID, "bad key"), "UnrecognizedClientException", 403},
		{awserr.New(awserr.SignatureDoesNotMatch, "bad sig"), "InvalidSignatureException", 403},
		{awserr.Internal(errors.New("disk on fire")), "InternalServerException", 500},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		WriteError(rec, "req-1", tc.err)
		var body map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if rec.Code != tc.status || rec.Header().Get("x-amzn-ErrorType") != tc.code || rec.Header().Get("Content-Type") != "application/json" ||
			body["message"] != tc.err.Message || body["exceptionMessage"] != tc.err.Message || rec.Header().Get("x-amzn-RequestId") != "req-1" {
			t.Errorf("%s: status %d, headers %v, body %v", tc.code, rec.Code, rec.Header(), body)
		}
	}
}

func TestWriteResult(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := WriteResult(rec, "r", http.StatusNoContent, &struct{}{}); err != nil || rec.Code != 204 || rec.Body.Len() != 0 {
		t.Fatalf("204: %v %d %q", err, rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	if err := WriteResult(rec, "r", http.StatusOK, (*struct{ A int })(nil)); err != nil || rec.Body.String() != "{}" {
		t.Fatalf("nil output: %v %q", err, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	if err := WriteResult(rec, "r", http.StatusOK, &struct {
		Name string `json:"name"`
	}{"x"}); err != nil || rec.Body.String() != `{"name":"x"}` || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("output: %v %q", err, rec.Body.String())
	}
}

// shared is a SharedResult that counts the encodings it is given.
type shared struct {
	Name string            `json:"name"`
	Tags map[string]string `json:"tags"`
	kept []byte
	n    int
}

func (s *shared) EncodedResult() []byte      { return s.kept }
func (s *shared) KeepEncodedResult(b []byte) { s.kept, s.n = b, s.n+1 }

// TestWriteResultShared: a shared result is encoded once, exactly as any
// other value is (HTML characters escaped as json.Marshal does), and
// written from the kept encoding afterwards; the kept bytes are the
// result's own, not the pooled buffer's.
func TestWriteResultShared(t *testing.T) {
	out := &shared{Name: "<a&b>", Tags: map[string]string{"k": "\u2028"}}
	want, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		rec := httptest.NewRecorder()
		if err := WriteResult(rec, "r", http.StatusOK, out); err != nil {
			t.Fatal(err)
		}
		if rec.Body.String() != string(want) || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("X-Amzn-Requestid") != "r" {
			t.Fatalf("write %d: %q %v, want %q", i, rec.Body.String(), rec.Header(), want)
		}
		// Other results through the pooled buffers do not touch it.
		if err := WriteResult(httptest.NewRecorder(), "r", http.StatusOK, &struct {
			Name string `json:"name"`
		}{"a much longer name, to write over what the buffer held before"}); err != nil {
			t.Fatal(err)
		}
	}
	if out.n != 1 || string(out.kept) != string(want) {
		t.Errorf("encoded %d times, kept %q", out.n, out.kept)
	}
	// What is written is the kept encoding.
	out.kept = []byte(`{"kept":true}`)
	rec := httptest.NewRecorder()
	if err := WriteResult(rec, "r", http.StatusOK, out); err != nil || rec.Body.String() != `{"kept":true}` {
		t.Errorf("with an encoding kept: %v %q", err, rec.Body.String())
	}
}

// FuzzDecode: any body decodes or fails with a ValidationException, never
// panics or fails otherwise.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "{}", `{"name":"a","maxResults":5,"tags":{"k":"v"}}`, `{"name":`, "[1]", `{"maxResults":1e400}`, "\x00", `{"tags":{"":null}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in input
		err := Decode(&Request{Body: body}, &in)
		if err == nil {
			return
		}
		var ae *awserr.Error
		if !errors.As(err, &ae) || ae.Code != awserr.ValidationException {
			t.Fatalf("body %q: error %v is not a ValidationException", body, err)
		}
	})
}
