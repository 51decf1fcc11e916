package policy

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON renders the policy as a JSON document that Parse reads back
// to the same policy. Elements come in AWS's usual order; a list of one
// value is written as a plain string; condition values are strings.
func (p *Policy) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(&b, name)
		b.WriteByte(':')
	}
	if p.Version != "" {
		field("Version")
		writeString(&b, p.Version)
	}
	if p.ID != "" {
		field("Id")
		writeString(&b, p.ID)
	}
	field("Statement")
	if !p.singleStatement {
		b.WriteByte('[')
	}
	for i := range p.Statements {
		if i > 0 {
			b.WriteByte(',')
		}
		p.Statements[i].marshal(&b)
	}
	if !p.singleStatement {
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// String returns the policy as compact JSON.
func (p *Policy) String() string {
	b, _ := p.MarshalJSON()
	return string(b)
}

func (s *Statement) marshal(b *bytes.Buffer) {
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(b, name)
		b.WriteByte(':')
	}
	if s.Sid != "" {
		field("Sid")
		writeString(b, s.Sid)
	}
	field("Effect")
	writeString(b, s.Effect.String())
	if s.Principal != nil {
		field("Principal")
		s.Principal.marshal(b)
	}
	if s.NotPrincipal != nil {
		field("NotPrincipal")
		s.NotPrincipal.marshal(b)
	}
	lists := []struct {
		name string
		vals []string
	}{{"Action", s.Action}, {"NotAction", s.NotAction}, {"Resource", s.Resource}, {"NotResource", s.NotResource}}
	for _, l := range lists {
		if l.vals != nil {
			field(l.name)
			writeList(b, l.vals)
		}
	}
	if s.Condition != nil {
		field("Condition")
		b.WriteByte('{')
		for i, blk := range s.Condition {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, blk.Operator)
			b.WriteString(":{")
			for j, e := range blk.Entries {
				if j > 0 {
					b.WriteByte(',')
				}
				writeString(b, e.Key)
				b.WriteByte(':')
				writeList(b, e.Values)
			}
			b.WriteByte('}')
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

func (ps *PrincipalSet) marshal(b *bytes.Buffer) {
	if ps.Wildcard {
		writeString(b, "*")
		return
	}
	b.WriteByte('{')
	for i, e := range ps.Entries {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, e.Type)
		b.WriteByte(':')
		writeList(b, e.Values)
	}
	b.WriteByte('}')
}

func writeList(b *bytes.Buffer, vals []string) {
	if len(vals) == 1 {
		writeString(b, vals[0])
		return
	}
	b.WriteByte('[')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, v)
	}
	b.WriteByte(']')
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // cannot fail for a string
	b.Write(enc)
}
