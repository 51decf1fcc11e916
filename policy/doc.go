// Package policy is the AWS IAM policy language with AWS's exact semantics:
// a strict parser that reports every problem with its line and column, size
// limits, findings in the manner of IAM Access Analyzer, and an evaluator
// that decides a request in nanoseconds without allocating.
//
// A document is parsed once (Parse), compiled once (Compile), and evaluated
// many times. The policies that apply to one principal are prepared as a
// Set; Set.Evaluate decides a Request against them and the resource's own
// policy, with AWS's logic: an explicit Deny in any policy wins; the root
// user may do anything in its own account; a resource-based policy that
// names the caller allows within the account; otherwise the identity
// policies, the permissions boundary and the session policies must all
// allow, and a cross-account request also needs the resource-based policy
// (for sts:AssumeRole, the role's trust policy, which must always allow).
//
// The Decision says which statements decided the request, or which kind of
// policy lacked an Allow.
//
// The package does no I/O and keeps no global state; Compiled and Set
// values are immutable and safe for concurrent use.
package policy
