package restjson

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// flatInput has the fields the fast path takes and those it must leave
// to encoding/json.
type flatInput struct {
	Arn   string            `json:"arn"`
	Name  string            `json:"name,omitempty"`
	Plain string            // bound by its Go name
	Level upper             `json:"level"` // has UnmarshalText
	Count int               `json:"count"`
	Tags  map[string]string `json:"tags"`
	Path  string            `json:"-" path:"p"`
	//lint:ignore U1000 an unexported field, which no body may set
	unexport string
}

type upper string

func (u *upper) UnmarshalText(b []byte) error {
	*u = upper(strings.ToUpper(string(b)))
	return nil
}

// flatBodies are bodies the fast path takes, and bodies it must refuse.
var flatBodies = []string{
	`{}`, `{ }`, `{"arn":"arn:aws:ivs:us-west-2:123456789012:channel/abc"}`, `{"arn":"a","name":"b","Plain":"c"}`,
	"{\n\t\"arn\" : \"x\" ,\r\n \"name\":\"\"}", `{"arn":"first","arn":"last"}`, `{"arn":"ünïcödé"}`,
	// For encoding/json: escapes, other case, other types, null, unknown, bad.
	`{"arn":"a\"b"}`, `{"arn":"\u0041"}`, `{"ARN":"x"}`, `{"plain":"x"}`, `{"level":"low"}`, `{"count":3}`,
	`{"arn":null}`, `{"other":"x"}`, `{"tags":{"k":"v"}}`, `{"arn":"a",}`, `{"arn":"a"} x`, `{"arn":"a"`,
	`{"arn":"a" "name":"b"}`, `{"arn":"` + "\xff" + `"}`, `{"arn":"a` + "\n" + `"}`, `{"unexport":"x"}`, `{"Path":"x"}`, `{"-":"x"}`,
	`{"arn":"a","count":"3"}`, `{"arn"}`, `{"arn":}`, `{`, `{,}`,
}

// TestDecodeFlat checks the fast path against encoding/json: whenever it
// takes a body, the struct is what json.Unmarshal makes of it.
func TestDecodeFlat(t *testing.T) {
	b := bindingsFor(reflect.TypeFor[flatInput]())
	for _, name := range []string{"arn", "name", "Plain"} {
		if _, ok := b.flat[name]; !ok {
			t.Errorf("%s is not bound for the fast path", name)
		}
	}
	for _, name := range []string{"level", "count", "tags", "-", "Path", "unexport"} {
		if _, ok := b.flat[name]; ok {
			t.Errorf("%s is bound for the fast path", name)
		}
	}
	for i, body := range flatBodies {
		if took := checkFlat(t, b, []byte(body)); took != (i < 7) {
			t.Errorf("the fast path took %q: %v, want %v", body, took, i < 7)
		}
	}
	if bindingsFor(reflect.TypeFor[struct {
		flatInput
		X string `json:"x"`
	}]()).flat != nil {
		t.Error("a struct with an embedded field takes the fast path")
	}
	if bindingsFor(reflect.TypeFor[struct {
		A string `json:"a,string"`
	}]()).flat != nil {
		t.Error("a struct with the string option takes the fast path")
	}
}

// checkFlat reports whether the fast path took body, failing t when what
// it made differs from what json.Unmarshal makes.
func checkFlat(t *testing.T, b *bindings, body []byte) bool {
	t.Helper()
	var got, want flatInput
	if !b.decodeFlat(body, reflect.ValueOf(&got).Elem()) {
		return false
	}
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatalf("decodeFlat took %q, which json.Unmarshal refuses: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeFlat(%q) = %+v, json.Unmarshal %+v", body, got, want)
	}
	return true
}

func FuzzDecodeFlat(f *testing.F) {
	for _, s := range flatBodies {
		f.Add([]byte(s))
	}
	b := bindingsFor(reflect.TypeFor[flatInput]())
	f.Fuzz(func(t *testing.T, body []byte) { checkFlat(t, b, body) })
}
