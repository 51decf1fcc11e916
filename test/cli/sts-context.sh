#!/usr/bin/env bash
# Roles across accounts, MFA and the request context through the unchanged
# AWS CLI: a user of account B (111122223333) assumes a role of account A
# (123456789012) with an external id; a policy that requires MFA is
# satisfied by a GetSessionToken session made with a TOTP code of the
# user's virtual MFA device; aws:SourceIp decides a real request.
#
# Environment: GATEHOUSE_ENDPOINT, account A's root AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY, account B's root GATEHOUSE_B_ACCESS_KEY_ID /
# GATEHOUSE_B_SECRET_ACCESS_KEY, and AWS_CLI (default: aws).
. "$(dirname "$0")/lib/common.sh"
: "${GATEHOUSE_B_ACCESS_KEY_ID:?}" "${GATEHOUSE_B_SECRET_ACCESS_KEY:?}"
as_b() { AWS_ACCESS_KEY_ID=$GATEHOUSE_B_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$GATEHOUSE_B_SECRET_ACCESS_KEY gh "$@"; }
as() { local id=$1 secret=$2 token=$3; shift 3; AWS_ACCESS_KEY_ID=$id AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN=$token gh "$@"; }
# totp SEED UNIX_TIME prints the RFC 6238 code (SHA-1, 30 s, 6 digits).
totp() {
  python3 - "$1" "$2" <<'PY'
import base64, hashlib, hmac, struct, sys
key = base64.b32decode(sys.argv[1])
mac = hmac.new(key, struct.pack(">Q", int(sys.argv[2]) // 30), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
}

# Account A: a role that trusts account B, with an external id.
gh iam create-role --role-name partner-read --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"partner-42"}}}]}' >/dev/null
gh iam attach-role-policy --role-name partner-read --policy-arn arn:aws:iam::aws:policy/IVSReadOnlyAccess
gh iam put-role-policy --role-name partner-read --policy-name list-users --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}'
role=arn:aws:iam::123456789012:role/partner-read

# Account B: bob, allowed to assume roles elsewhere.
[ "$(as_b sts get-caller-identity | json 'd["Account"]')" = 111122223333 ] || fail "account B"
as_b iam create-user --user-name bob >/dev/null
as_b iam put-user-policy --user-name bob --policy-name assume --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/*"}]}'
key=$(as_b iam create-access-key --user-name bob)
bob_id=$(echo "$key" | json 'd["AccessKey"]["AccessKeyId"]'); bob_secret=$(echo "$key" | json 'd["AccessKey"]["SecretAccessKey"]')

if out=$(as "$bob_id" "$bob_secret" "" sts assume-role --role-arn $role --role-session-name bob 2>&1); then fail "assumed without the external id"; fi
echo "$out" | grep -qF "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:AssumeRole on resource: $role" || fail "denial: $out"
creds=$(as "$bob_id" "$bob_secret" "" sts assume-role --role-arn $role --role-session-name bob --external-id partner-42)
s_id=$(echo "$creds" | json 'd["Credentials"]["AccessKeyId"]'); s_secret=$(echo "$creds" | json 'd["Credentials"]["SecretAccessKey"]'); s_token=$(echo "$creds" | json 'd["Credentials"]["SessionToken"]')
[ "$(as "$s_id" "$s_secret" "$s_token" sts get-caller-identity | json 'd["Arn"]')" = "arn:aws:sts::123456789012:assumed-role/partner-read/bob" ] || fail "session identity"
as "$s_id" "$s_secret" "$s_token" iam list-users >/dev/null || fail "the session cannot list account A's users"
if out=$(as "$s_id" "$s_secret" "$s_token" iam create-user --user-name x 2>&1); then fail "the session created a user"; fi
echo "$out" | grep -qF "User: arn:aws:sts::123456789012:assumed-role/partner-read/bob is not authorized to perform: iam:CreateUser" || fail "session denial: $out"

# MFA: alice may list users only with MFA.
gh iam create-user --user-name alice >/dev/null
gh iam put-user-policy --user-name alice --policy-name mfa --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}'
key=$(gh iam create-access-key --user-name alice)
a_id=$(echo "$key" | json 'd["AccessKey"]["AccessKeyId"]'); a_secret=$(echo "$key" | json 'd["AccessKey"]["SecretAccessKey"]')
seedfile=$(mktemp); trap 'rm -f "$seedfile"' EXIT; rm -f "$seedfile"
serial=$(gh iam create-virtual-mfa-device --virtual-mfa-device-name alice-phone --outfile "$seedfile" --bootstrap-method Base32StringSeed | json 'd["VirtualMFADevice"]["SerialNumber"]')
seed=$(cat "$seedfile")
now=$(date +%s)
gh iam enable-mfa-device --user-name alice --serial-number "$serial" --authentication-code1 "$(totp "$seed" $((now - 30)))" --authentication-code2 "$(totp "$seed" "$now")"
if as "$a_id" "$a_secret" "" iam list-users >/dev/null 2>&1; then fail "listed users without MFA"; fi
# The codes of this 30-second step are spent: wait for the next one.
sleep $(( 30 - $(date +%s) % 30 + 1 ))
sess=$(as "$a_id" "$a_secret" "" sts get-session-token --serial-number "$serial" --token-code "$(totp "$seed" "$(date +%s)")")
m_id=$(echo "$sess" | json 'd["Credentials"]["AccessKeyId"]'); m_secret=$(echo "$sess" | json 'd["Credentials"]["SecretAccessKey"]'); m_token=$(echo "$sess" | json 'd["Credentials"]["SessionToken"]')
as "$m_id" "$m_secret" "$m_token" iam list-users >/dev/null || fail "the MFA session cannot list users"

# aws:SourceIp: requests come from 127.0.0.1.
gh iam put-user-policy --user-name alice --policy-name ip --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}},{"Effect":"Allow","Action":"iam:ListGroups","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}'
as "$a_id" "$a_secret" "" iam get-user >/dev/null || fail "IpAddress 127.0.0.0/8 did not allow"
if as "$a_id" "$a_secret" "" iam list-groups >/dev/null 2>&1; then fail "IpAddress 10.0.0.0/8 allowed a request from 127.0.0.1"; fi
echo "sts-context.sh: all checks passed"
