package server

import (
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/protocol/restjson"
)

// The compact audit record: what a request's event needs, journaled on the
// request path before the response is sent (audit.Recorder.Record), kept
// as it is by the store, and expanded into the CloudTrail event by
// expandRecord only when the event is read. Building the event —
// parameters as nested objects, the decision block, times, JSON — costs
// several times appending the raw fields, and none of it has to happen
// for an event nobody reads. Secrets never reach the record: the response
// is redacted before it is appended (audit.Elements), and so are the
// query parameters (audit.RedactForm) and JSON bodies (audit.RedactBody).
//
// The record is a version byte and then, in order: strings as a uvarint
// length and bytes, numbers as varints, flags and enums as one byte.
//
// Version 2 (written since version 1, which is still read) shortens the
// parts that repeat within a record: a caller's access key id is not
// written again when it is the request's; a check's policy ids are
// written before its statements, each as the length of the prefix it
// shares with the one before and the rest (a user's inline policies all
// begin "user/NAME/inline/", an account's managed ones
// "arn:aws:iam::ACCOUNT:policy/"), and a statement names its policy by
// its place in that list; condition keys of the request context that
// every request has are written as a number (contextKeys), and tag keys
// as the number of their prefix and the tag's name. A GetChannel's record
// of a user with a dozen policies is about a third shorter.

const (
	recordVersion1 = 1
	recordVersion  = 2
)

// Parameter kinds of a record.
const (
	paramsNone byte = iota
	paramsQuery
	paramsREST
	paramsJSON
)

// newEventID draws the 16 random bytes of an event's id
// (audit.EventIDFrom).
func newEventID() (id [16]byte) {
	binary.LittleEndian.PutUint64(id[:], rand.Uint64())
	binary.LittleEndian.PutUint64(id[8:], rand.Uint64())
	return id
}

// appendEntry appends the journal entry of an exchange: the head that
// files its event (audit.AppendHead), then its compact record.
func appendEntry(b []byte, ex *exchange) []byte {
	h := audit.Head{RequestID: ex.ID, EventID: newEventID()}
	if ex.Caller != nil {
		h.Account = ex.Caller.Principal.Account
	}
	return appendRecord(audit.AppendHead(b, &h), ex, h.EventID)
}

// appendRecord appends the compact record of an exchange, whose event id
// is made of eventID.
func appendRecord(b []byte, ex *exchange, eventID [16]byte) []byte {
	b = append(b, recordVersion)
	b = appendStr(b, ex.ID)
	b = append(b, eventID[:]...)
	b = binary.AppendVarint(b, ex.Start.UnixNano())
	b = appendStr(b, ex.Service)
	b = appendStr(b, ex.Region)
	b = appendStr(b, ex.Operation)
	b = appendStr(b, ex.R.Header.Get("User-Agent"))
	b = appendStr(b, ex.R.RemoteAddr)
	b = appendStr(b, ex.AccessKeyID)
	if t := ex.R.TLS; t != nil {
		b = append(b, 1)
		b = binary.AppendUvarint(b, uint64(t.Version))
		b = binary.AppendUvarint(b, uint64(t.CipherSuite))
		b = appendStr(b, ex.R.Host)
	} else {
		b = append(b, 0)
	}
	switch p := ex.Params.(type) {
	case url.Values:
		b = appendValues(append(b, paramsQuery), audit.RedactForm(p))
	case *restjson.Request:
		// Redacted here: a secret is never journaled, nor stored.
		b = appendStr(append(b, paramsREST), string(audit.RedactBody(p.Body)))
		b = binary.AppendUvarint(b, uint64(len(p.Path)))
		for k, v := range p.Path {
			b = appendStr(appendStr(b, k), v)
		}
		b = appendValues(b, p.Query)
	case []byte:
		b = appendStr(append(b, paramsJSON), string(audit.RedactBody(p)))
	default:
		b = append(b, paramsNone)
	}
	switch {
	case ex.Err != nil:
		b = appendStr(appendStr(append(b, 1), ex.Err.Code), ex.Err.Message)
	case ex.Result != nil && audit.RecordsResponse(ex.Service, ex.Operation):
		// Redacted here: a secret is never journaled.
		if m := audit.Elements(ex.Result); m != nil {
			b = appendJSONStr(append(b, 2), m)
			break
		}
		fallthrough
	default:
		b = append(b, 0)
	}
	c := ex.Caller
	if c == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	p := &c.Principal
	b = appendStr(b, p.ARN)
	b = appendStr(b, p.Account)
	b = append(b, byte(p.Type))
	b = appendStr(b, p.Username)
	b = appendStr(b, p.UserID)
	b = appendStr(b, p.RoleARN)
	b = binary.AppendUvarint(b, uint64(len(p.Tags)))
	for _, t := range p.Tags {
		b = appendStr(appendStr(b, t.Key), t.Value)
	}
	if c.AccessKeyID == ex.AccessKeyID {
		b = append(b, 0)
	} else {
		b = appendStr(append(b, 1), c.AccessKeyID)
	}
	if ses := c.Session; ses != nil {
		b = append(b, 1)
		b = binary.AppendVarint(b, ses.IssuedAt.UnixNano())
		b = appendBool(b, ses.MFA)
		b = appendStr(b, ses.SourceIdentity)
		b = appendStr(b, ses.SourceUserName)
	} else {
		b = append(b, 0)
	}
	return appendChecks(b, &ex.Trace)
}

// appendChecks appends the authorization checks of a trace.
func appendChecks(b []byte, t *authz.Trace) []byte {
	checks := t.Checks()
	b = binary.AppendUvarint(b, uint64(len(checks)))
	var scratch [16]policyRef // a check consults a few policies, most often
	refs := scratch[:0]
	for i := range checks {
		c := &checks[i]
		b = appendStr(b, c.Action)
		b = appendStr(b, c.Resource)
		b = append(b, byte(c.Decision.Outcome))
		b = appendStr(b, authz.DenialReason(c.Action, &c.Decision))
		refs = checkPolicies(refs[:0], c)
		b = binary.AppendUvarint(b, uint64(len(refs)))
		var ids frontCoder
		for _, r := range refs {
			b = ids.append(append(b, byte(r.src)), r.id)
		}
		sts := c.Decision.Statements()
		b = binary.AppendUvarint(b, uint64(len(sts)))
		for _, st := range sts {
			b = append(b, byte(st.Source))
			// The statement's policy by its place in the list (from 1),
			// or 0 and its id.
			if at := slices.Index(refs, policyRef{st.Source, st.PolicyID}); at >= 0 {
				b = binary.AppendUvarint(b, uint64(at+1))
			} else {
				b = appendStr(binary.AppendUvarint(b, 0), st.PolicyID)
			}
			b = appendStr(b, st.Sid)
			b = binary.AppendUvarint(b, uint64(st.Index))
		}
		if c.Context == nil {
			b = binary.AppendUvarint(b, 0)
			continue
		}
		b = binary.AppendUvarint(b, uint64(c.Context.Len()))
		c.Context.Each(func(k string, vs []string, multi bool) {
			b = appendContextKey(b, k, multi)
			b = binary.AppendUvarint(b, uint64(len(vs)))
			for _, v := range vs {
				b = appendStr(b, v)
			}
		})
	}
	return b
}

// policyRef is a policy a check consulted, as a record names it.
type policyRef struct {
	src policy.Source
	id  string
}

// checkPolicies appends the policies c consulted, in the order a record
// lists them: identity, boundary, session, resource.
func checkPolicies(dst []policyRef, c *authz.Checked) []policyRef {
	pols := &c.Policies
	for _, p := range pols.Identity {
		dst = append(dst, policyRef{policy.SourceIdentity, p.ID})
	}
	if p := pols.Boundary; p != nil {
		dst = append(dst, policyRef{policy.SourceBoundary, p.ID})
	}
	for _, p := range pols.Session {
		dst = append(dst, policyRef{policy.SourceSession, p.ID})
	}
	if p := c.ResourcePolicy; p != nil {
		dst = append(dst, policyRef{policy.SourceResource, p.ID})
	}
	return dst
}

// frontCoder writes a list of strings each as the length of the prefix
// it shares with the one before and the rest of it.
type frontCoder struct{ prev string }

func (f *frontCoder) append(b []byte, s string) []byte {
	n := 0
	for n < len(f.prev) && n < len(s) && f.prev[n] == s[n] {
		n++
	}
	f.prev = s
	return appendStr(binary.AppendUvarint(b, uint64(n)), s[n:])
}

// read reads a string that append wrote.
func (f *frontCoder) read(r *recordReader) string {
	n := r.uvarint()
	rest := r.bytes(r.count(1))
	if n > uint64(len(f.prev)) {
		r.fail()
		return ""
	}
	f.prev = f.prev[:n] + string(rest)
	return f.prev
}

// contextKeys are the condition keys a version 2 record writes as a
// number (their place, from 1), and contextKeyPrefixes the prefixes it
// writes as one (from 1, plus len(contextKeys)) followed by the rest of
// the key. Records hold these numbers: append to the lists, never
// reorder them.
var (
	contextKeys = [...]string{"aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport", "aws:RequestedRegion",
		"aws:SourceIp", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:TokenIssueTime",
		"aws:SourceIdentity", "aws:TagKeys", "aws:UserAgent", "aws:CalledVia", "aws:ViaAWSService"}
	contextKeyPrefixes = [...]string{"aws:ResourceTag/", "aws:RequestTag/", "aws:PrincipalTag/"}
)

// appendContextKey appends a condition key and whether it is
// multivalued: one uvarint, the key's number times two plus the flag
// (contextKeys; 0 for a key written whole after it), then the rest of a
// key written by its prefix, or the whole key.
func appendContextKey(b []byte, k string, multi bool) []byte {
	flag := uint64(0)
	if multi {
		flag = 1
	}
	code, rest := contextKeyCode(k)
	b = binary.AppendUvarint(b, uint64(code)<<1|flag)
	if code == 0 || code > len(contextKeys) {
		b = appendStr(b, rest)
	}
	return b
}

// contextKeyCodes numbers the keys of contextKeys (from 1).
var contextKeyCodes = func() map[string]int {
	m := make(map[string]int, len(contextKeys))
	for i, k := range contextKeys {
		m[k] = i + 1
	}
	return m
}()

// contextKeyCode returns the number of k (contextKeys), or that of its
// prefix and the rest of it (contextKeyPrefixes), or 0 and k.
func contextKeyCode(k string) (int, string) {
	if code, ok := contextKeyCodes[k]; ok {
		return code, ""
	}
	for i, prefix := range contextKeyPrefixes {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			return len(contextKeys) + i + 1, rest
		}
	}
	return 0, k
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendJSONStr appends m's JSON as a string.
func appendJSONStr(b []byte, m map[string]any) []byte {
	j := audit.AppendMap(nil, m)
	return append(binary.AppendUvarint(b, uint64(len(j))), j...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendValues(b []byte, vs url.Values) []byte {
	b = binary.AppendUvarint(b, uint64(len(vs)))
	for k, v := range vs {
		b = binary.AppendUvarint(appendStr(b, k), uint64(len(v)))
		for _, s := range v {
			b = appendStr(b, s)
		}
	}
	return b
}

// errRecord: a record that does not decode.
var errRecord = errors.New("malformed audit record")

// recordReader decodes a record; the first error sticks.
type recordReader struct {
	b   []byte
	err error
}

func (r *recordReader) fail() {
	if r.err == nil {
		r.err = errRecord
	}
	r.b = nil
}

func (r *recordReader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *recordReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recordReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length of items at least min bytes each.
func (r *recordReader) count(min int) int {
	n := r.uvarint()
	if n > uint64(len(r.b)/min) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *recordReader) bytes(n int) []byte {
	if n > len(r.b) {
		r.fail()
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *recordReader) str() string { return string(r.bytes(r.count(1))) }

func (r *recordReader) values() url.Values {
	n := r.count(2)
	vs := make(url.Values, n)
	for range n {
		k := r.str()
		v := make([]string, r.count(1))
		for i := range v {
			v[i] = r.str()
		}
		vs[k] = v
	}
	return vs
}

// expandRecord builds the event of a compact record (Options.Expand).
func expandRecord(rec []byte) (*audit.Event, error) {
	r := &recordReader{b: rec}
	version := r.byte()
	if version != recordVersion && version != recordVersion1 {
		return nil, fmt.Errorf("audit record version %d: %w", version, errRecord)
	}
	ex := &exchange{ID: r.str()}
	var id [16]byte
	copy(id[:], r.bytes(len(id)))
	eventID := audit.EventIDFrom(id)
	ex.Start = time.Unix(0, r.varint())
	ex.Service, ex.Region, ex.Operation = r.str(), r.str(), r.str()
	ex.R = &http.Request{Header: http.Header{}}
	if ua := r.str(); ua != "" {
		ex.R.Header.Set("User-Agent", ua)
	}
	ex.R.RemoteAddr = r.str()
	ex.AccessKeyID = r.str()
	if r.byte() == 1 {
		ex.R.TLS = &tls.ConnectionState{Version: uint16(r.uvarint()), CipherSuite: uint16(r.uvarint())}
		ex.R.Host = r.str()
	}
	switch r.byte() {
	case paramsQuery:
		ex.Params = r.values()
	case paramsREST:
		p := &restjson.Request{Body: []byte(r.str())}
		if n := r.count(2); n > 0 {
			p.Path = make(map[string]string, n)
			for range n {
				p.Path[r.str()] = r.str()
			}
		}
		p.Query = r.values()
		ex.Params = p
	case paramsJSON:
		ex.Params = []byte(r.str())
	}
	var response map[string]any
	switch r.byte() {
	case 1:
		ex.Err = &awserr.Error{Code: r.str(), Message: r.str()}
	case 2:
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(r.bytes(r.count(1)), &raw); err != nil {
			return nil, fmt.Errorf("audit record response: %w", err)
		}
		response = make(map[string]any, len(raw))
		for k, v := range raw {
			response[k] = v
		}
	}
	var decision *audit.Decision
	if r.byte() == 1 {
		c := &authz.Caller{}
		p := &c.Principal
		p.ARN, p.Account, p.Type = r.str(), r.str(), policy.PrincipalType(r.byte())
		p.Username, p.UserID, p.RoleARN = r.str(), r.str(), r.str()
		if n := r.count(2); n > 0 {
			p.Tags = make([]policy.Tag, n)
			for i := range p.Tags {
				p.Tags[i] = policy.Tag{Key: r.str(), Value: r.str()}
			}
		}
		switch {
		case version == recordVersion1:
			c.AccessKeyID = r.str()
		case r.byte() == 0:
			c.AccessKeyID = ex.AccessKeyID
		default:
			c.AccessKeyID = r.str()
		}
		if r.byte() == 1 {
			c.Session = &authz.Session{IssuedAt: time.Unix(0, r.varint()), MFA: r.byte() == 1, SourceIdentity: r.str(), SourceUserName: r.str()}
		}
		ex.Caller = c
		decision = readDecision(r, ex, version)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("audit record: %d bytes left over: %w", len(r.b), errRecord)
	}
	ev := auditEvent(ex, response, decision)
	ev.EventID = eventID
	return ev, nil
}

// readDecision reads the checks of a record of version into the decision
// block of an authenticated exchange.
func readDecision(r *recordReader, ex *exchange, version byte) *audit.Decision {
	n := r.count(4)
	d := &audit.Decision{Outcome: policy.Allow.String(), Checks: make([]audit.Check, 0, n),
		Principal: principalOf(&ex.Caller.Principal), PrincipalContext: principalContext(&ex.Caller.Principal)}
	denied := ex.Err != nil && isAccessDenied(ex.Err.Code)
	for range n {
		ac := audit.Check{Action: r.str(), Resource: r.str()}
		outcome := policy.Outcome(r.byte())
		ac.Outcome, ac.Reason = outcome.String(), r.str()
		if version == recordVersion1 {
			readPoliciesV1(r, &ac)
		} else {
			readPolicies(r, &ac)
		}
		ac.Context = make(audit.Context, r.count(2))
		for i := range ac.Context {
			kv := &ac.Context[i]
			if version == recordVersion1 {
				kv.Key, kv.Multi = r.str(), r.byte() == 1
			} else {
				kv.Key, kv.Multi = readContextKey(r)
			}
			kv.Values = make([]string, r.count(1))
			for j := range kv.Values {
				kv.Values[j] = r.str()
			}
		}
		// The request's outcome is that of the check that refused it (the
		// last that did not allow); a check that did not allow in a request
		// that succeeded only filtered what it returned.
		if denied && outcome != policy.Allow {
			d.Outcome, d.Reason = ac.Outcome, ac.Reason
		}
		d.Checks = append(d.Checks, ac)
	}
	return d
}

// readPolicies reads a check's policies and then its statements, each
// naming its policy by its place in the list (version 2).
func readPolicies(r *recordReader, ac *audit.Check) {
	ac.Policies = make([]audit.PolicyRef, r.count(2))
	var ids frontCoder
	for i := range ac.Policies {
		ac.Policies[i] = audit.PolicyRef{Source: policy.Source(r.byte()).String(), ID: ids.read(r)}
	}
	for range r.count(3) {
		st := audit.StatementRef{Source: policy.Source(r.byte()).String()}
		switch at := r.uvarint(); {
		case at == 0:
			st.PolicyID = r.str()
		case at <= uint64(len(ac.Policies)):
			st.PolicyID = ac.Policies[at-1].ID
		default:
			r.fail()
		}
		st.Sid, st.Index = r.str(), int(r.uvarint())
		ac.Statements = append(ac.Statements, st)
	}
}

// readPoliciesV1 reads a check's statements and then its policies
// (version 1).
func readPoliciesV1(r *recordReader, ac *audit.Check) {
	for range r.count(3) {
		ac.Statements = append(ac.Statements, audit.StatementRef{Source: policy.Source(r.byte()).String(), PolicyID: r.str(), Sid: r.str(), Index: int(r.uvarint())})
	}
	ac.Policies = make([]audit.PolicyRef, r.count(2))
	for i := range ac.Policies {
		ac.Policies[i] = audit.PolicyRef{Source: policy.Source(r.byte()).String(), ID: r.str()}
	}
}

// readContextKey reads what appendContextKey wrote.
func readContextKey(r *recordReader) (key string, multi bool) {
	v := r.uvarint()
	code, multi := v>>1, v&1 == 1
	switch {
	case code == 0:
		return r.str(), multi
	case code <= uint64(len(contextKeys)):
		return contextKeys[code-1], multi
	case code <= uint64(len(contextKeys)+len(contextKeyPrefixes)):
		return contextKeyPrefixes[code-uint64(len(contextKeys))-1] + r.str(), multi
	}
	r.fail()
	return "", false
}
