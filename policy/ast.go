package policy

// Kind says where a policy document is used; the grammar differs by kind.
type Kind uint8

const (
	// KindIdentity is an identity-based policy: a user, group or role inline
	// or managed policy, a permissions boundary, or a session policy. It has
	// no Principal and every statement needs Resource or NotResource.
	KindIdentity Kind = iota
	// KindResource is a resource-based policy: every statement names a
	// Principal or NotPrincipal, and a Resource or NotResource.
	KindResource
	// KindTrust is a role trust policy (AssumeRolePolicyDocument): every
	// statement names a Principal, never NotPrincipal nor Resource, and its
	// actions are STS actions.
	KindTrust
)

// String returns a human name of the kind, as used in messages.
func (k Kind) String() string {
	switch k {
	case KindIdentity:
		return "identity-based policy"
	case KindResource:
		return "resource-based policy"
	case KindTrust:
		return "trust policy"
	default:
		return "policy"
	}
}

// The policy language versions IAM accepts.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Policy is a parsed and validated policy document. It mirrors the JSON
// document; Compile turns it into the form that evaluation uses.
type Policy struct {
	// Version is "2012-10-17", "2008-10-17" or "" when the element is absent.
	Version string
	// ID is the optional Id element.
	ID string
	// Statements holds the statements in document order.
	Statements []Statement
	// Kind is the grammar the document was validated against.
	Kind Kind

	// singleStatement records that Statement was an object, not an array,
	// so that marshaling keeps the document's shape.
	singleStatement bool
	// src is the document the policy was parsed from, for positions.
	src []byte
}

// Effect of a statement.
type Effect uint8

const (
	// EffectAllow grants the statement's actions.
	EffectAllow Effect = iota + 1
	// EffectDeny explicitly refuses the statement's actions.
	EffectDeny
)

// String returns "Allow" or "Deny".
func (e Effect) String() string {
	switch e {
	case EffectAllow:
		return "Allow"
	case EffectDeny:
		return "Deny"
	default:
		return "Effect(?)"
	}
}

// Statement is one element of a policy's Statement list. Exactly one of
// Action and NotAction is non-nil; at most one of Resource and NotResource;
// at most one of Principal and NotPrincipal.
type Statement struct {
	Sid          string
	Effect       Effect
	Principal    *PrincipalSet
	NotPrincipal *PrincipalSet
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	// Condition holds the condition blocks in document order.
	Condition []ConditionBlock

	// pos holds byte offsets of the statement and its elements in the
	// source document.
	pos stmtPos
}

// stmtPos holds byte offsets in the source document; -1 for an absent
// element.
type stmtPos struct {
	stmt, action, resource, condition int
	// end is the offset just after the statement's closing brace.
	end int
}

// PrincipalSet is the value of a Principal or NotPrincipal element: either
// the wildcard "*" or a map from principal type ("AWS", "Service",
// "Federated", "CanonicalUser") to identifiers.
type PrincipalSet struct {
	// Wildcard is true for the bare string "*".
	Wildcard bool
	// Entries lists the principals by type, in document order.
	Entries []PrincipalEntry
}

// PrincipalEntry is one principal type with its identifiers.
type PrincipalEntry struct {
	Type   string
	Values []string
}

// ConditionBlock is one condition operator with its keys, for example
// "ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["a", "b"]}.
type ConditionBlock struct {
	// Operator is the operator as written, qualifiers included.
	Operator string
	// Entries lists the keys and their values in document order.
	Entries []ConditionEntry
}

// ConditionEntry is one condition key with its values. JSON numbers and
// booleans are kept as their text.
type ConditionEntry struct {
	Key    string
	Values []string
}
