# Sourced by every CLI scenario (test/cli/*.sh): strict mode, an AWS CLI
# that talks to Gatehouse only, with nothing from the user's AWS
# configuration, and the scenarios' helpers. The region is us-east-1 (IAM
# and STS); IVS scenarios export AWS_DEFAULT_REGION=us-west-2 after
# sourcing this.
set -euo pipefail
: "${GATEHOUSE_ENDPOINT:?set GATEHOUSE_ENDPOINT}"
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN
# gh runs the AWS CLI ($AWS_CLI, default aws) against Gatehouse, JSON out.
gh() { "${AWS_CLI:-aws}" --endpoint-url "$GATEHOUSE_ENDPOINT" --output json "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# json prints a Python expression of the JSON on stdin, d.
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
