package web

import (
	"errors"
	"net/http"

	"github.com/gatehouse-iam/gatehouse/policy"
)

// validateRequest is the body of POST /console/api/validate-policy.
type validateRequest struct {
	Document string `json:"document"`
	// Kind is "identity" (default), "trust" or "resource".
	Kind string `json:"kind"`
}

// Problem is an error or a finding of a policy document, at its line and
// column (0 when it has no single place).
type Problem struct {
	Severity string `json:"severity"`
	Code     string `json:"code,omitempty"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Message  string `json:"message"`
}

// Validation is the answer of validate-policy.
type Validation struct {
	Valid    bool      `json:"valid"`
	Problems []Problem `json:"problems"`
}

var policyKinds = map[string]policy.Kind{"": policy.KindIdentity, "identity": policy.KindIdentity,
	"trust": policy.KindTrust, "resource": policy.KindResource}

// ValidatePolicy checks a document as IAM does before it stores one (the
// size limit of its kind: managed for identity policies, the trust limit
// for trust policies) and lists its errors, or the warnings and
// suggestions of the policy checks when it is valid: what `gatehouse
// policy validate` prints.
func ValidatePolicy(doc []byte, kind policy.Kind) Validation {
	v := Validation{Valid: true, Problems: []Problem{}}
	limit := map[policy.Kind]policy.Limit{policy.KindIdentity: policy.LimitManaged, policy.KindTrust: policy.LimitTrust}[kind]
	if limit > 0 {
		if err := policy.CheckSize(doc, limit); err != nil {
			v.Valid = false
			v.Problems = append(v.Problems, Problem{Severity: "error", Message: err.Error()})
		}
	}
	p, err := policy.Parse(doc, kind)
	if err != nil {
		v.Valid = false
		var errs policy.Errors
		if !errors.As(err, &errs) {
			v.Problems = append(v.Problems, Problem{Severity: "error", Message: err.Error()})
			return v
		}
		for _, e := range errs {
			v.Problems = append(v.Problems, Problem{Severity: "error", Line: e.Line, Column: e.Column, Message: e.Message()})
		}
		return v
	}
	for _, f := range policy.Lint(p) {
		v.Problems = append(v.Problems, Problem{Severity: f.Severity.String(), Code: f.Code, Line: f.Line, Column: f.Column, Message: f.Message()})
	}
	return v
}

// serveValidate validates a policy document for a signed-in session. It
// reads nothing of the account: the document is all it looks at, so it
// needs no authorization beyond the session (as `gatehouse policy
// validate` needs none).
func (c *Console) serveValidate(w http.ResponseWriter, r *http.Request) {
	if s, err := c.Authenticate(r); err != nil && !(errors.Is(err, ErrNotActive) && s.State == PasswordChange) {
		writeError(w, http.StatusUnauthorized, "NotSignedIn", "Sign in to validate policies.")
		return
	}
	var in validateRequest
	if !readJSON(w, r, &in) {
		return
	}
	kind, ok := policyKinds[in.Kind]
	if !ok {
		writeError(w, http.StatusBadRequest, "InvalidRequest", `The kind must be "identity", "trust" or "resource".`)
		return
	}
	writeJSON(w, http.StatusOK, ValidatePolicy([]byte(in.Document), kind))
}
