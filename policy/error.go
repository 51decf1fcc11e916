package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is one reason a policy document is malformed. The services map it to
// AWS's MalformedPolicyDocument; the message names the problem and its place.
type Error struct {
	// Line and Column locate the problem in the document (1-based); zero
	// when the problem has no single place (for example a size limit).
	Line, Column int
	// Statement is the statement's index (0-based), or -1 for the document.
	Statement int
	// Sid is the statement's Sid, if it has one.
	Sid string
	// Field is the element at fault, e.g. "Action" or "Condition.StringLike".
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error formats the error as "statement 2 (Sid "Read"): Action: msg (line 4,
// column 17)".
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d, column %d)", e.Message(), e.Line, e.Column)
	}
	return e.Message()
}

// Message is Error without the position.
func (e *Error) Message() string {
	var b strings.Builder
	if e.Statement >= 0 {
		fmt.Fprintf(&b, "statement %d", e.Statement+1)
		if e.Sid != "" {
			fmt.Fprintf(&b, " (Sid %s)", strconv.Quote(e.Sid))
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is the list of problems found in one document. Parse returns it as
// its error when the list is not empty.
type Errors []*Error

// Error joins the messages; the first one is the most useful.
func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "no errors"
	case 1:
		return es[0].Error()
	default:
		var b strings.Builder
		b.WriteString(es[0].Error())
		fmt.Fprintf(&b, " (and %d more)", len(es)-1)
		return b.String()
	}
}

// Unwrap returns the errors so that errors.As finds an *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Severity of a Finding.
type Severity uint8

const (
	// Warning is a policy that works but probably not as meant.
	Warning Severity = iota + 1
	// Suggestion is a policy that works and could be written better.
	Suggestion
)

// String returns "warning" or "suggestion".
func (s Severity) String() string {
	if s == Suggestion {
		return "suggestion"
	}
	return "warning"
}

// Finding is something worth a look in a valid policy, in the manner of IAM
// Access Analyzer's policy checks.
type Finding struct {
	Severity Severity
	// Code is a stable short name, e.g. "ADMIN_WILDCARD".
	Code string
	// Line, Column, Statement, Sid and Field locate it as in Error.
	Line, Column int
	Statement    int
	Sid          string
	Field        string
	Msg          string
}

// String formats the finding like an Error, prefixed by its severity.
func (f Finding) String() string {
	return f.Severity.String() + " " + f.Code + ": " + f.error().Error()
}

// Message is String without the position.
func (f Finding) Message() string {
	return f.Severity.String() + " " + f.Code + ": " + f.error().Message()
}

func (f Finding) error() *Error {
	return &Error{Line: f.Line, Column: f.Column, Statement: f.Statement, Sid: f.Sid, Field: f.Field, Msg: f.Msg}
}
