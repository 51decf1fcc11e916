package awsquery

import (
	"encoding"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/gatehouse-iam/gatehouse/awserr"
)

// Decode fills the struct that v points to from query-protocol parameters.
// A field is bound by its tag `query:"Name"` (",required" makes it
// mandatory). Supported field types: string, bool, int, their pointers
// (nil when absent), slices of those or of structs (Name.member.N[.Field]),
// nested structs (Name.Field), and map[string]string
// (Name.entry.N.key / Name.entry.N.value). The fields of an untagged
// embedded struct are bound as the outer struct's.
func Decode(form url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("awsquery: Decode needs a pointer to a struct, got %T", v)
	}
	return decodeStruct(form, "", rv.Elem())
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func decodeStruct(form url.Values, prefix string, sv reflect.Value) error {
	st := sv.Type()
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		tag := f.Tag.Get("query")
		if tag == "" && f.Anonymous && f.Type.Kind() == reflect.Struct {
			// An embedded struct's fields are the outer struct's.
			if err := decodeStruct(form, prefix, sv.Field(i)); err != nil {
				return err
			}
			continue
		}
		if tag == "" || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		key := prefix + name
		present, err := decodeValue(form, key, sv.Field(i))
		if err != nil {
			return err
		}
		if !present && opts == "required" {
			return awserr.New(awserr.ValidationError, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(key))
		}
	}
	return nil
}

// hasPrefix reports whether any parameter is key or starts with key+".".
func hasPrefix(form url.Values, key string) bool {
	if _, ok := form[key]; ok {
		return true
	}
	for k := range form {
		if strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}

func decodeValue(form url.Values, key string, fv reflect.Value) (bool, error) {
	if fv.CanAddr() && fv.Addr().Type().Implements(textUnmarshaler) {
		s, ok := form[key]
		if !ok {
			return false, nil
		}
		if err := fv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s[0])); err != nil {
			return true, invalidValue(key, s[0], err.Error())
		}
		return true, nil
	}
	switch fv.Kind() {
	case reflect.Pointer:
		if !hasPrefix(form, key) {
			return false, nil
		}
		nv := reflect.New(fv.Type().Elem())
		if _, err := decodeValue(form, key, nv.Elem()); err != nil {
			return true, err
		}
		fv.Set(nv)
		return true, nil
	case reflect.String:
		s, ok := form[key]
		if !ok {
			return false, nil
		}
		fv.SetString(s[0])
		return true, nil
	case reflect.Bool:
		s, ok := form[key]
		if !ok {
			return false, nil
		}
		b, err := strconv.ParseBool(s[0])
		if err != nil {
			return true, invalidValue(key, s[0], "Member must be true or false")
		}
		fv.SetBool(b)
		return true, nil
	case reflect.Int, reflect.Int32, reflect.Int64:
		s, ok := form[key]
		if !ok {
			return false, nil
		}
		n, err := strconv.ParseInt(s[0], 10, 64)
		if err != nil {
			return true, invalidValue(key, s[0], "Member must be an integer")
		}
		fv.SetInt(n)
		return true, nil
	case reflect.Struct:
		if !hasPrefix(form, key) {
			return false, nil
		}
		return true, decodeStruct(form, key+".", fv)
	case reflect.Slice:
		return decodeList(form, key, fv)
	case reflect.Map:
		return decodeMap(form, key, fv)
	}
	return false, fmt.Errorf("awsquery: unsupported field type %s for %s", fv.Type(), key)
}

// maxListItems bounds lists so that a hostile request cannot make the
// decoder loop for long.
const maxListItems = 1000

func decodeList(form url.Values, key string, fv reflect.Value) (bool, error) {
	if s, ok := form[key]; ok && len(s) > 0 && s[0] == "" {
		// "Name=" is how SDKs send an empty list.
		fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
		return true, nil
	}
	var items reflect.Value
	for n := 1; n <= maxListItems+1; n++ {
		ik := key + ".member." + strconv.Itoa(n)
		if !hasPrefix(form, ik) {
			break
		}
		if n > maxListItems {
			return true, awserr.New(awserr.ValidationError, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", lowerFirst(key), maxListItems)
		}
		if !items.IsValid() {
			items = reflect.MakeSlice(fv.Type(), 0, 4)
		}
		ev := reflect.New(fv.Type().Elem()).Elem()
		if _, err := decodeValue(form, ik, ev); err != nil {
			return true, err
		}
		items = reflect.Append(items, ev)
	}
	if !items.IsValid() {
		return false, nil
	}
	fv.Set(items)
	return true, nil
}

func decodeMap(form url.Values, key string, fv reflect.Value) (bool, error) {
	if fv.Type().Key().Kind() != reflect.String || fv.Type().Elem().Kind() != reflect.String {
		return false, fmt.Errorf("awsquery: unsupported map type %s for %s", fv.Type(), key)
	}
	m := reflect.MakeMap(fv.Type())
	found := false
	for n := 1; n <= maxListItems; n++ {
		base := key + ".entry." + strconv.Itoa(n)
		k, ok := form[base+".key"]
		if !ok {
			break
		}
		found = true
		m.SetMapIndex(reflect.ValueOf(k[0]), reflect.ValueOf(form.Get(base+".value")))
	}
	if found {
		fv.Set(m)
	}
	return found, nil
}

func invalidValue(key, val, constraint string) error {
	return awserr.New(awserr.ValidationError, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", val, lowerFirst(key), constraint)
}

// lowerFirst turns a parameter path into AWS's member path:
// "Tags.member.1.Key" → "tags.member.1.key" style first letters.
func lowerFirst(key string) string {
	parts := strings.Split(key, ".")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToLower(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, ".")
}
