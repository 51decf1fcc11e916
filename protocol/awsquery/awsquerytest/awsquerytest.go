// Package awsquerytest checks the query protocol's XML results against
// encoding/xml, for the tests of the services whose outputs it writes.
package awsquerytest

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"time"

	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
)

// Expected returns the document WriteResult must write for out: the
// output marshaled by encoding/xml's EncodeElement, wrapped as
// WriteResult wraps it.
func Expected(namespace, action, requestID string, out any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<` + action + `Response xmlns="` + namespace + `">`)
	if hasFields(out) {
		enc := xml.NewEncoder(&b)
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return nil, err
		}
		if err := enc.Flush(); err != nil {
			return nil, err
		}
	}
	b.WriteString(`<ResponseMetadata><RequestId>`)
	if err := xml.EscapeText(&b, []byte(requestID)); err != nil {
		return nil, err
	}
	b.WriteString(`</RequestId></ResponseMetadata></` + action + `Response>`)
	return b.Bytes(), nil
}

func hasFields(v any) bool {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() != reflect.Struct || t.NumField() > 0
}

// written returns what WriteResult writes for out, and its error.
func written(namespace, action, requestID string, out any) ([]byte, error) {
	rec := httptest.NewRecorder()
	err := awsquery.WriteResult(rec, namespace, action, requestID, out)
	return rec.Body.Bytes(), err
}

// Same reports a difference between WriteResult's document for out and
// encoding/xml's, as the two documents (or errors), or "" when they agree.
func Same(namespace, action string, out any) string {
	const id = "c2f1a3f0-0000-4000-8000-000000000000"
	want, wantErr := Expected(namespace, action, id, out)
	got, gotErr := written(namespace, action, id, out)
	switch {
	case (wantErr != nil) != (gotErr != nil):
		return "encoding/xml error: " + errString(wantErr) + "\nWriteResult error: " + errString(gotErr)
	case wantErr != nil:
		return ""
	case !bytes.Equal(got, want):
		return "WriteResult:  " + string(got) + "\nencoding/xml: " + string(want)
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}

// Fill sets v (settable) to random contents: strings with characters XML
// escapes or replaces, invalid UTF-8, zero and non-zero numbers, nil and
// empty pointers and slices, times in other zones.
func Fill(r *rand.Rand, v reflect.Value) { fill(r, v, 0) }

var pieces = []string{"", "a", "Alice", "<&>", `"'`, "\t\n\r", "\x00", "\x7f", "\xff", "é", "\uFFFD", "\U0001F600",
	"\uFFFE", "\ud7ff", "arn:aws:iam::123456789012:user/x", "%20+", "]]>"}

var times = []time.Time{{}, time.Date(2026, 11, 29, 3, 4, 5, 0, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC),
	time.Date(1999, 12, 31, 23, 59, 59, 999_999_999, time.FixedZone("x", -7*3600)), time.Unix(1_700_000_000, 123).UTC()}

func fill(r *rand.Rand, v reflect.Value, depth int) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(times[r.IntN(len(times))]))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if depth > 5 || r.IntN(4) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				fill(r, f, depth+1)
			}
		}
	case reflect.Slice:
		n := r.IntN(4)
		if depth > 5 || (n == 0 && r.IntN(2) == 0) {
			v.SetZero()
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(r, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range r.IntN(3) {
			k := reflect.New(v.Type().Key()).Elem()
			e := reflect.New(v.Type().Elem()).Elem()
			fill(r, k, depth+1)
			fill(r, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.String:
		s := ""
		for range r.IntN(4) {
			s += pieces[r.IntN(len(pieces))]
		}
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt([]int64{0, 1, -1, 42, 1 << 40}[r.IntN(5)] % (1 << (v.Type().Bits() - 1)))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint([]uint64{0, 1, 255, 1 << 40}[r.IntN(4)] % (1 << (v.Type().Bits() - 1)))
	case reflect.Float32, reflect.Float64:
		v.SetFloat([]float64{0, 1, -0.5, 1e21, 3.25}[r.IntN(5)])
	}
}
