package server

import (
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
)

type iamOps = map[string]awsquery.Handler[*authz.Caller]

// iamOperations maps every IAM action to its operation.
func iamOperations(svc *iam.Service) iamOps {
	ops := iamOps{}
	addUserOperations(ops, svc)
	addGroupRoleOperations(ops, svc)
	addManagedPolicyOperations(ops, svc)
	addInlinePolicyOperations(ops, svc)
	addMFAOperations(ops, svc)
	addLoginOperations(ops, svc)
	addSimulateOperations(ops, svc)
	return ops
}

func addUserOperations(ops iamOps, svc *iam.Service) {
	ops["CreateUser"] = awsquery.Op(svc.CreateUser)
	ops["GetUser"] = awsquery.Op(svc.GetUser)
	ops["ListUsers"] = awsquery.Op(svc.ListUsers)
	ops["UpdateUser"] = awsquery.Op(svc.UpdateUser)
	ops["DeleteUser"] = awsquery.Op(svc.DeleteUser)
	ops["TagUser"] = awsquery.Op(svc.TagUser)
	ops["UntagUser"] = awsquery.Op(svc.UntagUser)
	ops["ListUserTags"] = awsquery.Op(svc.ListUserTags)
	ops["CreateAccessKey"] = awsquery.Op(svc.CreateAccessKey)
	ops["ListAccessKeys"] = awsquery.Op(svc.ListAccessKeys)
	ops["UpdateAccessKey"] = awsquery.Op(svc.UpdateAccessKey)
	ops["DeleteAccessKey"] = awsquery.Op(svc.DeleteAccessKey)
	ops["GetAccessKeyLastUsed"] = awsquery.Op(svc.GetAccessKeyLastUsed)
}
