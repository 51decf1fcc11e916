package bench

import (
	"testing"

	"github.com/cedar-policy/cedar-go"
	miniopolicy "github.com/minio/pkg/v3/policy"

	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/policy/workload"
)

// Every benchmark checks its decision before the timed loop, so that a
// mistranslated workload or a broken engine cannot post a number.

// w4Principals is the size of W4 here; policy's own benchmarks scale it.
const w4Principals = 10_000

// Gatehouse.

func gatehouseSet(b testing.TB, prefix string, docs [][]byte) *policy.Set {
	b.Helper()
	set, err := workload.NewSet(prefix, docs)
	if err != nil {
		b.Fatal(err)
	}
	return set
}

func benchGatehouse(b *testing.B, set *policy.Set, req *policy.Request, want policy.Outcome) {
	if d := set.Evaluate(req, nil); d.Outcome != want {
		b.Fatalf("gatehouse: got %v, want %v", d.Outcome, want)
	}
	b.ReportAllocs()
	for b.Loop() {
		set.Evaluate(req, nil)
	}
}

func BenchmarkGatehouseW1(b *testing.B) {
	docs, allow, _ := workload.W1()
	benchGatehouse(b, gatehouseSet(b, "w1", docs), allow, policy.Allow)
}

func BenchmarkGatehouseW1Deny(b *testing.B) {
	docs, _, deny := workload.W1()
	benchGatehouse(b, gatehouseSet(b, "w1", docs), deny, policy.ImplicitDeny)
}

func BenchmarkGatehouseW2(b *testing.B) {
	docs, req := workload.W2()
	benchGatehouse(b, gatehouseSet(b, "w2", docs), req, policy.Allow)
}

func BenchmarkGatehouseW3(b *testing.B) {
	docs, req := workload.W3()
	benchGatehouse(b, gatehouseSet(b, "w3", docs), req, policy.Allow)
}

func BenchmarkGatehouseW4(b *testing.B) {
	dir, calls, err := workload.W4Directory(workload.W4(w4Principals))
	if err != nil {
		b.Fatal(err)
	}
	decide := func(c *workload.W4Call) policy.Outcome {
		e := dir[c.AccessKey]
		req := policy.Request{Principal: e.Principal, Action: c.Action, Resource: c.Resource}
		return e.Set.Evaluate(&req, nil).Outcome
	}
	for i := range calls {
		if got := decide(&calls[i]); got != policy.Allow {
			b.Fatalf("gatehouse: call %d: got %v, want Allow", i, got)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		decide(&calls[i])
		if i++; i == len(calls) {
			i = 0
		}
	}
}

// MinIO.

func benchMinio(b *testing.B, p *miniopolicy.Policy, c MinioCase, err error) {
	if err != nil {
		b.Fatal(err)
	}
	if got := p.IsAllowed(c.Args); got != c.Allow {
		b.Fatalf("minio: got allowed=%v, want %v", got, c.Allow)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.IsAllowed(c.Args)
	}
}

func BenchmarkMinioW1(b *testing.B) {
	p, allow, _, err := MinioW1()
	benchMinio(b, p, allow, err)
}

func BenchmarkMinioW1Deny(b *testing.B) {
	p, _, deny, err := MinioW1()
	benchMinio(b, p, deny, err)
}

func BenchmarkMinioW2(b *testing.B) {
	p, c, err := MinioW2()
	benchMinio(b, p, c, err)
}

func BenchmarkMinioW3(b *testing.B) {
	p, c, err := MinioW3()
	benchMinio(b, p, c, err)
}

func BenchmarkMinioW4(b *testing.B) {
	dir, calls, err := MinioW4(w4Principals)
	if err != nil {
		b.Fatal(err)
	}
	decide := func(c *MinioW4Call) bool {
		e := dir[c.AccessKey]
		return e.Policy.IsAllowed(MinioW4Args(e, c))
	}
	for i := range calls {
		if !decide(&calls[i]) {
			b.Fatalf("minio: call %d denied", i)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		decide(&calls[i])
		if i++; i == len(calls) {
			i = 0
		}
	}
}

// Cedar.

func benchCedar(b *testing.B, c *CedarCase, err error) {
	if err != nil {
		b.Fatal(err)
	}
	if got := c.Decide(); got != cedar.Decision(c.Allow) {
		b.Fatalf("cedar: got %v, want allow=%v", got, c.Allow)
	}
	b.ReportAllocs()
	for b.Loop() {
		cedar.Authorize(c.Policies, c.Entities, c.Request)
	}
}

func BenchmarkCedarW1(b *testing.B) {
	allow, _, err := CedarW1()
	benchCedar(b, allow, err)
}

func BenchmarkCedarW1Deny(b *testing.B) {
	_, deny, err := CedarW1()
	benchCedar(b, deny, err)
}

func BenchmarkCedarW2(b *testing.B) {
	c, err := CedarW2()
	benchCedar(b, c, err)
}

func BenchmarkCedarW3(b *testing.B) {
	c, err := CedarW3(-1, workload.W3SourceIP)
	benchCedar(b, c, err)
}

func BenchmarkCedarW4(b *testing.B) {
	dir, calls, entities, action, err := CedarW4(w4Principals)
	if err != nil {
		b.Fatal(err)
	}
	decide := func(c *CedarW4Call) cedar.Decision {
		e := dir[c.AccessKey]
		d, _ := cedar.Authorize(e.Policies, entities, cedar.Request{Principal: e.Principal, Action: action, Resource: c.Resource})
		return d
	}
	for i := range calls {
		if decide(&calls[i]) != cedar.Allow {
			b.Fatalf("cedar: call %d denied", i)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		decide(&calls[i])
		if i++; i == len(calls) {
			i = 0
		}
	}
}
