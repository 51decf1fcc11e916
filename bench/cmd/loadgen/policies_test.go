package main

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/gatehouse-iam/gatehouse/policy"
)

const testAccount = "123456789012"

// TestPoliciesValid checks that every user's inline policies and the
// managed policies parse as identity policies, and that a user's inline
// policies stay within IAM's 2,048-character quota.
func TestPoliciesValid(t *testing.T) {
	smallest, largest := int(policy.LimitUserInline), 0
	for i := range 40 {
		size := 0
		for _, p := range inlinePolicies(i, testAccount) {
			if _, err := policy.ParseString(p[1], policy.KindIdentity); err != nil {
				t.Errorf("user %d, %s: %v", i, p[0], err)
			}
			size += policySize(p[1])
		}
		if size > int(policy.LimitUserInline) {
			t.Errorf("user %d: inline policies of %d characters, over %d", i, size, policy.LimitUserInline)
		}
		smallest, largest = min(smallest, size), max(largest, size)
	}
	t.Logf("a user's inline policies: %d to %d characters", smallest, largest)
	for j := range 3 {
		if _, err := policy.ParseString(managedPolicy(j, testAccount), policy.KindIdentity); err != nil {
			t.Errorf("managed policy %d: %v", j, err)
		}
	}
}

// TestCompiledSize reports the heap a principal's compiled policies and
// policy set take (BENCHMARKS.md, "Load": memory per principal). Run it
// with -v.
func TestCompiledSize(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const n = 2000
	docs := inlinePolicies(1, testAccount)
	compiled := make([][]*policy.Compiled, n)
	base := heap()
	for i := range n {
		for _, d := range docs {
			c, err := policy.ParseCompiled(fmt.Sprintf("user/%s/inline/%s", userName(i), d[0]), []byte(d[1]), policy.KindIdentity)
			if err != nil {
				t.Fatal(err)
			}
			compiled[i] = append(compiled[i], c)
		}
	}
	afterCompile := heap()
	sets := make([]*policy.Set, n)
	for i := range n {
		sets[i] = policy.NewSet(policy.Policies{Identity: compiled[i]})
	}
	afterSets := heap()
	// As the authorizer keeps them: one compilation per document, shared
	// under each user's policy id.
	shared := make([][]*policy.Compiled, n)
	for i := range n {
		for j, d := range docs {
			shared[i] = append(shared[i], compiled[0][j].WithID(fmt.Sprintf("user/%s/inline/%s", userName(i), d[0])))
		}
	}
	afterShared := heap()
	t.Logf("%d inline policies of a user: %d B per compiled policy, %d B per policy set; %d B per policy sharing a compiled document",
		len(docs), (afterCompile-base)/uint64(n*len(docs)), (afterSets-afterCompile)/n, (afterShared-afterSets)/uint64(n*len(docs)))
	runtime.KeepAlive(compiled)
	runtime.KeepAlive(sets)
	runtime.KeepAlive(shared)
}
