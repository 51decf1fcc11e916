package server

import (
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// fillContext sets the global condition keys every request carries.
func fillContext(pc *policy.Context, r *http.Request, signed *sigv4.Signed, now time.Time) {
	pc.Set("aws:CurrentTime", now.UTC().Format(time.RFC3339))
	pc.Set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	pc.Set("aws:SecureTransport", strconv.FormatBool(r.TLS != nil))
	pc.Set("aws:RequestedRegion", signed.Scope.Region)
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		pc.Set("aws:SourceIp", host)
	}
}
