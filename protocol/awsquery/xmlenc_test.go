package awsquery_test

import (
	"encoding/xml"
	"errors"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery/awsquerytest"
)

// Shapes with every feature the plans model.
type (
	listOf[T any] struct {
		Member []T `xml:"member"`
	}
	blob    []byte
	encoded string
	inner   struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value,omitempty"`
	}
	allKinds struct {
		S        string                     `xml:"S"`
		SOmit    string                     `xml:"SOmit,omitempty"`
		Untagged string                     // named by the field
		B        bool                       `xml:"B"`
		BOmit    bool                       `xml:"BOmit,omitempty"`
		I        int                        `xml:"I"`
		I8       int8                       `xml:"I8,omitempty"`
		I64      int64                      `xml:"I64"`
		U8       uint8                      `xml:"U8"`
		U        uint32                     `xml:"U,omitempty"`
		F        float64                    `xml:"F"`
		F32      float32                    `xml:"F32,omitempty"`
		T        time.Time                  `xml:"T"`
		TOmit    time.Time                  `xml:"TOmit,omitempty"`
		TP       *time.Time                 `xml:"TP,omitempty"`
		SP       *string                    `xml:"SP"`
		IP       *int                       `xml:"IP,omitempty"`
		Blob     blob                       `xml:"Blob,omitempty"`
		Raw      []byte                     `xml:"Raw"`
		Doc      encoded                    `xml:"Doc"`
		DocOmit  encoded                    `xml:"DocOmit,omitempty"`
		In       inner                      `xml:"In"`
		InP      *inner                     `xml:"InP,omitempty"`
		List     listOf[inner]              `xml:"List"`
		ListP    *listOf[string]            `xml:"ListP,omitempty"`
		Strs     []string                   `xml:"Strs"`
		StrsOmit []string                   `xml:"StrsOmit,omitempty"`
		Ptrs     []*inner                   `xml:"Ptrs"`
		Nested   listOf[listOf[*time.Time]] `xml:"Nested"`
		Skipped  string                     `xml:"-"`
		private  string
	}
	// Shapes left to encoding/xml.
	withMap struct {
		M summary `xml:"M"`
	}
	summary  map[string]int
	withAttr struct {
		A string `xml:"a,attr"`
	}
	withEmbedded struct {
		inner
		X string
	}
	withPath struct {
		P []string `xml:"Ps>member"`
	}
	withAny struct {
		V any `xml:"V"`
	}
	recursive struct {
		Next *recursive `xml:"Next"`
		N    int        `xml:"N"`
	}
)

func (b blob) MarshalText() ([]byte, error) { return []byte(strings.ToUpper(string(b))), nil }

func (d encoded) MarshalText() ([]byte, error) {
	if strings.Contains(string(d), "\x00") {
		return nil, errors.New("encoded: NUL")
	}
	return []byte(strings.ReplaceAll(string(d), " ", "%20")), nil
}

func (m summary) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

// TestFastXMLMatchesEncodingXML fills the shapes at random and compares
// WriteResult's documents with encoding/xml's, byte for byte.
func TestFastXMLMatchesEncodingXML(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := []struct {
		v       any
		planned bool
	}{
		{&allKinds{}, true}, {&inner{}, true}, {&listOf[inner]{}, true},
		{&withMap{}, false}, {&withAttr{}, false}, {&withEmbedded{}, false}, {&withPath{}, false}, {&withAny{}, false},
		{&recursive{}, false},
	}
	for _, sh := range shapes {
		name := reflect.TypeOf(sh.v).Elem().Name()
		if got := awsquery.Planned(sh.v); got != sh.planned {
			t.Errorf("%s: Planned = %v, want %v", name, got, sh.planned)
		}
		for range 500 {
			v := reflect.New(reflect.TypeOf(sh.v).Elem())
			awsquerytest.Fill(r, v.Elem())
			if d := awsquerytest.Same(awsquery.IAMNamespace, "Get"+name, v.Interface()); d != "" {
				t.Fatalf("%s:\n%s", name, d)
			}
		}
	}
}

// FuzzFastXML compares the escaping of arbitrary text with encoding/xml's.
func FuzzFastXML(f *testing.F) {
	for _, s := range []string{"", "plain", "<a&b>\"'", "\t\n\r\x00\x1f", "\xff\xfe", "é\uFFFD\U0001F600\uFFFE", "\xed\xa0\x80"} {
		f.Add(s, []byte(s), int64(len(s)))
	}
	f.Fuzz(func(t *testing.T, s string, raw []byte, n int64) {
		sp := &s
		v := &allKinds{S: s, SOmit: s, Untagged: s, Raw: raw, Blob: raw, Doc: encoded(s), SP: sp, I64: n,
			In: inner{Key: s, Value: s}, Strs: []string{s, "", s}, StrsOmit: []string{"", s}, private: s}
		if d := awsquerytest.Same(awsquery.STSNamespace, "Fuzz", v); d != "" {
			t.Fatal(d)
		}
	})
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkWriteResult writes a GetCallerIdentity-sized and a
// GetUser-sized result; /xml is encoding/xml writing the same document.
func BenchmarkWriteResult(b *testing.B) {
	type caller struct {
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
		Arn     string `xml:"Arn"`
	}
	type user struct {
		Path       string         `xml:"Path,omitempty"`
		UserName   string         `xml:"UserName,omitempty"`
		UserID     string         `xml:"UserId"`
		Arn        string         `xml:"Arn"`
		CreateDate time.Time      `xml:"CreateDate"`
		Tags       *listOf[inner] `xml:"Tags,omitempty"`
	}
	type getUser struct {
		User user `xml:"User"`
	}
	outs := map[string]any{
		"caller": &caller{UserID: "AIDAEXAMPLE0000000001", Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/alice"},
		"user": &getUser{User: user{Path: "/", UserName: "alice", UserID: "AIDAEXAMPLE0000000001", Arn: "arn:aws:iam::123456789012:user/alice",
			CreateDate: time.Date(2026, 11, 29, 3, 4, 5, 0, time.UTC), Tags: &listOf[inner]{Member: []inner{{Key: "team", Value: "video"}}}}},
	}
	for _, name := range []string{"caller", "user"} {
		out := outs[name]
		b.Run(name+"/plan", func(b *testing.B) {
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				if err := awsquery.WriteResult(w, awsquery.STSNamespace, "GetCallerIdentity", "c2f1a3f0-0000-4000-8000-000000000000", out); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/xml", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := awsquerytest.Expected(awsquery.STSNamespace, "GetCallerIdentity", "c2f1a3f0-0000-4000-8000-000000000000", out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
