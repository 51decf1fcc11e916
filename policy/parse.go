package policy

import (
	"sort"
	"strconv"
	"strings"
)

// Parse reads a policy document strictly, as IAM does before it stores one,
// and validates it for the given kind. On failure the error is Errors, which
// lists every problem with its position.
func Parse(doc []byte, kind Kind) (*Policy, error) {
	p := &parser{src: doc, kind: kind}
	pol := p.document()
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Column < p.errs[j].Column })
		for _, e := range p.errs {
			if e.Line == 0 && e.Column >= 0 {
				e.Line, e.Column = lineCol(doc, e.Column)
			}
		}
		return nil, p.errs
	}
	return pol, nil
}

// ParseString is Parse for a document held in a string.
func ParseString(doc string, kind Kind) (*Policy, error) {
	return Parse([]byte(doc), kind)
}

type parser struct {
	src  []byte
	kind Kind
	errs Errors
	// stmt and sid locate errors inside the statement being read.
	stmt int
	sid  string
}

// fail records an error at byte offset off. The offset is kept in Column
// until Parse converts it to a line and column.
func (p *parser) fail(off int, field, msg string) {
	p.errs = append(p.errs, &Error{Column: off, Statement: p.stmt, Sid: p.sid, Field: field, Msg: msg})
}

func (p *parser) document() *Policy {
	p.stmt = -1
	root, serr := parseJSON(p.src)
	if serr != nil {
		p.errs = append(p.errs, &Error{Column: serr.off, Statement: -1, Msg: "syntax error: " + serr.msg})
		return nil
	}
	if root.kind != jObject {
		p.fail(root.off, "", "a policy document must be a JSON object, not "+root.kind.String())
		return nil
	}
	pol := &Policy{Kind: p.kind, src: p.src}
	var stmts *jnode
	for _, m := range root.members {
		switch m.key {
		case "Version":
			if m.val.kind != jString {
				p.fail(m.val.off, "Version", "must be a string")
				continue
			}
			if m.val.str != Version2012 && m.val.str != Version2008 {
				p.fail(m.val.off, "Version", strconv.Quote(m.val.str)+" is not a policy language version; use \"2012-10-17\"")
				continue
			}
			pol.Version = m.val.str
		case "Id":
			if m.val.kind != jString {
				p.fail(m.val.off, "Id", "must be a string")
				continue
			}
			pol.ID = m.val.str
		case "Statement":
			stmts = m.val
		default:
			p.fail(m.keyOff, "", "unknown element "+strconv.Quote(m.key)+" (a policy has Version, Id and Statement)")
		}
	}
	if stmts == nil {
		p.fail(root.off, "Statement", "the policy has no Statement element")
		return nil
	}
	switch stmts.kind {
	case jObject:
		pol.singleStatement = true
		p.stmt = 0
		pol.Statements = append(pol.Statements, p.statement(stmts))
	case jArray:
		if len(stmts.elems) == 0 {
			p.fail(stmts.off, "Statement", "the Statement list is empty")
		}
		for i, e := range stmts.elems {
			p.stmt = i
			p.sid = ""
			if e.kind != jObject {
				p.fail(e.off, "", "a statement must be a JSON object, not "+e.kind.String())
				continue
			}
			pol.Statements = append(pol.Statements, p.statement(e))
		}
	default:
		p.fail(stmts.off, "Statement", "must be an object or an array of objects, not "+stmts.kind.String())
		return nil
	}
	p.stmt = -1
	p.sid = ""
	seen := make(map[string]int, len(pol.Statements))
	for i, s := range pol.Statements {
		if s.Sid == "" {
			continue
		}
		if j, dup := seen[s.Sid]; dup {
			p.stmt, p.sid = i, s.Sid
			p.fail(s.pos.stmt, "Sid", "duplicate Sid "+strconv.Quote(s.Sid)+" (also statement "+strconv.Itoa(j+1)+"); Sids must be unique within a policy")
			p.stmt, p.sid = -1, ""
			continue
		}
		seen[s.Sid] = i
	}
	return pol
}

func (p *parser) statement(n *jnode) Statement {
	s := Statement{pos: stmtPos{stmt: n.off, action: n.off, resource: n.off, condition: n.off, end: n.end}}
	// Read the Sid first so that every error of the statement names it.
	for _, m := range n.members {
		if m.key == "Sid" {
			if m.val.kind != jString {
				p.fail(m.val.off, "Sid", "must be a string")
				break
			}
			s.Sid = m.val.str
			if !isAlnum(s.Sid) {
				p.fail(m.val.off, "Sid", strconv.Quote(s.Sid)+" is not valid: a Sid may contain only ASCII letters and digits")
			}
			p.sid = s.Sid
		}
	}
	var effect, action, notAction, resource, notResource, principal, notPrincipal *jnode
	for _, m := range n.members {
		switch m.key {
		case "Sid":
		case "Effect":
			effect = m.val
		case "Action":
			action = m.val
			s.pos.action = m.val.off
			s.Action = p.actions(m.val, "Action")
		case "NotAction":
			notAction = m.val
			s.pos.action = m.val.off
			s.NotAction = p.actions(m.val, "NotAction")
		case "Resource":
			resource = m.val
			s.pos.resource = m.val.off
			s.Resource = p.resources(m.val, "Resource")
		case "NotResource":
			notResource = m.val
			s.pos.resource = m.val.off
			s.NotResource = p.resources(m.val, "NotResource")
		case "Principal":
			principal = m.val
			s.Principal = p.principals(m.val, "Principal")
		case "NotPrincipal":
			notPrincipal = m.val
			s.NotPrincipal = p.principals(m.val, "NotPrincipal")
		case "Condition":
			s.pos.condition = m.val.off
			s.Condition = p.conditions(m.val)
		default:
			p.fail(m.keyOff, "", "unknown element "+strconv.Quote(m.key)+" in a statement")
		}
	}
	switch {
	case effect == nil:
		p.fail(n.off, "Effect", "the statement has no Effect; use \"Allow\" or \"Deny\"")
	case effect.kind != jString || (effect.str != "Allow" && effect.str != "Deny"):
		p.fail(effect.off, "Effect", "must be \"Allow\" or \"Deny\", not "+show(effect))
	case effect.str == "Allow":
		s.Effect = EffectAllow
	default:
		s.Effect = EffectDeny
	}
	switch {
	case action == nil && notAction == nil:
		p.fail(n.off, "Action", "the statement has neither Action nor NotAction")
	case action != nil && notAction != nil:
		p.fail(notAction.off, "NotAction", "a statement may have Action or NotAction, not both")
	}
	if resource != nil && notResource != nil {
		p.fail(notResource.off, "NotResource", "a statement may have Resource or NotResource, not both")
	}
	if principal != nil && notPrincipal != nil {
		p.fail(notPrincipal.off, "NotPrincipal", "a statement may have Principal or NotPrincipal, not both")
	}
	switch p.kind {
	case KindIdentity:
		if principal != nil {
			p.fail(principal.off, "Principal", "an identity-based policy must not specify a Principal")
		}
		if notPrincipal != nil {
			p.fail(notPrincipal.off, "NotPrincipal", "an identity-based policy must not specify a NotPrincipal")
		}
		if resource == nil && notResource == nil {
			p.fail(n.off, "Resource", "the statement has neither Resource nor NotResource")
		}
	case KindResource:
		if principal == nil && notPrincipal == nil {
			p.fail(n.off, "Principal", "a resource-based policy statement must specify a Principal or NotPrincipal")
		}
		if resource == nil && notResource == nil {
			p.fail(n.off, "Resource", "the statement has neither Resource nor NotResource")
		}
	case KindTrust:
		if notPrincipal != nil {
			p.fail(notPrincipal.off, "NotPrincipal", "a trust policy must not use NotPrincipal")
		} else if principal == nil {
			p.fail(n.off, "Principal", "a trust policy statement must specify a Principal")
		}
		if resource != nil {
			p.fail(resource.off, "Resource", "a trust policy must not specify a Resource")
		}
		if notResource != nil {
			p.fail(notResource.off, "NotResource", "a trust policy must not specify a NotResource")
		}
	}
	return s
}

// show renders a JSON value briefly for an error message.
func show(n *jnode) string {
	if n.kind == jString {
		return strconv.Quote(n.str)
	}
	if n.kind == jNumber || n.kind == jBool {
		return n.str
	}
	return n.kind.String()
}

// strings reads a string or a non-empty array of strings.
func (p *parser) strings(n *jnode, field string) ([]string, []int) {
	switch n.kind {
	case jString:
		return []string{n.str}, []int{n.off}
	case jArray:
		if len(n.elems) == 0 {
			p.fail(n.off, field, "the list is empty")
			return nil, nil
		}
		out := make([]string, 0, len(n.elems))
		offs := make([]int, 0, len(n.elems))
		for _, e := range n.elems {
			if e.kind != jString {
				p.fail(e.off, field, "must be a string, not "+e.kind.String())
				continue
			}
			out = append(out, e.str)
			offs = append(offs, e.off)
		}
		return out, offs
	default:
		p.fail(n.off, field, "must be a string or an array of strings, not "+n.kind.String())
		return nil, nil
	}
}

func (p *parser) actions(n *jnode, field string) []string {
	vals, offs := p.strings(n, field)
	for i, a := range vals {
		if msg := checkAction(a); msg != "" {
			p.fail(offs[i], field, msg)
			continue
		}
		if p.kind == KindTrust {
			if svc, _, _ := strings.Cut(a, ":"); !strings.EqualFold(svc, "sts") {
				p.fail(offs[i], field, strconv.Quote(a)+": a trust policy may only specify STS actions such as \"sts:AssumeRole\"")
			}
		}
	}
	if vals == nil {
		return []string{}
	}
	return vals
}

// checkAction returns why an action pattern is invalid, or "".
func checkAction(a string) string {
	if a == "*" {
		return ""
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" {
		return strconv.Quote(a) + " has no service prefix; write it as \"service:Action\", e.g. \"ivs:GetChannel\""
	}
	if name == "" {
		return strconv.Quote(a) + " has no action name after the service prefix"
	}
	for _, c := range svc {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '*' || c == '?') {
			return strconv.Quote(a) + ": the service prefix may contain only letters, digits, '-' and wildcards"
		}
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '*' || c == '?') {
			return strconv.Quote(a) + ": an action name may contain only letters, digits, '-', '_', '.' and wildcards"
		}
	}
	return ""
}

func (p *parser) resources(n *jnode, field string) []string {
	vals, offs := p.strings(n, field)
	for i, r := range vals {
		if msg := checkResource(r); msg != "" {
			p.fail(offs[i], field, msg)
		}
	}
	if vals == nil {
		return []string{}
	}
	return vals
}

// checkResource returns why a Resource value is invalid, or "".
func checkResource(r string) string {
	if r == "*" {
		return ""
	}
	if !strings.HasPrefix(r, "arn:") {
		return strconv.Quote(r) + " is not an ARN; a resource must be an ARN (arn:partition:service:region:account:resource) or \"*\""
	}
	parts := strings.SplitN(r, ":", 4)
	if len(parts) < 4 || parts[1] == "" || parts[2] == "" {
		return strconv.Quote(r) + " is not a valid ARN: it needs at least a partition, a service and one more field"
	}
	return ""
}

func (p *parser) principals(n *jnode, field string) *PrincipalSet {
	if n.kind == jString {
		if n.str != "*" {
			p.fail(n.off, field, "must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:root\"}, not "+strconv.Quote(n.str))
			return nil
		}
		return &PrincipalSet{Wildcard: true}
	}
	if n.kind != jObject {
		p.fail(n.off, field, "must be \"*\" or an object, not "+n.kind.String())
		return nil
	}
	if len(n.members) == 0 {
		p.fail(n.off, field, "names no principal")
		return nil
	}
	ps := &PrincipalSet{}
	for _, m := range n.members {
		switch m.key {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			p.fail(m.keyOff, field, "unknown principal type "+strconv.Quote(m.key)+" (use AWS, Service, Federated or CanonicalUser)")
			continue
		}
		vals, offs := p.strings(m.val, field+"."+m.key)
		for i, v := range vals {
			if msg := checkPrincipal(m.key, v); msg != "" {
				p.fail(offs[i], field+"."+m.key, msg)
			}
		}
		if vals != nil {
			ps.Entries = append(ps.Entries, PrincipalEntry{Type: m.key, Values: vals})
		}
	}
	return ps
}

// checkPrincipal returns why a principal identifier is invalid, or "".
func checkPrincipal(typ, v string) string {
	if v == "" {
		return "empty principal"
	}
	if v == "*" {
		return ""
	}
	if strings.ContainsAny(v, "*?") {
		return strconv.Quote(v) + ": a principal may be \"*\" but cannot contain a partial wildcard"
	}
	if typ != "AWS" {
		return ""
	}
	if isAccountID(v) {
		return ""
	}
	a, ok := splitARN(v)
	if !ok || (a[2] != "iam" && a[2] != "sts") || !isAccountID(a[4]) || a[5] == "" {
		return strconv.Quote(v) + " is not a valid AWS principal: use an account ID or an IAM/STS ARN such as arn:aws:iam::123456789012:user/name"
	}
	return ""
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (p *parser) conditions(n *jnode) []ConditionBlock {
	if n.kind != jObject {
		p.fail(n.off, "Condition", "must be an object mapping operators to keys, not "+n.kind.String())
		return nil
	}
	blocks := make([]ConditionBlock, 0, len(n.members))
	for _, m := range n.members {
		field := "Condition." + m.key
		op, msg := parseOperator(m.key)
		if msg != "" {
			p.fail(m.keyOff, "Condition", msg)
			continue
		}
		if m.val.kind != jObject {
			p.fail(m.val.off, field, "must be an object mapping condition keys to values, not "+m.val.kind.String())
			continue
		}
		if len(m.val.members) == 0 {
			p.fail(m.val.off, field, "names no condition key")
			continue
		}
		b := ConditionBlock{Operator: m.key}
		for _, km := range m.val.members {
			if msg := checkConditionKey(km.key); msg != "" {
				p.fail(km.keyOff, field, msg)
				continue
			}
			vals := p.conditionValues(km.val, field+"."+km.key, op)
			if vals == nil {
				continue
			}
			b.Entries = append(b.Entries, ConditionEntry{Key: km.key, Values: vals})
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// checkConditionKey returns why a condition key name is invalid, or "".
func checkConditionKey(k string) string {
	prefix, name, ok := strings.Cut(k, ":")
	if !ok || prefix == "" || name == "" {
		return "condition key " + strconv.Quote(k) + " is not of the form \"prefix:name\", e.g. \"aws:SourceIp\""
	}
	return ""
}

func (p *parser) conditionValues(n *jnode, field string, op operator) []string {
	var nodes []*jnode
	switch n.kind {
	case jString, jNumber, jBool:
		nodes = []*jnode{n}
	case jArray:
		if len(n.elems) == 0 {
			p.fail(n.off, field, "the list of values is empty")
			return nil
		}
		nodes = n.elems
	default:
		p.fail(n.off, field, "must be a string, number, boolean or an array of them, not "+n.kind.String())
		return nil
	}
	out := make([]string, 0, len(nodes))
	for _, e := range nodes {
		if e.kind != jString && e.kind != jNumber && e.kind != jBool {
			p.fail(e.off, field, "a condition value must be a string, number or boolean, not "+e.kind.String())
			return nil
		}
		if msg := op.checkValue(e.str); msg != "" {
			p.fail(e.off, field, msg)
			return nil
		}
		out = append(out, e.str)
	}
	return out
}
