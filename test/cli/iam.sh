#!/usr/bin/env bash
# IAM through the unchanged AWS CLI: a user, a group, a managed policy from
# the Amazon IVS IAM guide ("Allow Users to View Their Own Permissions"),
# attachments, access keys; then the user's allowed call succeeds and a
# forbidden one is denied with AWS's message.
#
# Environment: GATEHOUSE_ENDPOINT (http://127.0.0.1:4580), the root user's
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and AWS_CLI (default: aws).
. "$(dirname "$0")/lib/common.sh"
here=$(cd "$(dirname "$0")" && pwd)

gh iam create-user --user-name alice >/dev/null
gh iam create-user --user-name bob >/dev/null
gh iam create-group --group-name viewers >/dev/null
gh iam add-user-to-group --group-name viewers --user-name alice
policy_arn=$(gh iam create-policy --policy-name ViewOwnPermissions \
  --policy-document "file://$here/../../policy/testdata/seed/view-own-permissions.json" | json 'd["Policy"]["Arn"]')
[ "$policy_arn" = "arn:aws:iam::123456789012:policy/ViewOwnPermissions" ] || fail "policy ARN $policy_arn"
gh iam attach-group-policy --group-name viewers --policy-arn "$policy_arn"
gh iam attach-user-policy --user-name bob --policy-arn arn:aws:iam::aws:policy/IVSReadOnlyAccess
[ "$(gh iam list-attached-group-policies --group-name viewers | json 'd["AttachedPolicies"][0]["PolicyName"]')" = ViewOwnPermissions ] || fail "attached policies"
[ "$(gh iam get-group --group-name viewers | json 'd["Users"][0]["UserName"]')" = alice ] || fail "group members"

key=$(gh iam create-access-key --user-name alice)
alice_id=$(echo "$key" | json 'd["AccessKey"]["AccessKeyId"]')
alice_secret=$(echo "$key" | json 'd["AccessKey"]["SecretAccessKey"]')
[ "${#alice_secret}" = 40 ] || fail "secret length"
[ "$(gh iam list-access-keys --user-name alice | json 'len(d["AccessKeyMetadata"])')" = 1 ] || fail "list-access-keys"
if gh iam list-access-keys --user-name alice | grep -q SecretAccessKey; then fail "list-access-keys shows the secret"; fi

as_alice() { AWS_ACCESS_KEY_ID=$alice_id AWS_SECRET_ACCESS_KEY=$alice_secret gh "$@"; }
# Allowed: her own user (Resource arn:aws:iam:*:*:user/${aws:username}) and ListUsers.
[ "$(as_alice iam get-user --user-name alice | json 'd["User"]["UserName"]')" = alice ] || fail "alice cannot read herself"
as_alice iam list-users >/dev/null || fail "alice cannot list users"
as_alice iam list-groups-for-user --user-name alice >/dev/null || fail "alice cannot list her groups"
# Denied: another user, and anything else.
if out=$(as_alice iam get-user --user-name bob 2>&1); then fail "alice read bob"; fi
want="An error occurred (AccessDenied) when calling the GetUser operation: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:GetUser on resource: arn:aws:iam::123456789012:user/bob because no identity-based policy allows the iam:GetUser action"
echo "$out" | grep -qF "$want" || fail "unexpected denial: $out"
if out=$(as_alice iam create-user --user-name mallory 2>&1); then fail "alice created a user"; fi
echo "$out" | grep -qF "(AccessDenied)" || fail "unexpected denial: $out"

# Detaching takes effect at once.
gh iam detach-group-policy --group-name viewers --policy-arn "$policy_arn"
if as_alice iam list-users >/dev/null 2>&1; then fail "detached policy still allows"; fi
echo "iam.sh: all checks passed"
