package conformance

import (
	"os"
	"testing"
)

// TestCorpus runs every case of the shared IAM conformance corpus (a copy
// kept in policy/testdata; .ci/run checks it matches ../shared).
func TestCorpus(t *testing.T) {
	f, err := os.Open("../testdata/conformance.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 200 {
		t.Fatalf("only %d cases loaded", len(cases))
	}
	for i := range cases {
		c := &cases[i]
		t.Run(c.ID, func(t *testing.T) {
			r := Run(c)
			if !r.Pass(c) {
				t.Errorf("%s (%s): %s", c.ID, c.About, r.Why(c))
			}
		})
	}
}
