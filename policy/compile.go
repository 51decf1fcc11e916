package policy

import "strings"

// Compiled is a policy turned into matchers, ready to evaluate many times.
// It is immutable and safe for concurrent use.
type Compiled struct {
	// ID names the policy in decisions: a policy ARN, "user/alice/inline",
	// whatever the caller chose.
	ID     string
	kind   Kind
	stmts  []cstmt
	index  stmtIndex
	source *Policy
}

// Kind returns the grammar the policy was validated against.
func (c *Compiled) Kind() Kind { return c.kind }

// Policy returns the parsed document the policy was compiled from.
func (c *Compiled) Policy() *Policy { return c.source }

// cstmt is a compiled statement.
type cstmt struct {
	policy    *Compiled
	sid       string
	index     int
	deny      bool
	notAction bool
	actions   []actionPattern
	// anyResource is set for statements without Resource (trust policies).
	anyResource  bool
	notResource  bool
	resources    []resourcePattern
	principal    *principalMatcher
	notPrincipal bool
	conds        []condition
}

// actionPattern matches "service:Action" case-insensitively.
type actionPattern struct {
	all     bool   // "*"
	service string // lower-cased; a glob when serviceGlob
	name    string // lower-cased; a glob when nameGlob
	svcGlob bool
	anyName bool // name is "*"
	glob    bool // name has wildcards
}

func compileAction(a string) actionPattern {
	if a == "*" {
		return actionPattern{all: true}
	}
	a = strings.ToLower(a)
	svc, name, _ := strings.Cut(a, ":")
	return actionPattern{
		service: svc,
		name:    name,
		svcGlob: strings.ContainsAny(svc, "*?"),
		anyName: name == "*",
		glob:    strings.ContainsAny(name, "*?"),
	}
}

func (p *actionPattern) match(svc, name string) bool {
	switch {
	case p.all:
		return true
	case p.svcGlob:
		if !globMatch(p.service, svc, true) {
			return false
		}
	case len(p.service) != len(svc) || !strings.EqualFold(p.service, svc):
		return false
	}
	switch {
	case p.anyName:
		return true
	case p.glob:
		return globMatch(p.name, name, true)
	default:
		return strings.EqualFold(p.name, name)
	}
}

// resourcePattern matches an ARN.
type resourcePattern struct {
	all   bool      // "*"
	exact string    // no wildcards, no variables: compare as is
	glob  string    // glob-form ARN pattern
	tmpl  *template // with policy variables
	isLit bool
}

func compileResource(r string, vars bool) resourcePattern {
	if r == "*" {
		return resourcePattern{all: true}
	}
	if vars {
		if t := parseTemplate(r); t != nil {
			return resourcePattern{tmpl: t}
		}
	}
	g := string(globLiteral(nil, r))
	if !hasWildcard(g) {
		return resourcePattern{exact: r, isLit: true}
	}
	return resourcePattern{glob: g}
}

func (p *resourcePattern) match(st *evalState, res string) bool {
	switch {
	case p.all:
		return true
	case p.isLit:
		return p.exact == res
	case p.tmpl != nil:
		var arr [maxExpand]byte
		b, ok := p.tmpl.expand(arr[:0], st, expandARN)
		return ok && arnMatch(b, res)
	default:
		return arnMatch(p.glob, res)
	}
}

// Compile turns a parsed policy into its evaluation form. id names the
// policy in decisions.
func Compile(id string, p *Policy) *Compiled {
	c := &Compiled{ID: id, kind: p.Kind, source: p}
	vars := p.Version == Version2012
	c.stmts = make([]cstmt, len(p.Statements))
	for i := range p.Statements {
		s := &p.Statements[i]
		cs := &c.stmts[i]
		cs.policy = c
		cs.sid = s.Sid
		cs.index = i
		cs.deny = s.Effect == EffectDeny
		acts := s.Action
		if s.NotAction != nil {
			cs.notAction = true
			acts = s.NotAction
		}
		for _, a := range acts {
			cs.actions = append(cs.actions, compileAction(a))
		}
		res := s.Resource
		switch {
		case s.NotResource != nil:
			cs.notResource = true
			res = s.NotResource
		case s.Resource == nil:
			cs.anyResource = true
		}
		for _, r := range res {
			cs.resources = append(cs.resources, compileResource(r, vars))
		}
		switch {
		case s.Principal != nil:
			cs.principal = compilePrincipals(s.Principal)
		case s.NotPrincipal != nil:
			cs.principal = compilePrincipals(s.NotPrincipal)
			cs.notPrincipal = true
		}
		for _, b := range s.Condition {
			op, _ := parseOperator(b.Operator)
			for _, e := range b.Entries {
				cond := condition{op: op, key: strings.ToLower(e.Key)}
				for _, v := range e.Values {
					cond.values = append(cond.values, compileCondition(op, v, vars))
				}
				cs.conds = append(cs.conds, cond)
			}
		}
	}
	c.index = buildIndex([]*Compiled{c})
	return c
}

// ParseCompiled parses, validates and compiles a document in one step.
func ParseCompiled(id string, doc []byte, kind Kind) (*Compiled, error) {
	p, err := Parse(doc, kind)
	if err != nil {
		return nil, err
	}
	return Compile(id, p), nil
}

// stmtIndex finds the statements that may match an action's service
// without scanning every statement: statements whose actions all name a
// service without wildcards are filed under those services; the rest
// (NotAction, "*", wildcard services) are always candidates.
type stmtIndex struct {
	byService map[string][]*cstmt
	always    []*cstmt
}

func buildIndex(pols []*Compiled) stmtIndex {
	ix := stmtIndex{byService: make(map[string][]*cstmt)}
	for _, c := range pols {
		for i := range c.stmts {
			s := &c.stmts[i]
			general := s.notAction
			for _, a := range s.actions {
				if a.all || a.svcGlob {
					general = true
				}
			}
			if general {
				ix.always = append(ix.always, s)
				continue
			}
			for j, a := range s.actions {
				dup := false
				for _, b := range s.actions[:j] {
					if b.service == a.service {
						dup = true
					}
				}
				if !dup {
					ix.byService[a.service] = append(ix.byService[a.service], s)
				}
			}
		}
	}
	return ix
}

// candidates returns the statements that may match an action of service
// svc (lower-case).
func (ix *stmtIndex) candidates(svc string) (a, b []*cstmt) {
	return ix.byService[svc], ix.always
}
