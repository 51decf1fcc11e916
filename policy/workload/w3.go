package workload

import (
	"fmt"
	"strings"

	"github.com/gatehouse-iam/gatehouse/policy"
)

// Shape and request of workload W3.
const (
	// W3Policies is the number of policies in W3, each of W3Statements
	// statements.
	W3Policies   = 10
	W3Statements = 10
	// W3DenyPolicy and W3DenyStatement place W3's one Deny statement.
	W3DenyPolicy    = 5
	W3DenyStatement = 8

	// W3Channel is the channel the W3 request acts on.
	W3Channel = "W3mediaChan1"
	// W3SourceIP, W3CurrentTime, W3Team and W3Department are the
	// request's aws:SourceIp, aws:CurrentTime, aws:ResourceTag/team and
	// aws:PrincipalTag/department.
	W3SourceIP    = "203.0.113.7"
	W3CurrentTime = "2026-03-01T12:00:00Z"
	W3Team        = "media"
	W3Department  = "dept-9-media"
)

// W3TagKeys is the request's aws:TagKeys.
var W3TagKeys = []string{"team", "env"}

// W3 returns workload W3: W3Policies identity policies of W3Statements
// statements each, and a request that only the last statement of the last
// policy allows.
//
// Statement s of policy p follows template s (see w3Statement): the
// templates mix the ivs, s3, iam, sts and cloudwatch services; actions with
// '*' and '?' wildcards; resources exact, wildcarded and with
// ${aws:username}; and StringEquals, StringLike, IpAddress, Bool,
// DateLessThan and ForAnyValue:StringEquals conditions. Statement
// W3DenyStatement of policy W3DenyPolicy is instead a Deny of ivs:* and
// s3:* from outside the corporate networks (NotIpAddress).
//
// The request is ivs:PutMetadata on channel W3Channel. Eight templates in
// ten name an ivs action, so about 80 statements are candidates (no two
// statements are alike); each fails
// late (on its action glob, its resource or a condition) until the last
// one: an Allow decided after walking nearly every statement, with the Deny
// evaluated (and not applying) on the way.
func W3() (docs [][]byte, req *policy.Request) {
	docs = make([][]byte, W3Policies)
	for p := range W3Policies {
		var b strings.Builder
		fmt.Fprintf(&b, `{"Version":"2012-10-17","Id":"w3-policy-%d","Statement":[`, p)
		for s := range W3Statements {
			if s > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n  ")
			b.WriteString(w3Statement(p, s))
		}
		b.WriteString("\n]}\n")
		docs[p] = []byte(b.String())
	}

	ctx := &policy.Context{}
	ctx.Set("aws:SourceIp", W3SourceIP)
	ctx.Set("aws:SecureTransport", "true")
	ctx.Set("aws:CurrentTime", W3CurrentTime)
	ctx.Set("aws:ResourceTag/team", W3Team)
	ctx.SetMulti("aws:TagKeys", W3TagKeys)
	req = &policy.Request{
		Principal: user("media-publisher", "AIDAW3MEDIAPUBLISHER", policy.Tag{Key: "department", Value: W3Department}),
		Action:    "ivs:PutMetadata",
		Resource:  ChannelARN(W3Channel),
		Context:   ctx,
	}
	return docs, req
}

// w3Statement returns statement s of W3 policy p. The comment on each case
// says why it does not apply to the W3 request (except the last one of the
// last policy).
func w3Statement(p, s int) string {
	if p == W3DenyPolicy && s == W3DenyStatement {
		// Applies to the request's action and resource; the condition
		// spares it: the request comes from 203.0.113.0/24.
		return `{"Sid":"DenyOutsideCorpNetwork","Effect":"Deny","Action":["ivs:*","s3:*"],"Resource":"*",` +
			`"Condition":{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","198.51.100.0/24"]}}}`
	}
	switch s {
	case 0: // action: PutMetadata is neither Get* nor List*
		return fmt.Sprintf(`{"Sid":"ReadChannels%d","Effect":"Allow","Action":["ivs:Get*","ivs:List*","s3:GetObject"],`+
			`"Resource":"arn:aws:ivs:*:*:channel/*","Condition":{"StringEquals":{"aws:ResourceTag/team":["media","studio-%d"]}}}`, p, p)
	case 1: // resource: the channel's name lacks the prefix
		return fmt.Sprintf(`{"Sid":"ManagePrefixed%d","Effect":"Allow","Action":["ivs:Put*","ivs:StopStream","cloudwatch:PutMetricData"],`+
			`"Resource":"arn:aws:ivs:us-west-2:123456789012:channel/p%d-*"}`, p, p)
	case 2: // condition: the channel's team is not team-p
		return fmt.Sprintf(`{"Sid":"TeamMetadata%d","Effect":"Allow","Action":["ivs:*Metadata","sts:GetCallerIdentity"],`+
			`"Resource":"arn:aws:ivs:*:123456789012:channel/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"team-%d"}}}`, p, p)
	case 3: // resource: neither the bucket nor the rec- channels
		return fmt.Sprintf(`{"Sid":"Recordings%d","Effect":"Allow","Action":["s3:Get*","s3:PutObject","ivs:PutMetadata"],`+
			`"Resource":["arn:aws:s3:::recordings-%d/*","arn:aws:ivs:*:*:channel/rec-%d*"]}`, p, p, p)
	case 4: // condition: the request is not from 10.p.0.0/16
		return fmt.Sprintf(`{"Sid":"OfficeNetwork%d","Effect":"Allow","Action":"ivs:*","Resource":"*",`+
			`"Condition":{"IpAddress":{"aws:SourceIp":"10.%d.0.0/16"}}}`, p, p)
	case 5: // condition: the campaign ended before aws:CurrentTime
		return fmt.Sprintf(`{"Sid":"Campaign%d","Effect":"Allow","Action":["ivs:PutMetadata","ivs:UpdateChannel","iam:GetUser"],`+
			`"Resource":"arn:aws:ivs:*:*:channel/*","Condition":{"Bool":{"aws:SecureTransport":"true"},`+
			`"DateLessThan":{"aws:CurrentTime":"2025-%02d-01T00:00:00Z"}}}`, p, p+1)
	case 6: // action: an IAM statement, not an ivs one; users of path /team-p/
		return fmt.Sprintf(`{"Sid":"SelfService%d","Effect":"Allow","Action":["iam:Get*","iam:List*","iam:ChangePassword"],`+
			`"Resource":"arn:aws:iam::*:user/team-%d/${aws:username}"}`, p, p)
	case 7: // condition: none of the request's tag keys is listed
		return fmt.Sprintf(`{"Sid":"TaggedCreate%d","Effect":"Allow","Action":["ivs:Create*","ivs:TagResource","ivs:*Metadata"],`+
			`"Resource":"arn:aws:ivs:*:*:*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["cost-center-%d","project-%d"]}}}`, p, p, p)
	case 8: // action: metrics and STS only
		return fmt.Sprintf(`{"Sid":"Metrics%d","Effect":"Allow","Action":["cloudwatch:GetMetricData","cloudwatch:List*","sts:AssumeRole"],`+
			`"Resource":["arn:aws:cloudwatch:*:123456789012:alarm:team-%d-*","arn:aws:iam::123456789012:role/metrics-%d"]}`, p, p, p)
	default: // condition: the department is dept-p... only for p = 9
		return fmt.Sprintf(`{"Sid":"Department%d","Effect":"Allow","Action":["ivs:?utMetadata","ivs:GetStream","s3:ListBucket"],`+
			`"Resource":"arn:aws:ivs:us-west-2:*:channel/*","Condition":{"StringLike":{"aws:PrincipalTag/department":"dept-%d*"},`+
			`"StringEquals":{"aws:PrincipalType":"User"}}}`, p, p)
	}
}
