package policy

import (
	"slices"
	"testing"
)

func TestLint(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"clean", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "arn:aws:ivs:*:*:channel/*"}}`, nil},
		{"no version", `{"Statement": {"Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "*"}}`, []string{"MISSING_VERSION"}},
		{"ivs star", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ivs:*", "Resource": "*"}}`, []string{"ADMIN_WILDCARD"}},
		{"star", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`, []string{"ADMIN_WILDCARD"}},
		{"deny star is fine", `{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "ivs:*", "Resource": "*"}}`, nil},
		{"not action", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}`, []string{"ALLOW_WITH_NOT_ACTION"}},
		{"not resource", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ivs:GetChannel", "NotResource": "arn:aws:ivs:*:*:channel/x"}}`, []string{"ALLOW_WITH_NOT_RESOURCE"}},
		{"wrong service", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "arn:aws:s3:::bucket"}}`, []string{"RESOURCE_SERVICE_MISMATCH"}},
		{"sts on roles is fine", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::1:role/r"}}`, nil},
		{"request tag on get", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestTag/Owner": "a"}}}}`, []string{"UNSUPPORTED_CONDITION_KEY"}},
		{"request tag on create", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ivs:Create*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestTag/Owner": "a"}}}}`, nil},
		{"ivs service key", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "*", "Condition": {"StringEquals": {"ivs:ChannelType": "STANDARD"}}}}`, []string{"UNSUPPORTED_CONDITION_KEY"}},
		{"tag keys without set", `{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "ivs:TagResource", "Resource": "*", "Condition": {"StringEquals": {"aws:TagKeys": "a"}}}}`, []string{"MISSING_SET_OPERATOR"}},
		{"set on single", `{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "ivs:TagResource", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:RequestTag/a": "a"}}}}`, []string{"SET_OPERATOR_ON_SINGLE_VALUED_KEY"}},
		{"for all without null", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ivs:TagResource", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}}}`, []string{"FORALLVALUES_WITHOUT_NULL"}},
		{"for all with null", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ivs:TagResource", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "a"}, "Null": {"aws:TagKeys": "false"}}}}`, nil},
		{"variable in old version", `{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/${aws:username}"}}`, []string{"VARIABLE_IN_OLD_VERSION"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseString(tc.doc, KindIdentity)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range Lint(p) {
				got = append(got, f.Code)
				if f.Statement >= 0 && f.Line == 0 {
					t.Errorf("finding %s has no position", f)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("codes = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckSize(t *testing.T) {
	doc := []byte("{\n  \"Statement\": \"é\"  \n}")
	if n := Size(doc); n != 17 {
		t.Fatalf("Size = %d, want 17 (white space not counted, runes not bytes)", n)
	}
	if err := CheckSize(doc, 17); err != nil {
		t.Errorf("CheckSize at the limit: %v", err)
	}
	err := CheckSize(doc, 16)
	se, ok := err.(*SizeError)
	if !ok || se.Size != 17 || se.Limit != 16 {
		t.Fatalf("CheckSize over the limit = %v", err)
	}
	if LimitManaged != 6144 || LimitUserInline != 2048 || LimitGroupInline != 5120 || LimitRoleInline != 10240 {
		t.Error("IAM's size quotas changed")
	}
}
