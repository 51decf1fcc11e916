package workload

import "github.com/gatehouse-iam/gatehouse/policy"

// W2Policy is the "View Amazon IVS Channels Based on Tags" policy of the
// IVS IAM guide, verbatim. Its ViewChannelIfOwner statement allows
// ivs:GetChannel only when aws:ResourceTag/Owner equals ${aws:username}.
const W2Policy = `{ "Version": "2012-10-17", "Statement": [ { "Sid": "ListWidgetsInConsole", "Effect": "Allow", "Action": "ivs:ListChannels", "Resource": "arn:aws:ivs:*:*:channel/*" }, { "Sid": "ViewChannelIfOwner", "Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "arn:aws:ivs:*:*:channel/*", "Condition": { "StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"} } } ] }`

// W2User is the user of workload W2, the guide's richard-roe.
const W2User = "richard-roe"

// W2Channel is the channel richard-roe views in W2.
const W2Channel = "Rr0eOwnedCh1"

// W2 returns workload W2: the W2Policy document and an allowed request:
// user richard-roe calls ivs:GetChannel on a channel tagged
// owner=richard-roe. The tag key is lower-case, as the guide says it
// matches the policy's "Owner" all the same.
func W2() (docs [][]byte, req *policy.Request) {
	ctx := &policy.Context{}
	ctx.Set("aws:ResourceTag/owner", W2User)
	req = &policy.Request{
		Principal: user(W2User, "AIDAW2RICHARDROE"),
		Action:    "ivs:GetChannel",
		Resource:  ChannelARN(W2Channel),
		Context:   ctx,
	}
	return [][]byte{[]byte(W2Policy)}, req
}
