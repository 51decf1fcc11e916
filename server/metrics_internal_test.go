package server

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/awserr"
)

// BenchmarkMetricsObserve is what counting one finished request costs.
func BenchmarkMetricsObserve(b *testing.B) {
	m := newMetrics(Config{})
	m.ops[opKey{"sts", "GetCallerIdentity"}] = true
	for _, bc := range []struct {
		name string
		ex   *exchange
	}{
		{"ok", &exchange{Service: "sts", Operation: "GetCallerIdentity", Status: 200}},
		{"error", &exchange{Service: "iam", Operation: "LaunchRockets", Status: 400, Err: awserr.New(awserr.InvalidAction, "no")}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ex := bc.ex
			ex.Start = time.Now()
			b.ReportAllocs()
			for b.Loop() {
				m.observe(ex)
			}
		})
	}
}

// TestErrorCodeLabelsBounded: the error_code label takes at most
// maxErrorCodes values besides "other", and never a value that is not a
// word.
func TestErrorCodeLabelsBounded(t *testing.T) {
	m := newMetrics(Config{})
	tests := []struct {
		name  string
		codes []string
		want  string // the label of the last code
	}{
		{"a code", []string{"AccessDenied"}, "AccessDenied"},
		{"not a word", []string{"Access Denied\n"}, labelOther},
		{"too long", []string{strings.Repeat("A", 65)}, labelOther},
		{"past the bound", codeList(maxErrorCodes + 50), labelOther},
		{"admitted before the bound", []string{"AccessDenied"}, "AccessDenied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rs requestSeries
			for _, c := range tc.codes {
				rs = m.seriesOf(reqKey{service: "iam", op: labelUnknown, status: 400, code: c})
			}
			want := m.requests.WithLabelValues("iam", labelUnknown, "400", tc.want)
			if rs.requests != want {
				t.Errorf("code %.20q counted apart from %q", tc.codes[len(tc.codes)-1], tc.want)
			}
		})
	}
	if n := len(m.codes); n > maxErrorCodes {
		t.Errorf("%d codes admitted, want at most %d", n, maxErrorCodes)
	}
}

func codeList(n int) []string {
	codes := make([]string, n)
	for i := range codes {
		codes[i] = "Code" + strconv.Itoa(i)
	}
	return codes
}
