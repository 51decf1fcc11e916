package server

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// checkFormLikeParseQuery parses each of queries, in turn, with one
// formBuf reset between them (as a pooled exchange reuses it) and
// compares every result with url.ParseQuery's.
func checkFormLikeParseQuery(t *testing.T, queries ...string) {
	t.Helper()
	var buf formBuf
	for _, q := range queries {
		want, wantErr := url.ParseQuery(q)
		buf.reset()
		gotErr := buf.parse(q)
		got := buf.values()
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("parse(%q): error %v, url.ParseQuery's %v", q, gotErr, wantErr)
		}
		if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("parse(%q) = %v, url.ParseQuery's %v", q, got, want)
		}
	}
}

func TestFormBufParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		queries []string
	}{
		{"empty", []string{""}},
		{"one request", []string{"Action=GetCallerIdentity&Version=2011-06-15"}},
		{"repeated keys", []string{"a=1&a=2&b=3&a=4"}},
		{"escapes and plus", []string{"UserName=al%2Bice&Path=%2Fdev%2F&Tags.member.1.Value=a+b"}},
		{"empty pieces", []string{"&&a=&=b&c&&"}},
		{"semicolon", []string{"a=1;b=2&c=3"}},
		{"bad escape", []string{"a=%zz&b=2&c=%4"}},
		{"bad key escape", []string{"%g=1&b=2"}},
		// A pooled buffer holds nothing of the request before, and a
		// second value of a key does not write over a neighbour's.
		{"reuse", []string{"a=1&b=2&c=3", "b=x&a=y&a=z&c=w", "", "d=4"}},
		{"many values", []string{strings.Repeat("k=v&", 300), "x=1"}},
		{"many keys", []string{manyKeys(100), "a=1", manyKeys(70)}},
		{"over the parameter limit", []string{strings.Repeat("a&", maxQueryParams)}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkFormLikeParseQuery(t, tc.queries...) })
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("k")
		b.WriteString(strings.Repeat("x", i))
		b.WriteString("=v&")
	}
	return b.String()
}

// TestFormBufReset: a buffer that grew past the pooled bounds is dropped,
// and a kept one holds no value of the request before.
func TestFormBufReset(t *testing.T) {
	var buf formBuf
	if err := buf.parse(manyKeys(maxPooledFormKeys + 1)); err != nil {
		t.Fatal(err)
	}
	buf.reset()
	if buf.m != nil {
		t.Fatalf("a map of %d keys was kept", maxPooledFormKeys+1)
	}
	if err := buf.parse("a=1&b=2"); err != nil {
		t.Fatal(err)
	}
	buf.reset()
	if len(buf.m) != 0 || len(buf.vals) != 0 {
		t.Fatalf("reset left %v, %v", buf.m, buf.vals)
	}
	for _, v := range buf.vals[:cap(buf.vals)] {
		if v != "" {
			t.Fatalf("reset left the value %q in the backing array", v)
		}
	}
}

// TestQueryFormMerges: the URL query and the form body are both read.
func TestQueryFormMerges(t *testing.T) {
	r, err := http.NewRequest(http.MethodPost, "http://h/?Action=GetUser&UserName=q", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	var buf formBuf
	form, err := queryForm(r, []byte("UserName=b&Version=2010-05-08"), &buf)
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"Action": {"GetUser"}, "UserName": {"q", "b"}, "Version": {"2010-05-08"}}
	if !reflect.DeepEqual(form, want) {
		t.Fatalf("queryForm = %v, want %v", form, want)
	}
	r.Header.Set("Content-Type", "application/json")
	buf.reset()
	if form, err = queryForm(r, []byte("UserName=b"), &buf); err != nil || form.Get("UserName") != "q" || len(form["UserName"]) != 1 {
		t.Fatalf("a JSON body was read as a form: %v, %v", form, err)
	}
}

// FuzzFormBuf: formBuf.parse reads what url.ParseQuery reads, reused.
func FuzzFormBuf(f *testing.F) {
	f.Add("Action=GetCallerIdentity&Version=2011-06-15", "a=1&a=2")
	f.Add("a=%zz;&b", "%2B=+&&=")
	f.Fuzz(func(t *testing.T, q1, q2 string) {
		checkFormLikeParseQuery(t, q1, q2, q1)
	})
}
