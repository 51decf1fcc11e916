package arn

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in            string
		want          ARN
		typ, id, name string
		wantErr       bool
	}{
		{in: "arn:aws:iam::123456789012:user/division/alice",
			want: ARN{"aws", "iam", "", "123456789012", "user/division/alice"}, typ: "user", id: "division/alice", name: "alice"},
		{in: "arn:aws:ivs:us-west-2:123456789012:channel/VgNkEJgOVX9N",
			want: ARN{"aws", "ivs", "us-west-2", "123456789012", "channel/VgNkEJgOVX9N"}, typ: "channel", id: "VgNkEJgOVX9N", name: "VgNkEJgOVX9N"},
		{in: "arn:aws:iam::123456789012:root", want: ARN{"aws", "iam", "", "123456789012", "root"}, typ: "root", name: "root"},
		{in: "arn:aws:logs:us-east-1:123456789012:log-group:g:*",
			want: ARN{"aws", "logs", "us-east-1", "123456789012", "log-group:g:*"}, typ: "log-group", id: "g:*", name: "log-group:g:*"},
		{in: "arn:aws:s3:::bucket", want: ARN{"aws", "s3", "", "", "bucket"}, typ: "bucket", name: "bucket"},
		{in: "channel/x", wantErr: true},
		{in: "arn:aws:ivs", wantErr: true},
		{in: "arn::ivs:r:a:x", wantErr: true},
		{in: "arn:aws:ivs:r:a:", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Parse(%q) err = %v, want ErrInvalid", tc.in, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if got.String() != tc.in {
				t.Errorf("String() = %q", got.String())
			}
			if got.ResourceType() != tc.typ || got.ResourceID() != tc.id || got.Name() != tc.name {
				t.Errorf("type/id/name = %q/%q/%q, want %q/%q/%q", got.ResourceType(), got.ResourceID(), got.Name(), tc.typ, tc.id, tc.name)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("arn:aws:iam::123456789012:user/alice")
	f.Add("arn:aws:ivs:us-west-2:123456789012:channel/VgNkEJgOVX9N")
	f.Add("arn:::::")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		if a.String() != s {
			t.Fatalf("round trip %q -> %q", s, a.String())
		}
		_ = a.Name()
		_ = a.ResourceID()
	})
}
