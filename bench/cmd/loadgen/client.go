package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// Regions of the signature scopes: IAM and STS are global (us-east-1),
// IVS is regional.
const (
	globalRegion = "us-east-1"
	ivsRegion    = "us-west-2"
)

// call is one API request before signing.
type call struct {
	service string // "iam", "sts" or "ivs"
	path    string // "/" for the query protocol, "/Operation" for IVS
	ctype   string
	body    []byte
}

// queryCall is an IAM or STS call of the query protocol.
func queryCall(service string, params url.Values) call {
	return call{service: service, path: "/", ctype: "application/x-www-form-urlencoded; charset=utf-8", body: []byte(params.Encode())}
}

// ivsCall is an IVS call of the REST-JSON protocol.
func ivsCall(op string, in any) call {
	b, err := json.Marshal(in)
	if err != nil {
		panic(err) // inputs are maps and structs of strings
	}
	return call{service: "ivs", path: "/" + op, ctype: "application/json", body: b}
}

// iamParams returns the parameters of an IAM action.
func iamParams(action string, kv ...string) url.Values {
	v := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// signedRequest builds the request of c for endpoint and signs it with
// creds at t.
func signedRequest(endpoint string, creds sigv4.Credentials, c call, t time.Time) (*http.Request, error) {
	r, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(endpoint, "/")+c.path, bytes.NewReader(c.body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", c.ctype)
	r.Header.Set("User-Agent", "gatehouse-loadgen")
	region := globalRegion
	if c.service == "ivs" {
		region = ivsRegion
	}
	s := &sigv4.Signer{Credentials: creds, Region: region, Service: c.service}
	if err := s.Sign(r, c.body, t); err != nil {
		return nil, err
	}
	return r, nil
}

// client sends signed calls to a server.
type client struct {
	endpoint string
	creds    sigv4.Credentials
	hc       *http.Client
}

func newClient(endpoint string, creds sigv4.Credentials, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute}
	return &client{endpoint: endpoint, creds: creds, hc: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// as returns a client sending with other credentials on the same
// connections.
func (cl *client) as(creds sigv4.Credentials) *client {
	c := *cl
	c.creds = creds
	return &c
}

// apiError is a call answered with an error status.
type apiError struct {
	status int
	body   string
}

func (e *apiError) Error() string { return fmt.Sprintf("status %d: %s", e.status, e.body) }

// do sends c and returns the body of a 2xx answer. A throttled call is
// sent again after a pause, as the AWS SDKs do (the server limits each
// principal's rate; populating as the root user can exceed it).
func (cl *client) do(ctx context.Context, c call) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		b, err := cl.doOnce(ctx, c)
		var ae *apiError
		if attempt == 20 || !errors.As(err, &ae) || !throttled(ae) {
			return b, err
		}
		select {
		case <-time.After(time.Duration(10<<min(attempt, 6)) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// throttled reports whether an error answer is AWS's throttling.
func throttled(e *apiError) bool {
	return e.status == http.StatusTooManyRequests || (e.status == http.StatusBadRequest && strings.Contains(e.body, "<Code>Throttling</Code>"))
}

// doOnce sends c once.
func (cl *client) doOnce(ctx context.Context, c call) ([]byte, error) {
	r, err := signedRequest(cl.endpoint, cl.creds, c, time.Now())
	if err != nil {
		return nil, err
	}
	resp, err := cl.hc.Do(r.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return b, &apiError{status: resp.StatusCode, body: string(b)}
	}
	return b, nil
}

// createAccessKey creates an access key for user and returns it.
func (cl *client) createAccessKey(ctx context.Context, user string) (sigv4.Credentials, error) {
	b, err := cl.do(ctx, queryCall("iam", iamParams("CreateAccessKey", "UserName", user)))
	if err != nil {
		return sigv4.Credentials{}, fmt.Errorf("CreateAccessKey %s: %w", user, err)
	}
	var out struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if err := xml.Unmarshal(b, &out); err != nil || out.ID == "" {
		return sigv4.Credentials{}, fmt.Errorf("CreateAccessKey %s: unexpected answer %q", user, b)
	}
	return sigv4.Credentials{AccessKeyID: out.ID, SecretAccessKey: out.Secret}, nil
}
