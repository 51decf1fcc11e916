package policy_test

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/policy/workload"
)

// The benchmarks below run the workloads of package workload, which the
// bench/ module's comparison with other engines runs too. Each checks its
// decision once before the timed loop, so a broken engine cannot post a
// fast number.

func mustSet(b *testing.B, prefix string, docs [][]byte) *policy.Set {
	b.Helper()
	set, err := workload.NewSet(prefix, docs)
	if err != nil {
		b.Fatal(err)
	}
	return set
}

func expect(b *testing.B, set *policy.Set, req *policy.Request, want policy.Outcome) {
	b.Helper()
	if d := set.Evaluate(req, nil); d.Outcome != want {
		b.Fatalf("%s on %s: got %v, want %v", req.Action, req.Resource, d.Outcome, want)
	}
}

func benchEvaluate(b *testing.B, set *policy.Set, req *policy.Request, want policy.Outcome) {
	expect(b, set, req, want)
	b.ReportAllocs()
	for b.Loop() {
		set.Evaluate(req, nil)
	}
}

// BenchmarkW1Allow: the IVS "Access an Amazon IVS Channel" policy, a
// request its last statement allows.
func BenchmarkW1Allow(b *testing.B) {
	docs, allow, _ := workload.W1()
	benchEvaluate(b, mustSet(b, "w1", docs), allow, policy.Allow)
}

// BenchmarkW1Deny: the same policy, a request no statement allows.
func BenchmarkW1Deny(b *testing.B) {
	docs, _, deny := workload.W1()
	benchEvaluate(b, mustSet(b, "w1", docs), deny, policy.ImplicitDeny)
}

// BenchmarkW2: the IVS tag-based ViewChannelIfOwner policy with
// ${aws:username}, against a channel tagged owner=richard-roe.
func BenchmarkW2(b *testing.B) {
	docs, req := workload.W2()
	benchEvaluate(b, mustSet(b, "w2", docs), req, policy.Allow)
}

// BenchmarkW3: 10 policies of 10 statements with one Deny; the last
// statement allows.
func BenchmarkW3(b *testing.B) {
	docs, req := workload.W3()
	benchEvaluate(b, mustSet(b, "w3", docs), req, policy.Allow)
}

// BenchmarkW4: 10,000 principals, each with its own compiled policy: look
// the access key up, then decide.
func BenchmarkW4(b *testing.B) {
	benchW4(b, buildW4(b, 10_000))
}

// BenchmarkW4Scale runs W4 with 10k, 100k and 1M principals; the time per
// decision should stay flat. The 1M case needs several GB of memory and
// some 20 s to build; -short skips it.
func BenchmarkW4Scale(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("principals=%d", n), func(b *testing.B) {
			if n > 100_000 && testing.Short() {
				b.Skip("skipping 1M principals in -short mode")
			}
			benchW4(b, buildW4(b, n))
		})
	}
}

type w4 struct {
	dir   map[string]workload.W4Entry
	calls []workload.W4Call
}

func buildW4(b *testing.B, n int) *w4 {
	b.Helper()
	// Building a large directory makes garbage; collect it more eagerly so
	// that the peak stays near the live heap.
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	dir, calls, err := workload.W4Directory(workload.W4(n))
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	return &w4{dir: dir, calls: calls}
}

func benchW4(b *testing.B, w *w4) {
	decide := func(c *workload.W4Call) policy.Outcome {
		e := w.dir[c.AccessKey]
		req := policy.Request{Principal: e.Principal, Action: c.Action, Resource: c.Resource}
		return e.Set.Evaluate(&req, nil).Outcome
	}
	for i := range w.calls {
		if got := decide(&w.calls[i]); got != policy.Allow {
			b.Fatalf("call %d (%s): got %v, want Allow", i, w.calls[i].AccessKey, got)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		decide(&w.calls[i])
		if i++; i == len(w.calls) {
			i = 0
		}
	}
}
