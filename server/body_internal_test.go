package server

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadBody: a body is read whole whatever its Content-Length says,
// and refused past maxBodyBytes.
func TestReadBody(t *testing.T) {
	big := strings.Repeat("x", maxBodyBytes+1)
	for _, tc := range []struct {
		name    string
		body    string
		length  int64
		want    string
		tooMuch bool
	}{
		{"announced", "Action=GetCallerIdentity", 24, "Action=GetCallerIdentity", false},
		{"empty", "", 0, "", false},
		{"unannounced (chunked)", "abc", -1, "abc", false},
		{"more than announced", "abcdef", 3, "abcdef", false},
		{"less than announced", "ab", 5, "ab", false},
		{"too large, announced", big, int64(len(big)), "", true},
		{"too large, unannounced", big, -1, "", true},
		{"too large, announced small", big, 10, "", true},
		{"at the limit, announced small", big[1:], 10, big[1:], false},
		{"at the limit, announced", big[1:], maxBodyBytes, big[1:], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Body = io.NopCloser(strings.NewReader(tc.body))
			r.ContentLength = tc.length
			got, err := readBody(httptest.NewRecorder(), r)
			var mbe *http.MaxBytesError
			if tc.tooMuch {
				if !errors.As(err, &mbe) {
					t.Fatalf("err = %v, want a MaxBytesError", err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
