package audit

import (
	"encoding"
	"encoding/json"
	"maps"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// EventSource returns CloudTrail's eventSource of a service: "iam" →
// "iam.amazonaws.com".
func EventSource(service string) string {
	if service == "" {
		return ""
	}
	return service + ".amazonaws.com"
}

// ReadOnly reports whether CloudTrail counts an operation of a service as
// a read: Get*, List*, Describe*, BatchGet*, Simulate*, Lookup*, and STS's
// calls, which change nothing stored.
func ReadOnly(service, operation string) bool {
	if service == "sts" {
		return true
	}
	for _, p := range []string{"Get", "List", "Describe", "BatchGet", "Simulate", "Lookup"} {
		if strings.HasPrefix(operation, p) {
			return true
		}
	}
	return false
}

// RecordsResponse reports whether an event of the operation carries its
// responseElements: CloudTrail leaves them null for the reads that only
// return what is stored, GetCallerIdentity's included (STS's other calls,
// which issue credentials, have them).
func RecordsResponse(service, operation string) bool {
	if service == "sts" {
		return operation != "GetCallerIdentity"
	}
	return !ReadOnly(service, operation)
}

// QueryParameters converts the parameters of a query-protocol request to
// requestParameters: "Tags.member.1.Key" becomes {"tags": [{"key": …}]},
// names start lower-case, and Action, Version and the X-Amz-* parameters
// of presigned requests are left out. Secrets are hidden.
func QueryParameters(form url.Values) map[string]any {
	out := map[string]any{}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "Action" || k == "Version" || strings.HasPrefix(strings.ToLower(k), "x-amz-") || len(form[k]) == 0 {
			continue
		}
		setPath(out, strings.Split(k, "."), form[k][0])
	}
	if len(out) == 0 {
		return nil
	}
	v := collapse(out)
	redact(v, false)
	m, _ := v.(map[string]any)
	return m
}

// setPath stores v at the dotted path in m, making maps on the way; the
// "member" and "entry" levels of lists and maps are kept for collapse.
func setPath(m map[string]any, path []string, v string) {
	for i, p := range path {
		name := lowerFirst(p)
		if _, err := strconv.Atoi(p); err == nil {
			name = p
		}
		if i == len(path)-1 {
			m[name] = v
			return
		}
		next, ok := m[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[name] = next
		}
		m = next
	}
}

// collapse turns {"1": a, "2": b} into [a, b], and {"member": [a, b]}
// (IAM's list encoding) into [a, b].
func collapse(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, x := range m {
		m[k] = collapse(x)
	}
	if arr, ok := m["member"].([]any); ok && len(m) == 1 {
		return arr
	}
	if arr, ok := indexed(m); ok {
		return arr
	}
	return m
}

// indexed returns the values of a map keyed "1", "2", … in order.
func indexed(m map[string]any) ([]any, bool) {
	if len(m) == 0 {
		return nil, false
	}
	type kv struct {
		n int
		v any
	}
	items := make([]kv, 0, len(m))
	for k, v := range m {
		n, err := strconv.Atoi(k)
		if err != nil {
			return nil, false
		}
		items = append(items, kv{n, v})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].n < items[j].n })
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out, true
}

// JSONParameters converts a REST-JSON request (its JSON body and its path
// and query parameters) to requestParameters, secrets hidden. A body that
// is not a JSON object is left out.
func JSONParameters(body []byte, path map[string]string, query url.Values) map[string]any {
	var m map[string]any
	if len(body) > 0 {
		_ = json.Unmarshal(body, &m)
	}
	if len(path)+len(query) > 0 && m == nil {
		m = map[string]any{}
	}
	for k, v := range path {
		m[k] = v
	}
	for k, vs := range query {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			continue
		}
		if len(vs) == 1 {
			m[k] = vs[0]
		} else {
			m[k] = append([]string(nil), vs...)
		}
	}
	if len(m) == 0 {
		return nil
	}
	redact(m, false)
	return m
}

// Elements converts an operation's output to responseElements: struct
// fields named by their json or xml tag with a lower-case first letter,
// IAM's member lists as arrays, times in CloudTrail's format, secrets
// hidden. It returns nil for a nil or empty output.
func Elements(v any) map[string]any {
	if v == nil {
		return nil
	}
	m, _ := convert(reflect.ValueOf(v)).(map[string]any)
	if len(m) == 0 {
		return nil
	}
	redact(m, false)
	return m
}

var (
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	timeType      = reflect.TypeFor[time.Time]()
)

// convert turns a value into JSON-able maps, slices and scalars.
func convert(v reflect.Value) any {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == timeType:
		return v.Interface().(time.Time).UTC().Format(TimeFormat)
	case v.Kind() == reflect.String:
		return v.String()
	case v.Type().Implements(textMarshaler):
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return nil
		}
		return string(b)
	}
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = convert(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[keyString(it.Key())] = convert(it.Value())
		}
		return out
	case reflect.Struct:
		return convertStruct(v)
	}
	return nil
}

func keyString(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	b, _ := json.Marshal(k.Interface())
	return strings.Trim(string(b), `"`)
}

// convertStruct converts a struct; a struct whose only field is an xml
// "member" list (IAM's List[T]) becomes that list.
func convertStruct(v reflect.Value) any {
	t := v.Type()
	out := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, omitEmpty, skip := fieldName(f)
		if skip {
			continue
		}
		fv := v.Field(i)
		if name == "member" && t.NumField() == 1 {
			return convert(fv)
		}
		if (omitEmpty || fv.Kind() == reflect.Pointer) && fv.IsZero() {
			continue
		}
		if x := convert(fv); x != nil {
			out[name] = x
		}
	}
	return out
}

// fieldName returns the name of a struct field in responseElements: its
// json or xml tag's first element (before ">"), lower-first.
func fieldName(f reflect.StructField) (name string, omitEmpty, skip bool) {
	tag, ok := f.Tag.Lookup("json")
	if !ok {
		tag, ok = f.Tag.Lookup("xml")
	}
	name = f.Name
	if ok {
		parts := strings.Split(tag, ",")
		if parts[0] == "-" {
			return "", false, true
		}
		for _, p := range parts[1:] {
			switch p {
			case "omitempty", "omitzero":
				omitEmpty = true
			case "attr", "chardata", "innerxml":
				return "", false, true
			}
		}
		if parts[0] != "" {
			name, _, _ = strings.Cut(parts[0], ">")
		}
	}
	if name == "member" {
		return name, omitEmpty, false
	}
	return lowerFirst(name), omitEmpty, false
}

// lowerFirst lower-cases the leading upper-case letters of an AWS name as
// CloudTrail does: "UserName" → "userName", "QRCodePNG" → "qRCodePNG",
// "ARN" → "aRN"... CloudTrail lower-cases only the first letter.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// isSecret reports whether a lower-cased name holds a value that is never
// recorded.
func isSecret(lower string) bool {
	switch lower {
	case "secretaccesskey", "sessiontoken", "password", "oldpassword", "newpassword",
		"authenticationcode1", "authenticationcode2", "tokencode", "base32stringseed",
		"qrcodepng", "privatekey", "privatekeymaterial", "token", "playbacktoken":
		return true
	}
	return false
}

// RedactForm returns the query parameters with the value of every secret
// one (Password, NewPassword, AuthenticationCode1, …, at any depth)
// replaced by Hidden: form itself when it has none, else a copy. It is for
// what keeps the raw parameters, such as the server's journal of compact
// records, so that a secret never reaches a file.
func RedactForm(form url.Values) url.Values {
	var out url.Values
	for k := range form {
		if !secretParam(k) {
			continue
		}
		if out == nil {
			out = maps.Clone(form)
		}
		out[k] = []string{Hidden}
	}
	if out == nil {
		return form
	}
	return out
}

// secretNames are the names isSecret knows, and "streamkey", whose
// objects' "value" is secret (redact).
var secretNames = [...]string{"secretaccesskey", "sessiontoken", "password", "authenticationcode",
	"tokencode", "base32stringseed", "qrcodepng", "privatekey", "token", "streamkey"}

// secretFirst holds the first letters of secretNames: mayNameSecret
// compares names only where one of them stands.
var secretFirst = func() (set [256]bool) {
	for _, n := range secretNames {
		set[n[0]] = true
	}
	return set
}()

// RedactBody returns a JSON request body with the value of every secret
// member (as JSONParameters hides them) replaced by Hidden: body itself
// when no member could be secret, which a scan for the secret names tells
// without parsing. It is for what keeps raw bodies, such as the server's
// journal of compact records and the audit store. A body that is not a
// JSON object is returned as it is only when it names no secret, and
// replaced by an empty object otherwise.
func RedactBody(body []byte) []byte {
	if !mayNameSecret(body) {
		return body
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return []byte("{}")
	}
	redact(m, false)
	out, err := json.Marshal(m)
	if err != nil {
		return []byte("{}")
	}
	return out
}

// mayNameSecret reports whether b holds one of secretNames, ignoring
// case (of ASCII letters). It neither copies nor allocates: it runs for
// the body of every request.
func mayNameSecret(b []byte) bool {
	for i := range b {
		c := lowerASCII(b[i])
		if !secretFirst[c] {
			continue
		}
		for _, n := range secretNames {
			if n[0] == c && hasPrefixFold(b[i:], n) {
				return true
			}
		}
	}
	return false
}

// hasPrefixFold reports whether b begins with the lower-case lower,
// ignoring the case of ASCII letters.
func hasPrefixFold(b []byte, lower string) bool {
	if len(b) < len(lower) {
		return false
	}
	for j := 0; j < len(lower); j++ {
		if lowerASCII(b[j]) != lower[j] {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// secretParam reports whether a query parameter (its last dotted part)
// names a secret, without allocating.
func secretParam(key string) bool {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		key = key[i+1:]
	}
	var buf [32]byte
	if len(key) > len(buf) {
		return false
	}
	lower := buf[:len(key)]
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return isSecret(string(lower))
}

// redact replaces the secrets in v in place. keyObj reports that v is an
// IVS stream key (or a list of them), whose "value" is the secret.
func redact(v any, keyObj bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			lk := strings.ToLower(k)
			if isSecret(lk) || (keyObj && lk == "value") {
				if val != nil {
					x[k] = Hidden
				}
				continue
			}
			redact(val, lk == "streamkey" || lk == "streamkeys")
		}
	case []any:
		for _, e := range x {
			redact(e, keyObj)
		}
	}
}
