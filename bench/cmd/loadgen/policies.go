package main

import (
	"fmt"
	"strings"
)

// The population's shape. Each user belongs to one of teams teams (tag
// team=tNN) and has inline policies of its own plus two of the account's
// managed policies attached; channels are tagged with a team too, so that
// ivs:GetChannel is allowed on the caller's team's channels and denied on
// the others by the same tag condition (ABAC, as IVS's guide shows).
const teams = 100

// teamOf is the team of user i.
func teamOf(i int) string { return fmt.Sprintf("t%02d", i%teams) }

// userName is the name of user i.
func userName(i int) string { return fmt.Sprintf("user-%05d", i) }

// listDenied reports whether user i has an explicit Deny of
// ivs:ListChannels (one user in twenty).
func listDenied(i int) bool { return i%20 == 11 }

// inlineCount is the number of inline policies of user i: ten, nine for
// one user in ten, so that 10,000 users hold 99,000 of them.
func inlineCount(i int) int {
	if i%10 == 0 {
		return 9
	}
	return 10
}

// inlinePolicies returns the inline policies of user i, by name, in the
// account acct. They are what IAM users of a video platform carry: access
// to their team's channels by tag, to themselves in IAM, to stream
// operations on one channel, a tag-on-create rule, a Deny of deleting
// production channels and an address restriction (a Deny every request
// evaluates). Their total size stays within IAM's 2,048-character quota
// for a user's inline policies.
func inlinePolicies(i int, acct string) [][2]string {
	ch := "arn:aws:ivs:" + ivsRegion + ":" + acct + ":channel/"
	self := "arn:aws:iam::" + acct + ":user/${aws:username}"
	list := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ivs:ListChannels","ivs:ListStreamKeys"],"Resource":"` + ch + `*"}]}`
	if listDenied(i) {
		list = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ivs:ListChannels","Resource":"*"}]}`
	}
	all := [][2]string{
		{"ivs-team-read", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ivs:GetChannel","ivs:GetStream"],"Resource":"` + ch + `*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}]}`},
		{"ivs-list", list},
		{"iam-self", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys","iam:ListUserTags"],"Resource":"` + self + `"}]}`},
		{"iam-own-keys", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:UpdateAccessKey","iam:DeleteAccessKey"],"Resource":"` + self + `"}]}`},
		{"ivs-stream-ops", fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ivs:PutMetadata","ivs:StopStream"],"Resource":"%sshow%05d"}]}`, ch, i)},
		{"ivs-tag-on-create", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ivs:CreateChannel","ivs:TagResource"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"}}}]}`},
		{"deny-prod-delete", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ivs:DeleteChannel","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]}`},
		{"playback-keys", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:GetPlaybackKeyPair","Resource":"arn:aws:ivs:` + ivsRegion + ":" + acct + `:playback-key/*"}]}`},
		{"ip-restrict", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.0/8","192.168.0.0/16"]}}}]}`},
		{"assume-team-role", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::` + acct + ":role/" + teamOf(i) + `-*"}]}`},
	}
	return all[:inlineCount(i)]
}

// managedName is the name of customer-managed policy j.
func managedName(j int) string { return fmt.Sprintf("ops-%04d", j) }

// managedPolicy returns the document of customer-managed policy j: read
// access to stream sessions and recording configurations of one team.
func managedPolicy(j int, acct string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"Sessions","Effect":"Allow","Action":["ivs:GetStreamSession","ivs:ListStreamSessions"],"Resource":"arn:aws:ivs:*:%s:channel/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"t%02d"}}},{"Sid":"Recording","Effect":"Allow","Action":["ivs:GetRecordingConfiguration","ivs:ListRecordingConfigurations"],"Resource":"*"}]}`, acct, j%teams)
}

// attachedTo returns the managed policies attached to user i, among
// managed of them.
func attachedTo(i, managed int) []int {
	a, b := (i*7)%managed, (i*13+1)%managed
	if a == b {
		b = (b + 1) % managed
	}
	return []int{a, b}
}

// policySize is IAM's size of a document: its characters, white space
// outside strings not counted (the documents here have none).
func policySize(doc string) int { return len(strings.TrimSpace(doc)) }
