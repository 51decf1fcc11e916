"""boto3 against Gatehouse: IAM, STS and IVS as a Python program uses them.

Run by server.TestBoto3 with GATEHOUSE_ENDPOINT, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (the root key of account 123456789012) set.
"""
import json
import os
import time

import boto3
from botocore.exceptions import ClientError

EP = os.environ["GATEHOUSE_ENDPOINT"]
ACCOUNT = "123456789012"
root = boto3.Session(region_name="us-west-2")


def client(session, name):
    return session.client(name, endpoint_url=EP)


def expect_error(code, fn, *args, contains="", **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        msg = e.response["Error"]["Message"]
        assert got == code, f"{fn.__name__}: {got} {msg}, want {code}"
        assert contains in msg, f"{fn.__name__}: {msg!r} lacks {contains!r}"
        return msg
    raise AssertionError(f"{fn.__name__} succeeded, want {code}")


doc = lambda *stmts: json.dumps({"Version": "2012-10-17", "Statement": list(stmts)})

sts = client(root, "sts")
iam = client(root, "iam")
assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"

# A user with a path, tags, a key, inline and managed policies.
iam.create_user(UserName="bob", Path="/staff/", Tags=[{"Key": "team", "Value": "video"}])
u = iam.get_user(UserName="bob")["User"]
assert u["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/staff/bob" and u["Tags"] == [{"Key": "team", "Value": "video"}], u
key = iam.create_access_key(UserName="bob")["AccessKey"]
assert sts.get_access_key_info(AccessKeyId=key["AccessKeyId"])["Account"] == ACCOUNT
iam.put_user_policy(UserName="bob", PolicyName="channels", PolicyDocument=doc(
    {"Effect": "Allow", "Action": ["ivs:CreateChannel", "ivs:ListChannels", "ivs:TagResource", "ivs:ListStreamKeys",
                                   "ivs:ListTagsForResource", "ivs:GetStream", "sts:AssumeRole"], "Resource": "*"},
    {"Sid": "ViewChannelIfOwner", "Effect": "Allow", "Action": "ivs:GetChannel", "Resource": "arn:aws:ivs:*:*:channel/*",
     "Condition": {"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}}}))
assert iam.list_user_policies(UserName="bob")["PolicyNames"] == ["channels"]
ro = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/IVSReadOnlyAccess")["Policy"]
assert ro["PolicyName"] == "IVSReadOnlyAccess", ro
iam.attach_user_policy(UserName="bob", PolicyArn=ro["Arn"])
assert [p["PolicyName"] for p in iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"]] == ["IVSReadOnlyAccess"]
assert iam.get_account_summary()["SummaryMap"]["Users"] == 1

# IVS as bob: the seed's tag-based policy decides GetChannel.
bob = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name="us-west-2")
ivs = client(bob, "ivs")
mine = ivs.create_channel(name="mine", tags={"Owner": "bob"})
assert mine["streamKey"]["value"].startswith("sk_us-west-2_"), mine["streamKey"]
theirs = ivs.create_channel(name="theirs", tags={"Owner": "alice"})["channel"]["arn"]
assert ivs.get_channel(arn=mine["channel"]["arn"])["channel"]["name"] == "mine"
# IVSReadOnlyAccess allows ivs:Get*: detach it to see the tag condition alone.
iam.detach_user_policy(UserName="bob", PolicyArn=ro["Arn"])
expect_error("AccessDeniedException", ivs.get_channel, arn=theirs,
             contains=f"User: arn:aws:iam::{ACCOUNT}:user/staff/bob is not authorized to perform: ivs:GetChannel on resource: {theirs}")
assert {c["name"] for c in ivs.list_channels()["channels"]} == {"mine", "theirs"}
assert ivs.list_tags_for_resource(resourceArn=mine["channel"]["arn"])["tags"] == {"Owner": "bob"}
try:
    ivs.get_stream(channelArn=mine["channel"]["arn"])
    raise AssertionError("GetStream of an idle channel succeeded")
except ivs.exceptions.ChannelNotBroadcasting:
    pass
expect_error("AccessDenied", client(bob, "iam").list_users, contains="is not authorized to perform: iam:ListUsers")

# A role bob assumes; the session shows in RoleLastUsed.
iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/staff/bob"}, "Action": "sts:AssumeRole"}))
iam.put_role_policy(RoleName="deployer", PolicyName="read", PolicyDocument=doc(
    {"Effect": "Allow", "Action": "ivs:ListChannels", "Resource": "*"}))
assert iam.get_role(RoleName="deployer")["Role"]["RoleLastUsed"] == {}
creds = client(bob, "sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/deployer", RoleSessionName="py")["Credentials"]
assert creds["AccessKeyId"].startswith("ASIA")
assert sts.get_access_key_info(AccessKeyId=creds["AccessKeyId"])["Account"] == ACCOUNT
sess = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                     aws_session_token=creds["SessionToken"], region_name="us-west-2")
assert client(sess, "sts").get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/py"
assert len(client(sess, "ivs").list_channels()["channels"]) == 2
expect_error("AccessDeniedException", client(sess, "ivs").create_channel, name="nope")
for _ in range(100):
    last = iam.get_role(RoleName="deployer")["Role"]["RoleLastUsed"]
    if "LastUsedDate" in last:
        break
    time.sleep(0.05)
assert last.get("Region") == "us-west-2", last

# The simulator and a malformed policy.
sim = iam.simulate_principal_policy(PolicySourceArn=u["Arn"], ActionNames=["ivs:ListChannels", "iam:ListUsers"])
assert [(r["EvalActionName"], r["EvalDecision"]) for r in sim["EvaluationResults"]] == [
    ("ivs:ListChannels", "allowed"), ("iam:ListUsers", "implicitDeny")], sim["EvaluationResults"]
expect_error("MalformedPolicyDocument", iam.put_user_policy, UserName="bob", PolicyName="bad",
             PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:*"}]}')
print("smoke.py: all checks passed with boto3", boto3.__version__)
