#!/usr/bin/env bash
# STS through the unchanged AWS CLI: a role whose trust policy asks for an
# external id, assumed by a user; the denial without it; the session's
# identity and permissions, narrowed by a session policy; a federated
# user; a root session; a tampered token.
#
# Environment: GATEHOUSE_ENDPOINT (http://127.0.0.1:4580), the root user's
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and AWS_CLI (default: aws).
. "$(dirname "$0")/lib/common.sh"

[ "$(gh sts get-caller-identity | json 'd["Arn"]')" = "arn:aws:iam::123456789012:root" ] || fail "root identity"

gh iam create-user --user-name alice >/dev/null
gh iam put-user-policy --user-name alice --policy-name assume --policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:GetFederationToken","iam:ListUsers"],"Resource":"*"}]}'
key=$(gh iam create-access-key --user-name alice)
alice_id=$(echo "$key" | json 'd["AccessKey"]["AccessKeyId"]')
alice_secret=$(echo "$key" | json 'd["AccessKey"]["SecretAccessKey"]')
as_alice() { AWS_ACCESS_KEY_ID=$alice_id AWS_SECRET_ACCESS_KEY=$alice_secret gh "$@"; }

gh iam create-role --role-name deployer --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ci-7"}}}]}' >/dev/null
gh iam put-role-policy --role-name deployer --policy-name read --policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","iam:Get*"],"Resource":"*"}]}'
role=arn:aws:iam::123456789012:role/deployer

if out=$(as_alice sts assume-role --role-arn "$role" --role-session-name ci 2>&1); then fail "assumed without the external id"; fi
want="An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: $role"
echo "$out" | grep -qF "$want" || fail "unexpected denial: $out"
if out=$(gh sts assume-role --role-arn "$role" --role-session-name root --external-id ci-7 2>&1); then fail "root assumed a role"; fi
echo "$out" | grep -qF "Roles may not be assumed by root accounts." || fail "unexpected root denial: $out"

creds=$(as_alice sts assume-role --role-arn "$role" --role-session-name ci --external-id ci-7 --duration-seconds 900)
[ "$(echo "$creds" | json 'd["AssumedRoleUser"]["Arn"]')" = "arn:aws:sts::123456789012:assumed-role/deployer/ci" ] || fail "assumed-role ARN"
export_session() {
  S_ID=$(echo "$1" | json 'd["Credentials"]["AccessKeyId"]')
  S_SECRET=$(echo "$1" | json 'd["Credentials"]["SecretAccessKey"]')
  S_TOKEN=$(echo "$1" | json 'd["Credentials"]["SessionToken"]')
}
as_session() { AWS_ACCESS_KEY_ID=$S_ID AWS_SECRET_ACCESS_KEY=$S_SECRET AWS_SESSION_TOKEN=$S_TOKEN gh "$@"; }
export_session "$creds"
case "$S_ID" in ASIA*) ;; *) fail "temporary key id $S_ID";; esac
id=$(as_session sts get-caller-identity)
[ "$(echo "$id" | json 'd["Arn"]')" = "arn:aws:sts::123456789012:assumed-role/deployer/ci" ] || fail "session identity: $id"
case "$(echo "$id" | json 'd["UserId"]')" in AROA*:ci) ;; *) fail "session user id: $id";; esac
as_session iam list-roles >/dev/null || fail "the session cannot list roles"
if out=$(as_session iam create-user --user-name mallory 2>&1); then fail "the session created a user"; fi
echo "$out" | grep -qF "User: arn:aws:sts::123456789012:assumed-role/deployer/ci is not authorized to perform: iam:CreateUser" || fail "unexpected denial: $out"

# A session policy narrows the session.
export_session "$(as_alice sts assume-role --role-arn "$role" --role-session-name narrow --external-id ci-7 \
  --policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}')"
as_session iam get-role --role-name deployer >/dev/null || fail "the narrowed session cannot get the role"
if out=$(as_session iam list-roles 2>&1); then fail "the session policy did not narrow"; fi
echo "$out" | grep -qF "because no session policy allows the iam:ListRoles action" || fail "unexpected denial: $out"

# A tampered token.
good_token=$S_TOKEN
S_TOKEN="${good_token:0:40}A${good_token:41}"
[ "$S_TOKEN" != "$good_token" ] || S_TOKEN="${good_token:0:40}B${good_token:41}"
if out=$(as_session sts get-caller-identity 2>&1); then fail "a tampered token was accepted"; fi
echo "$out" | grep -qF "(InvalidClientTokenId)" || fail "unexpected error: $out"

# A federated user.
export_session "$(as_alice sts get-federation-token --name contractor \
  --policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}')"
[ "$(as_session sts get-caller-identity | json 'd["Arn"]')" = "arn:aws:sts::123456789012:federated-user/contractor" ] || fail "federated identity"

# The account of an access key id: a user's key, a session's key, and
# (refused) for alice, whose policies do not allow sts:GetAccessKeyInfo.
[ "$(gh sts get-access-key-info --access-key-id "$alice_id" | json 'd["Account"]')" = "123456789012" ] || fail "account of alice's key"
[ "$(gh sts get-access-key-info --access-key-id "$S_ID" | json 'd["Account"]')" = "123456789012" ] || fail "account of a session key"
if out=$(as_alice sts get-access-key-info --access-key-id "$S_ID" 2>&1); then fail "alice read a key's account"; fi
echo "$out" | grep -qF "is not authorized to perform: sts:GetAccessKeyInfo" || fail "unexpected denial: $out"

# The root user's session lasts an hour at most.
export_session "$(gh sts get-session-token --duration-seconds 7200)"
[ "$(as_session sts get-caller-identity | json 'd["Arn"]')" = "arn:aws:iam::123456789012:root" ] || fail "root session identity"
echo "sts.sh: all checks passed"
