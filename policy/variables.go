package policy

import "strings"

// A template is a policy string that contains policy variables, such as
// "arn:aws:iam::*:user/${aws:username}". Variables are substituted only in
// policies of version 2012-10-17; in older ones the text is literal.
type template struct {
	parts []tpart
}

// tpart is literal text (key == "") or a variable.
type tpart struct {
	// lit is literal policy text, whose '*' and '?' are wildcards where the
	// value is a pattern. When quoted is set lit is a character that came
	// from ${*}, ${?} or ${$} and is never a wildcard.
	lit    string
	quoted bool
	// key is the variable's condition key, lower-cased, and name the key
	// as written.
	key    string
	name   string
	def    string
	hasDef bool
}

// parseTemplate splits s into literal text and variables. It returns nil
// when s has no variables. Text that looks like a variable but is not one
// (an unterminated "${", an empty name) stays literal, as in IAM.
func parseTemplate(s string) *template {
	if !strings.Contains(s, "${") {
		return nil
	}
	t := &template{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, tpart{lit: lit.String()})
			lit.Reset()
		}
	}
	vars := 0
	for len(s) > 0 {
		i := strings.Index(s, "${")
		if i < 0 {
			lit.WriteString(s)
			break
		}
		lit.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			lit.WriteString(s[i:])
			break
		}
		inner := s[i+2 : i+end]
		part, ok := parseVariable(inner)
		if !ok {
			lit.WriteString(s[i : i+end+1])
			s = s[i+end+1:]
			continue
		}
		flush()
		t.parts = append(t.parts, part)
		vars++
		s = s[i+end+1:]
	}
	flush()
	if vars == 0 {
		return nil
	}
	return t
}

// parseVariable reads the inside of "${...}".
func parseVariable(inner string) (tpart, bool) {
	switch inner {
	case "*", "?", "$":
		return tpart{lit: inner, quoted: true}, true
	}
	key, def, hasDef := strings.Cut(inner, ",")
	key = strings.TrimSpace(key)
	if checkConditionKey(key) != "" || strings.ContainsAny(key, " '\"{$") {
		return tpart{}, false
	}
	p := tpart{key: strings.ToLower(key), name: key}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return tpart{}, false
		}
		p.def, p.hasDef = def[1:len(def)-1], true
	}
	return p, true
}

// expandMode says how a template's text is rendered.
type expandMode uint8

const (
	// expandText renders plain text: wildcards mean nothing.
	expandText expandMode = iota
	// expandGlob renders glob form: literal wildcards stay wildcards,
	// substituted values are escaped.
	expandGlob
	// expandARN is expandGlob that also escapes ':' in substituted values,
	// so that a value never adds an ARN field.
	expandARN
)

// expand appends the template's value to dst. ok is false when a variable
// has no value and no default: then the string matches nothing.
func (t *template) expand(dst []byte, st *evalState, mode expandMode) ([]byte, bool) {
	for i := range t.parts {
		p := &t.parts[i]
		var v string
		switch {
		case p.key == "" && !p.quoted:
			if mode == expandText {
				dst = append(dst, p.lit...)
			} else {
				dst = globLiteral(dst, p.lit)
			}
			continue
		case p.quoted:
			v = p.lit
		default:
			val, ok := st.lookup(p.key)
			switch {
			case ok && !val.multi:
				v = val.one
			case p.hasDef:
				v = p.def
			default:
				return dst, false
			}
		}
		if mode == expandText {
			dst = append(dst, v...)
		} else {
			dst = globEscape(dst, v, mode == expandARN)
		}
	}
	return dst, true
}
