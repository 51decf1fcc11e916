#!/usr/bin/env bash
# Console passwords through the unchanged AWS CLI: a login profile, the
# account password policy, a password the policy refuses, the user
# changing its own password, an administrator resetting it, and the clean-up.
#
# Environment: GATEHOUSE_ENDPOINT, the root user's AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY, and AWS_CLI (default: aws).
. "$(dirname "$0")/lib/common.sh"

gh iam create-user --user-name carla >/dev/null
key=$(gh iam create-access-key --user-name carla)
carla_id=$(echo "$key" | json 'd["AccessKey"]["AccessKeyId"]')
carla_secret=$(echo "$key" | json 'd["AccessKey"]["SecretAccessKey"]')
as_carla() { AWS_ACCESS_KEY_ID=$carla_id AWS_SECRET_ACCESS_KEY=$carla_secret gh "$@"; }

# No policy yet: IAM's default rules (8 characters, 3 kinds) apply.
if out=$(gh iam get-account-password-policy 2>&1); then fail "a password policy exists: $out"; fi
echo "$out" | grep -qF "(NoSuchEntity) when calling the GetAccountPasswordPolicy operation: The Password Policy with domain name 123456789012 cannot be found." || fail "get-account-password-policy: $out"
if out=$(gh iam create-login-profile --user-name carla --password 'weakpass' 2>&1); then fail "a weak password was accepted"; fi
echo "$out" | grep -qF "(PasswordPolicyViolation)" || fail "weak password: $out"

profile=$(gh iam create-login-profile --user-name carla --password 'Carla-Pass-1' --password-reset-required)
[ "$(echo "$profile" | json 'd["LoginProfile"]["UserName"]')" = carla ] || fail "create-login-profile: $profile"
[ "$(echo "$profile" | json 'd["LoginProfile"]["PasswordResetRequired"]')" = True ] || fail "reset required: $profile"
if echo "$profile" | grep -q 'Carla-Pass-1'; then fail "create-login-profile returns the password"; fi
[ "$(gh iam get-login-profile --user-name carla | json 'd["LoginProfile"]["PasswordResetRequired"]')" = True ] || fail "get-login-profile"
if out=$(gh iam delete-user --user-name carla 2>&1); then fail "deleted a user with keys and a password"; fi

gh iam update-account-password-policy --minimum-password-length 12 --require-symbols --require-numbers \
  --require-uppercase-characters --allow-users-to-change-password --max-password-age 90 --password-reuse-prevention 3
policy=$(gh iam get-account-password-policy)
[ "$(echo "$policy" | json 'd["PasswordPolicy"]["MinimumPasswordLength"], d["PasswordPolicy"]["ExpirePasswords"], d["PasswordPolicy"]["MaxPasswordAge"], d["PasswordPolicy"]["PasswordReusePrevention"], d["PasswordPolicy"]["RequireLowercaseCharacters"]')" = "12 True 90 3 False" ] || fail "get-account-password-policy: $policy"

# Carla changes her own password: the policy allows it, and judges the new one.
if out=$(as_carla iam change-password --old-password 'Carla-Pass-1' --new-password 'carla-pass-2!' 2>&1); then fail "a password without upper case was accepted"; fi
echo "$out" | grep -qF "(PasswordPolicyViolation) when calling the ChangePassword operation: Password should have at least one uppercase letter" || fail "policy violation: $out"
if out=$(as_carla iam change-password --old-password 'Carla-Pass-9' --new-password 'Carla-Pass-22!' 2>&1); then fail "a wrong old password was accepted"; fi
echo "$out" | grep -qF "(AccessDenied)" || fail "wrong old password: $out"
as_carla iam change-password --old-password 'Carla-Pass-1' --new-password 'Carla-Pass-22!'
[ "$(gh iam get-login-profile --user-name carla | json 'd["LoginProfile"]["PasswordResetRequired"]')" = False ] || fail "the reset requirement stayed"
if out=$(as_carla iam change-password --old-password 'Carla-Pass-22!' --new-password 'Carla-Pass-1' 2>&1); then fail "a recent password was reused"; fi
echo "$out" | grep -qF "(PasswordPolicyViolation)" || fail "reuse: $out"
# The root user has no IAM password to change.
if out=$(gh iam change-password --old-password 'Carla-Pass-22!' --new-password 'Carla-Pass-33!' 2>&1); then fail "root changed a password"; fi
echo "$out" | grep -qF "(InvalidUserType)" || fail "root change-password: $out"

# An administrator resets it; the old one is refused.
gh iam update-login-profile --user-name carla --password 'Reset-By-Admin-7!' --password-reset-required
if as_carla iam change-password --old-password 'Carla-Pass-22!' --new-password 'Carla-Pass-44!' >/dev/null 2>&1; then fail "the old password still works"; fi
as_carla iam change-password --old-password 'Reset-By-Admin-7!' --new-password 'Carla-Pass-44!'

gh iam delete-login-profile --user-name carla
if out=$(gh iam get-login-profile --user-name carla 2>&1); then fail "the login profile survived"; fi
echo "$out" | grep -qF "Login Profile for User carla cannot be found." || fail "get-login-profile after delete: $out"
gh iam delete-account-password-policy
if gh iam get-account-password-policy >/dev/null 2>&1; then fail "the policy survived"; fi
gh iam delete-access-key --user-name carla --access-key-id "$carla_id"
gh iam delete-user --user-name carla
echo "iam-login-profile.sh: all checks passed"
