package policy

import (
	"cmp"
	"slices"
	"strings"
	"sync/atomic"
)

// Compiled is a policy turned into matchers, ready to evaluate many times.
// It is immutable and safe for concurrent use. Its compiled statements may
// be shared with other Compiled policies of the same document (WithID):
// thousands of users carrying one policy text then hold one compilation.
type Compiled struct {
	// ID names the policy in decisions: a policy ARN, "user/alice/inline",
	// whatever the caller chose.
	ID string
	*body
}

// body is what a policy compiles to, apart from its ID.
type body struct {
	kind  Kind
	stmts []cstmt
	// info holds, per statement, what explanations need and decisions
	// do not: the statement's place in the text and its keys as written.
	info []stmtInfo
	// ix holds the policy's own statement indexes, built on first use:
	// only permissions boundaries and session policies are searched
	// through them (identity policies are indexed by their Set, resource
	// policies scanned), and an index not built is a few objects less for
	// every garbage collection to mark, per cached policy.
	ix atomic.Pointer[[2]stmtIndex]
}

// Kind returns the grammar the policy was validated against.
func (c *Compiled) Kind() Kind { return c.kind }

// WithID returns the policy under another ID, sharing its compiled
// statements.
func (c *Compiled) WithID(id string) *Compiled {
	r := c.Renamed(id)
	return &r
}

// Renamed is WithID for a caller that keeps policies in an array of its
// own (many principals' policies in few objects).
func (c *Compiled) Renamed(id string) Compiled { return Compiled{ID: id, body: c.body} }

// owns reports whether s is one of the policy's statements.
func (c *Compiled) owns(s *cstmt) bool { return s.owner == c.body }

// cstmt is a compiled statement.
type cstmt struct {
	owner     *body // whose statement this is: decisions find its policy id by it
	sid       string
	index     int
	deny      bool
	notAction bool
	actions   []actionPattern
	// anyResource is set for statements without Resource (trust policies).
	anyResource bool
	notResource bool
	// varResource is set when a resource pattern holds policy variables,
	// so that its match depends on the request context.
	varResource  bool
	resources    []resourcePattern
	principal    *principalMatcher
	notPrincipal bool
	conds        []condition
}

// actionPattern matches "service:Action" case-insensitively. Both parts
// are kept lower-case.
type actionPattern struct {
	all     bool   // "*"
	service string // lower-cased; a glob when svcGlob
	svcGlob bool
	name    fieldPattern
	// full is the action lower-cased ("service:name"): the key an index
	// files an exact action under, shared by every index that holds it.
	full string
}

func compileAction(a string) actionPattern {
	if a == "*" {
		return actionPattern{all: true}
	}
	a = strings.ToLower(a)
	svc, name, _ := strings.Cut(a, ":")
	return actionPattern{service: svc, svcGlob: strings.ContainsAny(svc, "*?"), name: compileNamePattern(name), full: a}
}

// compileNamePattern compiles a lower-case action name pattern (where '\'
// is an ordinary character, not an escape).
func compileNamePattern(name string) fieldPattern {
	star := strings.IndexByte(name, '*')
	switch {
	case name == "*":
		return fieldPattern{kind: fieldAny}
	case !strings.ContainsAny(name, "*?"):
		return fieldPattern{kind: fieldExact, s: name}
	case star == len(name)-1 && !strings.ContainsAny(name[:star], "*?"):
		return fieldPattern{kind: fieldPrefix, s: name[:star]}
	case star == 0 && !strings.ContainsAny(name[1:], "*?"):
		return fieldPattern{kind: fieldSuffix, s: name[1:]}
	default:
		return fieldPattern{kind: fieldGlob, s: string(globLiteral(nil, name))}
	}
}

// match reports whether the action svc:name (any case) matches.
func (p *actionPattern) match(svc, name string) bool {
	switch {
	case p.all:
		return true
	case p.svcGlob:
		if !globMatch(p.service, svc, true) {
			return false
		}
	case !equalLower(p.service, svc):
		return false
	}
	switch f := &p.name; f.kind {
	case fieldAny:
		return true
	case fieldExact:
		return equalLower(f.s, name)
	case fieldPrefix:
		return len(name) >= len(f.s) && equalLower(f.s, name[:len(f.s)])
	case fieldSuffix:
		return len(name) >= len(f.s) && equalLower(f.s, name[len(name)-len(f.s):])
	default:
		return globMatch(f.s, name, true)
	}
}

// equalLower reports whether s equals the lower-case ASCII text lower,
// ignoring the case of s.
func equalLower(lower, s string) bool {
	if len(lower) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower[i] != lowerASCII(s[i]) {
			return false
		}
	}
	return true
}

// resourcePattern matches an ARN.
type resourcePattern struct {
	kind  resourceKind
	exact string     // resExact: the ARN itself
	arn   arnPattern // resARN
	tmpl  *template  // resTemplate: with policy variables
}

type resourceKind uint8

const (
	resAll resourceKind = iota
	resExact
	resARN
	resTemplate
)

func compileResource(r string, vars bool) resourcePattern {
	if r == "*" {
		return resourcePattern{kind: resAll}
	}
	if vars {
		if t := parseTemplate(r); t != nil {
			return resourcePattern{kind: resTemplate, tmpl: t}
		}
	}
	g := string(globLiteral(nil, r))
	if !hasWildcard(g) {
		return resourcePattern{kind: resExact, exact: r}
	}
	p, _ := compileARNPattern(g)
	return resourcePattern{kind: resARN, arn: p}
}

func (p *resourcePattern) match(st *evalState) bool {
	switch p.kind {
	case resAll:
		return true
	case resExact:
		return p.exact == st.req.Resource
	case resARN:
		if st.fieldsState == 1 {
			return p.arn.match(&st.fields)
		}
		if f := st.resourceFields(); f != nil {
			return p.arn.match(f)
		}
		return arnMatch(p.arn.glob, st.req.Resource)
	default:
		var arr [maxExpand]byte
		b, ok := p.tmpl.expand(arr[:0], st, expandARN)
		return ok && arnMatch(b, st.req.Resource)
	}
}

// Compile turns a parsed policy into its evaluation form. id names the
// policy in decisions.
func Compile(id string, p *Policy) *Compiled {
	c := &Compiled{ID: id, body: &body{kind: p.Kind}}
	vars := p.Version == Version2012
	c.stmts = make([]cstmt, len(p.Statements))
	c.info = make([]stmtInfo, len(p.Statements))
	for i := range p.Statements {
		s := &p.Statements[i]
		cs := &c.stmts[i]
		c.info[i] = newStmtInfo(p, s, vars)
		cs.owner = c.body
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
			rp := compileResource(r, vars)
			cs.varResource = cs.varResource || rp.kind == resTemplate
			cs.resources = append(cs.resources, rp)
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
				cond.hash = keyHash(cond.key)
				cond.plainEquals = op.family == famString
				for _, v := range e.Values {
					cv := compileCondition(op, v, vars)
					if cv.tmpl != nil {
						cond.plainEquals = false
					}
					cond.values = append(cond.values, cv)
				}
				cs.conds = append(cs.conds, cond)
			}
		}
	}
	c.compact()
	return c
}

// indexes returns the policy's Allow and Deny indexes, building them on
// first use.
func (c *Compiled) indexes() *[2]stmtIndex {
	return lazyIndexes(&c.ix, []*Compiled{c})
}

// lazyIndexes returns the Allow and Deny indexes of pols kept in *p,
// building and keeping them on first use (of concurrent first uses, one
// is kept).
func lazyIndexes(p *atomic.Pointer[[2]stmtIndex], pols []*Compiled) *[2]stmtIndex {
	if ix := p.Load(); ix != nil {
		return ix
	}
	p.CompareAndSwap(nil, &[2]stmtIndex{buildIndex(pols, false), buildIndex(pols, true)})
	return p.Load()
}

// compact moves the matchers that evaluation reads into a few contiguous
// blocks: one array of action patterns, one of resource patterns, and one
// string holding every text they compare. Evaluation then touches a few
// neighbouring cache lines per policy instead of one scattered object per
// string, which is what keeps decisions fast when millions of principals'
// policies do not fit in the caches.
func (c *body) compact() {
	nActs, nRes, nConds, nVals, nKeys, nVars := 0, 0, 0, 0, 0, 0
	for i := range c.stmts {
		cs := &c.stmts[i]
		nActs += len(cs.actions)
		nRes += len(cs.resources)
		nConds += len(cs.conds)
		for j := range cs.conds {
			nVals += len(cs.conds[j].values)
		}
		nKeys += len(c.info[i].condKeys)
		nVars += len(c.info[i].vars)
	}
	acts := make([]actionPattern, 0, nActs)
	res := make([]resourcePattern, 0, nRes)
	conds := make([]condition, 0, nConds)
	vals := make([]cvalue, 0, nVals)
	keys := make([]string, 0, nKeys)
	vars := make([]varRef, 0, nVars)
	var ar arena
	for i := range c.stmts {
		cs := &c.stmts[i]
		ar.add(&cs.sid)
		cs.actions = carveCopy(&acts, cs.actions)
		for j := range cs.actions {
			a := &cs.actions[j]
			ar.add(&a.service)
			ar.add(&a.name.s)
			ar.add(&a.full)
		}
		cs.resources = carveCopy(&res, cs.resources)
		for j := range cs.resources {
			r := &cs.resources[j]
			ar.add(&r.exact)
			ar.add(&r.arn.glob)
			ar.add(&r.arn.head)
			for k := range r.arn.fields {
				ar.add(&r.arn.fields[k].s)
			}
		}
		cs.conds = carveCopy(&conds, cs.conds)
		for j := range cs.conds {
			cd := &cs.conds[j]
			ar.add(&cd.key)
			cd.values = carveCopy(&vals, cd.values)
			for k := range cd.values {
				ar.add(&cd.values[k].text)
			}
		}
		in := &c.info[i]
		in.condKeys = carveCopy(&keys, in.condKeys)
		for j := range in.condKeys {
			ar.add(&in.condKeys[j])
		}
		in.vars = carveCopy(&vars, in.vars)
		for j := range in.vars {
			ar.add(&in.vars[j].name)
			ar.add(&in.vars[j].key)
		}
	}
	ar.build()
}

// carveCopy appends src to the block *dst (allocated with room for it)
// and returns the copy, or nil for an empty src.
func carveCopy[T any](dst *[]T, src []T) []T {
	if len(src) == 0 {
		return nil
	}
	start := len(*dst)
	*dst = append(*dst, src...)
	return (*dst)[start:len(*dst):len(*dst)]
}

// arena gathers strings and re-points them into one shared string.
type arena struct {
	ptrs []*string
	size int
}

func (a *arena) add(p *string) {
	if *p != "" {
		a.ptrs = append(a.ptrs, p)
		a.size += len(*p)
	}
}

func (a *arena) build() {
	var b strings.Builder
	b.Grow(a.size)
	for _, p := range a.ptrs {
		b.WriteString(*p)
	}
	all := b.String()
	off := 0
	for _, p := range a.ptrs {
		n := len(*p)
		*p = all[off : off+n]
		off += n
	}
}

// ParseCompiled parses, validates and compiles a document in one step.
func ParseCompiled(id string, doc []byte, kind Kind) (*Compiled, error) {
	p, err := Parse(doc, kind)
	if err != nil {
		return nil, err
	}
	return Compile(id, p), nil
}

// stmtIndex finds the statements of one effect that may match an action
// without scanning every statement. Statements whose Action names the
// action exactly are filed under "service:action" (lower-case) and need no
// action test; those with a wildcard action name are filed under their
// service; the rest (NotAction, "*", wildcard services) are always
// candidates. Small sets are scanned whole: for a handful of statements a
// scan is faster than a map lookup, and it touches less memory.
type stmtIndex struct {
	// scan is set for a small index: every statement is in small.
	scan      bool
	small     []*cstmt
	exact     map[string][]*cstmt
	byService map[string][]*cstmt
	always    []*cstmt
}

// smallIndex is the number of statements up to which an index is a scan.
const smallIndex = 8

func buildIndex(pols []*Compiled, deny bool) stmtIndex {
	n := 0
	for _, c := range pols {
		for i := range c.stmts {
			if c.stmts[i].deny == deny {
				n++
			}
		}
	}
	if n == 0 {
		return stmtIndex{scan: true}
	}
	all := make([]*cstmt, 0, n)
	for _, c := range pols {
		for i := range c.stmts {
			if c.stmts[i].deny == deny {
				all = append(all, &c.stmts[i])
			}
		}
	}
	if n <= smallIndex {
		return stmtIndex{scan: true, small: all}
	}
	// File every statement, group the filings by key (in statement order
	// within a key), and slice each key's list out of one array: the sets
	// of thousands of principals stay cached, and each object they hold is
	// work for every garbage collection.
	var files []filing
	for _, s := range all {
		files = fileStatement(files, s)
	}
	slices.SortStableFunc(files, func(a, b filing) int {
		return cmp.Or(cmp.Compare(a.list, b.list), strings.Compare(a.key, b.key))
	})
	block := make([]*cstmt, len(files))
	for i, f := range files {
		block[i] = f.s
	}
	ix := stmtIndex{exact: map[string][]*cstmt{}, byService: map[string][]*cstmt{}}
	for i := 0; i < len(files); {
		k, j := files[i].filingKey, i+1
		for j < len(files) && files[j].filingKey == k {
			j++
		}
		list := block[i:j:j]
		switch k.list {
		case listAlways:
			ix.always = list
		case listExact:
			ix.exact[k.key] = list
		default:
			ix.byService[k.key] = list
		}
		i = j
	}
	return ix
}

// filingKey is where an index files a statement: under an exact
// "service:action", a service, or always.
type filingKey struct {
	list indexList
	key  string // "service:action" or "service"; "" for listAlways
}

// indexList names the part of a stmtIndex a statement is filed in.
type indexList uint8

const (
	listAlways indexList = iota
	listExact
	listService
)

// filing is one statement filed under one key.
type filing struct {
	filingKey
	s *cstmt
}

// fileStatement appends the keys s is filed under, once each.
func fileStatement(files []filing, s *cstmt) []filing {
	general := s.notAction
	for _, a := range s.actions {
		if a.all || a.svcGlob {
			general = true
		}
	}
	if general {
		return append(files, filing{filingKey{list: listAlways}, s})
	}
	first := len(files)
next:
	for _, a := range s.actions {
		k := filingKey{listService, a.service}
		if a.name.kind == fieldExact {
			k = filingKey{listExact, a.full}
		}
		for _, f := range files[first:] {
			if f.filingKey == k {
				continue next
			}
		}
		files = append(files, filing{k, s})
	}
	return files
}
