// Command ceiling serves a bare net/http handler that answers every
// request with a small JSON body: the load benchmark's ceiling, what the
// machine and wrk reach with no work behind the HTTP server.
//
//	ceiling -addr 127.0.0.1:4599
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// body is the answer, about the size of a GetCallerIdentity result's
// payload.
const body = `{"UserId":"AIDAEXAMPLEUSERID0001","Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/user-00001"}`

func main() {
	addr := flag.String("addr", "127.0.0.1:4599", "listen address")
	flag.Parse()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}
