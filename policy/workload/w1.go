package workload

import "github.com/gatehouse-iam/gatehouse/policy"

// W1Policy is the "Access an Amazon IVS Channel" policy of the IVS IAM
// guide, verbatim: console listing on every channel, and viewing and
// managing channel VgNkEJgOVX9N.
const W1Policy = `{ "Version":"2012-10-17", "Statement":[ { "Sid":"ListChannelsInConsole", "Effect":"Allow", "Action":[ "ivs:ListChannels", "ivs:ListStreams" ], "Resource":"arn:aws:ivs:*:*:channel/*" }, { "Sid":"ViewSpecificChannelInfo", "Effect":"Allow", "Action":[ "ivs:GetChannel", "ivs:GetStream" ], "Resource":"arn:aws:ivs:*:*:channel/VgNkEJgOVX9N" }, { "Sid":"ManageChannel", "Effect":"Allow", "Action":[ "ivs:StopStream", "ivs:PutMetadata", "ivs:UpdateChannel" ], "Resource":"arn:aws:ivs:*:*:channel/VgNkEJgOVX9N" } ] }`

// W1Channel is the channel W1's policy names.
const W1Channel = "VgNkEJgOVX9N"

// W1OtherChannel is a channel W1's policy does not name.
const W1OtherChannel = "xJ4kq9ZtTbW2"

// W1 returns workload W1: the W1Policy document, an allowed request
// (ivs:PutMetadata on channel VgNkEJgOVX9N, decided by the third and last
// statement) and a denied one (ivs:GetChannel on another channel: every
// statement is tried and none applies, an ImplicitDeny).
func W1() (docs [][]byte, allow, deny *policy.Request) {
	p := user("channel-operator", "AIDAW1CHANNELOPERATOR")
	allow = &policy.Request{Principal: p, Action: "ivs:PutMetadata", Resource: ChannelARN(W1Channel)}
	deny = &policy.Request{Principal: p, Action: "ivs:GetChannel", Resource: ChannelARN(W1OtherChannel)}
	return [][]byte{[]byte(W1Policy)}, allow, deny
}
