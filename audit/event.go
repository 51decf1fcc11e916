package audit

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// EventVersion is the CloudTrail record format version of the events.
const EventVersion = "1.08"

// Hidden replaces a secret in requestParameters and responseElements, as
// CloudTrail does.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// TimeFormat is the format of eventTime and of the session creationDate.
const TimeFormat = "2006-01-02T15:04:05Z"

// Event is one request in CloudTrail's record format, plus Decision,
// Gatehouse's account of the authorization checks. Field names are
// CloudTrail's.
type Event struct {
	EventVersion    string       `json:"eventVersion"`
	UserIdentity    UserIdentity `json:"userIdentity"`
	EventTime       string       `json:"eventTime"`
	EventSource     string       `json:"eventSource"`
	EventName       string       `json:"eventName"`
	AWSRegion       string       `json:"awsRegion"`
	SourceIPAddress string       `json:"sourceIPAddress"`
	UserAgent       string       `json:"userAgent"`
	ErrorCode       string       `json:"errorCode,omitempty"`
	ErrorMessage    string       `json:"errorMessage,omitempty"`
	// RequestParameters and ResponseElements are JSON objects with
	// CloudTrail's camelCase keys, secrets replaced by Hidden; nil (JSON
	// null) when there are none, and ResponseElements is nil for reads and
	// failures, as in CloudTrail.
	RequestParameters  map[string]any `json:"requestParameters"`
	ResponseElements   map[string]any `json:"responseElements"`
	RequestID          string         `json:"requestID"`
	EventID            string         `json:"eventID"`
	ReadOnly           bool           `json:"readOnly"`
	EventType          string         `json:"eventType"`
	ManagementEvent    bool           `json:"managementEvent"`
	RecipientAccountID string         `json:"recipientAccountId"`
	EventCategory      string         `json:"eventCategory"`
	TLSDetails         *TLSDetails    `json:"tlsDetails,omitempty"`
	// Decision is Gatehouse's own: nil when the request was refused before
	// it was authorized (a bad signature, an unknown key).
	Decision *Decision `json:"decision,omitempty"`
}

// Identity types of UserIdentity.Type.
const (
	IdentityIAMUser       = "IAMUser"
	IdentityAssumedRole   = "AssumedRole"
	IdentityFederatedUser = "FederatedUser"
	IdentityRoot          = "Root"
	// IdentityUnknown is a caller that was not authenticated.
	IdentityUnknown = "Unknown"
)

// UserIdentity is CloudTrail's userIdentity element.
type UserIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId,omitempty"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId,omitempty"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *SessionContext `json:"sessionContext,omitempty"`
}

// SessionContext describes the temporary credentials of a request.
type SessionContext struct {
	SessionIssuer  *SessionIssuer    `json:"sessionIssuer,omitempty"`
	Attributes     SessionAttributes `json:"attributes"`
	SourceIdentity string            `json:"sourceIdentity,omitempty"`
}

// SessionIssuer is the identity that made the session: a role, or the
// IAM user or root user who called GetFederationToken.
type SessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

// SessionAttributes are the session's creation date and MFA state.
type SessionAttributes struct {
	CreationDate     string `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

// TLSDetails describes the TLS connection of a request made over HTTPS.
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

// Decision is Gatehouse's record of how a request was authorized: every
// check, with the policies consulted, the statements that decided, and the
// request context the check was evaluated in.
type Decision struct {
	// Outcome is "Allow" when every check allowed, else the outcome of the
	// first check that did not: "ExplicitDeny" or "ImplicitDeny".
	Outcome string `json:"outcome"`
	// Reason is AWS's reason clause of the deciding denial, or "".
	Reason string `json:"reason,omitempty"`
	// Principal describes the caller and PrincipalContext holds the
	// condition keys derived from it (aws:username, aws:PrincipalArn,
	// aws:PrincipalTag/…), which the policy engine computes itself.
	Principal        *Principal `json:"principal,omitempty"`
	PrincipalContext Context    `json:"principalContext,omitempty"`
	Checks           []Check    `json:"checks"`
}

// Principal is the caller as the policy engine saw it.
type Principal struct {
	ARN      string            `json:"arn"`
	Type     string            `json:"type"`
	Account  string            `json:"accountId"`
	UserID   string            `json:"userId,omitempty"`
	UserName string            `json:"userName,omitempty"`
	RoleARN  string            `json:"roleArn,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// Check is one authorization check of a request.
type Check struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
	Outcome  string `json:"outcome"`
	// Reason is AWS's reason clause of a denial ("no identity-based policy
	// allows the ivs:GetChannel action", "an explicit deny in a
	// permissions boundary").
	Reason string `json:"reason,omitempty"`
	// Statements are the statements that decided: the Deny of an explicit
	// deny, the Allow of each policy kind that had to allow; none for an
	// implicit deny.
	Statements []StatementRef `json:"statements,omitempty"`
	// Policies are every policy consulted.
	Policies []PolicyRef `json:"policies"`
	// Context holds the request context keys and values the check was
	// evaluated in.
	Context Context `json:"context"`
}

// StatementRef names one statement of a policy.
type StatementRef struct {
	Source   string `json:"source"`
	PolicyID string `json:"policyId"`
	Sid      string `json:"sid,omitempty"`
	Index    int    `json:"index"`
}

// PolicyRef names one policy and its kind.
type PolicyRef struct {
	Source string `json:"source"`
	ID     string `json:"id"`
}

// Time returns the event's time, or the zero time when it does not parse.
func (e *Event) Time() time.Time {
	t, _ := time.Parse(TimeFormat, e.EventTime)
	return t
}

// Username is LookupEvents' Username of the event: the user name, the role
// session name, the federated user's name, or "root".
func (e *Event) Username() string {
	u := &e.UserIdentity
	switch u.Type {
	case IdentityRoot:
		return "root"
	case IdentityAssumedRole, IdentityFederatedUser:
		return u.ARN[strings.LastIndexByte(u.ARN, '/')+1:]
	}
	return u.UserName
}

// Outcome returns the decision's outcome, or "" without a decision.
func (e *Event) Outcome() string {
	if e.Decision == nil {
		return ""
	}
	return e.Decision.Outcome
}

// Context is condition keys and their values, in the order they were set;
// in JSON an object whose values are strings, or lists for multi-valued
// keys.
type Context []ContextKey

// ContextKey is one condition key and its values.
type ContextKey struct {
	Key    string
	Values []string
	// Multi marks a multi-valued key (a list in JSON, even of one value).
	Multi bool
}

// Get returns the first value of key k (exactly as spelled) and whether
// it is set.
func (c Context) Get(k string) (string, bool) {
	for _, kv := range c {
		if kv.Key == k {
			if len(kv.Values) == 0 {
				return "", true
			}
			return kv.Values[0], true
		}
	}
	return "", false
}

// MarshalJSON encodes the context as a JSON object.
func (c Context) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

// UnmarshalJSON decodes a JSON object of strings and lists of strings.
func (c *Context) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	*c = make(Context, 0, len(m))
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			*c = append(*c, ContextKey{Key: k, Values: []string{v}})
		case []any:
			vs := make([]string, 0, len(v))
			for _, x := range v {
				vs = append(vs, fmt.Sprint(x))
			}
			*c = append(*c, ContextKey{Key: k, Values: vs, Multi: true})
		default:
			*c = append(*c, ContextKey{Key: k, Values: []string{fmt.Sprint(v)}})
		}
	}
	return nil
}
