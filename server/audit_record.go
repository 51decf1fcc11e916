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

const recordVersion = 1

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
	b = appendStr(b, c.AccessKeyID)
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
	for i := range checks {
		c := &checks[i]
		b = appendStr(b, c.Action)
		b = appendStr(b, c.Resource)
		b = append(b, byte(c.Decision.Outcome))
		b = appendStr(b, authz.DenialReason(c.Action, &c.Decision))
		sts := c.Decision.Statements()
		b = binary.AppendUvarint(b, uint64(len(sts)))
		for _, st := range sts {
			b = appendStr(append(b, byte(st.Source)), st.PolicyID)
			b = appendStr(b, st.Sid)
			b = binary.AppendUvarint(b, uint64(st.Index))
		}
		pols := &c.Policies
		n := len(pols.Identity) + len(pols.Session)
		for _, p := range []*policy.Compiled{pols.Boundary, c.ResourcePolicy} {
			if p != nil {
				n++
			}
		}
		b = binary.AppendUvarint(b, uint64(n))
		for _, p := range pols.Identity {
			b = appendStr(append(b, byte(policy.SourceIdentity)), p.ID)
		}
		if pols.Boundary != nil {
			b = appendStr(append(b, byte(policy.SourceBoundary)), pols.Boundary.ID)
		}
		for _, p := range pols.Session {
			b = appendStr(append(b, byte(policy.SourceSession)), p.ID)
		}
		if c.ResourcePolicy != nil {
			b = appendStr(append(b, byte(policy.SourceResource)), c.ResourcePolicy.ID)
		}
		if c.Context == nil {
			b = binary.AppendUvarint(b, 0)
			continue
		}
		b = binary.AppendUvarint(b, uint64(c.Context.Len()))
		c.Context.Each(func(k string, vs []string, multi bool) {
			b = appendBool(appendStr(b, k), multi)
			b = binary.AppendUvarint(b, uint64(len(vs)))
			for _, v := range vs {
				b = appendStr(b, v)
			}
		})
	}
	return b
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
	if v := r.byte(); v != recordVersion {
		return nil, fmt.Errorf("audit record version %d: %w", v, errRecord)
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
		c.AccessKeyID = r.str()
		if r.byte() == 1 {
			c.Session = &authz.Session{IssuedAt: time.Unix(0, r.varint()), MFA: r.byte() == 1, SourceIdentity: r.str(), SourceUserName: r.str()}
		}
		ex.Caller = c
		decision = readDecision(r, ex)
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

// readDecision reads the checks of a record into the decision block of
// an authenticated exchange.
func readDecision(r *recordReader, ex *exchange) *audit.Decision {
	n := r.count(4)
	d := &audit.Decision{Outcome: policy.Allow.String(), Checks: make([]audit.Check, 0, n),
		Principal: principalOf(&ex.Caller.Principal), PrincipalContext: principalContext(&ex.Caller.Principal)}
	denied := ex.Err != nil && isAccessDenied(ex.Err.Code)
	for range n {
		ac := audit.Check{Action: r.str(), Resource: r.str()}
		outcome := policy.Outcome(r.byte())
		ac.Outcome, ac.Reason = outcome.String(), r.str()
		for range r.count(3) {
			ac.Statements = append(ac.Statements, audit.StatementRef{Source: policy.Source(r.byte()).String(), PolicyID: r.str(), Sid: r.str(), Index: int(r.uvarint())})
		}
		ac.Policies = make([]audit.PolicyRef, r.count(2))
		for i := range ac.Policies {
			ac.Policies[i] = audit.PolicyRef{Source: policy.Source(r.byte()).String(), ID: r.str()}
		}
		ac.Context = make(audit.Context, r.count(3))
		for i := range ac.Context {
			kv := &ac.Context[i]
			kv.Key, kv.Multi = r.str(), r.byte() == 1
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
