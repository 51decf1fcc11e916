#!/usr/bin/env bash
# Response shapes botocore must parse: roles with their trust policy,
# policy versions (percent-encoded documents), the account summary map,
# authorization details, AWS managed policies, pagination.
. "$(dirname "$0")/lib/common.sh"

trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'
gh iam create-role --role-name StreamOps --path /media/ --assume-role-policy-document "$trust" >/dev/null
[ "$(gh iam get-role --role-name StreamOps | json 'd["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]')" = "arn:aws:iam::123456789012:root" ] || fail "trust policy not decoded"
[ "$(gh iam get-role --role-name StreamOps | json 'd["Role"]["MaxSessionDuration"]')" = 3600 ] || fail "MaxSessionDuration"

doc='{"Version":"2012-10-17","Statement":[{"Sid":"ReadIAM","Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}'
arn=$(gh iam create-policy --policy-name ReadIAM --policy-document "$doc" | json 'd["Policy"]["Arn"]')
gh iam create-policy-version --policy-arn "$arn" --policy-document "$doc" --set-as-default >/dev/null
[ "$(gh iam get-policy-version --policy-arn "$arn" --version-id v2 | json 'd["PolicyVersion"]["Document"]["Statement"][0]["Sid"]')" = ReadIAM ] || fail "policy version document"
[ "$(gh iam get-policy --policy-arn "$arn" | json 'd["Policy"]["DefaultVersionId"]')" = v2 ] || fail "default version"
[ "$(gh iam list-policies --scope AWS | json '",".join(p["PolicyName"] for p in d["Policies"])')" = "IVSFullAccess,IVSReadOnlyAccess" ] || fail "AWS managed policies"
gh iam get-policy-version --policy-arn arn:aws:iam::aws:policy/IVSReadOnlyAccess --version-id v7 | json 'd["PolicyVersion"]["Document"]["Statement"][0]["Action"]' | grep -q "ivs:ListChannels" || fail "IVSReadOnlyAccess document"

for n in 1 2 3 4 5; do gh iam create-user --user-name "user$n" >/dev/null; done
gh iam attach-role-policy --role-name StreamOps --policy-arn "$arn"
[ "$(gh iam list-entities-for-policy --policy-arn "$arn" | json 'd["PolicyRoles"][0]["RoleName"]')" = StreamOps ] || fail "entities for policy"
# The CLI follows Marker pages by itself: five users in pages of two.
[ "$(gh iam list-users --page-size 2 | json 'len(d["Users"])')" = 5 ] || fail "pagination"
[ "$(gh iam list-users --max-items 2 | json 'd["NextToken"] != ""')" = True ] || fail "truncated page"
[ "$(gh iam get-account-summary | json 'd["SummaryMap"]["Users"]')" = 5 ] || fail "account summary"
[ "$(gh iam get-account-authorization-details --filter Role | json 'd["RoleDetailList"][0]["AttachedManagedPolicies"][0]["PolicyName"]')" = ReadIAM ] || fail "authorization details"

# Errors botocore maps to its exceptions.
out=$(gh iam get-role --role-name Nope 2>&1) && fail "missing role found"
echo "$out" | grep -qF "(NoSuchEntity) when calling the GetRole operation: The role with name Nope cannot be found." || fail "NoSuchEntity: $out"
out=$(gh iam create-policy --policy-name Bad --policy-document '{"Statement":{"Effect":"Permit"}}' 2>&1) && fail "bad policy accepted"
echo "$out" | grep -qF "(MalformedPolicyDocument)" || fail "MalformedPolicyDocument: $out"
echo "iam-shapes.sh: all checks passed"
