package restjson

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"
)

// bindings are how the fields of an input struct take a request: the
// string fields a flat JSON body may fill without encoding/json, and the
// fields of the path and query parameters. Op works them out once per
// operation instead of reading the struct's tags on every request.
type bindings struct {
	// flat maps the JSON name of each plain string field to its index;
	// nil when the type cannot take the fast path at all.
	flat  map[string]int
	path  []paramField
	query []paramField
}

// paramField is a field bound to a path or query parameter.
type paramField struct {
	index int
	name  string
	list  bool // a []string query field
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// bindingsFor works out the bindings of struct type t.
func bindingsFor(t reflect.Type) *bindings {
	b := &bindings{flat: map[string]int{}}
	seen := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if name, ok := f.Tag.Lookup("path"); ok && f.Type.Kind() == reflect.String {
			b.path = append(b.path, paramField{index: i, name: name})
		}
		if name, ok := f.Tag.Lookup("query"); ok {
			switch {
			case f.Type.Kind() == reflect.String:
				b.query = append(b.query, paramField{index: i, name: name})
			case f.Type == reflect.TypeFor[[]string]():
				b.query = append(b.query, paramField{index: i, name: name, list: true})
			}
		}
		if f.Anonymous {
			b.flat = nil // embedded fields: encoding/json's rules
			continue
		}
		if !f.IsExported() || b.flat == nil {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if seen[name] || strings.Contains(","+opts+",", ",string,") {
			b.flat = nil // a name twice, or the string option: encoding/json's rules
			continue
		}
		seen[name] = true
		pt := reflect.PointerTo(f.Type)
		if f.Type.Kind() == reflect.String && !pt.Implements(jsonUnmarshaler) && !pt.Implements(textUnmarshaler) {
			b.flat[name] = i
		}
	}
	return b
}

// decodeFlat fills the fields of v (a struct) from body when body is a
// JSON object whose members are all plain strings (no escapes, valid
// UTF-8) named exactly as fields in b.flat, which is what an IVS client
// sends for most operations (`{"arn":"…"}`): then encoding/json would
// set exactly those fields to exactly those strings. It reports false for
// anything else, leaving it to encoding/json; fields it set by then are
// set again by that.
func (b *bindings) decodeFlat(body []byte, v reflect.Value) bool {
	if b.flat == nil || len(body) == 0 || body[0] != '{' {
		return false
	}
	i := skipSpace(body, 1)
	if i < len(body) && body[i] == '}' {
		return skipSpace(body, i+1) == len(body)
	}
	for {
		key, j, ok := plainString(body, i)
		if !ok {
			return false
		}
		field, known := b.flat[string(key)]
		if !known {
			return false
		}
		if j = skipSpace(body, j); j == len(body) || body[j] != ':' {
			return false
		}
		val, j, ok := plainString(body, skipSpace(body, j+1))
		if !ok {
			return false
		}
		v.Field(field).SetString(string(val))
		switch j = skipSpace(body, j); {
		case j == len(body):
			return false
		case body[j] == ',':
			i = skipSpace(body, j+1)
		case body[j] == '}':
			return skipSpace(body, j+1) == len(body)
		default:
			return false
		}
	}
}

// plainString returns the text of the JSON string at body[i] and the
// index after it, or false when there is none or it has escapes, control
// characters or invalid UTF-8 (encoding/json's business).
func plainString(body []byte, i int) ([]byte, int, bool) {
	if i >= len(body) || body[i] != '"' {
		return nil, 0, false
	}
	ascii := true
	for j := i + 1; j < len(body); j++ {
		switch c := body[j]; {
		case c == '"':
			s := body[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, 0, false
}

// skipSpace returns the index of the first byte from i on that is not
// JSON white space.
func skipSpace(body []byte, i int) int {
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
		i++
	}
	return i
}
