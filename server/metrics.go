package server

import (
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatehouse-iam/gatehouse/policy"
)

// metrics are a server's Prometheus metrics, kept in a registry of its
// own (there is no global one) and served on GET /metrics to the clients
// inside allow. A nil *metrics, when metrics are off, counts nothing.
//
// Every label takes a bounded set of values whatever clients send: the
// service is one the server speaks or "other", the operation one it
// routes or "unknown", the status an HTTP code the server wrote, and the
// error code one of the first maxErrorCodes codes seen or "other".
type metrics struct {
	reg     *prometheus.Registry
	handler http.Handler
	allow   []netip.Prefix

	// ops are the operations each service routes; set by watch before
	// the server serves, read only afterwards.
	ops map[opKey]bool

	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	decisions [3]prometheus.Counter // by policy.Outcome
	storeDur  *prometheus.HistogramVec
	storeErrs *prometheus.CounterVec

	// series maps each label set to its series, resolved once; requests
	// read it without a lock, and seriesOf replaces it with a copy to add
	// one, holding seriesMu (label sets are few and soon all seen).
	seriesMu sync.Mutex
	series   atomic.Pointer[map[reqKey]requestSeries]
	codes    map[string]bool // error codes admitted as labels
}

// opKey names an operation of a service.
type opKey struct{ service, op string }

// reqKey is the labels of a series of gatehouse_requests_total.
type reqKey struct {
	service, op, code string
	status            int
}

// requestSeries are the series a request with given labels counts in.
type requestSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// Label values.
const (
	labelOther   = "other"   // a service or error code outside the bounded set
	labelUnknown = "unknown" // an operation the service does not route
)

// maxErrorCodes bounds the error_code label's values.
const maxErrorCodes = 200

// latencyBuckets are the upper bounds, in seconds, of the latency
// histograms: 10µs to 10s, as a request or a store transaction takes
// microseconds when cached and milliseconds when it reads or writes.
func latencyBuckets() []float64 {
	return []float64{1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
}

// newMetrics returns the metrics of a server configured with cfg, or nil
// when --metrics-allow is off.
func newMetrics(cfg Config) *metrics {
	allow, off, _ := parseMetricsAllow(cfg.MetricsAllow) // New validated cfg
	if off {
		return nil
	}
	m := &metrics{reg: prometheus.NewRegistry(), allow: allow, ops: map[opKey]bool{}, codes: map[string]bool{}}
	m.series.Store(&map[reqKey]requestSeries{})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_requests_total",
		Help: "API requests answered, by service, operation, HTTP status and AWS error code (empty on success).",
	}, []string{"service", "operation", "status", "error_code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gatehouse_request_duration_seconds",
		Help:    "Time from a request's arrival to the end of its response, by service and operation.",
		Buckets: latencyBuckets(),
	}, []string{"service", "operation"})
	decisions := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_authz_decisions_total",
		Help: "Authorization decisions made while serving requests, by result.",
	}, []string{"result"})
	m.decisions[policy.Allow] = decisions.WithLabelValues("allow")
	m.decisions[policy.ExplicitDeny] = decisions.WithLabelValues("explicit_deny")
	m.decisions[policy.ImplicitDeny] = decisions.WithLabelValues("implicit_deny")
	m.storeDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gatehouse_store_duration_seconds",
		Help:    "Duration of store transactions (View or Update, including the work done inside them), by backend and op.",
		Buckets: latencyBuckets(),
	}, []string{"backend", "op"})
	m.storeErrs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_store_errors_total",
		Help: "Store failures (not missing keys or conflicts), by backend and op.",
	}, []string{"backend", "op"})
	m.reg.MustRegister(m.requests, m.duration, decisions, m.storeDur, m.storeErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return m
}

// parseMetricsAllow parses --metrics-allow: "off" alone turns metrics
// off, nothing means loopback, anything else is a list of CIDRs or
// addresses.
func parseMetricsAllow(vals []string) (allow []netip.Prefix, off bool, err error) {
	for _, v := range vals {
		if strings.EqualFold(strings.TrimSpace(v), "off") {
			if len(vals) != 1 {
				return nil, false, fmt.Errorf("--metrics-allow: off must stand alone, not in %q", strings.Join(vals, ","))
			}
			return nil, true, nil
		}
	}
	allow, err = parsePrefixes("--metrics-allow", vals)
	if err != nil {
		return nil, false, err
	}
	if len(allow) == 0 {
		allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	return allow, false, nil
}

// watch completes the metrics of s once its services exist: the
// operations they route and the caches of the authorizer and the
// authenticator.
func (m *metrics) watch(s *Server) {
	if m == nil {
		return
	}
	for name := range s.iamOp {
		m.ops[opKey{"iam", name}] = true
	}
	for name := range s.sts.ops {
		m.ops[opKey{"sts", name}] = true
	}
	for _, rt := range s.ivs.routes {
		m.ops[opKey{"ivs", rt.name}] = true
	}
	m.ops[opKey{"cloudtrail", "LookupEvents"}] = true // the one serveCloudTrail serves
	m.reg.MustRegister(newCacheCollector(map[string]cacheCounts{
		"record":     s.records.Stats(),
		"policy_set": s.az.CacheStats(),
		"access_key": &s.auth.keyStats,
		"session":    &s.auth.sessionStats,
	}))
}

// observe counts a finished exchange.
func (m *metrics) observe(ex *exchange) {
	if m == nil {
		return
	}
	k := reqKey{service: serviceLabel(ex.Service), op: ex.Operation, status: ex.Status}
	if !m.ops[opKey{k.service, k.op}] {
		k.op = labelUnknown
	}
	if k.status == 0 {
		k.status = http.StatusOK // what net/http sends when nothing was written
	}
	if ex.Err != nil {
		k.code = ex.Err.Code
	}
	rs := m.seriesOf(k)
	rs.requests.Inc()
	rs.duration.Observe(time.Since(ex.Start).Seconds())
	for _, c := range ex.Trace.Checks() {
		if int(c.Decision.Outcome) < len(m.decisions) {
			m.decisions[c.Decision.Outcome].Inc()
		}
	}
}

// seriesOf returns the series of a request labelled k, resolved once.
// Its service and operation are bounded already; its error code is
// admitted if it is a word and fewer than maxErrorCodes were, and is
// "other" otherwise (such a request takes the slow path every time, but
// the services only send codes of a fixed set).
func (m *metrics) seriesOf(k reqKey) requestSeries {
	if rs, ok := (*m.series.Load())[k]; ok {
		return rs
	}
	m.seriesMu.Lock()
	defer m.seriesMu.Unlock()
	if k.code != "" && !m.codes[k.code] {
		if len(m.codes) >= maxErrorCodes || !isLabelWord(k.code) {
			k.code = labelOther
		} else {
			m.codes[k.code] = true
		}
	}
	series := *m.series.Load()
	if rs, ok := series[k]; ok {
		return rs
	}
	rs := requestSeries{
		requests: m.requests.WithLabelValues(k.service, k.op, strconv.Itoa(k.status), k.code),
		duration: m.duration.WithLabelValues(k.service, k.op),
	}
	next := make(map[reqKey]requestSeries, len(series)+1)
	maps.Copy(next, series)
	next[k] = rs
	m.series.Store(&next)
	return rs
}

// serviceLabel bounds the service label.
func serviceLabel(service string) string {
	switch service {
	case "iam", "sts", "ivs", "cloudtrail":
		return service
	}
	return labelOther
}

// serve answers GET /metrics: the metrics to a client inside the allowed
// prefixes, 403 to any other.
func (m *metrics) serve(w http.ResponseWriter, r *http.Request) {
	a, ok := parseHostAddr(r.RemoteAddr)
	if !ok || !isTrusted(a, m.allow) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	m.handler.ServeHTTP(w, r)
}

// isLabelWord reports whether v is 1 to 64 ASCII letters, digits, dots
// or underscores.
func isLabelWord(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// cacheCollector reports the hits and misses of the server's caches.
type cacheCollector struct {
	caches   map[string]cacheCounts
	requests *prometheus.Desc
	ratio    *prometheus.Desc
}

// cacheCounts is the hits and misses of a cache.
type cacheCounts interface {
	Hits() uint64
	Misses() uint64
}

func newCacheCollector(caches map[string]cacheCounts) *cacheCollector {
	return &cacheCollector{
		caches: caches,
		requests: prometheus.NewDesc("gatehouse_authz_cache_requests_total",
			"Cache lookups by cache (policy_set: compiled policy sets; access_key: access keys and their owners; session: opened session tokens; record: single store reads, such as the channel of ivs:GetChannel) and result (hit or miss).",
			[]string{"cache", "result"}, nil),
		ratio: prometheus.NewDesc("gatehouse_authz_cache_hit_ratio",
			"Hits over lookups since the server started, by cache (0 before the first lookup); rate(gatehouse_authz_cache_requests_total) gives it over a window.",
			[]string{"cache"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.ratio
}

// Collect implements prometheus.Collector.
func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	for name, st := range c.caches {
		hits, misses := float64(st.Hits()), float64(st.Misses())
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, hits, name, "hit")
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, misses, name, "miss")
		ratio := 0.0
		if hits+misses > 0 {
			ratio = hits / (hits + misses)
		}
		ch <- prometheus.MustNewConstMetric(c.ratio, prometheus.GaugeValue, ratio, name)
	}
}
