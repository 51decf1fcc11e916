// Package authz answers "may this caller do this?" for the services: it
// loads a principal's effective policies from the store, compiles them into
// a policy.Set, caches the set until the account changes, and evaluates.
package authz

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/awsmanaged"
	"github.com/gatehouse-iam/gatehouse/cachemap"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// Caller is the authenticated principal of a request and the context of
// the request.
type Caller struct {
	// Principal is the identity: ARN, account, type, user name and id, tags.
	Principal policy.Principal
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// SessionPolicies narrow a temporary session's rights; nil otherwise.
	SessionPolicies []*policy.Compiled
	// Region is the region of the request's signature scope.
	Region string
	// Context holds the request's global condition keys (aws:SourceIp,
	// aws:CurrentTime, aws:SecureTransport, …); read it through
	// RequestContext, which completes it first.
	Context policy.Context
	// Session describes the temporary credentials the request was signed
	// with; nil for a long-term access key.
	Session *Session

	// fill, when set, completes Context (DeferContext).
	fill func(*policy.Context)
}

// DeferContext has fill complete Context when a check first needs it
// (RequestContext), so that a request that checks nothing, such as
// sts:GetCallerIdentity, never builds its context. Like the rest of a
// Caller, it is for the one goroutine serving the request.
func (c *Caller) DeferContext(fill func(*policy.Context)) { c.fill = fill }

// RequestContext returns the caller's request context, complete.
func (c *Caller) RequestContext() *policy.Context {
	if fill := c.fill; fill != nil {
		c.fill = nil
		fill(&c.Context)
	}
	return &c.Context
}

// Session is what a request signed with temporary credentials carries
// over from the STS call that made them.
type Session struct {
	// ID identifies the session (its access key id): policy sets of
	// sessions with session policies are cached under it.
	ID string
	// Issuer is the STS operation that made the session: "AssumeRole",
	// "GetSessionToken" or "GetFederationToken".
	Issuer string
	// IssuedAt and Expires bound the session.
	IssuedAt, Expires time.Time
	// SourceUserName is, for a FederatedUser, the IAM user who called
	// GetFederationToken, whose identity policies the session has; "" when
	// the account's root user called it.
	SourceUserName string
	// TransitiveTags are the session tags passed on to a role session
	// this session makes (role chaining).
	TransitiveTags []policy.Tag
	// SourceIdentity is the session's sts:SourceIdentity, or "".
	SourceIdentity string
	// MFA reports whether the session was authenticated with MFA, at
	// MFAAuthTime.
	MFA         bool
	MFAAuthTime time.Time
}

// IsTemporary reports whether the caller signed with temporary credentials.
func (c *Caller) IsTemporary() bool { return c.Session != nil }

// IsRoot reports whether the caller is an account's root user.
func (c *Caller) IsRoot() bool { return c.Principal.Type == policy.Root }

// Account returns the caller's account id.
func (c *Caller) Account() string { return c.Principal.Account }

// Check is one authorization question about a caller.
type Check struct {
	// Action is "service:Operation".
	Action string
	// Resource is the ARN acted on, or "*".
	Resource string
	// Context adds the operation's own keys (aws:RequestTag/…,
	// aws:TagKeys, aws:ResourceTag/…) to the caller's request context.
	Context func(*policy.Context)
	// ResourcePolicy is the resource's own policy (a role's trust policy
	// for sts:AssumeRole), or nil.
	ResourcePolicy *policy.Compiled
}

// Authorizer evaluates checks with cached, compiled policy sets. It is safe
// for concurrent use.
type Authorizer struct {
	st store.Store

	// gens holds each account's in-memory generation (*atomic.Uint64),
	// bumped by every change to the account; epoch is bumped by
	// ChangedAll. A cached set is used only while both are as they were
	// when it was loaded. Neither is ever dropped, so a generation never
	// returns to a value a stale set holds.
	gens  sync.Map
	epoch atomic.Uint64
	sets  *cachemap.Map[setKey, cachedSet] // by principal; held by value, one pointer fewer to follow

	mu   sync.RWMutex
	docs map[docKey]*policy.Compiled // document → compiled policy, under the id it was first compiled with

	stats CacheStats // of sets
	// trust, when set, says whether the cached sets may be used now.
	trust func() bool
}

type cachedSet struct {
	gen, epoch uint64
	set        *policy.Set
}

// docKey names a compiled document by its SHA-256: 10,000 users with 10
// inline policies each would otherwise keep 100,000 documents twice, once
// in the key and once compiled.
type docKey [sha256.Size]byte

// maxCachedDocs bounds the compiled-document cache, and maxCachedSets the
// policy-set cache.
const (
	maxCachedDocs = 100_000
	maxCachedSets = 100_000
)

// New returns an Authorizer reading policies from st. The store must tell
// the Authorizer of every change through Changed; WrapStore does that.
func New(st store.Store) *Authorizer {
	return &Authorizer{st: st, sets: cachemap.New[setKey, cachedSet](maxCachedSets, setKey.shardHash), docs: map[docKey]*policy.Compiled{}}
}

// WrapStore returns st wrapped so that every committed write invalidates
// the cached sets of the accounts it wrote. Services must write through it.
func (a *Authorizer) WrapStore(st store.Store) store.Store {
	return store.WithCommitHook(st, a.Changed)
}

// TrustCacheWhile makes the Authorizer use its cached sets only while ok
// returns true: with a store shared by several processes, while changes
// made elsewhere may go unreported (see store.ListenReporter). Call it
// before the Authorizer is used.
func (a *Authorizer) TrustCacheWhile(ok func() bool) { a.trust = ok }

// trusted reports whether cached sets may be used.
func (a *Authorizer) trusted() bool { return a.trust == nil || a.trust() }

// ChangedAll invalidates every cached policy set.
func (a *Authorizer) ChangedAll() {
	a.epoch.Add(1)
	a.sets.Clear()
}

// Changed invalidates the cached policy sets of the accounts.
func (a *Authorizer) Changed(accounts []string) {
	for _, acct := range accounts {
		a.gen(acct).Add(1)
	}
}

// gen returns the generation counter of an account.
func (a *Authorizer) gen(acct string) *atomic.Uint64 {
	if g, ok := a.gens.Load(acct); ok {
		return g.(*atomic.Uint64)
	}
	g, _ := a.gens.LoadOrStore(strings.Clone(acct), new(atomic.Uint64))
	return g.(*atomic.Uint64)
}

// Authorize decides the check for the caller.
func (a *Authorizer) Authorize(ctx context.Context, c *Caller, chk Check) (policy.Decision, error) {
	set, err := a.setFor(ctx, c)
	if err != nil {
		return policy.Decision{}, err
	}
	req := &policy.Request{Principal: &c.Principal, Action: chk.Action, Resource: chk.Resource, Context: c.RequestContext()}
	t := traceFrom(ctx)
	if chk.Context != nil {
		// The check's keys go in a copy of the caller's (in the trace's
		// storage, when traced); a resource has a few tags.
		var pc *policy.Context
		if t != nil {
			pc = t.checkContext(req.Context, 4)
		} else {
			c := req.Context.CloneGrow(4)
			pc = &c
		}
		chk.Context(pc)
		req.Context = pc
	}
	d := set.Evaluate(req, chk.ResourcePolicy)
	if t != nil {
		t.add(Checked{Action: chk.Action, Resource: chk.Resource, Decision: d, Context: req.Context,
			Policies: set.Policies(), ResourcePolicy: chk.ResourcePolicy})
	}
	return d, nil
}

// Require is Authorize that turns a denial into AWS's access-denied error
// with the given code ("AccessDenied" for query APIs,
// "AccessDeniedException" for JSON ones).
func (a *Authorizer) Require(ctx context.Context, c *Caller, chk Check, code string) error {
	d, err := a.Authorize(ctx, c, chk)
	if err != nil {
		return err
	}
	if d.Allowed() {
		return nil
	}
	return &awserr.Error{Code: code, Message: DeniedMessage(c, chk.Action, chk.Resource, &d)}
}

// DeniedMessage is AWS's text for a denied request, naming the policy
// type that lacked an Allow or held the Deny.
func DeniedMessage(c *Caller, action, resource string, d *policy.Decision) string {
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.Principal.ARN, action, resource)
	if r := DenialReason(action, d); r != "" {
		msg += " " + r
	}
	return msg
}

// DenialReason is the reason clause of AWS's denial text: "because no
// identity-based policy allows the ivs:GetChannel action", "with an
// explicit deny in a permissions boundary", and so on for the session
// policies and resource-based policies; "" for an Allow, or a denial
// whose reason is not known.
func DenialReason(action string, d *policy.Decision) string {
	switch d.Outcome {
	case policy.ExplicitDeny:
		if st := d.Statements(); len(st) > 0 {
			src := st[0].Source.String()
			article := "a "
			if strings.HasPrefix(src, "identity") {
				article = "an "
			}
			return "with an explicit deny in " + article + src
		}
	case policy.ImplicitDeny:
		if d.Missing != 0 {
			return "because no " + d.Missing.String() + " allows the " + action + " action"
		}
	}
	return ""
}

// principalKey identifies the policy set of a caller.
func principalKey(c *Caller) setKey {
	k := setKey{typ: c.Principal.Type, account: c.Principal.Account, userID: c.Principal.UserID, arn: c.Principal.ARN}
	if c.Session != nil {
		if c.Principal.Type == policy.FederatedUser {
			// Two users may federate under one name.
			k.source = c.Session.SourceUserName
		}
		if len(c.SessionPolicies) > 0 {
			k.session = c.Session.ID
		}
	}
	return k
}

// setKey identifies a cached policy set: the principal, and for sessions
// the federating user and the session whose policies narrow the set.
type setKey struct {
	typ                                   policy.PrincipalType
	account, userID, arn, source, session string
}

// shardHash is the cache's shard hash of k: its principal's ARN and its
// session tell most keys apart.
func (k setKey) shardHash(seed maphash.Seed) uint64 {
	return maphash.String(seed, k.arn) ^ maphash.String(seed, k.session)
}

// cacheable reports whether the caller's policy set may be cached: its
// session policies, if any, are identified by the session.
func cacheable(c *Caller) bool {
	return len(c.SessionPolicies) == 0 || (c.Session != nil && c.Session.ID != "")
}

func (a *Authorizer) setFor(ctx context.Context, c *Caller) (*policy.Set, error) {
	if c.Principal.Type == policy.Root && len(c.SessionPolicies) == 0 {
		return emptySet, nil
	}
	key := principalKey(c)
	g := a.gen(c.Principal.Account)
	gen, epoch := g.Load(), a.epoch.Load()
	e, ok := a.sets.Load(key)
	if ok && e.gen == gen && e.epoch == epoch && cacheable(c) && a.trusted() {
		a.stats.Hit()
		return e.set, nil
	}
	a.stats.Miss()
	pols, err := a.load(ctx, c)
	if err != nil {
		return nil, err
	}
	pols.Session = c.SessionPolicies
	set := policy.NewSet(pols)
	// Keep the set only if nothing changed while loading (a change that
	// comes after this test bumps a counter, so the set is not used).
	// The key's strings are the principal's and the session's, which
	// outlive the request (none points into it).
	if cacheable(c) && g.Load() == gen && a.epoch.Load() == epoch {
		a.sets.Store(key, cachedSet{gen: gen, epoch: epoch, set: set})
	}
	return set, nil
}

var emptySet = policy.NewSet(policy.Policies{})

// load reads the identity policies and boundary of the caller.
func (a *Authorizer) load(ctx context.Context, c *Caller) (policy.Policies, error) {
	var pols policy.Policies
	acct := c.Principal.Account
	err := a.st.View(ctx, func(tx store.Tx) error {
		switch c.Principal.Type {
		case policy.User:
			return a.loadUser(ctx, tx, acct, c.Principal.Username, c.Session != nil, &pols)
		case policy.FederatedUser:
			// A federated user has the identity policies of the user who
			// called GetFederationToken (all rights for the root user),
			// narrowed by its session policies.
			if c.Session == nil {
				return nil
			}
			if c.Session.SourceUserName == "" {
				all, err := a.compile("root", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
				if err != nil {
					return err
				}
				pols.Identity = append(pols.Identity, all)
				return nil
			}
			return a.loadUser(ctx, tx, acct, c.Session.SourceUserName, true, &pols)
		case policy.AssumedRole:
			roleName := c.Principal.RoleARN[strings.LastIndexByte(c.Principal.RoleARN, '/')+1:]
			var r store.Role
			if err := store.GetJSON(ctx, tx, acct, store.RoleKey(roleName), &r); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					// The role was deleted: its sessions have no rights.
					return nil
				}
				return fmt.Errorf("load role %s: %w", roleName, err)
			}
			if roleID, _, _ := strings.Cut(c.Principal.UserID, ":"); c.Session != nil && (roleID != r.ID || r.ARN != c.Principal.RoleARN) {
				// Deleted and created again, or moved: a session of the
				// old role has no rights in the new one.
				return nil
			}
			return a.loadRole(ctx, tx, acct, &r, &pols)
		}
		return nil
	})
	return pols, err
}

// loadRole adds the identity policies and the boundary of a role.
func (a *Authorizer) loadRole(ctx context.Context, tx store.Tx, acct string, r *store.Role, pols *policy.Policies) error {
	if err := a.loadOwner(ctx, tx, acct, store.KindRole, r.ID, "role/"+r.Name, pols); err != nil {
		return err
	}
	if r.Boundary != "" {
		b, err := a.managed(ctx, tx, acct, r.Boundary)
		if err != nil {
			return err
		}
		pols.Boundary = b
	}
	return nil
}

// EntityPolicies returns, read in tx exactly as authorization reads them,
// the identity policies and the permissions boundary of a user (its
// groups' policies included), a group or a role of the account: what the
// policy simulator simulates. An inline policy's ID is
// "<kind>/<owner>/inline/<name>" (InlinePolicyName splits it), a managed
// policy's its ARN. kind is store.KindUser, KindGroup or KindRole.
func (a *Authorizer) EntityPolicies(ctx context.Context, tx store.Tx, acct, kind, name string) (policy.Policies, error) {
	var pols policy.Policies
	switch kind {
	case store.KindUser:
		return pols, a.loadUser(ctx, tx, acct, name, false, &pols)
	case store.KindGroup:
		var g store.Group
		if err := store.GetJSON(ctx, tx, acct, store.GroupKey(name), &g); err != nil {
			return pols, fmt.Errorf("load group %s: %w", name, err)
		}
		return pols, a.loadOwner(ctx, tx, acct, store.KindGroup, g.ID, "group/"+g.ID, &pols)
	case store.KindRole:
		var r store.Role
		if err := store.GetJSON(ctx, tx, acct, store.RoleKey(name), &r); err != nil {
			return pols, fmt.Errorf("load role %s: %w", name, err)
		}
		return pols, a.loadRole(ctx, tx, acct, &r, &pols)
	}
	return pols, fmt.Errorf("authz: no policies for an entity of kind %q", kind)
}

// InlinePolicyName returns the owner's kind and the policy's name of an
// inline policy's ID as EntityPolicies names it, or false for another ID.
func InlinePolicyName(id string) (kind, name string, ok bool) {
	owner, name, ok := strings.Cut(id, "/inline/")
	if !ok {
		return "", "", false
	}
	kind, _, _ = strings.Cut(owner, "/")
	return kind, name, true
}

// PrincipalTags converts an entity's stored tags into principal tags.
func PrincipalTags(tags []store.Tag) []policy.Tag {
	var out []policy.Tag
	for _, t := range tags {
		out = append(out, policy.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// loadUser adds the identity policies and the boundary of a user. A user
// deleted after a session of it was made grants the session nothing
// (session); a long-term key's user must exist.
func (a *Authorizer) loadUser(ctx context.Context, tx store.Tx, acct, name string, session bool, pols *policy.Policies) error {
	var u store.User
	if err := store.GetJSON(ctx, tx, acct, store.UserKey(name), &u); err != nil {
		if session && errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("load user %s: %w", name, err)
	}
	if err := a.loadOwner(ctx, tx, acct, store.KindUser, u.ID, "user/"+u.Name, pols); err != nil {
		return err
	}
	groups, err := tx.List(ctx, acct, store.GroupsOfPrefix(u.ID), "", 0)
	if err != nil {
		return err
	}
	for _, g := range groups {
		gid := strings.TrimPrefix(g.Key, store.GroupsOfPrefix(u.ID))
		if err := a.loadOwner(ctx, tx, acct, store.KindGroup, gid, "group/"+gid, pols); err != nil {
			return err
		}
	}
	if u.Boundary != "" {
		b, err := a.managed(ctx, tx, acct, u.Boundary)
		if err != nil {
			return err
		}
		pols.Boundary = b
	}
	return nil
}

// loadOwner adds the inline and attached policies of one user, group or
// role.
func (a *Authorizer) loadOwner(ctx context.Context, tx store.Tx, acct, kind, id, label string, pols *policy.Policies) error {
	inline, _, err := store.ListJSON[store.InlinePolicy](ctx, tx, acct, store.InlinePrefix(kind, id), "", 0)
	if err != nil {
		return err
	}
	// The policies under their ids, in one array, and the ids in one
	// string: a cached set holds a few objects per principal, not a few
	// per policy, for each garbage collection to mark.
	const infix = "/inline/"
	var ids strings.Builder
	for _, ip := range inline {
		ids.WriteString(label)
		ids.WriteString(infix)
		ids.WriteString(ip.Name)
	}
	all, block := ids.String(), make([]policy.Compiled, len(inline))
	for i, ip := range inline {
		n := len(label) + len(infix) + len(ip.Name)
		name := all[:n]
		all = all[n:]
		c, err := a.shared(name, ip.Document)
		if err != nil {
			return err
		}
		block[i] = c.Renamed(name)
		pols.Identity = append(pols.Identity, &block[i])
	}
	attached, _, err := store.ListJSON[store.Attachment](ctx, tx, acct, store.AttachPrefix(kind, id), "", 0)
	if err != nil {
		return err
	}
	for _, at := range attached {
		c, err := a.managed(ctx, tx, acct, at.PolicyARN)
		if err != nil {
			return err
		}
		pols.Identity = append(pols.Identity, c)
	}
	return nil
}

// managed returns the compiled default version of a managed policy.
func (a *Authorizer) managed(ctx context.Context, tx store.Tx, acct, arn string) (*policy.Compiled, error) {
	if p, ok := awsmanaged.Get(arn); ok {
		return a.compile(arn, p.Document)
	}
	var mp store.ManagedPolicy
	name := arn[strings.LastIndexByte(arn, '/')+1:]
	if err := store.GetJSON(ctx, tx, acct, store.PolicyKey(name), &mp); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			// A dangling attachment grants nothing.
			return a.compile(arn, `{"Statement": {"Effect": "Deny", "NotAction": "*", "Resource": "*"}}`)
		}
		return nil, err
	}
	return a.compile(arn, mp.DefaultDocument())
}

// compile parses a stored document, or reuses an earlier compilation of
// it (shared), as the policy id.
func (a *Authorizer) compile(id, doc string) (*policy.Compiled, error) {
	c, err := a.shared(id, doc)
	if err != nil || c.ID == id {
		return c, err
	}
	return c.WithID(id), nil
}

// shared returns the compilation of a stored document, under the id it
// was first compiled as: policies of one text share their compiled
// statements (users given the same inline policy, a group's policy seen
// through each member), which keeps the cached sets of many thousands of
// principals small, and the garbage collector's work with them.
func (a *Authorizer) shared(id, doc string) (*policy.Compiled, error) {
	key := docKey(sha256.Sum256([]byte(doc)))
	a.mu.RLock()
	cached := a.docs[key]
	a.mu.RUnlock()
	if cached != nil {
		return cached, nil
	}
	c, err := policy.ParseCompiled(id, []byte(doc), policy.KindIdentity)
	if err != nil {
		return nil, fmt.Errorf("stored policy %s no longer parses: %w", id, err)
	}
	a.mu.Lock()
	if len(a.docs) >= maxCachedDocs {
		clear(a.docs)
	}
	a.docs[key] = c
	a.mu.Unlock()
	return c, nil
}
