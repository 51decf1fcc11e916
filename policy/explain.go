package policy

import "strings"

// Position is a place in a policy document's text: a 1-based line and
// column.
type Position struct {
	Line, Column int
}

// stmtInfo is what an explanation needs of a statement beyond what
// evaluation reads.
type stmtInfo struct {
	// start is the position just after the statement's opening brace and
	// end the position just after its closing brace: the places IAM's
	// policy simulator reports.
	start, end Position
	// condKeys are the condition keys as written, one per compiled
	// condition, in the same order.
	condKeys []string
	// vars are the policy variables of the statement's resources and
	// condition values.
	vars []varRef
}

// varRef is a policy variable a statement uses.
type varRef struct {
	name   string // as written
	key    string // lower-cased
	hasDef bool
}

func newStmtInfo(p *Policy, s *Statement, vars bool) stmtInfo {
	var in stmtInfo
	if p.src != nil && s.pos.end > s.pos.stmt {
		in.start.Line, in.start.Column = lineCol(p.src, s.pos.stmt+1)
		in.end.Line, in.end.Column = lineCol(p.src, s.pos.end)
	}
	for _, b := range s.Condition {
		for _, e := range b.Entries {
			in.condKeys = append(in.condKeys, e.Key)
		}
	}
	if !vars {
		return in
	}
	addVars := func(text string) {
		t := parseTemplate(text)
		if t == nil {
			return
		}
		for _, part := range t.parts {
			if part.key != "" {
				in.vars = append(in.vars, varRef{name: part.name, key: part.key, hasDef: part.hasDef})
			}
		}
	}
	for _, r := range s.Resource {
		addVars(r)
	}
	for _, r := range s.NotResource {
		addVars(r)
	}
	for _, b := range s.Condition {
		for _, e := range b.Entries {
			for _, v := range e.Values {
				addVars(v)
			}
		}
	}
	return in
}

// ContextKeys returns the condition keys the policy consults, in its
// conditions and in its policy variables, as first written, each once
// (keys compare case-insensitively): the answer of IAM's
// GetContextKeysForCustomPolicy.
func (c *Compiled) ContextKeys() []string {
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		l := strings.ToLower(k)
		if !seen[l] {
			seen[l] = true
			keys = append(keys, k)
		}
	}
	for i := range c.info {
		for _, v := range c.info[i].vars {
			add(v.name)
		}
		for _, k := range c.info[i].condKeys {
			add(k)
		}
	}
	return keys
}

// MatchedStatement is a statement behind an explained decision, with its
// place in its policy's text.
type MatchedStatement struct {
	StatementRef
	Effect Effect
	// Start is the position just after the statement's opening brace and
	// End the position just after its closing brace, as IAM's policy
	// simulator reports them; zero when the policy's text is not known.
	Start, End Position
}

// Explanation is a decision with everything behind it, for the policy
// simulator and for explaining a request afterwards.
type Explanation struct {
	Decision
	// Matched lists the statements that determined the outcome: for an
	// ExplicitDeny every Deny that applies; for an Allow every Allow that
	// applies in each kind of policy that had to allow; nothing for an
	// ImplicitDeny.
	Matched []MatchedStatement
	// MissingKeys are the keys, as written, that statements matching the
	// action consult but that neither the request context nor the
	// principal supply: their conditions and variables could not be
	// decided on real values.
	MissingKeys []string
	// bySource is the outcome each kind of policy reaches alone, indexed
	// by Source; consulted says which kinds took part.
	bySource  [SourceSession + 1]Outcome
	consulted [SourceSession + 1]bool
}

// SourceOutcome returns what the policies of one kind decide on their
// own — ExplicitDeny when one of their Denies applies, Allow when one of
// their Allows applies, ImplicitDeny otherwise — and whether the
// evaluation had policies of that kind at all.
func (e *Explanation) SourceOutcome(src Source) (Outcome, bool) {
	if int(src) >= len(e.bySource) {
		return ImplicitDeny, false
	}
	return e.bySource[src], e.consulted[src]
}

// Explain decides req exactly as Evaluate does and explains the decision:
// every statement that applies, the outcome of each kind of policy, and
// the context keys the policies needed but the request lacked. It is the
// slow path, for the simulator and for audit explanations; it allocates.
func (s *Set) Explain(req *Request, resource *Compiled) Explanation {
	e := Explanation{Decision: s.Evaluate(req, resource)}
	st := evalState{req: req}
	type hit struct {
		src Source
		c   *Compiled
		i   int
	}
	var denies, allows []hit
	missing := map[string]bool{}
	walk := func(src Source, c *Compiled) {
		e.consulted[src] = true
		for i := range c.stmts {
			cs := &c.stmts[i]
			if !cs.matchAction(&st) {
				continue
			}
			e.noteMissing(&st, c, i, missing)
			if src == SourceResource && !st.resourceNames(cs, s.boundary != nil) {
				continue
			}
			if !cs.matchResource(&st) || !cs.matchConditions(&st) {
				continue
			}
			if cs.deny {
				denies = append(denies, hit{src, c, i})
				e.bySource[src] = ExplicitDeny
			} else {
				allows = append(allows, hit{src, c, i})
				if e.bySource[src] != ExplicitDeny {
					e.bySource[src] = Allow
				}
			}
		}
	}
	if req.Principal != nil {
		for _, c := range s.identity {
			walk(SourceIdentity, c)
		}
		if resource != nil {
			walk(SourceResource, resource)
		}
		if s.boundary != nil {
			walk(SourceBoundary, s.boundary)
		}
		for _, c := range s.session {
			walk(SourceSession, c)
		}
	}
	add := func(h hit) {
		cs, in := &h.c.stmts[h.i], &h.c.info[h.i]
		eff := EffectAllow
		if cs.deny {
			eff = EffectDeny
		}
		e.Matched = append(e.Matched, MatchedStatement{
			StatementRef: StatementRef{Source: h.src, PolicyID: h.c.ID, Sid: cs.sid, Index: cs.index},
			Effect:       eff, Start: in.start, End: in.end,
		})
	}
	switch e.Outcome {
	case ExplicitDeny:
		for _, h := range denies {
			add(h)
		}
	case Allow:
		var deciding [SourceSession + 1]bool
		for i := 0; i < int(e.n); i++ {
			deciding[e.srcs[i]] = true
		}
		for _, h := range allows {
			if deciding[h.src] {
				add(h)
			}
		}
	}
	return e
}

// resourceNames reports whether a statement of a resource-based policy
// names the caller as evaluation counts it: an Allow through Principal, a
// Deny through Principal or NotPrincipal.
func (st *evalState) resourceNames(cs *cstmt, hasBoundary bool) bool {
	p := st.req.Principal
	switch {
	case cs.principal == nil:
		return false
	case cs.notPrincipal:
		return cs.deny && (hasBoundary || !cs.principal.excludes(p))
	default:
		return cs.principal.level(p) > namesNone
	}
}

// noteMissing records the keys statement i of c consults that the request
// does not supply.
func (e *Explanation) noteMissing(st *evalState, c *Compiled, i int, seen map[string]bool) {
	cs, in := &c.stmts[i], &c.info[i]
	note := func(name, key string) {
		if seen[key] {
			return
		}
		if v, ok := st.lookup(key); ok && v.len() > 0 {
			return
		}
		seen[key] = true
		e.MissingKeys = append(e.MissingKeys, name)
	}
	for _, v := range in.vars {
		if !v.hasDef {
			note(v.name, v.key)
		}
	}
	for j := range cs.conds {
		if cs.conds[j].op.family == famNull {
			// Null asks whether the key is there: its absence is an answer.
			continue
		}
		note(in.condKeys[j], cs.conds[j].key)
	}
}
