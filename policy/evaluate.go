package policy

import "strings"

// Outcome is the answer of an evaluation.
type Outcome uint8

const (
	// ImplicitDeny: nothing allowed the request (and nothing denied it).
	ImplicitDeny Outcome = iota
	// Allow: the request is allowed.
	Allow
	// ExplicitDeny: a Deny statement applies to the request.
	ExplicitDeny
)

// String returns "ImplicitDeny", "Allow" or "ExplicitDeny".
func (o Outcome) String() string {
	switch o {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	default:
		return "ImplicitDeny"
	}
}

// Source is the kind of policy a statement came from.
type Source uint8

const (
	// SourceIdentity is an identity-based policy of the principal.
	SourceIdentity Source = iota + 1
	// SourceResource is the resource-based (or trust) policy.
	SourceResource
	// SourceBoundary is the principal's permissions boundary.
	SourceBoundary
	// SourceSession is a session policy.
	SourceSession
)

// String names the source as AWS's denial messages do.
func (s Source) String() string {
	switch s {
	case SourceIdentity:
		return "identity-based policy"
	case SourceResource:
		return "resource-based policy"
	case SourceBoundary:
		return "permissions boundary"
	case SourceSession:
		return "session policy"
	default:
		return ""
	}
}

// StatementRef identifies a statement that decided a request.
type StatementRef struct {
	Source Source
	// PolicyID is the Compiled policy's ID.
	PolicyID string
	Sid      string
	// Index is the statement's position in its policy (0-based).
	Index int
}

// Decision is the result of Evaluate with the statements behind it.
type Decision struct {
	Outcome Outcome
	// Missing, for an ImplicitDeny, is the kind of policy that lacked an
	// Allow: SourceIdentity, SourceBoundary, SourceSession, or
	// SourceResource (a trust or cross-account resource policy).
	Missing Source
	refs    [4]StatementRef
	n       uint8
}

// Allowed reports whether the outcome is Allow.
func (d *Decision) Allowed() bool { return d.Outcome == Allow }

// Statements returns the statements that decided the request: the Deny for
// an ExplicitDeny, and for an Allow the allowing statement of each policy
// kind that had to allow it. It is empty for an ImplicitDeny and for the
// root user's own-account requests, which need no policy.
func (d *Decision) Statements() []StatementRef { return d.refs[:d.n] }

func (d *Decision) add(s *cstmt, src Source) {
	if s == nil || int(d.n) == len(d.refs) {
		return
	}
	d.refs[d.n] = StatementRef{Source: src, PolicyID: s.policy.ID, Sid: s.sid, Index: s.index}
	d.n++
}

// Policies are the policies that apply to a principal, other than a
// resource's own policy.
type Policies struct {
	// Identity holds the principal's identity-based policies: inline and
	// managed, its groups' policies, or its role's.
	Identity []*Compiled
	// Boundary is the permissions boundary, or nil.
	Boundary *Compiled
	// Session holds the session policies passed when the session was made;
	// nil when none were.
	Session []*Compiled
}

// Set is a principal's policies prepared for evaluation. Build one per
// principal and keep it while the policies do not change; it is immutable
// and safe for concurrent use.
type Set struct {
	identity stmtIndex
	boundary *Compiled
	session  []*Compiled
}

// NewSet prepares p for evaluation.
func NewSet(p Policies) *Set {
	return &Set{identity: buildIndex(p.Identity), boundary: p.Boundary, session: p.Session}
}

// evalState is the per-request scratch state of an evaluation.
type evalState struct {
	req  *Request
	svc  string // lower-case service prefix of the action
	name string // action name
}

func newEvalState(req *Request) evalState {
	svc, name, _ := strings.Cut(req.Action, ":")
	for i := 0; i < len(svc); i++ {
		if c := svc[i]; c >= 'A' && c <= 'Z' {
			svc = strings.ToLower(svc)
			break
		}
	}
	return evalState{req: req, svc: svc, name: name}
}

// Evaluate decides req under the set and the resource's own policy
// (resource may be nil; for sts:AssumeRole it is the role's trust policy),
// with AWS's evaluation logic: an explicit Deny anywhere wins; the root
// user may do anything in its account; a resource-based policy that names
// the caller allows within the account; otherwise the identity policies,
// the permissions boundary and the session policies must all allow, and a
// cross-account request also needs the resource-based policy.
func (s *Set) Evaluate(req *Request, resource *Compiled) Decision {
	st := newEvalState(req)
	var d Decision
	p := req.Principal
	if p == nil {
		d.Missing = SourceIdentity
		return d
	}

	// 1. An explicit Deny in any policy.
	if den, src := s.findDeny(&st, resource); den != nil {
		d.Outcome = ExplicitDeny
		d.add(den, src)
		return d
	}

	trust := resource != nil && resource.kind == KindTrust
	same := st.sameAccount()
	var resAllow *cstmt
	level := namesNone
	if resource != nil {
		resAllow, level = st.resourceAllow(resource)
	}

	// 2. The root user.
	if p.Type == Root {
		switch {
		case trust:
			// "Roles may not be assumed by root accounts."
			d.Missing = SourceResource
		case same:
			d.Outcome = Allow
		case level > namesNone:
			d.Outcome = Allow
			d.add(resAllow, SourceResource)
		default:
			d.Missing = SourceResource
		}
		return d
	}

	// 3. A resource-based policy that names the caller, within the account.
	if (trust || !same) && level == namesNone {
		d.Missing = SourceResource
		return d
	}
	needIdentity := true
	if same && level >= namesRole {
		if level == namesCaller && !trust {
			d.Outcome = Allow
			d.add(resAllow, SourceResource)
			return d
		}
		needIdentity = false
	}

	// 4. The identity chain: identity policies, boundary, session policies.
	var idAllow *cstmt
	if needIdentity {
		if idAllow = st.findAllow(&s.identity); idAllow == nil {
			d.Missing = SourceIdentity
			return d
		}
	}
	var bAllow *cstmt
	if s.boundary != nil {
		if bAllow = st.findAllow(&s.boundary.index); bAllow == nil {
			d.Missing = SourceBoundary
			return d
		}
	}
	var sAllow *cstmt
	if len(s.session) > 0 || p.Type == FederatedUser {
		for _, sp := range s.session {
			if sAllow = st.findAllow(&sp.index); sAllow != nil {
				break
			}
		}
		if sAllow == nil {
			d.Missing = SourceSession
			return d
		}
	}
	d.Outcome = Allow
	d.add(idAllow, SourceIdentity)
	if level > namesNone {
		d.add(resAllow, SourceResource)
	}
	d.add(bAllow, SourceBoundary)
	d.add(sAllow, SourceSession)
	return d
}

// Evaluate decides req under the given policies; see Set.Evaluate. To
// evaluate the same principal's policies often, build a Set once instead.
func Evaluate(req *Request, p Policies, resource *Compiled) Decision {
	return NewSet(p).Evaluate(req, resource)
}

// sameAccount reports whether the resource belongs to the caller's account.
// A resource of "*", or an ARN without an account (S3 buckets, AWS managed
// policies), counts as the caller's.
func (st *evalState) sameAccount() bool {
	acct := st.req.ResourceAccount
	if acct == "" {
		acct = arnAccount(st.req.Resource)
	}
	return acct == "" || acct == "aws" || acct == st.req.Principal.Account
}

func (s *Set) findDeny(st *evalState, resource *Compiled) (*cstmt, Source) {
	if den := st.find(&s.identity, true); den != nil {
		return den, SourceIdentity
	}
	if resource != nil {
		if den := st.resourceDeny(resource, s.boundary != nil); den != nil {
			return den, SourceResource
		}
	}
	if s.boundary != nil {
		if den := st.find(&s.boundary.index, true); den != nil {
			return den, SourceBoundary
		}
	}
	for _, sp := range s.session {
		if den := st.find(&sp.index, true); den != nil {
			return den, SourceSession
		}
	}
	return nil, 0
}

func (st *evalState) findAllow(ix *stmtIndex) *cstmt {
	return st.find(ix, false)
}

// find returns the first statement of the wanted effect that applies.
func (st *evalState) find(ix *stmtIndex, deny bool) *cstmt {
	a, b := ix.candidates(st.svc)
	for _, s := range a {
		if s.deny == deny && s.applies(st) {
			return s
		}
	}
	for _, s := range b {
		if s.deny == deny && s.applies(st) {
			return s
		}
	}
	return nil
}

// resourceDeny returns a Deny of the resource policy that applies to the
// caller. A Deny with NotPrincipal applies to every principal it does not
// exclude, and always to a principal with a permissions boundary.
func (st *evalState) resourceDeny(rp *Compiled, hasBoundary bool) *cstmt {
	p := st.req.Principal
	for i := range rp.stmts {
		s := &rp.stmts[i]
		if !s.deny || s.principal == nil {
			continue
		}
		if s.notPrincipal {
			if !hasBoundary && s.principal.excludes(p) {
				continue
			}
		} else if s.principal.level(p) == namesNone {
			continue
		}
		if s.applies(st) {
			return s
		}
	}
	return nil
}

// resourceAllow returns the Allow of the resource policy that names the
// caller most specifically, and how it names it.
func (st *evalState) resourceAllow(rp *Compiled) (*cstmt, nameLevel) {
	p := st.req.Principal
	var best *cstmt
	level := namesNone
	for i := range rp.stmts {
		s := &rp.stmts[i]
		if s.deny || s.principal == nil || s.notPrincipal {
			continue
		}
		l := s.principal.level(p)
		if l <= level || !s.applies(st) {
			continue
		}
		best, level = s, l
	}
	return best, level
}

// applies reports whether the statement's action, resource and conditions
// all match the request (principals are checked by the caller).
func (s *cstmt) applies(st *evalState) bool {
	matched := false
	for i := range s.actions {
		if s.actions[i].match(st.svc, st.name) {
			matched = true
			break
		}
	}
	if matched == s.notAction {
		return false
	}
	if !s.anyResource {
		matched = false
		for i := range s.resources {
			if s.resources[i].match(st, st.req.Resource) {
				matched = true
				break
			}
		}
		if matched == s.notResource {
			return false
		}
	}
	for i := range s.conds {
		if !s.conds[i].eval(st) {
			return false
		}
	}
	return true
}
