package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"hash/maphash"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/cachemap"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/seal"
	"github.com/gatehouse-iam/gatehouse/sigv4"
	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/gatehouse-iam/gatehouse/sts"
)

// authenticator turns a signed request into a Caller: it verifies the
// SigV4 signature with the access key's secret and resolves the key's
// owner, or, for temporary credentials, opens the session token, which
// holds the secret and the caller. Keys and owners are cached until the
// next write to the store; opened tokens are cached too.
type authenticator struct {
	st       store.Store
	box      *seal.Box
	verifier *sigv4.Verifier
	now      func() time.Time
	// times formats the time keys of the requests' context.
	times timeStrings
	gen   *atomic.Uint64 // bumped on every committed write
	// usage is where key usage is recorded; uses holds the writes
	// waiting for the next batch, and flushing is set while a goroutine
	// gathers and writes them (writeUse).
	usage    store.Store
	uses     chan usageWrite
	flushing atomic.Bool
	// trusted says whether cached keys may be used now (see
	// Server.watchStore).
	trusted func() bool

	// sessions opens session tokens, and sessionNow is the clock their
	// expiry is checked with; both are set by initSTS.
	sessions   *sts.KeyRing
	sessionNow func() time.Time

	cache  *cachemap.Map[string, *keyEntry]
	used   *cachemap.Map[useKey, *atomic.Int64] // last recorded use (Unix ns) per key or role
	opened *cachemap.Map[string, *sessionEntry] // opened session tokens

	// keyStats and sessionStats count the lookups of cache and opened.
	keyStats, sessionStats authz.CacheStats
}

// sessionEntry is an opened session token with the caller parts built
// from it. It is shared by the requests of the session: read only.
type sessionEntry struct {
	claims    *sts.Claims
	secret    *sigv4.Secret // the session's, with its derived signing keys
	principal policy.Principal
	session   *authz.Session
	policies  []*policy.Compiled
}

// keyEntry is a cached access key with its opened secret and its owner.
// What every request reads comes first, in the entry's first cache lines:
// under load, with thousands of keys in use, each line is a likely miss.
type keyEntry struct {
	gen    uint64
	active bool         // key.Status is Active
	secret sigv4.Secret // with its derived signing keys
	// used is the key's last recorded use, shared with the entries
	// cached before and after this one (see useMark); seen is the last
	// use this entry saw recorded, so that most requests need not read
	// used.
	used      *atomic.Int64
	seen      atomic.Int64
	principal policy.Principal
	key       store.AccessKey
}

// maxCachedKeys bounds the key cache, and maxCachedSessions the cache of
// opened session tokens.
const (
	maxCachedKeys     = 100_000
	maxCachedSessions = 10_000
)

// newAuthenticator returns an authenticator reading keys from st and
// recording their use in usage (a store whose writes invalidate no cache).
func newAuthenticator(st, usage store.Store, box *seal.Box, now func() time.Time, gen *atomic.Uint64) *authenticator {
	return &authenticator{
		st: st, usage: usage, uses: make(chan usageWrite, maxPendingUses),
		box: box, now: now, gen: gen, trusted: func() bool { return true },
		verifier: sigv4.NewVerifier(now, sigv4.Options{}),
		cache:    cachemap.New[string, *keyEntry](maxCachedKeys, cachemap.String),
		used:     cachemap.New[useKey, *atomic.Int64](maxCachedKeys, useKey.shardHash),
		opened:   cachemap.New[string, *sessionEntry](maxCachedSessions, cachemap.String),
	}
}

// sigError converts a sigv4 failure to the API error.
func sigError(err error) *awserr.Error {
	var se *sigv4.Error
	if errors.As(err, &se) {
		return &awserr.Error{Code: se.Code(), Message: se.Msg}
	}
	return awserr.As(err)
}

// invalidToken is AWS's answer for an unknown or inactive access key.
func invalidToken() *awserr.Error {
	e := sigv4.InvalidClientTokenIDError()
	return &awserr.Error{Code: e.Code(), Message: e.Msg}
}

// authenticate verifies the request and returns its caller: dst, filled
// in, for a long-term access key (its Context keeps the storage dst's
// had).
func (a *authenticator) authenticate(ctx context.Context, r *http.Request, signed *sigv4.Signed, body []byte, dst *authz.Caller) (*authz.Caller, error) {
	if signed.SessionToken != "" {
		return a.authenticateSession(ctx, r, signed, body)
	}
	e, err := a.lookup(ctx, signed.AccessKeyID)
	if err != nil {
		return nil, err
	}
	if err := a.verifier.VerifySecret(signed, &e.secret, body); err != nil {
		return nil, sigError(err)
	}
	a.recordUse(e, signed.Scope)
	c := dst
	// The context keeps dst's storage, emptied with the request before
	// (exchangeState.reset).
	*c = authz.Caller{Principal: e.principal, AccessKeyID: e.key.ID, Region: signed.Scope.Region, Context: c.Context}
	now := a.now()
	c.DeferContext(func(pc *policy.Context) { fillContext(pc, r, signed, now, &a.times) })
	return c, nil
}

// lookup returns the cached or stored access key with its owner.
func (a *authenticator) lookup(ctx context.Context, id string) (*keyEntry, error) {
	gen := a.gen.Load()
	e, _ := a.cache.Load(id)
	if e != nil && e.gen == gen && a.trusted() {
		a.keyStats.Hit()
		if !e.active {
			return nil, invalidToken()
		}
		return e, nil
	}
	a.keyStats.Miss()
	e = &keyEntry{gen: gen}
	err := a.st.View(ctx, func(tx store.Tx) error {
		if err := store.GetJSON(ctx, tx, store.Global, store.AccessKeyKey(id), &e.key); err != nil {
			return err
		}
		acct := e.key.Account
		if e.key.UserName == "" {
			e.principal = policy.Principal{ARN: "arn:aws:iam::" + acct + ":root", Account: acct, Type: policy.Root, UserID: acct}
			return nil
		}
		var u store.User
		if err := store.GetJSON(ctx, tx, acct, store.UserKey(e.key.UserName), &u); err != nil {
			return err
		}
		e.principal = policy.Principal{ARN: u.ARN, Account: acct, Type: policy.User, Username: u.Name, UserID: u.ID}
		e.principal.Tags = authz.PrincipalTags(u.Tags)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidToken()
	}
	if err != nil {
		return nil, awserr.Internal(err)
	}
	secret, err := a.box.Open(e.key.SealedSecret, []byte(e.key.ID))
	if err != nil {
		return nil, awserr.Internal(err)
	}
	e.secret.Init(string(secret))
	e.used = a.useMark(useKey{e.key.ID, ""})
	e.active = e.key.Status == store.StatusActive
	a.cache.Store(strings.Clone(id), e)
	if !e.active {
		return nil, invalidToken()
	}
	return e, nil
}

// usageInterval is how often a key's last use is written at most.
const usageInterval = time.Minute

// recordUse notes the key's last use for GetAccessKeyLastUsed, at most
// once per usageInterval per key so that requests do not all write. The
// write happens after the request, in the next batch (writeUse; a use
// that finds maxPendingUses waiting goes unrecorded until the next
// interval), through the store without the commit hook: no cache depends
// on usage records.
func (a *authenticator) recordUse(e *keyEntry, scope sigv4.Scope) {
	now := a.now()
	if t := e.seen.Load(); t != 0 && now.UnixNano()-t < int64(usageInterval) {
		return // a use recorded less than an interval ago
	}
	if !claimUse(e.used, now) {
		e.seen.Store(e.used.Load())
		return
	}
	e.seen.Store(now.UnixNano())
	id := e.key.ID
	use := store.KeyUsage{At: now.UTC().Truncate(time.Second), Service: scope.Service, Region: scope.Region}
	a.writeUse(func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Get(ctx, store.Global, store.AccessKeyKey(id)); err != nil {
			return err
		}
		return store.PutJSON(ctx, tx, store.UsagePartition, store.KeyUsageKey(id), &use)
	})
}

// recordRoleUse notes, like recordUse, that a session of the role roleID
// of account made a request, for GetRole's RoleLastUsed, with the region
// the request was signed for.
func (a *authenticator) recordRoleUse(account, roleID, region string) {
	now := a.now()
	if !claimUse(a.useMark(useKey{account, roleID}), now) {
		return
	}
	use := store.RoleUse{At: now.UTC().Truncate(time.Second), Region: region}
	a.writeUse(func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Get(ctx, account, store.RoleIDKey(roleID)); err != nil {
			return err // the role is gone
		}
		return store.PutJSON(ctx, tx, store.UsagePartition, store.RoleUseKey(account, roleID), &use)
	})
}

// useKey names what a use is recorded for: an access key id (with "" in
// b), or an account and a role id.
type useKey struct{ a, b string }

// shardHash is the cache's shard hash of k.
func (k useKey) shardHash(seed maphash.Seed) uint64 {
	return maphash.String(seed, k.a) ^ maphash.String(seed, k.b)
}

// useMark returns the last recorded use of k (Unix nanoseconds, 0 for
// none). A key's cache entry keeps its mark, so that a request does not
// look it up.
func (a *authenticator) useMark(k useKey) *atomic.Int64 {
	last, ok := a.used.Load(k)
	if !ok {
		last = a.used.LoadOrStore(useKey{strings.Clone(k.a), strings.Clone(k.b)}, new(atomic.Int64))
	}
	return last
}

// claimUse reports whether a use at now is to be written, given the last
// recorded one: not when that was less than usageInterval before (so that
// requests do not all write). Of concurrent callers, one wins.
func claimUse(last *atomic.Int64, now time.Time) bool {
	t := last.Load()
	if t != 0 && now.UnixNano()-t < int64(usageInterval) {
		return false
	}
	return last.CompareAndSwap(t, now.UnixNano())
}

// usageWrite records one use in a transaction of the usage store; it
// returns store.ErrNotFound when what was used is gone.
type usageWrite func(ctx context.Context, tx store.Tx) error

// Usage writes are gathered for usageBatchDelay and written in one
// transaction of at most maxUsageBatch; at most maxPendingUses wait.
// Each key's first use in a minute is written, so thousands of active
// keys make hundreds of writes a second: one commit each cost a shared
// PostgreSQL a commit apiece (BENCHMARKS.md, ninth session).
const (
	usageBatchDelay = 100 * time.Millisecond
	maxUsageBatch   = 1000
	maxPendingUses  = 10000
)

// writeUse has write done in the next batch of the usage store, after
// the request, unless maxPendingUses are already waiting (the use then
// goes unrecorded until the next interval). A goroutine gathers the
// writes of usageBatchDelay, writes them in one transaction with a
// context of its own — the request's trace is pooled with its exchange
// (exchangeState), and the write outlives it — and ends when none wait.
func (a *authenticator) writeUse(write usageWrite) {
	select {
	case a.uses <- write:
	default:
		return
	}
	if a.flushing.CompareAndSwap(false, true) {
		go a.flushUses()
	}
}

// flushUses writes the waiting uses in batches until none wait.
func (a *authenticator) flushUses() {
	batch := make([]usageWrite, 0, 64)
	for {
		time.Sleep(usageBatchDelay)
		batch = batch[:0]
	gather:
		for len(batch) < maxUsageBatch {
			select {
			case w := <-a.uses:
				batch = append(batch, w)
			default:
				break gather
			}
		}
		if len(batch) > 0 {
			a.storeUses(batch)
		}
		a.flushing.Store(false)
		// Uses sent since the last look found the flag set and started no
		// goroutine: this one goes on, unless another took over.
		if len(a.uses) == 0 || !a.flushing.CompareAndSwap(false, true) {
			return
		}
	}
}

// storeUses writes a batch of uses in one transaction. A use of
// something gone is skipped; a failure loses the batch, and must not
// fail anything else.
func (a *authenticator) storeUses(batch []usageWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = a.usage.Update(ctx, func(tx store.Tx) error {
		for _, w := range batch {
			if err := w(ctx, tx); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}

// expiredToken is AWS's answer for a session past its expiry.
func expiredToken() *awserr.Error {
	return awserr.New(awserr.ExpiredToken, "The security token included in the request is expired")
}

// authenticateSession verifies a request signed with temporary
// credentials: the session token must open under the key ring, name the
// request's access key id, and be unexpired, and the signature must match
// the session's secret.
func (a *authenticator) authenticateSession(ctx context.Context, r *http.Request, signed *sigv4.Signed, body []byte) (*authz.Caller, error) {
	if a.sessions == nil || !strings.HasPrefix(signed.AccessKeyID, "ASIA") {
		return nil, invalidToken()
	}
	e, err := a.openSession(ctx, signed.SessionToken)
	if err != nil {
		return nil, err
	}
	cl := e.claims
	if subtle.ConstantTimeCompare([]byte(cl.AccessKeyID), []byte(signed.AccessKeyID)) != 1 {
		return nil, invalidToken()
	}
	now := a.sessionNow()
	if !now.Before(cl.Expires) {
		return nil, expiredToken()
	}
	if err := a.verifier.VerifySecret(signed, e.secret, body); err != nil {
		return nil, sigError(err)
	}
	// IAM refuses sessions of GetFederationToken, and those of
	// GetSessionToken made without MFA.
	if signed.Scope.Service == "iam" && (cl.Issuer == sts.IssuerGetFederationToken || (cl.Issuer == sts.IssuerGetSessionToken && !cl.MFA)) {
		return nil, invalidToken()
	}
	if cl.Issuer == sts.IssuerAssumeRole {
		if roleID, _, ok := strings.Cut(cl.UserID, ":"); ok {
			a.recordRoleUse(cl.Account, roleID, signed.Scope.Region)
		}
	}
	c := &authz.Caller{Principal: e.principal, AccessKeyID: signed.AccessKeyID, Region: signed.Scope.Region,
		SessionPolicies: e.policies, Session: e.session}
	at := a.now()
	c.DeferContext(func(pc *policy.Context) {
		fillContext(pc, r, signed, at, &a.times)
		pc.Set("aws:TokenIssueTime", cl.IssuedAt.UTC().Format(time.RFC3339))
		if cl.MFA {
			age := max(int64(now.Sub(cl.MFAAuthTime)/time.Second), 0)
			pc.Set("aws:MultiFactorAuthPresent", "true")
			pc.Set("aws:MultiFactorAuthAge", strconv.FormatInt(age, 10))
		} else {
			pc.Set("aws:MultiFactorAuthPresent", "false")
		}
		if cl.SourceIdentity != "" {
			pc.Set("aws:SourceIdentity", cl.SourceIdentity)
		}
	})
	return c, nil
}

// openSession returns the opened session token, cached.
func (a *authenticator) openSession(ctx context.Context, token string) (*sessionEntry, error) {
	e, _ := a.opened.Load(token)
	if e != nil {
		a.sessionStats.Hit()
		return e, nil
	}
	a.sessionStats.Miss()
	cl, err := a.sessions.Open(ctx, token)
	if errors.Is(err, sts.ErrInvalidToken) {
		return nil, invalidToken()
	}
	if err != nil {
		return nil, awserr.Internal(err)
	}
	pols, err := cl.CompilePolicies()
	if err != nil {
		return nil, awserr.Internal(err)
	}
	e = &sessionEntry{claims: cl, secret: sigv4.NewSecret(cl.Secret), principal: cl.Principal(), session: cl.Session(), policies: pols}
	a.opened.Store(strings.Clone(token), e)
	return e, nil
}
