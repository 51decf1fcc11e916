package bench

import (
	"testing"

	"github.com/cedar-policy/cedar-go"

	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/policy/workload"
)

// The translations must decide as Gatehouse does, and for the same
// reason: these tests check the decisions and that W3 is decided by its
// very last statement in every engine.

func TestDecisions(t *testing.T) {
	w1, allow, deny := workload.W1()
	w2, w2req := workload.W2()
	w3, w3req := workload.W3()
	mW1, mAllow, mDeny, err1 := MinioW1()
	mW2, mW2c, err2 := MinioW2()
	mW3, mW3c, err3 := MinioW3()
	cAllow, cDeny, err4 := CedarW1()
	cW2, err5 := CedarW2()
	cW3, err6 := CedarW3(-1, workload.W3SourceIP)
	for _, err := range []error{err1, err2, err3, err4, err5, err6} {
		if err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		docs  [][]byte
		req   *policy.Request
		minio bool
		cedar cedar.Decision
		want  policy.Outcome
	}{
		{"W1 allow", w1, allow, mW1.IsAllowed(mAllow.Args), cAllow.Decide(), policy.Allow},
		{"W1 deny", w1, deny, mW1.IsAllowed(mDeny.Args), cDeny.Decide(), policy.ImplicitDeny},
		{"W2", w2, w2req, mW2.IsAllowed(mW2c.Args), cW2.Decide(), policy.Allow},
		{"W3", w3, w3req, mW3.IsAllowed(mW3c.Args), cW3.Decide(), policy.Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := gatehouseSet(t, "w", tc.docs).Evaluate(tc.req, nil)
			allowed := tc.want == policy.Allow
			if d.Outcome != tc.want {
				t.Errorf("gatehouse: got %v, want %v", d.Outcome, tc.want)
			}
			if tc.minio != allowed {
				t.Errorf("minio: got allowed=%v, want %v", tc.minio, allowed)
			}
			if tc.cedar != cedar.Decision(allowed) {
				t.Errorf("cedar: got %v, want allow=%v", tc.cedar, allowed)
			}
		})
	}
}

func TestW3DecidedLast(t *testing.T) {
	last := workload.W3Statements - 1
	docs, req := workload.W3()
	d := gatehouseSet(t, "w3", docs).Evaluate(req, nil)
	if st := d.Statements(); len(st) != 1 || st[0].PolicyID != "w3/9" || st[0].Index != last {
		t.Errorf("gatehouse: decided by %+v, want w3/9 statement %d", st, last)
	}

	ps, err := MinioW3Policies(last)
	if err != nil {
		t.Fatal(err)
	}
	if mp := mergeMinio(ps); mp.IsAllowed(MinioW3Args(workload.W3SourceIP)) {
		t.Error("minio: allowed without the last statement")
	}

	c, err := CedarW3(-1, workload.W3SourceIP)
	if err != nil {
		t.Fatal(err)
	}
	if _, diag := cedar.Authorize(c.Policies, c.Entities, c.Request); len(diag.Reasons) != 1 || len(diag.Errors) != 0 {
		t.Errorf("cedar: reasons %v, errors %v; want one reason, no errors", diag.Reasons, diag.Errors)
	}
	c, err = CedarW3(last, workload.W3SourceIP)
	if err != nil {
		t.Fatal(err)
	}
	if c.Decide() != cedar.Deny {
		t.Error("cedar: allowed without the last statement")
	}
}

// TestW3Deny moves the request outside the corporate networks: the one
// Deny must then apply in every engine.
func TestW3Deny(t *testing.T) {
	const outside = "192.0.2.1"
	docs, req := workload.W3()
	ctx := *req.Context
	ctx.Set("aws:SourceIp", outside)
	r := *req
	r.Context = &ctx
	if d := gatehouseSet(t, "w3", docs).Evaluate(&r, nil); d.Outcome != policy.ExplicitDeny {
		t.Errorf("gatehouse: got %v, want ExplicitDeny", d.Outcome)
	}
	mp, _, err := MinioW3()
	if err != nil {
		t.Fatal(err)
	}
	if mp.IsAllowed(MinioW3Args(outside)) {
		t.Error("minio: allowed from outside")
	}
	c, err := CedarW3(-1, outside)
	if err != nil {
		t.Fatal(err)
	}
	if c.Decide() != cedar.Deny {
		t.Error("cedar: allowed from outside")
	}
}
