package awsquery

import (
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/gatehouse-iam/gatehouse/awserr"
)

type tag struct {
	Key   string `query:"Key"`
	Value string `query:"Value"`
}

type entry struct {
	Name   string   `query:"ContextKeyName"`
	Values []string `query:"ContextKeyValues"`
}

type input struct {
	UserName string            `query:"UserName,required"`
	Path     *string           `query:"Path"`
	MaxItems *int              `query:"MaxItems"`
	Enabled  bool              `query:"Enabled"`
	Count    int               `query:"Count"`
	Tags     []tag             `query:"Tags"`
	Names    []string          `query:"ActionNames"`
	Entries  []entry           `query:"ContextEntries"`
	Attrs    map[string]string `query:"Attributes"`
	Nested   *tag              `query:"Nested"`
	Ignored  string
}

func TestDecode(t *testing.T) {
	form, _ := url.ParseQuery("Action=X&UserName=alice&Path=%2Fa%2F&MaxItems=10&Enabled=true&Count=-3" +
		"&Tags.member.1.Key=team&Tags.member.1.Value=blue&Tags.member.2.Key=env&Tags.member.2.Value=" +
		"&ActionNames.member.1=ivs%3AGetChannel&ActionNames.member.2=iam%3AGetUser" +
		"&ContextEntries.member.1.ContextKeyName=aws%3ASourceIp&ContextEntries.member.1.ContextKeyValues.member.1=10.0.0.1" +
		"&Attributes.entry.1.key=a&Attributes.entry.1.value=b&Nested.Key=k")
	var in input
	if err := Decode(form, &in); err != nil {
		t.Fatal(err)
	}
	ten, path := 10, "/a/"
	want := input{UserName: "alice", Path: &path, MaxItems: &ten, Enabled: true, Count: -3,
		Tags:    []tag{{"team", "blue"}, {"env", ""}},
		Names:   []string{"ivs:GetChannel", "iam:GetUser"},
		Entries: []entry{{"aws:SourceIp", []string{"10.0.0.1"}}},
		Attrs:   map[string]string{"a": "b"}, Nested: &tag{Key: "k"}}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("got %+v\nwant %+v", in, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ query, msg string }{
		{"Path=/", "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"UserName=a&MaxItems=ten", "1 validation error detected: Value 'ten' at 'maxItems' failed to satisfy constraint: Member must be an integer"},
		{"UserName=a&Enabled=maybe", "1 validation error detected: Value 'maybe' at 'enabled' failed to satisfy constraint: Member must be true or false"},
	}
	for _, tc := range tests {
		form, _ := url.ParseQuery(tc.query)
		var in input
		err := Decode(form, &in)
		var ae *awserr.Error
		if !errors.As(err, &ae) || ae.Code != awserr.ValidationError || ae.Message != tc.msg {
			t.Errorf("%s: %v", tc.query, err)
		}
	}
	if err := Decode(url.Values{}, input{}); err == nil {
		t.Error("Decode accepted a non-pointer")
	}
}

func TestDecodeEmptyList(t *testing.T) {
	form, _ := url.ParseQuery("UserName=a&ActionNames=")
	var in input
	if err := Decode(form, &in); err != nil || in.Names == nil || len(in.Names) != 0 {
		t.Fatalf("empty list: %v %#v", err, in.Names)
	}
}

// FuzzDecode checks that no form panics the decoder.
func FuzzDecode(f *testing.F) {
	f.Add("UserName=alice&Tags.member.1.Key=a&Tags.member.1.Value=b&MaxItems=3")
	f.Add("ContextEntries.member.1.ContextKeyValues.member.1=x&Attributes.entry.1.key=k")
	f.Add("Tags.member.0.Key=a&Tags.member.1001.Key=b&Nested=")
	f.Fuzz(func(t *testing.T, q string) {
		form, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		var in input
		_ = Decode(form, &in)
	})
}
