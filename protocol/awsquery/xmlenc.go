package awsquery

import (
	"bytes"
	"encoding"
	"encoding/xml"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"
)

// The fast encoder: output shapes are plain structs of strings, numbers,
// booleans, times, pointers and slices, which encoding/xml marshals by
// reflection anew on every response, allocating as it goes. An xmlPlan is
// compiled once per type and writes the same bytes as xml.Encoder's
// EncodeElement straight into the response buffer. A type using anything
// the plan does not model (xml.Marshaler, attributes, embedded structs,
// XMLName, a>b paths, maps, interfaces, pointer-receiver marshalers) has no
// plan and is written by encoding/xml, so the output never differs
// (TestFastXMLMatchesEncodingXML and FuzzFastXML check it byte for byte).

// encodeFunc writes v as the elements open…close (several for a slice,
// none for a nil pointer or an omitted empty value).
type encodeFunc func(b *bytes.Buffer, v reflect.Value, open, close string) error

// xmlPlan writes one type; enc is nil when the type is left to
// encoding/xml. element is true for a struct written field by field: its
// start and end tags may then be written without making their strings.
type xmlPlan struct {
	enc     encodeFunc
	element bool
}

// xmlPlans caches plans by type: *xmlPlan.
var xmlPlans sync.Map

var (
	xmlMarshalerType  = reflect.TypeFor[xml.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	timeType          = reflect.TypeFor[time.Time]()
)

// planFor returns the plan of t, compiling it the first time.
func planFor(t reflect.Type) *xmlPlan {
	if p, ok := xmlPlans.Load(t); ok {
		return p.(*xmlPlan)
	}
	enc := compileXML(t, map[reflect.Type]bool{}, false)
	element := enc != nil && t.Kind() == reflect.Struct && t != timeType && !t.Implements(textMarshalerType)
	p, _ := xmlPlans.LoadOrStore(t, &xmlPlan{enc: enc, element: element})
	return p.(*xmlPlan)
}

// encodeElement writes v as the element name+suffix like xml.Encoder's
// EncodeElement, reporting false (and writing nothing) when v's type has
// no plan.
func encodeElement(b *bytes.Buffer, v any, name, suffix string) (bool, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return false, nil // encoding/xml writes nothing either
		}
		rv = rv.Elem()
	}
	p := planFor(rv.Type())
	if p.enc == nil {
		return false, nil
	}
	if p.element {
		b.WriteByte('<')
		b.WriteString(name)
		b.WriteString(suffix)
		b.WriteByte('>')
		if err := p.enc(b, rv, "", ""); err != nil {
			return true, err
		}
		b.WriteString("</")
		b.WriteString(name)
		b.WriteString(suffix)
		b.WriteByte('>')
		return true, nil
	}
	return true, p.enc(b, rv, "<"+name+suffix+">", "</"+name+suffix+">")
}

// compileXML returns the encodeFunc of t, or nil when t needs
// encoding/xml. seen holds the struct types being compiled: recursive
// types are left to encoding/xml. omitItems is the omitempty of the
// field a slice type is for.
func compileXML(t reflect.Type, seen map[reflect.Type]bool, omitItems bool) encodeFunc {
	if t.Kind() == reflect.Pointer {
		// encoding/xml drills into pointers before it looks for marshalers.
		elem := compileXML(t.Elem(), seen, omitItems)
		if elem == nil {
			return nil
		}
		return func(b *bytes.Buffer, v reflect.Value, open, close string) error {
			if v.IsNil() {
				return nil
			}
			return elem(b, v.Elem(), open, close)
		}
	}
	if t.Implements(xmlMarshalerType) || reflect.PointerTo(t).Implements(xmlMarshalerType) {
		return nil
	}
	if t == timeType {
		return encodeTime
	}
	if t.Implements(textMarshalerType) {
		if t.Kind() == reflect.Interface {
			return nil
		}
		return encodeText
	}
	if reflect.PointerTo(t).Implements(textMarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		return text(func(b *bytes.Buffer, v reflect.Value) { escapeXMLString(b, v.String()) })
	case reflect.Bool:
		return text(func(b *bytes.Buffer, v reflect.Value) { b.WriteString(strconv.FormatBool(v.Bool())) })
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return text(func(b *bytes.Buffer, v reflect.Value) { b.Write(strconv.AppendInt(b.AvailableBuffer(), v.Int(), 10)) })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return text(func(b *bytes.Buffer, v reflect.Value) { b.Write(strconv.AppendUint(b.AvailableBuffer(), v.Uint(), 10)) })
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return text(func(b *bytes.Buffer, v reflect.Value) {
			b.Write(strconv.AppendFloat(b.AvailableBuffer(), v.Float(), 'g', -1, bits))
		})
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return text(func(b *bytes.Buffer, v reflect.Value) { escapeXMLBytes(b, v.Bytes()) })
		}
		return compileSlice(t, seen, omitItems)
	case reflect.Struct:
		return compileStruct(t, seen)
	}
	return nil
}

// text returns the encodeFunc of an element whose content write writes.
func text(write func(b *bytes.Buffer, v reflect.Value)) encodeFunc {
	return func(b *bytes.Buffer, v reflect.Value, open, close string) error {
		b.WriteString(open)
		write(b, v)
		b.WriteString(close)
		return nil
	}
}

// compileSlice returns the encodeFunc of a slice type: each item is an
// element of the field's name; the field's omitempty (omitItems) applies
// to every item too, as in encoding/xml's marshalValue.
func compileSlice(t reflect.Type, seen map[reflect.Type]bool, omitItems bool) encodeFunc {
	elem := compileXML(t.Elem(), seen, false)
	if elem == nil {
		return nil
	}
	if omitItems {
		elem = omitEmpty(elem)
	}
	return func(b *bytes.Buffer, v reflect.Value, open, close string) error {
		for i := range v.Len() {
			if err := elem(b, v.Index(i), open, close); err != nil {
				return err
			}
		}
		return nil
	}
}

// encodeTime writes a time.Time as its MarshalText does (RFC 3339 with
// nanoseconds), without boxing it.
func encodeTime(b *bytes.Buffer, v reflect.Value, open, close string) error {
	tm, _ := reflect.TypeAssert[time.Time](v)
	if y := tm.Year(); y < 0 || y > 9999 {
		return encodeText(b, v, open, close) // MarshalText's error
	}
	b.WriteString(open)
	b.Write(tm.AppendFormat(b.AvailableBuffer(), time.RFC3339Nano))
	b.WriteString(close)
	return nil
}

// encodeText writes an encoding.TextMarshaler's text.
func encodeText(b *bytes.Buffer, v reflect.Value, open, close string) error {
	text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return err
	}
	b.WriteString(open)
	escapeXMLBytes(b, text)
	b.WriteString(close)
	return nil
}

// xmlField is one field of a struct plan.
type xmlField struct {
	index       int
	open, close string
	enc         encodeFunc
}

func compileStruct(t reflect.Type, seen map[reflect.Type]bool) encodeFunc {
	if seen[t] {
		return nil
	}
	seen[t] = true
	defer delete(seen, t)
	var fields []xmlField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("xml")
		if f.Anonymous || f.Name == "XMLName" {
			return nil
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, flags, _ := strings.Cut(tag, ",")
		omit := false
		if flags != "" {
			if flags != "omitempty" {
				return nil
			}
			omit = true
		}
		if name == "" {
			name = f.Name
		}
		if strings.ContainsAny(name, "> :") {
			return nil
		}
		enc := compileXML(f.Type, seen, omit)
		if enc == nil {
			return nil
		}
		if omit {
			enc = omitEmpty(enc)
		}
		fields = append(fields, xmlField{index: i, open: "<" + name + ">", close: "</" + name + ">", enc: enc})
	}
	return func(b *bytes.Buffer, v reflect.Value, open, close string) error {
		b.WriteString(open)
		for i := range fields {
			f := &fields[i]
			if err := f.enc(b, v.Field(f.index), f.open, f.close); err != nil {
				return err
			}
		}
		b.WriteString(close)
		return nil
	}
}

// omitEmpty skips the values encoding/xml's isEmptyValue calls empty.
func omitEmpty(enc encodeFunc) encodeFunc {
	return func(b *bytes.Buffer, v reflect.Value, open, close string) error {
		if isEmptyXML(v) {
			return nil
		}
		return enc(b, v, open, close)
	}
}

func isEmptyXML(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// The escapes of encoding/xml's EscapeText.
var xmlEscapes = [utf8.RuneSelf]string{
	'"': "&#34;", '\'': "&#39;", '&': "&amp;", '<': "&lt;", '>': "&gt;",
	'\t': "&#x9;", '\n': "&#xA;", '\r': "&#xD;",
}

// xmlPlain marks the ASCII bytes written as they are.
var xmlPlain = func() (p [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		p[c] = xmlEscapes[c] == ""
	}
	return p
}()

// escapeXMLString writes s escaped exactly as xml.EscapeText escapes it.
func escapeXMLString(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if xmlPlain[c] {
				i++
				continue
			}
			b.WriteString(s[last:i])
			if esc := xmlEscapes[c]; esc != "" {
				b.WriteString(esc)
			} else {
				b.WriteString("\uFFFD")
			}
			i++
			last = i
			continue
		}
		r, width := utf8.DecodeRuneInString(s[i:])
		if !xmlCharacter(r) || (r == utf8.RuneError && width == 1) {
			b.WriteString(s[last:i])
			b.WriteString("\uFFFD")
			i += width
			last = i
			continue
		}
		i += width
	}
	b.WriteString(s[last:])
}

// escapeXMLBytes is escapeXMLString of bytes, read in place.
func escapeXMLBytes(b *bytes.Buffer, p []byte) {
	escapeXMLString(b, unsafe.String(unsafe.SliceData(p), len(p)))
}

// xmlCharacter reports whether r is in XML's Char production (non-ASCII
// part).
func xmlCharacter(r rune) bool {
	return r >= 0x80 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// Planned reports whether WriteResult writes values of v's type with a
// compiled plan rather than with encoding/xml.
func Planned(v any) bool { return planFor(reflect.TypeOf(v)).enc != nil }
