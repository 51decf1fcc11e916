package server_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// hostileCase is one line of testdata/hostile/cases.jsonl: a malformed or
// malicious request and the answer AWS gives it.
type hostileCase struct {
	Name    string            `json:"name"`
	Service string            `json:"service"` // iam, sts or ivs: the signing scope and the protocol of the answer
	Method  string            `json:"method"`  // default POST
	Path    string            `json:"path"`    // default "/"; may hold ${channel}
	Query   string            `json:"query"`   // raw query string
	Headers map[string]string `json:"headers"` // set before signing (so signed)
	After   map[string]string `json:"after"`   // added after signing (unsigned; a second value of a signed header)
	Body    string            `json:"body"`    // see expand
	// Sign is how the request is signed: valid, unsigned, tampered_body,
	// tampered_sig, expired, future, wrong_secret, unknown_key,
	// inactive_key, wrong_service, presign_expired, drop_signed_header.
	Sign string `json:"sign"`
	// AuthRe and AuthRepl rewrite the signed Authorization header.
	AuthRe   string `json:"auth_re"`
	AuthRepl string `json:"auth_repl"`
	// Raw sends the request over TCP as serialized, with "\\r" and "\\n"
	// written as the two-character escapes replaced by the bytes: header
	// injection that net/http clients refuse to send.
	Raw     bool   `json:"raw"`
	Status  int    `json:"status"`
	Code    string `json:"code"`    // "" when the HTTP layer answers (no AWS body)
	Message string `json:"message"` // a fragment of the message
}

// expand builds a body or path from its compact form: ${s*N} repeats s N
// times, ${hex:HH..} is raw bytes, ${channel} the setup channel's ARN and
// ${channel_q} the same, query-escaped.
var expandRe = regexp.MustCompile(`\$\{(hex:[0-9a-f]+|channel_q|channel|[^{}*]+\*\d+)\}`)

func expand(s string, vars map[string]string) string {
	return expandRe.ReplaceAllStringFunc(s, func(m string) string {
		in := m[2 : len(m)-1]
		if v, ok := vars[in]; ok {
			return v
		}
		if h, ok := strings.CutPrefix(in, "hex:"); ok {
			b, _ := hex.DecodeString(h)
			return string(b)
		}
		i := strings.LastIndexByte(in, '*')
		n, _ := strconv.Atoi(in[i+1:])
		return strings.Repeat(in[:i], n)
	})
}

func loadHostileCases(t *testing.T) []hostileCase {
	t.Helper()
	f, err := os.Open("testdata/hostile/cases.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []hostileCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	names := map[string]bool{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		var c hostileCase
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("cases.jsonl:%d: %v", n, err)
		}
		if names[c.Name] {
			t.Fatalf("cases.jsonl:%d: duplicate name %q", n, c.Name)
		}
		names[c.Name] = true
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// hostileClient sends signed and hostile requests to a test server.
type hostileClient struct {
	t        *testing.T
	ts       *testServer
	vars     map[string]string
	inactive sigv4.Credentials
}

func scopeRegion(service string) string {
	if service == "ivs" {
		return "us-west-2"
	}
	return "us-east-1"
}

// answer is what the server sent back.
type answer struct {
	status        int
	code, message string
	body          string
}

// xmlTag returns the text of the first element name in body, or "".
func xmlTag(body, name string) string {
	_, rest, ok := strings.Cut(body, "<"+name+">")
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, "</"+name+">")
	return v
}

// parseAnswer reads the AWS error of a query (XML) or REST-JSON answer.
func parseAnswer(resp *http.Response) answer {
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: string(b)}
	if c := resp.Header.Get("X-Amzn-Errortype"); c != "" {
		a.code = c
		var m struct{ Message string }
		_ = json.Unmarshal(b, &m)
		a.message = m.Message
		return a
	}
	a.code, a.message = xmlTag(a.body, "Code"), html.UnescapeString(xmlTag(a.body, "Message"))
	return a
}

// build returns the request of c, signed as c says.
func (hc *hostileClient) build(c *hostileCase) (*http.Request, []byte) {
	t := hc.t
	method := c.Method
	if method == "" {
		method = "POST"
	}
	path := expand(c.Path, hc.vars)
	if path == "" {
		path = "/"
	}
	u := hc.ts.endpoint + path
	if c.Query != "" {
		u += "?" + expand(c.Query, hc.vars)
	}
	body := []byte(expand(c.Body, hc.vars))
	r, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if c.Service == "ivs" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Headers {
		if v == "" {
			r.Header.Del(k)
			continue
		}
		r.Header.Set(k, expand(v, hc.vars))
	}
	creds := sigv4.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}
	service := c.Service
	when := time.Now()
	switch c.Sign {
	case "wrong_secret":
		creds.SecretAccessKey = "not+the+secret+of+this+key+0000000000000"
	case "unknown_key":
		creds.AccessKeyID = "AKIAUNKNOWNKEY000001"
	case "inactive_key":
		creds = hc.inactive
	case "wrong_service":
		service = "s3"
	case "expired":
		when = when.Add(-6 * time.Minute)
	case "future":
		when = when.Add(6 * time.Minute)
	case "drop_signed_header":
		r.Header.Set("X-Amz-Meta-Signed", "yes")
	}
	signer := &sigv4.Signer{Credentials: creds, Region: scopeRegion(c.Service), Service: service}
	switch c.Sign {
	case "unsigned":
	case "presign_expired":
		if err := signer.Presign(r, body, when.Add(-10*time.Minute), time.Minute); err != nil {
			t.Fatal(err)
		}
	default:
		if err := signer.Sign(r, body, when); err != nil {
			t.Fatal(err)
		}
	}
	switch c.Sign {
	case "tampered_body":
		body = append(body, 'x')
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	case "tampered_sig":
		a := r.Header.Get("Authorization")
		last := "0"
		if strings.HasSuffix(a, "0") {
			last = "1"
		}
		r.Header.Set("Authorization", a[:len(a)-1]+last)
	case "drop_signed_header":
		r.Header.Del("X-Amz-Meta-Signed")
	}
	if c.AuthRe != "" {
		re := regexp.MustCompile(c.AuthRe)
		r.Header.Set("Authorization", re.ReplaceAllString(r.Header.Get("Authorization"), c.AuthRepl))
	}
	for k, v := range c.After {
		r.Header.Add(k, expand(v, hc.vars))
	}
	return r, body
}

// send sends c and returns the answer.
func (hc *hostileClient) send(c *hostileCase) answer {
	t := hc.t
	r, _ := hc.build(c)
	if !c.Raw {
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		defer resp.Body.Close()
		return parseAnswer(resp)
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	raw := strings.NewReplacer(`\r`, "\r", `\n`, "\n").Replace(buf.String())
	conn, err := net.Dial("tcp", strings.TrimPrefix(hc.ts.endpoint, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), r)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	defer resp.Body.Close()
	return parseAnswer(resp)
}

// do sends a valid request signed by root and returns its answer.
func (hc *hostileClient) do(service, path, body string) answer {
	return hc.send(&hostileCase{Name: "setup", Service: service, Path: path, Body: body, Sign: "valid"})
}

func (hc *hostileClient) must(service, path, body string) string {
	hc.t.Helper()
	a := hc.do(service, path, body)
	if a.status/100 != 2 {
		hc.t.Fatalf("%s %s %s: %d %s", service, path, body, a.status, a.body)
	}
	return a.body
}

var requestIDs = regexp.MustCompile(`<RequestId>[^<]*</RequestId>`)

// snapshot returns everything the corpus could change: the IAM entities
// and policies, root's and the users' access keys, and the IVS resources.
func (hc *hostileClient) snapshot() string {
	var b strings.Builder
	for _, q := range []struct{ service, path, body string }{
		{"iam", "/", "Action=GetAccountAuthorizationDetails&Version=2010-05-08"},
		{"iam", "/", "Action=ListUsers&Version=2010-05-08"},
		{"iam", "/", "Action=ListAccessKeys&Version=2010-05-08"},
		{"iam", "/", "Action=ListAccessKeys&Version=2010-05-08&UserName=keeper"},
		{"iam", "/", "Action=ListRoles&Version=2010-05-08"},
		{"iam", "/", "Action=ListPolicies&Version=2010-05-08&Scope=Local"},
		{"ivs", "/ListChannels", `{}`},
		{"ivs", "/ListStreamKeys", `{"channelArn":"` + hc.vars["channel"] + `"}`},
		{"ivs", "/ListPlaybackKeyPairs", `{}`},
		{"ivs", "/ListRecordingConfigurations", `{}`},
		{"ivs", "/ListPlaybackRestrictionPolicies", `{}`},
		{"ivs", "/tags/" + hc.vars["channel_q"], ``},
	} {
		c := &hostileCase{Name: "snapshot", Service: q.service, Path: q.path, Body: q.body, Sign: "valid"}
		if strings.HasPrefix(q.path, "/tags/") {
			c.Method = "GET"
		}
		a := hc.send(c)
		if a.status != 200 {
			hc.t.Fatalf("snapshot %s %s: %d %s", q.path, q.body, a.status, a.body)
		}
		fmt.Fprintf(&b, "== %s %s\n%s\n", q.path, q.body, requestIDs.ReplaceAllString(a.body, ""))
	}
	return b.String()
}

// TestHostileCorpus sends every request of testdata/hostile/cases.jsonl
// to a server, checks each answer's status, AWS error code and message,
// and shows that none of them changed the account, and that the server
// still serves.
func TestHostileCorpus(t *testing.T) {
	cases := loadHostileCases(t)
	if len(cases) < 200 {
		t.Errorf("the corpus has %d cases, want at least 200", len(cases))
	}
	ts := startServer(t, func(c *server.Config) { c.RTMPAddr = "off" })
	hc := &hostileClient{t: t, ts: ts, vars: map[string]string{}}
	// Setup: a user with an inactive key, a role, a policy, a channel.
	hc.must("iam", "/", "Action=CreateUser&Version=2010-05-08&UserName=keeper")
	body := hc.must("iam", "/", "Action=CreateAccessKey&Version=2010-05-08&UserName=keeper")
	tag := func(name string) string { return xmlTag(body, name) }
	hc.inactive = sigv4.Credentials{AccessKeyID: tag("AccessKeyId"), SecretAccessKey: tag("SecretAccessKey")}
	hc.must("iam", "/", "Action=UpdateAccessKey&Version=2010-05-08&UserName=keeper&Status=Inactive&AccessKeyId="+hc.inactive.AccessKeyID)
	hc.must("iam", "/", "Action=CreatePolicy&Version=2010-05-08&PolicyName=kept&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ivs%3AGet*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D")
	body = hc.must("ivs", "/CreateChannel", `{"name":"kept"}`)
	var ch struct{ Channel struct{ Arn string } }
	if err := json.Unmarshal([]byte(body), &ch); err != nil || ch.Channel.Arn == "" {
		t.Fatalf("CreateChannel: %v %s", err, body)
	}
	hc.vars["channel"] = ch.Channel.Arn
	hc.vars["channel_q"] = strings.NewReplacer(":", "%3A", "/", "%2F").Replace(ch.Channel.Arn)

	before := hc.snapshot()
	for i := range cases {
		c := &cases[i]
		t.Run(c.Name, func(t *testing.T) {
			hc := *hc
			hc.t = t
			a := hc.send(c)
			if a.status != c.Status || a.code != c.Code || !strings.Contains(a.message, c.Message) {
				t.Errorf("got %d %s %q, want %d %s %q\n%.400s", a.status, a.code, a.message, c.Status, c.Code, c.Message, a.body)
			}
		})
	}
	if after := hc.snapshot(); after != before {
		t.Errorf("the corpus changed the account:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Still serving.
	hc.must("iam", "/", "Action=GetUser&Version=2010-05-08&UserName=keeper")
	hc.must("sts", "/", "Action=GetCallerIdentity&Version=2011-06-15")
	hc.must("ivs", "/GetChannel", `{"arn":"`+hc.vars["channel"]+`"}`)
}
