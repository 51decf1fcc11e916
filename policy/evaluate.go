package policy

import (
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
)

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
	n       uint8
	srcs    [4]Source
	// stmts are the deciding statements; an identity statement of a flat
	// program is nil there, and number flatK in set's program.
	stmts [4]*cstmt
	flatK [4]int8
	// set and res are the Set and the resource policy evaluated, where
	// Statements finds the policies the statements belong to.
	set *Set
	res *Compiled
}

// Allowed reports whether the outcome is Allow.
func (d *Decision) Allowed() bool { return d.Outcome == Allow }

// Statements returns the statements that decided the request: the Deny for
// an ExplicitDeny, and for an Allow the allowing statement of each policy
// kind that had to allow it. It is empty for an ImplicitDeny and for the
// root user's own-account requests, which need no policy.
func (d *Decision) Statements() []StatementRef {
	if d.n == 0 {
		return nil
	}
	out := make([]StatementRef, d.n)
	for i := range out {
		s := d.stmts[i]
		if s == nil {
			s = d.set.flatStmts[d.flatK[i]]
		}
		out[i] = StatementRef{Source: d.srcs[i], PolicyID: d.policyID(d.srcs[i], s), Sid: s.sid, Index: s.index}
	}
	return out
}

// policyID returns the ID of the policy of source src that s belongs to.
// Policies of one document share their statements; of those, s is
// attributed to the first.
func (d *Decision) policyID(src Source, s *cstmt) string {
	var pols []*Compiled
	switch src {
	case SourceResource:
		pols = []*Compiled{d.res}
	case SourceBoundary:
		pols = []*Compiled{d.set.boundary}
	case SourceSession:
		pols = d.set.session
	default:
		pols = d.set.identity
	}
	for _, c := range pols {
		if c != nil && c.owns(s) {
			return c.ID
		}
	}
	return ""
}

func (d *Decision) add(s *cstmt, src Source) {
	if s == nil || int(d.n) == len(d.stmts) {
		return
	}
	d.stmts[d.n], d.srcs[d.n] = s, src
	d.n++
}

// addFlat records statement k of the set's flat program, an identity
// statement, without reading it.
func (d *Decision) addFlat(k int) {
	d.srcs[d.n], d.flatK[d.n] = SourceIdentity, int8(k)
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
	// A small set's identity statements are a flat program (flat.go):
	// flatBuf[:flatLen] (flatLen 0: none), with the offsets of its records
	// in flatOffs; flatSlot and flatMemo hold the masks of the statements
	// that match each action seen, flatStmts the statements. Large sets
	// use the indexes and memos below instead. A decision reads the first
	// 64 bytes, then the program right after them; the Set's size is a
	// multiple of 64, so that the allocator aligns them to cache lines,
	// and the bytes a decision reads for a principal are few enough for
	// many thousands of principals to stay in the caches.
	flatSlot flatSlot
	plain    bool // no boundary and no session policies
	flatLen  uint8
	flatOffs [maxFlatStatements]uint8
	_        [2]byte // flatBuf starts at 64
	flatBuf  [maxFlatBytes]byte

	boundary  *Compiled
	session   []*Compiled
	flatStmts []*cstmt
	flatMemo  atomic.Pointer[actionMemo[uint32]]
	identity  []*Compiled
	// ix holds the Allow and Deny indexes of a large set's identity
	// statements, built on first use: decisions take the statements from
	// the byAction memo, and need the indexes only when it is full or the
	// action too long for it.
	ix atomic.Pointer[[2]stmtIndex]
	// byAction memoizes, per action, the identity statements whose Action
	// element matches it, so that a repeated action costs one lookup
	// instead of matching every statement's actions.
	byAction   atomic.Pointer[actionMemo[*candidates]]
	byActionMu sync.Mutex
}

// candidates are the identity statements whose actions match one action.
type candidates struct {
	allows, denies []*cstmt
	// byResource memoizes, per resource, the candidates whose Resource
	// element also matches (statements whose resources hold policy
	// variables are always kept and checked again). Only long candidate
	// lists have it: for short ones the lookup costs more than it saves.
	byResource   atomic.Pointer[map[string]*resourceCandidates]
	byResourceMu sync.Mutex
}

// resourceCandidates are candidates filtered by one resource.
type resourceCandidates struct {
	allows, denies []*cstmt
}

// Bounds of the resource memo: the candidate-list length from which it is
// used, and the number of resources memoized per action.
const (
	minResourceMemo  = 16
	maxMemoResources = 256
)

// forResource returns the candidates filtered by the request's resource,
// or nil when there is no memo for them.
func (c *candidates) forResource(st *evalState) *resourceCandidates {
	if len(c.allows)+len(c.denies) < minResourceMemo {
		return nil
	}
	res := st.req.Resource
	if m := c.byResource.Load(); m != nil {
		if rc := (*m)[res]; rc != nil {
			return rc
		}
	}
	c.byResourceMu.Lock()
	defer c.byResourceMu.Unlock()
	old := c.byResource.Load()
	if old != nil {
		if rc := (*old)[res]; rc != nil {
			return rc
		}
		if len(*old) >= maxMemoResources {
			return nil
		}
	}
	rc := &resourceCandidates{allows: st.keepResource(c.allows), denies: st.keepResource(c.denies)}
	m := make(map[string]*resourceCandidates, 1)
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	m[strings.Clone(res)] = rc
	c.byResource.Store(&m)
	return rc
}

// keepResource lists the statements whose Resource element matches the
// request's resource or depends on policy variables.
func (st *evalState) keepResource(list []*cstmt) []*cstmt {
	var out []*cstmt
	for _, s := range list {
		if s.varResource || s.matchResource(st) {
			out = append(out, s)
		}
	}
	return out
}

// maxMemoActions bounds the per-Set action memo.
const maxMemoActions = 1024

// NewSet prepares p for evaluation.
func NewSet(p Policies) *Set {
	return newSet(p, true)
}

// newSet prepares p, with a flat program when the identity policies are
// small enough and flat is set (tests compare both ways).
func newSet(p Policies, flat bool) *Set {
	s := &Set{identity: p.Identity, boundary: p.Boundary, session: p.Session, plain: p.Boundary == nil && len(p.Session) == 0}
	if flat {
		s.setFlat()
	}
	return s
}

// indexes returns the Allow and Deny indexes of the identity statements,
// building them on first use.
func (s *Set) indexes() *[2]stmtIndex {
	return lazyIndexes(&s.ix, s.identity)
}

// actionMemo maps actions, as requests spell them, to what a Set keeps
// for them: the candidate statements of a large Set, the statement masks
// of a small one. It is immutable once published: a new action makes a
// new memo. The first entries are kept inline, their keys' text in the
// block itself, so that a lookup reads one or two cache lines and
// compares no more than a few strings; more go in a map.
type actionMemo[V any] struct {
	n    uint8
	ends [linearMemo]uint8 // ends[i]: end of key i in text
	vals [linearMemo]V
	text [linearMemoText]byte
	m    map[string]V
}

// The inline entries of an actionMemo: their number and text size.
const (
	linearMemo     = 6
	linearMemoText = 160
)

// get returns the value kept for key; am may be nil (an empty memo).
func (am *actionMemo[V]) get(key string) (V, bool) {
	var zero V
	switch {
	case am == nil:
		return zero, false
	case am.m != nil:
		v, ok := am.m[key]
		return v, ok
	}
	start := 0
	for i := 0; i < int(am.n); i++ {
		end := int(am.ends[i])
		if end-start == len(key) && string(am.text[start:end]) == key {
			return am.vals[i], true
		}
		start = end
	}
	return zero, false
}

func (am *actionMemo[V]) key(i int) string {
	start := 0
	if i > 0 {
		start = int(am.ends[i-1])
	}
	return string(am.text[start:am.ends[i]])
}

func (am *actionMemo[V]) len() int {
	if am == nil {
		return 0
	}
	return int(am.n) + len(am.m)
}

// with returns a memo with one more entry; am may be nil.
func (am *actionMemo[V]) with(key string, v V) *actionMemo[V] {
	if am == nil {
		am = &actionMemo[V]{}
	}
	used := 0
	if am.n > 0 {
		used = int(am.ends[am.n-1])
	}
	if am.m == nil && int(am.n) < linearMemo && used+len(key) <= linearMemoText {
		n := *am
		copy(n.text[used:], key)
		n.ends[n.n], n.vals[n.n] = uint8(used+len(key)), v
		n.n++
		return &n
	}
	n := &actionMemo[V]{m: make(map[string]V, am.len()+1)}
	for i := 0; i < int(am.n); i++ {
		n.m[am.key(i)] = am.vals[i]
	}
	for k, val := range am.m {
		n.m[k] = val
	}
	n.m[strings.Clone(key)] = v
	return n
}

// remember publishes key's value in the memo p unless it is there or the
// memo is full (maxMemoActions); the caller holds the Set's mutex.
func remember[V any](p *atomic.Pointer[actionMemo[V]], key string, v V) {
	am := p.Load()
	if _, ok := am.get(key); ok || am.len() >= maxMemoActions {
		return
	}
	p.Store(am.with(key, v))
}

// candidatesFor returns the memoized identity statements for the request's
// action, computing them on first use; nil when the memo is full or the
// action too long (the indexes are used instead). The memo is keyed by the
// action as the request spells it: "ivs:GetChannel" and "ivs:getchannel"
// are two entries with the same candidates, and a hit costs no
// lower-casing.
func (s *Set) candidatesFor(st *evalState) *candidates {
	key := st.req.Action
	if len(key) > maxActionKey {
		return nil
	}
	if c, ok := s.byAction.Load().get(key); ok {
		return c
	}
	s.byActionMu.Lock()
	defer s.byActionMu.Unlock()
	if c, ok := s.byAction.Load().get(key); ok {
		return c
	}
	if s.byAction.Load().len() >= maxMemoActions {
		return nil
	}
	c := &candidates{}
	for _, p := range s.identity {
		for i := range p.stmts {
			if stmt := &p.stmts[i]; stmt.matchAction(st) {
				if stmt.deny {
					c.denies = append(c.denies, stmt)
				} else {
					c.allows = append(c.allows, stmt)
				}
			}
		}
	}
	remember(&s.byAction, key, c)
	return c
}

// findKnown returns the first statement of a memoized list that applies.
func (st *evalState) findKnown(list []*cstmt) *cstmt {
	for _, s := range list {
		if s.applies(st, true) {
			return s
		}
	}
	return nil
}

// findResourceKnown returns the first statement of a list filtered by
// action and resource that applies.
func (st *evalState) findResourceKnown(list []*cstmt) *cstmt {
	for _, s := range list {
		if (s.varResource && !s.matchResource(st)) || !s.matchConditions(st) {
			continue
		}
		return s
	}
	return nil
}

// maxActionKey bounds the lower-cased action kept for index lookups;
// longer actions are matched by scanning.
const maxActionKey = 128

// evalState is the per-request scratch state of an evaluation. It lives
// on the stack: evaluation allocates nothing.
type evalState struct {
	req *Request
	// svc and name are the action's service prefix and name as given,
	// split on first use (split set).
	svc, name string
	split     bool
	// fields caches the resource ARN split into its six fields.
	fields      arnFields
	fieldsState uint8 // 0 not yet split, 1 split, 2 not an ARN
	// One-entry caches of the last context value parsed as an IP address
	// and as a date, so that conditions do not parse it again.
	ipText     string
	ip         netip.Addr
	ipOK       bool
	ipCached   bool
	dateText   string
	date       dateValue
	dateOK     bool
	dateCached bool
}

// action returns the action's service prefix and name, as given.
func (st *evalState) action() (svc, name string) {
	if !st.split {
		st.svc, st.name, _ = strings.Cut(st.req.Action, ":")
		st.split = true
	}
	return st.svc, st.name
}

// lowerKey writes the lower-cased action into buf, or reports false when
// it is too long.
func (st *evalState) lowerKey(buf *[maxActionKey]byte) ([]byte, bool) {
	a := st.req.Action
	if len(a) > maxActionKey {
		return nil, false
	}
	for i := 0; i < len(a); i++ {
		buf[i] = lowerASCII(a[i])
	}
	return buf[:len(a)], true
}

// resourceFields returns the resource ARN's fields, or nil when the
// resource is not an ARN.
func (st *evalState) resourceFields() *arnFields {
	switch st.fieldsState {
	case 1:
		return &st.fields
	case 2:
		return nil
	}
	st.fields.arn = st.req.Resource
	if !st.fields.split() {
		st.fieldsState = 2
		return nil
	}
	st.fieldsState = 1
	return &st.fields
}

// Evaluate decides req under the set and the resource's own policy
// (resource may be nil; for sts:AssumeRole it is the role's trust policy),
// with AWS's evaluation logic: an explicit Deny anywhere wins; the root
// user may do anything in its account; a resource-based policy that names
// the caller allows within the account; otherwise the identity policies,
// the permissions boundary and the session policies must all allow, and a
// cross-account request also needs the resource-based policy.
func (s *Set) Evaluate(req *Request, resource *Compiled) Decision {
	st := evalState{req: req}
	d := Decision{set: s, res: resource}
	p := req.Principal
	if p == nil {
		d.Missing = SourceIdentity
		return d
	}

	// 1. An explicit Deny in any policy.
	var cands *candidates
	var rcands *resourceCandidates
	var den *cstmt
	flatAllow := -1
	if s.flatLen > 0 {
		var flatDeny int
		if flatDeny, flatAllow = s.flatFind(&st); flatDeny >= 0 {
			d.Outcome = ExplicitDeny
			d.addFlat(flatDeny)
			return d
		}
	} else {
		cands = s.candidatesFor(&st)
		if cands != nil && len(cands.allows)+len(cands.denies) >= minResourceMemo {
			rcands = cands.forResource(&st)
		}
		if cands == nil || len(cands.denies) > 0 {
			den = s.identityDeny(&st, cands, rcands)
		}
	}
	src := SourceIdentity
	if den == nil && (resource != nil || !s.plain) {
		den, src = s.otherDeny(&st, resource)
	}
	if den != nil {
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
		switch {
		case s.flatLen > 0:
			if flatAllow < 0 {
				d.Missing = SourceIdentity
				return d
			}
		case rcands != nil:
			idAllow = st.findResourceKnown(rcands.allows)
		case cands != nil:
			idAllow = st.findKnown(cands.allows)
		default:
			idAllow = st.find(&s.indexes()[0])
		}
		if idAllow == nil && flatAllow < 0 {
			d.Missing = SourceIdentity
			return d
		}
	}
	var bAllow *cstmt
	if !s.plain && s.boundary != nil {
		if bAllow = st.find(&s.boundary.indexes()[0]); bAllow == nil {
			d.Missing = SourceBoundary
			return d
		}
	}
	var sAllow *cstmt
	if (!s.plain && len(s.session) > 0) || p.Type == FederatedUser {
		for _, sp := range s.session {
			if sAllow = st.find(&sp.indexes()[0]); sAllow != nil {
				break
			}
		}
		if sAllow == nil {
			d.Missing = SourceSession
			return d
		}
	}
	d.Outcome = Allow
	if needIdentity && flatAllow >= 0 {
		d.addFlat(flatAllow)
	} else {
		d.add(idAllow, SourceIdentity)
	}
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
		if f := st.resourceFields(); f != nil {
			acct = f.field(4)
		}
	}
	return acct == "" || acct == "aws" || acct == st.req.Principal.Account
}

// identityDeny returns the first identity Deny that applies.
func (s *Set) identityDeny(st *evalState, cands *candidates, rcands *resourceCandidates) *cstmt {
	switch {
	case rcands != nil:
		return st.findResourceKnown(rcands.denies)
	case cands != nil:
		return st.findKnown(cands.denies)
	default:
		return st.find(&s.indexes()[1])
	}
}

// otherDeny returns the first Deny of the resource policy, the boundary
// or the session policies that applies, and its source.
func (s *Set) otherDeny(st *evalState, resource *Compiled) (*cstmt, Source) {
	if resource != nil {
		if den := st.resourceDeny(resource, s.boundary != nil); den != nil {
			return den, SourceResource
		}
	}
	if s.boundary != nil {
		if den := st.find(&s.boundary.indexes()[1]); den != nil {
			return den, SourceBoundary
		}
	}
	for _, sp := range s.session {
		if den := st.find(&sp.indexes()[1]); den != nil {
			return den, SourceSession
		}
	}
	return nil, 0
}

// find returns the first statement of the index that applies.
func (st *evalState) find(ix *stmtIndex) *cstmt {
	if ix.scan {
		for _, s := range ix.small {
			if s.applies(st, false) {
				return s
			}
		}
		return nil
	}
	var buf [maxActionKey]byte
	key, ok := st.lowerKey(&buf)
	if !ok {
		// An action too long for the key buffer: scan every list.
		for _, list := range ix.exact {
			for _, s := range list {
				if s.applies(st, false) {
					return s
				}
			}
		}
		for _, list := range ix.byService {
			for _, s := range list {
				if s.applies(st, false) {
					return s
				}
			}
		}
	} else {
		for _, s := range ix.exact[string(key)] {
			if s.applies(st, true) {
				return s
			}
		}
		svc, _ := st.action()
		for _, s := range ix.byService[string(key[:len(svc)])] {
			if s.applies(st, false) {
				return s
			}
		}
	}
	for _, s := range ix.always {
		if s.applies(st, false) {
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
		if s.applies(st, false) {
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
		if l <= level || !s.applies(st, false) {
			continue
		}
		best, level = s, l
	}
	return best, level
}

// matchAction reports whether the statement's Action (or NotAction)
// element matches the request's action.
func (s *cstmt) matchAction(st *evalState) bool {
	matched := false
	svc, name := st.action()
	for i := range s.actions {
		if s.actions[i].match(svc, name) {
			matched = true
			break
		}
	}
	return matched != s.notAction
}

// applies reports whether the statement's action, resource and conditions
// all match the request (principals are checked by the caller). With
// actionKnown the index already established that the action matches.
func (s *cstmt) applies(st *evalState, actionKnown bool) bool {
	if !actionKnown && !s.matchAction(st) {
		return false
	}
	return s.matchResource(st) && s.matchConditions(st)
}

// matchResource reports whether the statement's Resource (or NotResource)
// element matches the request's resource.
func (s *cstmt) matchResource(st *evalState) bool {
	if s.anyResource {
		return true
	}
	matched := false
	for i := range s.resources {
		if s.resources[i].match(st) {
			matched = true
			break
		}
	}
	return matched != s.notResource
}

// matchConditions reports whether every condition holds.
func (s *cstmt) matchConditions(st *evalState) bool {
	for i := range s.conds {
		if !s.conds[i].eval(st) {
			return false
		}
	}
	return true
}

// Policies returns the policies the set was made from.
func (s *Set) Policies() Policies {
	return Policies{Identity: s.identity, Boundary: s.boundary, Session: s.session}
}
