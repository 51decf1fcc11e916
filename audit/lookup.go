package audit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

// MaxLookupResults is the most events one Lookup returns, as in
// CloudTrail's LookupEvents.
const MaxLookupResults = 50

// Query selects events, newest first. Empty fields match everything.
type Query struct {
	// Account limits the events to one account's; with AllAccounts the
	// events of every account and those of requests whose account is not
	// known are searched.
	Account     string
	AllAccounts bool
	// The LookupEvents attributes.
	EventID, EventName, EventSource, AccessKeyID, Username string
	ResourceType, ResourceName, ReadOnly                   string
	// Principal is the caller's ARN.
	Principal string
	// Action is "service:Operation" ("ivs:GetChannel").
	Action string
	// Decision is "allow", "explicit-deny" or "implicit-deny".
	Decision string
	// Start and End bound the event time (inclusive; zero: unbounded).
	Start, End time.Time
	// MaxResults is 1 to MaxLookupResults (0: MaxLookupResults).
	MaxResults int
	// NextToken continues an earlier Lookup.
	NextToken string
}

// Errors of Lookup, for the API's error codes.
var (
	ErrInvalidNextToken = errors.New("invalid next token")
	ErrInvalidTimeRange = errors.New("start time is after end time")
	ErrInvalidDecision  = errors.New("decision is not allow, explicit-deny or implicit-deny")
	ErrMaxResults       = errors.New("max results is not between 1 and 50")
)

// Page is one answer of Lookup in CloudTrail's LookupEvents shape.
type Page struct {
	Events    []LookupEvent `json:"Events"`
	NextToken string        `json:"NextToken,omitempty"`
}

// LookupEvent is one event as LookupEvents returns it.
type LookupEvent struct {
	EventID         string     `json:"EventId"`
	EventName       string     `json:"EventName"`
	ReadOnly        string     `json:"ReadOnly"`
	AccessKeyID     string     `json:"AccessKeyId,omitempty"`
	EventTime       time.Time  `json:"EventTime"`
	EventSource     string     `json:"EventSource"`
	Username        string     `json:"Username,omitempty"`
	Resources       []Resource `json:"Resources"`
	CloudTrailEvent string     `json:"CloudTrailEvent"`
	// Event is the decoded record.
	Event *Event `json:"-"`
}

// Resource is a resource an event refers to.
type Resource struct {
	ResourceType string `json:"ResourceType"`
	ResourceName string `json:"ResourceName"`
}

// decisionOutcome maps Query.Decision to Decision.Outcome.
func decisionOutcome(d string) (string, error) {
	switch strings.ToLower(d) {
	case "":
		return "", nil
	case "allow":
		return "Allow", nil
	case "explicit-deny", "explicitdeny":
		return "ExplicitDeny", nil
	case "implicit-deny", "implicitdeny":
		return "ImplicitDeny", nil
	}
	return "", ErrInvalidDecision
}

// scanChunk is how many stored batches a Lookup reads at a time.
const scanChunk = 8

// cursor is where a Lookup stopped: a partition, a batch in it, and the
// index of the next line in the batch.
type cursor struct {
	part, key string
	line      int
}

func (c cursor) token() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.part + "\x00" + c.key + "\x00" + strconv.Itoa(c.line)))
}

func parseToken(tok string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return cursor{}, ErrInvalidNextToken
	}
	f := strings.Split(string(b), "\x00")
	if len(f) != 3 || !strings.HasPrefix(f[0], Partition("")) || !strings.HasPrefix(f[1], eventsPrefix) {
		return cursor{}, ErrInvalidNextToken
	}
	n, err := strconv.Atoi(f[2])
	if err != nil || n < 0 {
		return cursor{}, ErrInvalidNextToken
	}
	return cursor{f[0], f[1], n}, nil
}

// Lookup returns the events that match q, newest first (events are
// stored in batches: a batch's events are in order, and batches by their
// oldest event; with AllAccounts, account by account).
func (r Reader) Lookup(ctx context.Context, q Query) (Page, error) {
	st := r.Store
	if q.MaxResults == 0 {
		q.MaxResults = MaxLookupResults
	}
	if q.MaxResults < 1 || q.MaxResults > MaxLookupResults {
		return Page{}, ErrMaxResults
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.Start.After(q.End) {
		return Page{}, ErrInvalidTimeRange
	}
	outcome, err := decisionOutcome(q.Decision)
	if err != nil {
		return Page{}, err
	}
	var from *cursor
	if q.NextToken != "" {
		c, err := parseToken(q.NextToken)
		if err != nil {
			return Page{}, err
		}
		from = &c
	}
	end, start := int64(math.MaxInt64), int64(math.MinInt64)
	if !q.End.IsZero() {
		end = q.End.Truncate(time.Second).Add(time.Second - 1).UnixNano()
	}
	if !q.Start.IsZero() {
		start = q.Start.Truncate(time.Second).UnixNano()
	}
	page := Page{Events: []LookupEvent{}}
	var batches batchReader
	defer batches.close()
	err = st.View(ctx, func(tx store.Tx) error {
		parts := []string{Partition(q.Account)}
		if q.AllAccounts {
			var err error
			if parts, err = partitions(ctx, tx); err != nil {
				return err
			}
		}
		for _, p := range parts {
			after, skip := "", 0
			if end != math.MaxInt64 {
				after = afterTime(end)
			}
			if from != nil {
				if p != from.part {
					continue
				}
				// Resume at the cursor's batch.
				after, skip = from.key[:len(from.key)-1], from.line
				from = nil
			}
		scan:
			for {
				items, err := tx.List(ctx, p, eventsPrefix, after, scanChunk)
				if err != nil {
					return fmt.Errorf("audit: lookup: %w", err)
				}
				for _, it := range items {
					oldest, newest, ok := parseBatchKey(it.Key)
					if !ok {
						continue
					}
					if newest < start && oldest < start-int64(timeSlack) {
						break scan
					}
					text, err := batches.text(it.Value)
					if err != nil {
						return fmt.Errorf("audit: lookup: %w", err)
					}
					var ferr error
					eachLine(text, func(i int, l line) bool {
						if i < skip || l.nanos > end || l.nanos < start {
							return true
						}
						if len(page.Events) == q.MaxResults {
							page.NextToken = cursor{p, it.Key, i}.token()
							return false
						}
						ev, j, err := r.Expand.event(&l)
						if err != nil {
							ferr = err
							return false
						}
						le := toLookup(ev, j)
						if q.matches(&le, outcome) {
							page.Events = append(page.Events, le)
						}
						return true
					})
					skip = 0
					if ferr != nil {
						return ferr
					}
					if page.NextToken != "" {
						return nil
					}
				}
				if len(items) < scanChunk {
					break
				}
				after = items[len(items)-1].Key
			}
		}
		return nil
	})
	if err != nil {
		return Page{}, err
	}
	return page, nil
}

// toLookup makes the LookupEvents entry of an event.
func toLookup(ev *Event, raw []byte) LookupEvent {
	ro := "false"
	if ev.ReadOnly {
		ro = "true"
	}
	return LookupEvent{
		EventID: ev.EventID, EventName: ev.EventName, ReadOnly: ro, AccessKeyID: ev.UserIdentity.AccessKeyID,
		EventTime: ev.Time(), EventSource: ev.EventSource, Username: ev.Username(), Resources: Resources(ev),
		CloudTrailEvent: string(raw), Event: ev,
	}
}

// matches reports whether an event passes the query's filters.
func (q *Query) matches(le *LookupEvent, outcome string) bool {
	ev := le.Event
	eq := func(want, got string) bool { return want == "" || want == got }
	if !eq(q.EventID, ev.EventID) || !eq(q.EventSource, ev.EventSource) || !eq(q.AccessKeyID, le.AccessKeyID) ||
		!eq(q.Username, le.Username) || !eq(q.ReadOnly, le.ReadOnly) || !eq(q.Principal, ev.UserIdentity.ARN) ||
		!eq(outcome, ev.Outcome()) {
		return false
	}
	if q.EventName != "" {
		name := q.EventName
		if svc, op, ok := strings.Cut(name, ":"); ok {
			if EventSource(svc) != ev.EventSource {
				return false
			}
			name = op
		}
		if name != ev.EventName {
			return false
		}
	}
	if q.Action != "" {
		svc, op, _ := strings.Cut(q.Action, ":")
		if EventSource(svc) != ev.EventSource || op != ev.EventName {
			return false
		}
	}
	if q.ResourceType != "" || q.ResourceName != "" {
		for _, r := range le.Resources {
			if eq(q.ResourceType, r.ResourceType) && eq(q.ResourceName, r.ResourceName) {
				return true
			}
		}
		return false
	}
	return true
}

// Resources lists the resources an event's checks named, as LookupEvents
// reports them: ResourceType "AWS::IVS::Channel", ResourceName the ARN
// (an IAM entity's name for IAM).
func Resources(ev *Event) []Resource {
	out := []Resource{}
	if ev.Decision == nil {
		return out
	}
	seen := map[Resource]bool{}
	for _, c := range ev.Decision.Checks {
		r, ok := resourceOf(c.Resource)
		if ok && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// resourceOf names the resource of an ARN; not for "*" or a path prefix.
func resourceOf(arn string) (Resource, bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || strings.HasSuffix(arn, "/") || strings.HasSuffix(arn, "*") {
		return Resource{}, false
	}
	svc, res := f[2], f[5]
	kind, rest, ok := strings.Cut(res, "/")
	if !ok {
		return Resource{}, false
	}
	var t strings.Builder
	for _, w := range strings.Split(kind, "-") {
		if w != "" {
			t.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	r := Resource{ResourceType: "AWS::" + strings.ToUpper(svc) + "::" + t.String(), ResourceName: arn}
	if svc == "iam" {
		r.ResourceName = rest[strings.LastIndexByte(rest, '/')+1:]
	}
	return r, true
}

// decodeEvent decodes a stored event.
func decodeEvent(b []byte) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, fmt.Errorf("audit: decode event: %w", err)
	}
	return &ev, nil
}
