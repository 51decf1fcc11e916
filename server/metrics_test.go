package server_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// scrape reads /metrics over HTTP and parses it.
func scrape(t *testing.T, ts *testServer) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(ts.endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	fams := parseMetrics(t, string(body))
	problems, err := promlint.New(strings.NewReader(string(body))).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "gatehouse_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
	return fams
}

// parseMetrics parses the text format.
func parseMetrics(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%.500s", err, body)
	}
	return fams
}

// sendSigned serves a query-API request signed by the root key for
// service in process, and returns its status.
func sendSigned(t *testing.T, srv *server.Server, service, body string) int {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.RemoteAddr = "192.0.2.7:5000"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	signer := &sigv4.Signer{Credentials: sigv4.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}, Region: "us-east-1", Service: service}
	if err := signer.Sign(r, []byte(body), time.Now()); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, r)
	return w.Code
}

// sample sums, over the series of the family name whose labels include
// want, the counter or gauge values, or the histograms' sample counts.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
	var sum float64
	for _, m := range f.GetMetric() {
		if !hasLabels(m, want) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// hasLabels reports whether m has every label of want with its value (a
// missing label has the value "").
func hasLabels(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		got := ""
		for _, lp := range m.GetLabel() {
			if lp.GetName() == k {
				got = lp.GetValue()
			}
		}
		if got != v {
			return false
		}
	}
	return true
}

// TestMetricsCountRequestsDecisionsAndCaches drives allowed and denied
// requests through the SDK and checks what /metrics reports of them.
func TestMetricsCountRequestsDecisionsAndCaches(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	root := ts.rootIAM()
	aliceKey, aliceSecret := userWithKey(t, ctx, root, "alice", "")
	bobKey, bobSecret := userWithKey(t, ctx, root, "bob", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:GetUser","sts:GetSessionToken"],"Resource":"*"},
		{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}`)
	alice, bob := ts.iam(aliceKey, aliceSecret), ts.iam(bobKey, bobSecret)

	if _, err := alice.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")}); err == nil {
		t.Fatal("alice's GetUser was allowed")
	}
	if _, err := bob.ListUsers(ctx, &iam.ListUsersInput{}); err == nil {
		t.Fatal("bob's ListUsers was allowed")
	}
	for range 3 {
		if _, err := bob.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")}); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := ts.sts(bobKey, bobSecret, "").GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	sess := ts.stsWith(tok.Credentials)
	for range 2 {
		if _, err := sess.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	}

	fams := scrape(t, ts)
	checks := []struct {
		name   string
		metric string
		labels map[string]string
		min    float64
	}{
		{"GetUser allowed", "gatehouse_requests_total", map[string]string{"service": "iam", "operation": "GetUser", "status": "200", "error_code": ""}, 3},
		{"GetUser denied", "gatehouse_requests_total", map[string]string{"service": "iam", "operation": "GetUser", "status": "403", "error_code": "AccessDenied"}, 1},
		{"ListUsers denied", "gatehouse_requests_total", map[string]string{"service": "iam", "operation": "ListUsers", "status": "403", "error_code": "AccessDenied"}, 1},
		{"CreateUser", "gatehouse_requests_total", map[string]string{"service": "iam", "operation": "CreateUser", "status": "200"}, 2},
		{"GetCallerIdentity", "gatehouse_requests_total", map[string]string{"service": "sts", "operation": "GetCallerIdentity", "status": "200"}, 2},
		{"allow decisions", "gatehouse_authz_decisions_total", map[string]string{"result": "allow"}, 3},
		{"explicit denials", "gatehouse_authz_decisions_total", map[string]string{"result": "explicit_deny"}, 1},
		{"implicit denials", "gatehouse_authz_decisions_total", map[string]string{"result": "implicit_deny"}, 1},
		{"policy-set hits", "gatehouse_authz_cache_requests_total", map[string]string{"cache": "policy_set", "result": "hit"}, 2},
		{"policy-set misses", "gatehouse_authz_cache_requests_total", map[string]string{"cache": "policy_set", "result": "miss"}, 1},
		{"access-key hits", "gatehouse_authz_cache_requests_total", map[string]string{"cache": "access_key", "result": "hit"}, 2},
		{"session hits", "gatehouse_authz_cache_requests_total", map[string]string{"cache": "session", "result": "hit"}, 1},
		{"session misses", "gatehouse_authz_cache_requests_total", map[string]string{"cache": "session", "result": "miss"}, 1},
		{"record hits (bob's user record)", "gatehouse_authz_cache_requests_total", map[string]string{"cache": "record", "result": "hit"}, 2},
		{"record misses", "gatehouse_authz_cache_requests_total", map[string]string{"cache": "record", "result": "miss"}, 1},
		{"policy-set hit ratio", "gatehouse_authz_cache_hit_ratio", map[string]string{"cache": "policy_set"}, 0.01},
		{"GetUser latency", "gatehouse_request_duration_seconds", map[string]string{"service": "iam", "operation": "GetUser"}, 4},
		{"store views", "gatehouse_store_duration_seconds", map[string]string{"backend": "sqlite", "op": "view"}, 1},
		{"store updates", "gatehouse_store_duration_seconds", map[string]string{"backend": "sqlite", "op": "update"}, 1},
		{"go runtime", "go_goroutines", nil, 1},
		{"process", "process_resident_memory_bytes", nil, 1},
	}
	for _, tc := range checks {
		t.Run(tc.name, func(t *testing.T) {
			if got := sample(fams, tc.metric, tc.labels); got < tc.min {
				t.Errorf("%s%v = %v, want at least %v", tc.metric, tc.labels, got, tc.min)
			}
		})
	}
	if got := sample(fams, "gatehouse_store_errors_total", nil); got != 0 {
		t.Errorf("gatehouse_store_errors_total = %v, want 0", got)
	}
	// The histogram's buckets are cumulative and end with +Inf.
	for _, m := range fams["gatehouse_request_duration_seconds"].GetMetric() {
		h := m.GetHistogram()
		if b := h.GetBucket(); len(b) == 0 || b[len(b)-1].GetCumulativeCount() > h.GetSampleCount() {
			t.Errorf("histogram %v: buckets %v, count %d", m.GetLabel(), b, h.GetSampleCount())
		}
	}
}

// get calls the handler of srv in process with a GET from remote.
func get(srv *server.Server, path, remote string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = remote
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, r)
	return w
}

// newServer makes a server that is not serving, for in-process requests;
// the test closes it.
func newServer(t testing.TB, mod func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: testAccount, Region: "us-west-2", RTMPAddr: "off",
		RootAccessKeyID: rootKeyID, RootSecretAccessKey: rootSecret, MasterKey: testMasterKey,
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := server.New(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestMetricsAccess: /metrics answers the allowed clients only, the
// address being the one trusted proxies report.
func TestMetricsAccess(t *testing.T) {
	loopback := newServer(t, nil)
	defer loopback.Close()
	proxied := newServer(t, func(c *server.Config) {
		c.TrustedProxies = []string{"10.0.0.0/8"}
		c.MetricsAllow = []string{"192.0.2.0/24", "2001:db8::7"}
	})
	defer proxied.Close()
	off := newServer(t, func(c *server.Config) { c.MetricsAllow = []string{"off"} })
	defer off.Close()
	tests := []struct {
		name   string
		srv    *server.Server
		remote string
		xff    string
		status int
	}{
		{"IPv4 loopback", loopback, "127.0.0.1:5000", "", 200},
		{"IPv4 loopback, other address", loopback, "127.8.9.10:5000", "", 200},
		{"IPv6 loopback", loopback, "[::1]:5000", "", 200},
		{"IPv4-mapped loopback", loopback, "[::ffff:127.0.0.1]:5000", "", 200},
		{"remote client", loopback, "192.0.2.7:5000", "", 403},
		{"remote client claiming loopback", loopback, "192.0.2.7:5000", "127.0.0.1", 403},
		{"allowed address through a trusted proxy", proxied, "10.1.2.3:5000", "192.0.2.9", 200},
		{"allowed IPv6 address through a trusted proxy", proxied, "10.1.2.3:5000", "2001:db8::7", 200},
		{"other address through a trusted proxy", proxied, "10.1.2.3:5000", "198.51.100.1", 403},
		{"the proxy itself", proxied, "10.1.2.3:5000", "", 403},
		{"loopback when not listed", proxied, "127.0.0.1:5000", "", 403},
		{"allowed address, directly", proxied, "192.0.2.200:5000", "", 200},
		{"metrics off", off, "127.0.0.1:5000", "", 403}, // an unsigned API request: MissingAuthenticationToken
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.xff != "" {
				hdr["X-Forwarded-For"] = tc.xff
			}
			w := get(tc.srv, "/metrics", tc.remote, hdr)
			if w.Code != tc.status {
				t.Fatalf("GET /metrics from %s (X-Forwarded-For %q): %d, want %d\n%.200s", tc.remote, tc.xff, w.Code, tc.status, w.Body)
			}
			body := w.Body.String()
			if tc.status == 200 && !strings.Contains(body, "# TYPE gatehouse_authz_cache_requests_total counter") {
				t.Errorf("no gatehouse metrics:\n%.300s", body)
			}
			if tc.status != 200 && strings.Contains(body, "gatehouse_") {
				t.Errorf("a refused client got metrics:\n%.300s", body)
			}
		})
	}
	// Only GET reads metrics: a POST /metrics is an (unsigned) API request.
	r := httptest.NewRequest(http.MethodPost, "/metrics", strings.NewReader("Action=ListUsers"))
	r.RemoteAddr = "127.0.0.1:5000"
	w := httptest.NewRecorder()
	loopback.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "MissingAuthenticationToken") {
		t.Errorf("POST /metrics: %d %.200s", w.Code, w.Body)
	}
}

// TestHealthAndReady: /healthz answers while the process runs; /readyz
// while the store answers, and 503 once it is closed.
func TestHealthAndReady(t *testing.T) {
	srv := newServer(t, nil)
	tests := []struct {
		name, path  string
		closeBefore bool
		status      int
		body        string
	}{
		{"healthz", "/healthz", false, 200, "ok\n"},
		{"readyz", "/readyz", false, 200, "ok\n"},
		{"healthz, store closed", "/healthz", true, 200, "ok\n"},
		{"readyz, store closed", "/readyz", true, 503, "not ready\n"},
	}
	closed := false
	for _, tc := range tests {
		if tc.closeBefore && !closed {
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
			closed = true
		}
		t.Run(tc.name, func(t *testing.T) {
			w := get(srv, tc.path, "192.0.2.7:5000", nil) // open to any client
			if w.Code != tc.status || w.Body.String() != tc.body {
				t.Fatalf("GET %s: %d %q, want %d %q", tc.path, w.Code, w.Body, tc.status, tc.body)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	if !closed {
		srv.Close()
	}
}

// TestReadyWithPostgres: /readyz answers 200 on PostgreSQL too.
func TestReadyWithPostgres(t *testing.T) {
	url := postgresSchema(t)
	srv := newServer(t, func(c *server.Config) { c.Store = url })
	defer srv.Close()
	if w := get(srv, "/readyz", "192.0.2.7:5000", nil); w.Code != 200 {
		t.Fatalf("GET /readyz: %d %s", w.Code, w.Body)
	}
	if w := get(srv, "/metrics", "127.0.0.1:5000", nil); !strings.Contains(w.Body.String(), `backend="postgres"`) {
		t.Errorf("no postgres store metrics:\n%.2000s", w.Body)
	}
}

// TestMetricsHostileLabels: requests naming 1000 random operations and
// services, signed or not, add a handful of series, not thousands.
func TestMetricsHostileLabels(t *testing.T) {
	srv := newServer(t, nil)
	defer srv.Close()
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		b := make([]byte, 12)
		for i := range b {
			b[i] = letters[rand.IntN(len(letters))]
		}
		return string(b)
	}
	for i := range 1000 {
		service := []string{"iam", "sts", word()}[i%3]
		sendSigned(t, srv, service, "Action="+word()+"&Version=2010-05-08")
	}
	fams := parseMetrics(t, get(srv, "/metrics", "127.0.0.1:5000", nil).Body.String())
	for _, name := range []string{"gatehouse_requests_total", "gatehouse_request_duration_seconds"} {
		var series []string
		for _, m := range fams[name].GetMetric() {
			series = append(series, fmt.Sprint(m.GetLabel()))
		}
		if len(series) > 10 {
			t.Errorf("%s has %d series after 1000 random operations:\n%s", name, len(series), strings.Join(series[:20], "\n"))
		}
		for _, s := range series {
			if !slices.ContainsFunc([]string{`"iam"`, `"sts"`, `"other"`}, func(v string) bool { return strings.Contains(s, v) }) ||
				strings.Contains(s, "operation") && !strings.Contains(s, `"unknown"`) {
				t.Errorf("%s series %s names an operation or service the client made up", name, s)
			}
		}
	}
	if got := sample(fams, "gatehouse_requests_total", nil); got != 1000 {
		t.Errorf("gatehouse_requests_total sums to %v, want 1000", got)
	}
}

func TestConfigValidateMetricsAllow(t *testing.T) {
	tests := []struct {
		name    string
		allow   []string
		wantErr bool
	}{
		{"default", nil, false},
		{"off", []string{"off"}, false},
		{"CIDRs and addresses", []string{"10.0.0.0/8", "::1", "192.0.2.1"}, false},
		{"off among others", []string{"10.0.0.0/8", "off"}, true},
		{"not an address", []string{"localhost"}, true},
		{"bad prefix", []string{"10.0.0.0/33"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), AccountID: testAccount, Region: "us-west-2", RTMPAddr: "off", MetricsAllow: tc.allow}
			err := cfg.Validate()
			if (err != nil) != tc.wantErr || (err != nil && !strings.Contains(err.Error(), "--metrics-allow")) {
				t.Fatalf("Validate() = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

// TestMetricsStoreErrors: requests that find the store closed are
// counted as internal failures and as store errors.
func TestMetricsStoreErrors(t *testing.T) {
	srv := newServer(t, nil)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if code := sendSigned(t, srv, "sts", "Action=GetCallerIdentity&Version=2011-06-15"); code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", code)
	}
	fams := parseMetrics(t, get(srv, "/metrics", "127.0.0.1:5000", nil).Body.String())
	if got := sample(fams, "gatehouse_store_errors_total", map[string]string{"backend": "sqlite", "op": "view"}); got < 1 {
		t.Errorf("gatehouse_store_errors_total{op=view} = %v, want at least 1", got)
	}
	labels := map[string]string{"service": "sts", "operation": "unknown", "status": "500", "error_code": "InternalFailure"}
	if got := sample(fams, "gatehouse_requests_total", labels); got != 1 {
		t.Errorf("gatehouse_requests_total%v = %v, want 1", labels, got)
	}
}
