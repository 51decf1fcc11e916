#!/usr/bin/env bash
# IVS through the unchanged AWS CLI (REST-JSON): channels and stream keys,
# tags on a percent-encoded ARN path, error rendering, and the IVS IAM
# documentation's "Access an Amazon IVS Channel" policy, allowed and
# denied.
#
# Environment: GATEHOUSE_ENDPOINT (http://127.0.0.1:4580), the root user's
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and AWS_CLI (default: aws).
. "$(dirname "$0")/lib/common.sh"
export AWS_DEFAULT_REGION=us-west-2

out=$(gh ivs create-channel --name stage-1 --latency-mode NORMAL --tags team=live)
arn=$(echo "$out" | json 'd["channel"]["arn"]')
[[ "$arn" =~ ^arn:aws:ivs:us-west-2:123456789012:channel/[a-zA-Z0-9]{12}$ ]] || fail "channel ARN $arn"
[[ "$(echo "$out" | json 'd["streamKey"]["value"]')" == sk_us-west-2_* ]] || fail "stream key value"
key=$(echo "$out" | json 'd["streamKey"]["arn"]')
[ "$(gh ivs get-channel --arn "$arn" | json 'd["channel"]["latencyMode"]')" = NORMAL ] || fail "get-channel"
gh ivs create-channel --name stage-2 >/dev/null
gh ivs create-channel --name stage-3 >/dev/null
# The CLI follows nextToken pages by itself.
[ "$(gh ivs list-channels --page-size 1 | json 'len(d["channels"])')" = 3 ] || fail "list-channels pages"
[ "$(gh ivs list-channels --filter-by-name stage-2 | json 'd["channels"][0]["name"]')" = stage-2 ] || fail "filter-by-name"
[ "$(gh ivs update-channel --arn "$arn" --type BASIC --name stage-1 | json 'd["channel"]["type"]')" = BASIC ] || fail "update-channel"
[ "$(gh ivs list-stream-keys --channel-arn "$arn" | json 'd["streamKeys"][0]["arn"]')" = "$key" ] || fail "list-stream-keys"
[ "$(gh ivs batch-get-stream-key --arns "$key" | json 'len(d["streamKeys"])')" = 1 ] || fail "batch-get-stream-key"

gh ivs tag-resource --resource-arn "$arn" --tags env=prod,cost=video >/dev/null
gh ivs untag-resource --resource-arn "$arn" --tag-keys cost
[ "$(gh ivs list-tags-for-resource --resource-arn "$arn" | json 'sorted(d["tags"].items())')" = "[('env', 'prod'), ('team', 'live')]" ] || fail "tags"

out=$(gh ivs create-stream-key --channel-arn "$arn" 2>&1) && fail "second stream key created"
echo "$out" | grep -qF "(ServiceQuotaExceededException) when calling the CreateStreamKey operation" || fail "quota: $out"
out=$(gh ivs create-channel --name 'bad name' 2>&1) && fail "bad name accepted"
echo "$out" | grep -qF "(ValidationException) when calling the CreateChannel operation: 1 validation error detected: Value 'bad name' at 'name'" || fail "validation: $out"
missing=arn:aws:ivs:us-west-2:123456789012:channel/AAAAAAAAAAAA
out=$(gh ivs get-channel --arn "$missing" 2>&1) && fail "missing channel found"
echo "$out" | grep -qF "(ResourceNotFoundException) when calling the GetChannel operation: Channel not found: $missing" || fail "not found: $out"

# "Access an Amazon IVS Channel", for the channel created above.
other=$(gh ivs list-channels --filter-by-name stage-2 | json 'd["channels"][0]["arn"]')
id=${arn##*/}
gh iam create-user --user-name mateo >/dev/null
gh iam put-user-policy --user-name mateo --policy-name ivs --policy-document "{\"Version\":\"2012-10-17\",\"Statement\":[
  {\"Effect\":\"Allow\",\"Action\":[\"ivs:ListChannels\",\"ivs:ListStreams\"],\"Resource\":\"arn:aws:ivs:*:*:channel/*\"},
  {\"Effect\":\"Allow\",\"Action\":[\"ivs:GetChannel\",\"ivs:GetStream\"],\"Resource\":\"arn:aws:ivs:*:*:channel/$id\"},
  {\"Effect\":\"Allow\",\"Action\":[\"ivs:StopStream\",\"ivs:PutMetadata\",\"ivs:UpdateChannel\"],\"Resource\":\"arn:aws:ivs:*:*:channel/$id\"}]}"
k=$(gh iam create-access-key --user-name mateo)
as_mateo() { AWS_ACCESS_KEY_ID=$(echo "$k" | json 'd["AccessKey"]["AccessKeyId"]') AWS_SECRET_ACCESS_KEY=$(echo "$k" | json 'd["AccessKey"]["SecretAccessKey"]') gh "$@"; }
[ "$(as_mateo ivs get-channel --arn "$arn" | json 'd["channel"]["name"]')" = stage-1 ] || fail "allowed get-channel"
as_mateo ivs list-channels >/dev/null || fail "allowed list-channels"
out=$(as_mateo ivs get-channel --arn "$other" 2>&1) && fail "denied get-channel allowed"
echo "$out" | grep -qF "(AccessDeniedException) when calling the GetChannel operation: User: arn:aws:iam::123456789012:user/mateo is not authorized to perform: ivs:GetChannel on resource: $other because no identity-based policy allows the ivs:GetChannel action" || fail "denial: $out"
out=$(as_mateo ivs delete-channel --arn "$arn" 2>&1) && fail "denied delete-channel allowed"
echo "$out" | grep -qF "(AccessDeniedException)" || fail "delete denial: $out"

gh ivs delete-channel --arn "$arn"
out=$(gh ivs get-stream-key --arn "$key" 2>&1) && fail "key of deleted channel found"
echo "$out" | grep -qF "(ResourceNotFoundException)" || fail "deleted key: $out"
echo "ivs.sh: all checks passed"
