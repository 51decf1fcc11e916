package policy

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The policy grammar needs what encoding/json does not give: the position of
// every value (for error messages), the order of object members, and the
// detection of duplicate keys. This file holds a small strict JSON reader
// (RFC 8259) that produces a tree of jnode values with byte offsets.

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

func (k jkind) String() string {
	switch k {
	case jNull:
		return "null"
	case jBool:
		return "a boolean"
	case jNumber:
		return "a number"
	case jString:
		return "a string"
	case jArray:
		return "an array"
	default:
		return "an object"
	}
}

// jnode is one JSON value. For numbers str holds the literal text; for
// booleans it holds "true" or "false".
type jnode struct {
	kind jkind
	off  int
	// end is the offset just after a closing brace or bracket.
	end     int
	str     string
	elems   []*jnode
	members []jmember
}

type jmember struct {
	key    string
	keyOff int
	val    *jnode
}

// maxJSONDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxJSONDepth = 64

type jsonReader struct {
	src   []byte
	pos   int
	depth int
}

// jsonSyntaxError is a syntax error at a byte offset of the document.
type jsonSyntaxError struct {
	off int
	msg string
}

func parseJSON(src []byte) (*jnode, *jsonSyntaxError) {
	r := &jsonReader{src: src}
	r.skipSpace()
	n, err := r.value()
	if err != nil {
		return nil, err
	}
	r.skipSpace()
	if r.pos < len(r.src) {
		return nil, r.errf("unexpected %s after the end of the document", r.describe())
	}
	return n, nil
}

func (r *jsonReader) errf(format string, args ...any) *jsonSyntaxError {
	return &jsonSyntaxError{off: r.pos, msg: fmt.Sprintf(format, args...)}
}

// describe names the byte at the current position for an error message.
func (r *jsonReader) describe() string {
	if r.pos >= len(r.src) {
		return "end of input"
	}
	c, _ := utf8.DecodeRune(r.src[r.pos:])
	return strconv.QuoteRune(c)
}

func (r *jsonReader) skipSpace() {
	for r.pos < len(r.src) {
		switch r.src[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *jsonReader) value() (*jnode, *jsonSyntaxError) {
	if r.pos >= len(r.src) {
		return nil, r.errf("unexpected end of input, expected a value")
	}
	switch c := r.src[r.pos]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		off := r.pos
		s, err := r.string()
		if err != nil {
			return nil, err
		}
		return &jnode{kind: jString, off: off, str: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	case c == 't':
		return r.literal("true", jBool)
	case c == 'f':
		return r.literal("false", jBool)
	case c == 'n':
		return r.literal("null", jNull)
	default:
		return nil, r.errf("unexpected %s, expected a value", r.describe())
	}
}

func (r *jsonReader) literal(word string, k jkind) (*jnode, *jsonSyntaxError) {
	off := r.pos
	if len(r.src)-r.pos < len(word) || string(r.src[r.pos:r.pos+len(word)]) != word {
		return nil, r.errf("invalid literal, expected %s", strconv.Quote(word))
	}
	r.pos += len(word)
	return &jnode{kind: k, off: off, str: word}, nil
}

func (r *jsonReader) enter() *jsonSyntaxError {
	r.depth++
	if r.depth > maxJSONDepth {
		return r.errf("document nests deeper than 64 levels")
	}
	return nil
}

func (r *jsonReader) object() (*jnode, *jsonSyntaxError) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	n := &jnode{kind: jObject, off: r.pos}
	r.pos++ // {
	r.skipSpace()
	if r.pos < len(r.src) && r.src[r.pos] == '}' {
		r.pos++
		n.end = r.pos
		return n, nil
	}
	for {
		r.skipSpace()
		if r.pos >= len(r.src) || r.src[r.pos] != '"' {
			return nil, r.errf("unexpected %s, expected a member name in double quotes", r.describe())
		}
		keyOff := r.pos
		key, err := r.string()
		if err != nil {
			return nil, err
		}
		for _, m := range n.members {
			if m.key == key {
				r.pos = keyOff
				return nil, r.errf("duplicate member %s", strconv.Quote(key))
			}
		}
		r.skipSpace()
		if r.pos >= len(r.src) || r.src[r.pos] != ':' {
			return nil, r.errf("unexpected %s, expected ':' after the member name", r.describe())
		}
		r.pos++
		r.skipSpace()
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, jmember{key: key, keyOff: keyOff, val: v})
		r.skipSpace()
		if r.pos >= len(r.src) {
			return nil, r.errf("unexpected end of input, expected ',' or '}'")
		}
		switch r.src[r.pos] {
		case ',':
			r.pos++
		case '}':
			r.pos++
			n.end = r.pos
			return n, nil
		default:
			return nil, r.errf("unexpected %s, expected ',' or '}'", r.describe())
		}
	}
}

func (r *jsonReader) array() (*jnode, *jsonSyntaxError) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	n := &jnode{kind: jArray, off: r.pos}
	r.pos++ // [
	r.skipSpace()
	if r.pos < len(r.src) && r.src[r.pos] == ']' {
		r.pos++
		return n, nil
	}
	for {
		r.skipSpace()
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
		r.skipSpace()
		if r.pos >= len(r.src) {
			return nil, r.errf("unexpected end of input, expected ',' or ']'")
		}
		switch r.src[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return n, nil
		default:
			return nil, r.errf("unexpected %s, expected ',' or ']'", r.describe())
		}
	}
}

func (r *jsonReader) number() (*jnode, *jsonSyntaxError) {
	start := r.pos
	if r.src[r.pos] == '-' {
		r.pos++
	}
	digits := func() int {
		n := 0
		for r.pos < len(r.src) && r.src[r.pos] >= '0' && r.src[r.pos] <= '9' {
			r.pos++
			n++
		}
		return n
	}
	if r.pos < len(r.src) && r.src[r.pos] == '0' {
		r.pos++
	} else if digits() == 0 {
		return nil, r.errf("invalid number: expected a digit")
	}
	if r.pos < len(r.src) && r.src[r.pos] == '.' {
		r.pos++
		if digits() == 0 {
			return nil, r.errf("invalid number: expected a digit after '.'")
		}
	}
	if r.pos < len(r.src) && (r.src[r.pos] == 'e' || r.src[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.src) && (r.src[r.pos] == '+' || r.src[r.pos] == '-') {
			r.pos++
		}
		if digits() == 0 {
			return nil, r.errf("invalid number: expected a digit in the exponent")
		}
	}
	return &jnode{kind: jNumber, off: start, str: string(r.src[start:r.pos])}, nil
}

// string reads a quoted string at r.pos and returns its decoded value.
func (r *jsonReader) string() (string, *jsonSyntaxError) {
	r.pos++ // opening quote
	start := r.pos
	// Fast path: no escapes.
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		if c == '"' {
			s := r.src[start:r.pos]
			r.pos++
			if !utf8.Valid(s) {
				r.pos = start
				return "", r.errf("string is not valid UTF-8")
			}
			return string(s), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", r.errf("control character in string; escape it")
		}
		r.pos++
	}
	buf := append([]byte(nil), r.src[start:r.pos]...)
	for {
		if r.pos >= len(r.src) {
			return "", r.errf("unterminated string")
		}
		c := r.src[r.pos]
		switch {
		case c == '"':
			r.pos++
			if !utf8.Valid(buf) {
				r.pos = start
				return "", r.errf("string is not valid UTF-8")
			}
			return string(buf), nil
		case c < 0x20:
			return "", r.errf("control character in string; escape it")
		case c != '\\':
			buf = append(buf, c)
			r.pos++
			continue
		}
		r.pos++ // backslash
		if r.pos >= len(r.src) {
			return "", r.errf("unterminated string")
		}
		e := r.src[r.pos]
		r.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			rn, ok := r.hex4()
			if !ok {
				return "", r.errf("invalid \\u escape")
			}
			if utf16.IsSurrogate(rn) {
				if r.pos+1 < len(r.src) && r.src[r.pos] == '\\' && r.src[r.pos+1] == 'u' {
					r.pos += 2
					lo, ok := r.hex4()
					if !ok {
						return "", r.errf("invalid \\u escape")
					}
					rn = utf16.DecodeRune(rn, lo)
				} else {
					rn = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, rn)
		default:
			r.pos--
			return "", r.errf("invalid escape character %s", r.describe())
		}
	}
}

func (r *jsonReader) hex4() (rune, bool) {
	if len(r.src)-r.pos < 4 {
		return 0, false
	}
	var v rune
	for i := 0; i < 4; i++ {
		c := r.src[r.pos+i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	r.pos += 4
	return v, true
}

// lineCol converts a byte offset of src to a 1-based line and column
// (columns count runes).
func lineCol(src []byte, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line, col = 1, 1
	for i := 0; i < off; {
		if src[i] == '\n' {
			line++
			col = 1
			i++
			continue
		}
		_, size := utf8.DecodeRune(src[i:])
		i += size
		col++
	}
	return line, col
}
