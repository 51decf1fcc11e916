// Package arn parses and formats Amazon Resource Names:
// arn:partition:service:region:account-id:resource.
package arn

import (
	"errors"
	"strings"
)

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("invalid ARN")

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	// Resource is everything after the fifth colon, e.g. "user/ops/alice"
	// or "channel/VgNkEJgOVX9N".
	Resource string
}

// Parse splits s into its fields. The partition and service must not be
// empty; region and account may be (IAM ARNs have no region).
func Parse(s string) (ARN, error) {
	if !strings.HasPrefix(s, "arn:") {
		return ARN{}, &parseError{s: s, why: `does not start with "arn:"`}
	}
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 {
		return ARN{}, &parseError{s: s, why: "has fewer than six colon-separated fields"}
	}
	a := ARN{Partition: f[1], Service: f[2], Region: f[3], Account: f[4], Resource: f[5]}
	switch {
	case a.Partition == "":
		return ARN{}, &parseError{s: s, why: "has no partition"}
	case a.Service == "":
		return ARN{}, &parseError{s: s, why: "has no service"}
	case a.Resource == "":
		return ARN{}, &parseError{s: s, why: "has no resource"}
	}
	return a, nil
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// ResourceType returns the resource's type: the part of Resource before
// the first '/' (or ':'), e.g. "user" or "channel".
func (a ARN) ResourceType() string {
	if i := strings.IndexAny(a.Resource, "/:"); i >= 0 {
		return a.Resource[:i]
	}
	return a.Resource
}

// ResourceID returns what follows the resource type, e.g. "ops/alice" for
// "user/ops/alice".
func (a ARN) ResourceID() string {
	if i := strings.IndexAny(a.Resource, "/:"); i >= 0 {
		return a.Resource[i+1:]
	}
	return ""
}

// Name returns the last '/'-separated element of the resource: the name of
// an IAM user, group, role or policy without its path.
func (a ARN) Name() string {
	return a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
}

type parseError struct {
	s, why string
}

func (e *parseError) Error() string { return "invalid ARN " + `"` + e.s + `": ` + e.why }

func (e *parseError) Unwrap() error { return ErrInvalid }
