package policy

import (
	"os"
	"path/filepath"
	"testing"
)

func addSeedCorpus(f *testing.F) {
	files, _ := filepath.Glob("testdata/seed/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["ivs:Get*"],"NotResource":"arn:aws:ivs:*:*:channel/${aws:PrincipalTag/ch, 'x'}","Condition":{"ForAllValues:StringLikeIfExists":{"aws:TagKeys":["a*","${*}"]},"NumericLessThan":{"k:n":1.5},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Null":{"aws:x":true}}}]}`))
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Principal":{"AWS":["123456789012","*"]},"Action":"sts:AssumeRole"}}`))
	f.Add([]byte(`[{"\u00e9": 1e10, "a": [true, false, null]}]`))
}

// FuzzParse checks that no input panics the parser and that every accepted
// policy marshals to JSON that parses back to the same policy.
func FuzzParse(f *testing.F) {
	addSeedCorpus(f)
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, kind := range []Kind{KindIdentity, KindResource, KindTrust} {
			p, err := Parse(doc, kind)
			if err != nil {
				continue
			}
			checkRoundTrip(t, p)
			_ = Lint(p)
			_ = Compile("fuzz", p)
		}
	})
}

// FuzzEvaluate checks that evaluation never panics, whatever the policy and
// the request.
func FuzzEvaluate(f *testing.F) {
	files, _ := filepath.Glob("testdata/seed/*.json")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b, "ivs:GetChannel", channel, "aws:ResourceTag/Owner", "richard-roe", "richard-roe")
	}
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:ivs:*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01"},"BinaryEquals":{"k:b":"QQ=="},"ArnLike":{"aws:SourceArn":"arn:*:${aws:username}:*"}}}}`),
		"IVS:get*", "arn:aws:ivs:::", "aws:CurrentTime", "2026-01-01T00:00:00Z", "bob")
	f.Fuzz(func(t *testing.T, doc []byte, action, resource, key, val, user string) {
		c, err := ParseCompiled("fuzz", doc, KindIdentity)
		if err != nil {
			return
		}
		ctx := &Context{}
		ctx.Set(key, val)
		ctx.SetMulti("aws:TagKeys", []string{key, val})
		ctx.Set("k:b", val)
		p := &Principal{ARN: "arn:aws:iam::123456789012:user/" + user, Account: "123456789012", Type: User, Username: user,
			Tags: []Tag{{Key: key, Value: val}}}
		req := &Request{Principal: p, Action: action, Resource: resource, Context: ctx}
		set := NewSet(Policies{Identity: []*Compiled{c}, Boundary: c, Session: []*Compiled{c}})
		d := set.Evaluate(req, nil)
		if d.Outcome == Allow && d.Missing != 0 {
			t.Fatalf("allow with a missing source: %+v", d)
		}
		_ = Evaluate(req, Policies{Identity: []*Compiled{c}}, nil)
	})
}
