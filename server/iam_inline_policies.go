package server

import (
	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
)

// addInlinePolicyOperations registers the IAM operations on inline policies, permissions boundaries and account-wide reads.
func addInlinePolicyOperations(ops iamOps, svc *iam.Service) {
	ops["PutUserPolicy"] = awsquery.Op(svc.PutUserPolicy)
	ops["GetUserPolicy"] = awsquery.Op(svc.GetUserPolicy)
	ops["ListUserPolicies"] = awsquery.Op(svc.ListUserPolicies)
	ops["DeleteUserPolicy"] = awsquery.Op(svc.DeleteUserPolicy)
	ops["PutGroupPolicy"] = awsquery.Op(svc.PutGroupPolicy)
	ops["GetGroupPolicy"] = awsquery.Op(svc.GetGroupPolicy)
	ops["ListGroupPolicies"] = awsquery.Op(svc.ListGroupPolicies)
	ops["DeleteGroupPolicy"] = awsquery.Op(svc.DeleteGroupPolicy)
	ops["PutRolePolicy"] = awsquery.Op(svc.PutRolePolicy)
	ops["GetRolePolicy"] = awsquery.Op(svc.GetRolePolicy)
	ops["ListRolePolicies"] = awsquery.Op(svc.ListRolePolicies)
	ops["DeleteRolePolicy"] = awsquery.Op(svc.DeleteRolePolicy)
	ops["PutUserPermissionsBoundary"] = awsquery.Op(svc.PutUserPermissionsBoundary)
	ops["DeleteUserPermissionsBoundary"] = awsquery.Op(svc.DeleteUserPermissionsBoundary)
	ops["PutRolePermissionsBoundary"] = awsquery.Op(svc.PutRolePermissionsBoundary)
	ops["DeleteRolePermissionsBoundary"] = awsquery.Op(svc.DeleteRolePermissionsBoundary)
	ops["GetAccountAuthorizationDetails"] = awsquery.Op(svc.GetAccountAuthorizationDetails)
	ops["GetAccountSummary"] = awsquery.Op(svc.GetAccountSummary)
}
