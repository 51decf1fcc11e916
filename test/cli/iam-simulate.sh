#!/usr/bin/env bash
# The policy simulator through the unchanged AWS CLI: a user with the
# seed's one-channel policy and its owner-tag policy, simulated with
# simulate-principal-policy and simulate-custom-policy, and the context
# keys the policies need.
. "$(dirname "$0")/lib/common.sh"

acct=123456789012
channel="arn:aws:ivs:us-west-2:$acct:channel/VgNkEJgOVX9N"
other="arn:aws:ivs:us-west-2:$acct:channel/abcdEFGHijkl"
one='{ "Version":"2012-10-17", "Statement":[ { "Sid":"ListChannelsInConsole", "Effect":"Allow", "Action":[ "ivs:ListChannels", "ivs:ListStreams" ], "Resource":"arn:aws:ivs:*:*:channel/*" }, { "Sid":"ViewSpecificChannelInfo", "Effect":"Allow", "Action":[ "ivs:GetChannel", "ivs:GetStream" ], "Resource":"arn:aws:ivs:*:*:channel/VgNkEJgOVX9N" }, { "Sid":"ManageChannel", "Effect":"Allow", "Action":[ "ivs:StopStream", "ivs:PutMetadata", "ivs:UpdateChannel" ], "Resource":"arn:aws:ivs:*:*:channel/VgNkEJgOVX9N" } ] }'
owner='{ "Version": "2012-10-17", "Statement": [ { "Sid": "ListWidgetsInConsole", "Effect": "Allow", "Action": "ivs:ListChannels", "Resource": "arn:aws:ivs:*:*:channel/*" }, { "Sid": "ViewChannelIfOwner", "Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "arn:aws:ivs:*:*:channel/*", "Condition": { "StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"} } } ] }'

gh iam create-user --user-name mateojackson >/dev/null
gh iam put-user-policy --user-name mateojackson --policy-name OneChannel --policy-document "$one"
src="arn:aws:iam::$acct:user/mateojackson"

out=$(gh iam simulate-principal-policy --policy-source-arn "$src" --action-names ivs:GetChannel ivs:StopStream ivs:DeleteChannel --resource-arns "$channel")
[ "$(echo "$out" | json '",".join(r["EvalDecision"] for r in d["EvaluationResults"])')" = "allowed,allowed,implicitDeny" ] || fail "one-channel decisions: $out"
[ "$(echo "$out" | json 'd["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"]')" = OneChannel ] || fail "matched statement source: $out"
[ "$(echo "$out" | json 'd["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyType"]')" = user ] || fail "matched statement type: $out"
[ "$(echo "$out" | json 'd["EvaluationResults"][0]["MatchedStatements"][0]["StartPosition"]["Column"]')" -gt 1 ] || fail "statement position: $out"
out=$(gh iam simulate-principal-policy --policy-source-arn "$src" --action-names ivs:GetChannel --resource-arns "$channel" "$other")
[ "$(echo "$out" | json 'd["EvaluationResults"][0]["EvalDecision"]')" = implicitDeny ] || fail "the most restrictive decision over two channels: $out"
[ "$(echo "$out" | json '",".join(r["EvalResourceDecision"] for r in d["EvaluationResults"][0]["ResourceSpecificResults"])')" = "allowed,implicitDeny" ] || fail "per-channel decisions: $out"

# The owner-tag policy: undecidable without the tag, allowed with it.
out=$(gh iam simulate-custom-policy --policy-input-list "$owner" --action-names ivs:GetChannel --resource-arns "$channel" --caller-arn "$src")
[ "$(echo "$out" | json 'd["EvaluationResults"][0]["EvalDecision"]')" = implicitDeny ] || fail "owner policy without the tag: $out"
[ "$(echo "$out" | json '"aws:ResourceTag/Owner" in d["EvaluationResults"][0]["MissingContextValues"]')" = True ] || fail "missing tag not reported: $out"
out=$(gh iam simulate-custom-policy --policy-input-list "$owner" --action-names ivs:GetChannel --resource-arns "$channel" --caller-arn "$src" \
	--context-entries "ContextKeyName=aws:ResourceTag/Owner,ContextKeyValues=mateojackson,ContextKeyType=string")
[ "$(echo "$out" | json 'd["EvaluationResults"][0]["EvalDecision"]')" = allowed ] || fail "owner policy with the tag: $out"
[ "$(echo "$out" | json 'd["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"]')" = PolicyInputList.1 ] || fail "custom policy id: $out"

out=$(gh iam get-context-keys-for-custom-policy --policy-input-list "$owner")
[ "$(echo "$out" | json '",".join(d["ContextKeyNames"])')" = "aws:username,aws:ResourceTag/Owner" ] || fail "custom context keys: $out"
gh iam put-user-policy --user-name mateojackson --policy-name Owner --policy-document "$owner"
out=$(gh iam get-context-keys-for-principal-policy --policy-source-arn "$src")
[ "$(echo "$out" | json '"aws:ResourceTag/Owner" in d["ContextKeyNames"]')" = True ] || fail "principal context keys: $out"

out=$(gh iam simulate-custom-policy --policy-input-list '{"Statement":{"Effect":"Allow"}}' --action-names ivs:GetChannel 2>&1) && fail "malformed policy simulated"
echo "$out" | grep -qF "(MalformedPolicyDocument)" || fail "MalformedPolicyDocument: $out"
echo "iam-simulate.sh: all checks passed"
