#!/usr/bin/env bash
# The audit trail through the unchanged AWS CLI: CloudTrail's
# lookup-events on Gatehouse's endpoint finds the events of the requests
# just made, allowed and denied, in CloudTrail's record format.
#
# Environment: GATEHOUSE_ENDPOINT (http://127.0.0.1:4580), the root user's
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and AWS_CLI (default: aws).
. "$(dirname "$0")/lib/common.sh"

gh iam create-user --user-name auditee >/dev/null
key=$(gh iam create-access-key --user-name auditee)
a_id=$(echo "$key" | json 'd["AccessKey"]["AccessKeyId"]')
a_secret=$(echo "$key" | json 'd["AccessKey"]["SecretAccessKey"]')
if AWS_ACCESS_KEY_ID=$a_id AWS_SECRET_ACCESS_KEY=$a_secret gh iam list-users >/dev/null 2>&1; then fail "a user without policies listed users"; fi

out=$(gh cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=CreateUser)
[ "$(echo "$out" | json 'len(d["Events"])')" = 1 ] || fail "CreateUser events: $out"
rec=$(echo "$out" | json 'd["Events"][0]["CloudTrailEvent"]')
[ "$(echo "$rec" | json 'd["eventSource"]')" = iam.amazonaws.com ] || fail "eventSource: $rec"
[ "$(echo "$rec" | json 'd["userIdentity"]["type"]')" = Root ] || fail "userIdentity: $rec"
[ "$(echo "$rec" | json 'd["requestParameters"]["userName"]')" = auditee ] || fail "requestParameters: $rec"
[ "$(echo "$out" | json 'd["Events"][0]["Resources"][0]["ResourceName"]')" = auditee ] || fail "Resources: $out"

# The secret of the new key is hidden.
out=$(gh cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=CreateAccessKey)
echo "$out" | grep -qF "$a_secret" && fail "the secret access key is in the audit trail"
rec=$(echo "$out" | json 'd["Events"][0]["CloudTrailEvent"]')
[ "$(echo "$rec" | json 'd["responseElements"]["accessKey"]["secretAccessKey"]')" = HIDDEN_DUE_TO_SECURITY_REASONS ] || fail "not hidden: $rec"

# The denied request, found by its access key, with Gatehouse's decision.
out=$(gh cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue="$a_id" --max-results 5)
rec=$(echo "$out" | json 'd["Events"][0]["CloudTrailEvent"]')
[ "$(echo "$rec" | json 'd["errorCode"]')" = AccessDenied ] || fail "errorCode: $rec"
[ "$(echo "$rec" | json 'd["decision"]["outcome"]')" = ImplicitDeny ] || fail "decision: $rec"
[ "$(echo "$rec" | json 'd["decision"]["reason"]')" = "because no identity-based policy allows the iam:ListUsers action" ] || fail "reason: $rec"

# The user may not read the trail.
if out=$(AWS_ACCESS_KEY_ID=$a_id AWS_SECRET_ACCESS_KEY=$a_secret gh cloudtrail lookup-events 2>&1); then fail "the user read the trail"; fi
echo "$out" | grep -qF "AccessDeniedException" || fail "unexpected denial: $out"
echo "audit: ok"
