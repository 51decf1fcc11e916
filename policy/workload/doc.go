// Package workload builds the policy-evaluation workloads W1 to W4 that the
// engine's benchmarks measure.
//
// It exists so that the benchmarks in package policy and the side-by-side
// comparison in the separate bench/ module run the very same policies and
// requests: both take their documents and requests from here, so a number
// in one table means the same work as the number in the other.
//
//   - W1: the "Access an Amazon IVS Channel" policy of the IVS IAM guide
//     (three statements), with one allowed and one denied request.
//   - W2: the guide's "View Amazon IVS Channels Based on Tags" policy: the
//     ViewChannelIfOwner statement compares aws:ResourceTag/Owner with
//     ${aws:username}.
//   - W3: ten policies of ten statements each, with mixed services,
//     wildcards in actions and resources, conditions and one Deny; the
//     request is allowed by the very last statement.
//   - W4: n principals, each with its own policy; the caller looks the
//     principal up by access key and decides.
//
// Every workload is deterministic: the same call returns the same
// documents and requests. The package imports only policy and the standard
// library, and it is not used by the product.
package workload
