package policy

import (
	"strings"
	"unicode/utf8"
)

// PrincipalType is the kind of identity that makes a request.
type PrincipalType uint8

const (
	// User is an IAM user signing with its long-term access key.
	User PrincipalType = iota + 1
	// AssumedRole is a role session from sts:AssumeRole.
	AssumedRole
	// FederatedUser is a session from sts:GetFederationToken.
	FederatedUser
	// Root is an account's root user.
	Root
)

// String returns the value of aws:PrincipalType for the type: "User",
// "AssumedRole", "FederatedUser" or, for the root user, "Account".
func (t PrincipalType) String() string {
	switch t {
	case User:
		return "User"
	case AssumedRole:
		return "AssumedRole"
	case FederatedUser:
		return "FederatedUser"
	case Root:
		return "Account"
	default:
		return ""
	}
}

// Tag is a key-value pair; tag keys compare case-insensitively.
type Tag struct {
	Key, Value string
}

// Principal is the caller of a request.
type Principal struct {
	// ARN is the caller's identity: arn:aws:iam::ACCT:user/NAME,
	// arn:aws:sts::ACCT:assumed-role/ROLE/SESSION,
	// arn:aws:sts::ACCT:federated-user/NAME or arn:aws:iam::ACCT:root.
	ARN string
	// Account is the 12-digit account the caller belongs to.
	Account string
	Type    PrincipalType
	// Username is the IAM user name (User only).
	Username string
	// UserID is the value of aws:userid.
	UserID string
	// RoleARN is the role's ARN, path included (AssumedRole only).
	RoleARN string
	// Tags are the effective principal tags (aws:PrincipalTag/...).
	Tags []Tag
}

// Context holds the request-context keys that do not come from the
// principal: aws:SourceIp, aws:CurrentTime, aws:ResourceTag/..., and so on.
// Keys compare case-insensitively. The zero value is empty and ready.
type Context struct {
	entries []ctxEntry
}

type ctxEntry struct {
	hash uint32 // keyHash(key)
	key  string // lower-cased
	val  value
	// name is the key as it was set, for Each.
	name string
}

// keyHash is FNV-1a of a lower-cased key: lookups compare it before the
// key itself.
func keyHash(lower string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(lower); i++ {
		h ^= uint32(lower[i])
		h *= 16777619
	}
	return h
}

// value is a context key's value: one string, or a list for multi-valued
// keys such as aws:TagKeys.
type value struct {
	one   string
	many  []string
	multi bool
}

func (v *value) len() int {
	if v.multi {
		return len(v.many)
	}
	return 1
}

func (v *value) at(i int) string {
	if v.multi {
		return v.many[i]
	}
	return v.one
}

// Set gives the single-valued key k the value v, replacing any value.
func (c *Context) Set(k, v string) {
	c.put(k, value{one: v})
}

// SetMulti gives the multi-valued key k the values vs (which may be empty).
func (c *Context) SetMulti(k string, vs []string) {
	c.put(k, value{many: vs, multi: true})
}

// SetTag is Set(prefix+key, v) for a key made of a prefix and a tag key,
// such as "aws:ResourceTag/" and "team": the name and its lower-cased
// form are made in one allocation instead of two or three. Authorizing a
// request on a tagged resource sets one for each tag.
func (c *Context) SetTag(prefix, key, v string) {
	n := len(prefix) + len(key)
	var b strings.Builder
	b.Grow(2 * n)
	b.WriteString(prefix)
	b.WriteString(key)
	for _, s := range [2]string{prefix, key} {
		for i := 0; i < len(s); i++ {
			ch := s[i]
			if ch >= utf8.RuneSelf {
				c.Set(prefix+key, v) // strings.ToLower's Unicode case folding
				return
			}
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			b.WriteByte(ch)
		}
	}
	both := b.String()
	c.putLower(both[:n], both[n:], value{one: v})
}

func (c *Context) put(name string, v value) {
	c.putLower(name, lowerKey(name), v)
}

// putLower is put with the lower-cased name k.
func (c *Context) putLower(name, k string, v value) {
	for i := range c.entries {
		if c.entries[i].key == k {
			c.entries[i].val = v
			return
		}
	}
	if c.entries == nil {
		// A request signed with an access key sets five keys (the
		// server's global ones), a session's a few more, a tagged
		// resource one per tag: one allocation for most, not three.
		c.entries = make([]ctxEntry, 0, 8)
	}
	c.entries = append(c.entries, ctxEntry{hash: keyHash(k), key: k, val: v, name: name})
}

// lowerKey returns a key lower-cased. The global keys a server sets on
// every request are spelled out, so that setting them allocates nothing
// (strings.ToLower allocates for a key with an upper-case letter).
func lowerKey(name string) string {
	switch name {
	case "aws:CurrentTime":
		return "aws:currenttime"
	case "aws:EpochTime":
		return "aws:epochtime"
	case "aws:SecureTransport":
		return "aws:securetransport"
	case "aws:RequestedRegion":
		return "aws:requestedregion"
	case "aws:SourceIp":
		return "aws:sourceip"
	case "aws:MultiFactorAuthPresent":
		return "aws:multifactorauthpresent"
	case "aws:MultiFactorAuthAge":
		return "aws:multifactorauthage"
	case "aws:TokenIssueTime":
		return "aws:tokenissuetime"
	case "aws:PrincipalArn":
		return "aws:principalarn"
	case "aws:PrincipalAccount":
		return "aws:principalaccount"
	case "aws:PrincipalType":
		return "aws:principaltype"
	case "aws:TagKeys":
		return "aws:tagkeys"
	}
	return strings.ToLower(name)
}

// Get returns the values of key k and whether it is present.
func (c *Context) Get(k string) ([]string, bool) {
	v, ok := c.get(lowerKey(k))
	if !ok {
		return nil, false
	}
	if v.multi {
		return v.many, true
	}
	return []string{v.one}, true
}

// Reset empties c and keeps its storage for the keys set next, unless
// it grew past maxReusedKeys: a server that reuses a request's context
// for the next request allocates none. It holds none of the values set
// before.
func (c *Context) Reset() {
	if cap(c.entries) > maxReusedKeys {
		c.entries = nil
		return
	}
	clear(c.entries)
	c.entries = c.entries[:0]
}

// maxReusedKeys bounds the storage Reset keeps.
const maxReusedKeys = 32

// CopyGrow makes c a copy of src with room for n more keys without
// growing, in c's storage when it has room (CloneGrow's, reusing c's).
func (c *Context) CopyGrow(src *Context, n int) {
	if cap(c.entries) < len(src.entries)+n {
		*c = src.CloneGrow(n)
		return
	}
	c.entries = append(c.entries[:0], src.entries...)
}

// CloneGrow returns a copy of c with room for n more keys without
// growing: a check that adds its own keys (aws:ResourceTag/…) to a
// caller's adds them to a copy. The copy shares the values' strings and
// lists, which nothing modifies.
func (c *Context) CloneGrow(n int) Context {
	return Context{entries: append(make([]ctxEntry, 0, len(c.entries)+n), c.entries...)}
}

// Len returns the number of keys set.
func (c *Context) Len() int { return len(c.entries) }

// Each calls f for every key set, spelled as it was first set, in the
// order they were first set.
func (c *Context) Each(f func(key string, values []string, multi bool)) {
	for _, e := range c.entries {
		if e.val.multi {
			f(e.name, e.val.many, true)
		} else {
			f(e.name, []string{e.val.one}, false)
		}
	}
}

func (c *Context) get(lower string) (value, bool) {
	return c.getHashed(lower, keyHash(lower))
}

func (c *Context) getHashed(lower string, hash uint32) (value, bool) {
	if c == nil {
		return value{}, false
	}
	for i := range c.entries {
		if e := &c.entries[i]; e.hash == hash && e.key == lower {
			return e.val, true
		}
	}
	return value{}, false
}

// Request is one authorization question: may Principal perform Action on
// Resource in Context?
type Request struct {
	Principal *Principal
	// Action is "service:Operation", e.g. "ivs:GetChannel".
	Action string
	// Resource is the ARN acted on, or "*" for actions without
	// resource-level permissions.
	Resource string
	// ResourceAccount is the account that owns the resource. When empty it
	// is read from the resource ARN.
	ResourceAccount string
	// Context holds the keys not derived from the principal. It may be nil.
	Context *Context
}

// lookup resolves a lower-cased condition key: first the request context,
// then the keys derived from the principal.
func (st *evalState) lookup(key string) (value, bool) {
	return st.lookupHashed(key, keyHash(key))
}

// lookupHashed is lookup with the key's keyHash computed in advance.
func (st *evalState) lookupHashed(key string, hash uint32) (value, bool) {
	if v, ok := st.req.Context.getHashed(key, hash); ok {
		return v, true
	}
	p := st.req.Principal
	if p == nil || !strings.HasPrefix(key, "aws:") {
		return value{}, false
	}
	switch key {
	case "aws:principalarn":
		if p.Type == AssumedRole {
			return value{one: p.RoleARN}, true
		}
		if p.ARN == "" {
			// A simulation without a caller.
			return value{}, false
		}
		return value{one: p.ARN}, true
	case "aws:principalaccount":
		if p.Account == "" {
			return value{}, false
		}
		return value{one: p.Account}, true
	case "aws:principaltype":
		if p.Type == 0 {
			return value{}, false
		}
		return value{one: p.Type.String()}, true
	case "aws:userid":
		if p.UserID == "" {
			return value{}, false
		}
		return value{one: p.UserID}, true
	case "aws:username":
		if p.Type != User || p.Username == "" {
			return value{}, false
		}
		return value{one: p.Username}, true
	}
	const tagPrefix = "aws:principaltag/"
	if strings.HasPrefix(key, tagPrefix) {
		name := key[len(tagPrefix):]
		for i := range p.Tags {
			if strings.EqualFold(p.Tags[i].Key, name) {
				return value{one: p.Tags[i].Value}, true
			}
		}
	}
	return value{}, false
}
