package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

func TestQueryParameters(t *testing.T) {
	tests := []struct {
		name string
		form string
		want string
	}{
		{"names lower-first", "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2F", `{"path":"/","userName":"alice"}`},
		{"member lists", "Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Value=2", `{"tags":[{"key":"a","value":"1"},{"key":"b","value":"2"}]}`},
		{"secrets hidden", "UserName=a&AuthenticationCode1=123456&AuthenticationCode2=654321&Password=x", `{"authenticationCode1":"HIDDEN_DUE_TO_SECURITY_REASONS","authenticationCode2":"HIDDEN_DUE_TO_SECURITY_REASONS","password":"HIDDEN_DUE_TO_SECURITY_REASONS","userName":"a"}`},
		{"presigned parameters left out", "Action=ListUsers&X-Amz-Security-Token=tok&X-Amz-Signature=sig", `null`},
		{"token code hidden", "RoleArn=r&TokenCode=123456", `{"roleArn":"r","tokenCode":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form, err := url.ParseQuery(tc.form)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(appendMap(nil, QueryParameters(form))); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

type blob []byte

func (b blob) MarshalText() ([]byte, error) { return []byte("b64:" + string(b)), nil }

func TestElements(t *testing.T) {
	type tag struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	}
	type list struct {
		Member []tag `xml:"member"`
	}
	type key struct {
		AccessKeyID     string    `xml:"AccessKeyId"`
		SecretAccessKey string    `xml:"SecretAccessKey"`
		CreateDate      time.Time `xml:"CreateDate"`
		Tags            *list     `xml:"Tags,omitempty"`
		Seed            blob      `xml:"Base32StringSeed,omitempty"`
		Missing         *tag      `xml:"Missing,omitempty"`
	}
	type streamKey struct {
		Arn   string            `json:"arn"`
		Value string            `json:"value"`
		Tags  map[string]string `json:"tags"`
	}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"xml names, lists, times, secrets", struct {
			AccessKey key `xml:"AccessKey"`
		}{key{AccessKeyID: "AKIA1", SecretAccessKey: "s3cr3t", CreateDate: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
			Tags: &list{[]tag{{"team", "live"}}}, Seed: blob("seed")}},
			`{"accessKey":{"accessKeyId":"AKIA1","base32StringSeed":"HIDDEN_DUE_TO_SECURITY_REASONS","createDate":"2024-05-01T12:00:00Z","secretAccessKey":"HIDDEN_DUE_TO_SECURITY_REASONS","tags":[{"key":"team","value":"live"}]}}`},
		{"stream key values hidden, tag values kept", struct {
			StreamKey  *streamKey  `json:"streamKey"`
			StreamKeys []streamKey `json:"streamKeys"`
		}{&streamKey{"arn:k", "sk_live", map[string]string{"value": "v"}}, []streamKey{{"arn:k2", "sk_2", nil}}},
			`{"streamKey":{"arn":"arn:k","tags":{"value":"v"},"value":"HIDDEN_DUE_TO_SECURITY_REASONS"},"streamKeys":[{"arn":"arn:k2","value":"HIDDEN_DUE_TO_SECURITY_REASONS"}]}`},
		{"nil", nil, `null`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendMap(nil, Elements(tc.in))); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestJSONParameters(t *testing.T) {
	got := JSONParameters([]byte(`{"name":"c","tags":{"value":"x"}}`), map[string]string{"resourceArn": "arn:c"}, url.Values{"tagKeys": {"a", "b"}})
	if s := string(appendMap(nil, got)); s != `{"name":"c","resourceArn":"arn:c","tagKeys":["a","b"],"tags":{"value":"x"}}` {
		t.Error(s)
	}
}

// TestAppendJSON: the hand-written encoder writes what encoding/json
// reads back, and strings as encoding/json escapes them.
func TestAppendJSON(t *testing.T) {
	for _, s := range []string{"plain", "quote\" back\\slash", "ctl\x00\x1f\n\r\t", "bad utf8 \xff", "sep \u2028\u2029", "<html>&", "ünïcödé 🎥"} {
		want, _ := json.Marshal(s)
		want = bytes.ReplaceAll(bytes.ReplaceAll(bytes.ReplaceAll(want, []byte(`\u003c`), []byte("<")), []byte(`\u003e`), []byte(">")), []byte(`\u0026`), []byte("&"))
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
	ev := sampleEvent("r1", "e1", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	b := ev.AppendJSON(nil)
	var back Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !reflect.DeepEqual(back.Decision, ev.Decision) || back.UserIdentity != ev.UserIdentity || back.RequestParameters["userName"] != "alice" {
		t.Errorf("round trip:\n%s\n%+v", b, back)
	}
}

func TestRequestID(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 123_456_789, time.UTC)
	id := NewRequestID(at)
	got, ok := RequestTime(id)
	if !ok || !got.Equal(at.Truncate(time.Millisecond)) || len(id) != 36 {
		t.Fatalf("%s: %v %v", id, got, ok)
	}
	if _, ok := RequestTime(NewEventID()); ok {
		t.Error("a random id has a time")
	}
}

// sampleEntry is a journal entry (Recorder.Record) of sampleEvent: its
// head, then a record as testExpand reads it.
func sampleEntry(reqID string, at time.Time) []byte {
	var id [16]byte
	_, _ = rand.Read(id[:])
	entry := AppendHead(nil, &Head{Account: "123456789012", RequestID: reqID, EventID: id})
	return fmt.Appendf(entry, "%s %s %d", reqID, EventIDFrom(id), at.UnixNano())
}

// testReader reads what the tests store.
func testReader(st store.Store) Reader { return Reader{Store: st, Expand: testExpand} }

// testExpand is the Options.Expand of the tests: sampleEvent of a
// sampleRecord.
func testExpand(rec []byte) (*Event, error) {
	var reqID, eventID string
	var nanos int64
	if _, err := fmt.Sscanf(string(rec), "%s %s %d", &reqID, &eventID, &nanos); err != nil {
		return nil, err
	}
	return sampleEvent(reqID, eventID, time.Unix(0, nanos)), nil
}

func sampleEvent(reqID, eventID string, at time.Time) *Event {
	return &Event{
		EventVersion: EventVersion, EventTime: at.UTC().Format(TimeFormat), EventSource: "iam.amazonaws.com", EventName: "GetUser",
		AWSRegion: "us-east-1", SourceIPAddress: "127.0.0.1", UserAgent: "test", RequestID: reqID, EventID: eventID, ReadOnly: true,
		EventType: "AwsApiCall", ManagementEvent: true, RecipientAccountID: "123456789012", EventCategory: "Management",
		UserIdentity:      UserIdentity{Type: IdentityIAMUser, PrincipalID: "AIDA1", ARN: "arn:aws:iam::123456789012:user/alice", AccountID: "123456789012", AccessKeyID: "AKIA1", UserName: "alice"},
		RequestParameters: map[string]any{"userName": "alice"},
		Decision: &Decision{Outcome: "Allow", Checks: []Check{{Action: "iam:GetUser", Resource: "arn:aws:iam::123456789012:user/alice", Outcome: "Allow",
			Statements: []StatementRef{{Source: "identity-based policy", PolicyID: "user/alice/inline/p", Index: 0}},
			Policies:   []PolicyRef{{Source: "identity-based policy", ID: "user/alice/inline/p"}},
			Context:    Context{{Key: "aws:SourceIp", Values: []string{"127.0.0.1"}}, {Key: "aws:TagKeys", Values: []string{"a"}, Multi: true}}}}},
	}
}

// TestRecorder: events recorded reach the store, a replay after a crash
// stores the journal's lines once, a torn last line is dropped, lookups
// page and filter, and pruning deletes old batches.
func TestRecorder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openTestStore(t, dir)
	var sink bytes.Buffer
	open := func() *Recorder {
		r, err := Open(ctx, Options{Dir: dir, Store: st, Sink: &sink, Interval: time.Hour, Expand: testExpand})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := open()
	base := time.Now().Add(-time.Minute)
	var ids []string
	record := func(r *Recorder, i int) {
		at := base.Add(time.Duration(i) * time.Second)
		id := NewRequestID(at)
		ids = append(ids, id)
		if err := r.Record(sampleEntry(id, at), at); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		record(r, i)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 5; i < 7; i++ {
		record(r, i)
	}
	// A crash: the recorder is dropped without Close, and a writer died
	// between reserving its record and committing it, while another
	// committed a record after it.
	torn := r.seg.tail.Add(recordSize(100)) - recordSize(100)
	copy(r.seg.m[torn+4:], "\x64\x00\x00\x00 torn record")
	record(r, 7)
	r.cancel()
	r.done.Wait()
	r.seg.close()

	r = open() // replays
	defer r.Close()
	for _, id := range ids {
		ev, err := testReader(st).ByRequestID(ctx, id)
		if err != nil || ev.RequestID != id {
			t.Fatalf("%s: %v %v", id, ev, err)
		}
	}
	page, err := testReader(st).Lookup(ctx, Query{Account: "123456789012"})
	if err != nil || len(page.Events) != 8 || page.NextToken != "" {
		t.Fatalf("lookup: %v %d %q", err, len(page.Events), page.NextToken)
	}
	if !page.Events[0].EventTime.After(page.Events[7].EventTime) {
		t.Error("not newest first")
	}
	if n := strings.Count(sink.String(), "\n"); n != 8 {
		t.Errorf("the sink got %d lines", n)
	}
	seen := map[string]bool{}
	q := Query{AllAccounts: true, MaxResults: 3}
	for {
		page, err := testReader(st).Lookup(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			seen[e.EventID] = true
		}
		if page.NextToken == "" {
			break
		}
		q.NextToken = page.NextToken
	}
	if len(seen) != 8 {
		t.Errorf("paging saw %d events", len(seen))
	}
	for _, tc := range []struct {
		q    Query
		want int
		err  error
	}{
		{Query{Account: "123456789012", Start: base.Add(6 * time.Second)}, 2, nil},
		{Query{Account: "123456789012", End: base.Add(1 * time.Second)}, 2, nil},
		{Query{Account: "123456789012", Decision: "implicit-deny"}, 0, nil},
		{Query{Account: "123456789012", Decision: "allow", Principal: "arn:aws:iam::123456789012:user/alice", Action: "iam:GetUser"}, 8, nil},
		{Query{Account: "123456789012", ResourceType: "AWS::IAM::User", ResourceName: "alice"}, 8, nil},
		{Query{Account: "111122223333"}, 0, nil},
		{Query{Decision: "maybe"}, 0, ErrInvalidDecision},
		{Query{MaxResults: 51}, 0, ErrMaxResults},
		{Query{NextToken: "x"}, 0, ErrInvalidNextToken},
		{Query{Start: base, End: base.Add(-time.Hour)}, 0, ErrInvalidTimeRange},
	} {
		page, err := testReader(st).Lookup(ctx, tc.q)
		if !errors.Is(err, tc.err) || len(page.Events) != tc.want {
			t.Errorf("%+v: %d events, %v", tc.q, len(page.Events), err)
		}
	}
	if n, err := Prune(ctx, st, time.Now().Add(time.Hour)); err != nil || n == 0 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if _, err := testReader(st).ByRequestID(ctx, ids[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("pruned event found: %v", err)
	}
}

func TestExplainRootAllow(t *testing.T) {
	ev := sampleEvent("r", "e", time.Now())
	ev.Decision.Checks[0].Statements = nil
	var b bytes.Buffer
	if err := Explain(&b, ev); err != nil || !strings.Contains(b.String(), "none needed") || strings.Contains(b.String(), "To change") {
		t.Errorf("%v\n%s", err, b.String())
	}
}

// TestMovedLines: the mover writes each entry's head into its stored line
// (account, request id, event id), and names each account's batch after
// its newest event.
func TestMovedLines(t *testing.T) {
	ctx := context.Background()
	r, st := openTestRecorder(t)
	base := time.Now().Add(-time.Minute)
	newest := map[string]string{}
	var heads []string
	for i, acct := range []string{"111122223333", "444455556666", "111122223333", "", "444455556666"} {
		at := base.Add(time.Duration(i) * time.Second)
		reqID := NewRequestID(at)
		id := [16]byte{byte(i), 0xff, 2, 3, 4, 5, 0xff, 7, 0xff, 9, 10, 11, 12, 13, 14, 15}
		entry := AppendHead(nil, &Head{Account: acct, RequestID: reqID, EventID: id})
		entry = fmt.Appendf(entry, "%s %s %d", reqID, EventIDFrom(id), at.UnixNano())
		if err := r.Record(entry, at); err != nil {
			t.Fatal(err)
		}
		newest[acct] = EventIDFrom(id)
		a := acct
		if a == "" {
			a = "-"
		}
		heads = append(heads, fmt.Sprintf("%d %s %s %s ", at.UnixNano(), a, reqID, EventIDFrom(id)))
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var br batchReader
	defer br.close()
	var stored []string
	for acct, id := range newest {
		var items []store.Item
		err := st.View(ctx, func(tx store.Tx) error {
			var err error
			items, err = tx.List(ctx, Partition(acct), eventsPrefix, "", 10)
			return err
		})
		if err != nil || len(items) != 1 {
			t.Fatalf("account %q: %d batches, %v", acct, len(items), err)
		}
		if !strings.HasSuffix(items[0].Key, "/"+id) {
			t.Errorf("account %q: batch %s, want it named after %s", acct, items[0].Key, id)
		}
		text, err := br.text(items[0].Value)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
			stored = append(stored, l[:strings.IndexByte(l, compactMark)])
		}
	}
	slices.Sort(stored)
	slices.Sort(heads)
	if !slices.Equal(stored, heads) {
		t.Errorf("stored heads\n%q\nwant\n%q", stored, heads)
	}
}
