package audit

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The events' JSON is written by hand: the journal line is written on the
// request path, and reflection costs more than the rest of the record.

// MarshalJSON encodes the event as AppendJSON does.
func (e *Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil), nil }

// AppendJSON appends the event's JSON (CloudTrail's field names, in
// CloudTrail's order) to b.
func (e *Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"eventVersion":`...)
	b = appendString(b, e.EventVersion)
	b = append(b, `,"userIdentity":`...)
	b = e.UserIdentity.appendJSON(b)
	b = field(b, "eventTime", e.EventTime)
	b = field(b, "eventSource", e.EventSource)
	b = field(b, "eventName", e.EventName)
	b = field(b, "awsRegion", e.AWSRegion)
	b = field(b, "sourceIPAddress", e.SourceIPAddress)
	b = field(b, "userAgent", e.UserAgent)
	b = optField(b, "errorCode", e.ErrorCode)
	b = optField(b, "errorMessage", e.ErrorMessage)
	b = append(b, `,"requestParameters":`...)
	b = appendMap(b, e.RequestParameters)
	b = append(b, `,"responseElements":`...)
	b = appendMap(b, e.ResponseElements)
	b = field(b, "requestID", e.RequestID)
	b = field(b, "eventID", e.EventID)
	b = append(b, `,"readOnly":`...)
	b = strconv.AppendBool(b, e.ReadOnly)
	b = field(b, "eventType", e.EventType)
	b = append(b, `,"managementEvent":`...)
	b = strconv.AppendBool(b, e.ManagementEvent)
	b = field(b, "recipientAccountId", e.RecipientAccountID)
	b = field(b, "eventCategory", e.EventCategory)
	if t := e.TLSDetails; t != nil {
		b = append(b, `,"tlsDetails":{"tlsVersion":`...)
		b = appendString(b, t.TLSVersion)
		b = field(b, "cipherSuite", t.CipherSuite)
		b = field(b, "clientProvidedHostHeader", t.ClientProvidedHostHeader)
		b = append(b, '}')
	}
	if d := e.Decision; d != nil {
		b = append(b, `,"decision":`...)
		b = d.appendJSON(b)
	}
	return append(b, '}')
}

func (u *UserIdentity) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, u.Type)
	b = optField(b, "principalId", u.PrincipalID)
	b = optField(b, "arn", u.ARN)
	b = optField(b, "accountId", u.AccountID)
	b = optField(b, "accessKeyId", u.AccessKeyID)
	b = optField(b, "userName", u.UserName)
	if sc := u.SessionContext; sc != nil {
		b = append(b, `,"sessionContext":{`...)
		if si := sc.SessionIssuer; si != nil {
			b = append(b, `"sessionIssuer":{"type":`...)
			b = appendString(b, si.Type)
			b = optField(b, "principalId", si.PrincipalID)
			b = optField(b, "arn", si.ARN)
			b = optField(b, "accountId", si.AccountID)
			b = optField(b, "userName", si.UserName)
			b = append(b, "},"...)
		}
		b = append(b, `"attributes":{"creationDate":`...)
		b = appendString(b, sc.Attributes.CreationDate)
		b = field(b, "mfaAuthenticated", sc.Attributes.MFAAuthenticated)
		b = append(b, '}')
		b = optField(b, "sourceIdentity", sc.SourceIdentity)
		b = append(b, '}')
	}
	return append(b, '}')
}

func (d *Decision) appendJSON(b []byte) []byte {
	b = append(b, `{"outcome":`...)
	b = appendString(b, d.Outcome)
	b = optField(b, "reason", d.Reason)
	if p := d.Principal; p != nil {
		b = append(b, `,"principal":{"arn":`...)
		b = appendString(b, p.ARN)
		b = field(b, "type", p.Type)
		b = field(b, "accountId", p.Account)
		b = optField(b, "userId", p.UserID)
		b = optField(b, "userName", p.UserName)
		b = optField(b, "roleArn", p.RoleARN)
		if len(p.Tags) > 0 {
			b = append(b, `,"tags":`...)
			b = appendValue(b, p.Tags)
		}
		b = append(b, '}')
	}
	if len(d.PrincipalContext) > 0 {
		b = append(b, `,"principalContext":`...)
		b = d.PrincipalContext.appendJSON(b)
	}
	b = append(b, `,"checks":[`...)
	for i := range d.Checks {
		if i > 0 {
			b = append(b, ',')
		}
		b = d.Checks[i].appendJSON(b)
	}
	return append(b, "]}"...)
}

func (c *Check) appendJSON(b []byte) []byte {
	b = append(b, `{"action":`...)
	b = appendString(b, c.Action)
	b = field(b, "resource", c.Resource)
	b = field(b, "outcome", c.Outcome)
	b = optField(b, "reason", c.Reason)
	if len(c.Statements) > 0 {
		b = append(b, `,"statements":`...)
		b = appendArray(b, c.Statements, appendStatement)
	}
	b = append(b, `,"policies":`...)
	b = appendArray(b, c.Policies, appendPolicy)
	b = append(b, `,"context":`...)
	b = c.Context.appendJSON(b)
	return append(b, '}')
}

func appendStatement(b []byte, s StatementRef) []byte {
	b = append(b, `{"source":`...)
	b = appendString(b, s.Source)
	b = field(b, "policyId", s.PolicyID)
	b = optField(b, "sid", s.Sid)
	b = append(b, `,"index":`...)
	b = strconv.AppendInt(b, int64(s.Index), 10)
	return append(b, '}')
}

func appendPolicy(b []byte, p PolicyRef) []byte {
	b = append(b, `{"source":`...)
	b = appendString(b, p.Source)
	b = field(b, "id", p.ID)
	return append(b, '}')
}

func (c Context) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, kv := range c {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, kv.Key)
		b = append(b, ':')
		if !kv.Multi && len(kv.Values) == 1 {
			b = appendString(b, kv.Values[0])
			continue
		}
		b = appendValue(b, kv.Values)
	}
	return append(b, '}')
}

// field appends ,"name":"value".
func field(b []byte, name, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

// optField is field, left out when v is "".
func optField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	return field(b, name, v)
}

// AppendMap appends m as requestParameters and responseElements are
// written: a JSON object with sorted keys, or null for nil.
func AppendMap(b []byte, m map[string]any) []byte { return appendMap(b, m) }

// appendMap appends a JSON object with sorted keys, or null for nil.
func appendMap(b []byte, m map[string]any) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	return appendObject(b, m, appendValue)
}

// appendObject appends m as a JSON object with sorted keys.
func appendObject[V any](b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = value(b, m[k])
	}
	return append(b, '}')
}

// appendValue appends a JSON value of what decoding JSON or Elements
// yields; anything else goes through encoding/json.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case map[string]any:
		return appendMap(b, x)
	case map[string]string:
		return appendObject(b, x, appendString)
	case []any:
		return appendArray(b, x, appendValue)
	case []string:
		return appendArray(b, x, appendString)
	case json.RawMessage:
		return append(b, x...)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, j...)
}

// appendArray appends xs as a JSON array.
func appendArray[V any](b []byte, xs []V, value func([]byte, V) []byte) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = value(b, x)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, as encoding/json writes it
// without HTML escaping: invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
