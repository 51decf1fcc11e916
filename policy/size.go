package policy

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Limit is a maximum policy size in characters, white space not counted,
// as IAM measures it.
type Limit int

// IAM's policy size quotas.
const (
	// LimitManaged applies to a managed policy (each version).
	LimitManaged Limit = 6144
	// LimitUserInline applies to all inline policies of one user together.
	LimitUserInline Limit = 2048
	// LimitGroupInline applies to all inline policies of one group together.
	LimitGroupInline Limit = 5120
	// LimitRoleInline applies to all inline policies of one role together.
	LimitRoleInline Limit = 10240
	// LimitTrust applies to a role's trust policy.
	LimitTrust Limit = 2048
	// LimitSession applies to an inline session policy.
	LimitSession Limit = 2048
)

// SizeError reports a document over its size limit.
type SizeError struct {
	Size  int
	Limit Limit
}

// Error says how large the document is and what the limit is.
func (e *SizeError) Error() string {
	return fmt.Sprintf("the policy is %d characters long (white space not counted), over the limit of %d", e.Size, int(e.Limit))
}

// Size returns a document's size as IAM counts it: characters other than
// white space.
func Size(doc []byte) int {
	n := 0
	for i := 0; i < len(doc); {
		r, w := utf8.DecodeRune(doc[i:])
		i += w
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// CheckSize returns a *SizeError when doc is larger than limit.
func CheckSize(doc []byte, limit Limit) error {
	if n := Size(doc); n > int(limit) {
		return &SizeError{Size: n, Limit: limit}
	}
	return nil
}
