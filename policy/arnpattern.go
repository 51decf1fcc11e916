package policy

import "strings"

// arnPattern is a glob-form ARN pattern without variables, compiled field
// by field so that matching an ARN costs a few string comparisons.
type arnPattern struct {
	// short is set when the pattern has fewer than six fields and its last
	// field ends in '*' (e.g. "arn:aws:ivs:*"); glob then holds the whole
	// pattern and matching falls back to arnMatch.
	short  bool
	glob   string
	fields [6]fieldPattern
	// head is the literal text of the leading exact fields with their
	// colons ("arn:aws:ivs:"), compared at once; the fields after them
	// start at index first.
	head  string
	first int
}

// fieldPattern matches one ARN field.
type fieldPattern struct {
	kind fieldKind
	// s is the literal text (exact), the text before the '*' (prefix), or
	// the glob-form pattern (glob).
	s string
}

type fieldKind uint8

const (
	fieldAny    fieldKind = iota // "*"
	fieldExact                   // no wildcard
	fieldPrefix                  // "text*"
	fieldSuffix                  // "*text" (action names only)
	fieldGlob                    // anything else
)

// compileARNPattern compiles a glob-form ARN pattern. ok is false when the
// pattern has fewer than six fields and cannot cover the rest of an ARN,
// or is not an ARN: then only arnMatch's general rules apply.
func compileARNPattern(g string) (p arnPattern, ok bool) {
	p.glob = g
	rest := g
	for i := 0; i < 6; i++ {
		var f string
		var more bool
		if i == 5 {
			f = rest
		} else {
			f, rest, more = nextField(rest)
			if !more {
				p.short = true
				return p, true
			}
		}
		p.fields[i] = compileField(f)
	}
	for p.first < 5 && p.fields[p.first].kind == fieldExact {
		p.head += p.fields[p.first].s + ":"
		p.first++
	}
	return p, true
}

func compileField(f string) fieldPattern {
	switch {
	case f == "*":
		return fieldPattern{kind: fieldAny}
	case !hasWildcard(f):
		return fieldPattern{kind: fieldExact, s: unescapeGlob(f)}
	case strings.HasSuffix(f, "*") && !hasWildcard(f[:len(f)-1]) && !strings.HasSuffix(f, `\*`):
		return fieldPattern{kind: fieldPrefix, s: unescapeGlob(f[:len(f)-1])}
	default:
		return fieldPattern{kind: fieldGlob, s: f}
	}
}

// unescapeGlob returns the literal text of a glob-form pattern that has no
// unescaped wildcards.
func unescapeGlob(p string) string {
	if !strings.Contains(p, `\`) {
		return p
	}
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
		}
		b = append(b, p[i])
	}
	return string(b)
}

func (f *fieldPattern) match(s string) bool { return matchField(f.kind, f.s, s) }

// matchField matches s against a field pattern of the given kind: p is
// the literal text (exact), the text before or after the '*' (prefix,
// suffix), or the glob-form pattern (glob).
func matchField[P pattern](kind fieldKind, p P, s string) bool {
	switch kind {
	case fieldAny:
		return true
	case fieldExact:
		return string(p) == s
	case fieldPrefix:
		return len(s) >= len(p) && s[:len(p)] == string(p)
	case fieldSuffix:
		return len(s) >= len(p) && s[len(s)-len(p):] == string(p)
	default:
		return globMatch(p, s, false)
	}
}

// match reports whether the ARN whose fields are given (split once per
// evaluation) matches.
func (p *arnPattern) match(f *arnFields) bool {
	if p.short {
		return arnMatch(p.glob, f.arn)
	}
	// The resource field decides most often: test it first.
	if !p.fields[5].match(f.field(5)) {
		return false
	}
	if len(f.arn) < len(p.head) || f.arn[:len(p.head)] != p.head {
		return false
	}
	for i := p.first; i < 5; i++ {
		if !p.fields[i].match(f.field(i)) {
			return false
		}
	}
	return true
}
