package awsmanaged

import (
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/policy"
)

func TestPoliciesAreValid(t *testing.T) {
	for _, p := range All() {
		pol, err := policy.ParseString(p.Document, policy.KindIdentity)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if err := policy.CheckSize([]byte(p.Document), policy.LimitManaged); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		if got, ok := Get(p.ARN); !ok || got.Name != p.Name {
			t.Errorf("Get(%s) = %v, %v", p.ARN, got.Name, ok)
		}
		if len(p.ID) != 21 || !strings.HasPrefix(p.ID, "ANPA") {
			t.Errorf("%s: id %q is not 21 characters starting ANPA", p.Name, p.ID)
		}
		_ = pol
	}
	ro, _ := Get(ARNPrefix + "IVSReadOnlyAccess")
	for _, must := range []string{"ivs:ListStreamKeys", "ivs:GetChannel", "ivs:ListTagsForResource"} {
		if !strings.Contains(ro.Document, `"`+must+`"`) {
			t.Errorf("IVSReadOnlyAccess lacks %s", must)
		}
	}
	for _, mustNot := range []string{"ivs:GetStreamKey", "ivs:BatchGetStreamKey", "ivs:CreateChannel"} {
		if strings.Contains(ro.Document, `"`+mustNot+`"`) {
			t.Errorf("IVSReadOnlyAccess grants %s", mustNot)
		}
	}
	if _, ok := Get("arn:aws:iam::aws:policy/AdministratorAccess"); ok {
		t.Error("Get found a policy Gatehouse does not ship")
	}
}
