package server

import (
	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
)

// addManagedPolicyOperations registers the IAM operations on managed policies, versions and attachments.
func addManagedPolicyOperations(ops iamOps, svc *iam.Service) {
	ops["CreatePolicy"] = awsquery.Op(svc.CreatePolicy)
	ops["GetPolicy"] = awsquery.Op(svc.GetPolicy)
	ops["ListPolicies"] = awsquery.Op(svc.ListPolicies)
	ops["DeletePolicy"] = awsquery.Op(svc.DeletePolicy)
	ops["TagPolicy"] = awsquery.Op(svc.TagPolicy)
	ops["UntagPolicy"] = awsquery.Op(svc.UntagPolicy)
	ops["ListPolicyTags"] = awsquery.Op(svc.ListPolicyTags)
	ops["CreatePolicyVersion"] = awsquery.Op(svc.CreatePolicyVersion)
	ops["GetPolicyVersion"] = awsquery.Op(svc.GetPolicyVersion)
	ops["ListPolicyVersions"] = awsquery.Op(svc.ListPolicyVersions)
	ops["SetDefaultPolicyVersion"] = awsquery.Op(svc.SetDefaultPolicyVersion)
	ops["DeletePolicyVersion"] = awsquery.Op(svc.DeletePolicyVersion)
	ops["ListEntitiesForPolicy"] = awsquery.Op(svc.ListEntitiesForPolicy)
	ops["AttachUserPolicy"] = awsquery.Op(svc.AttachUserPolicy)
	ops["DetachUserPolicy"] = awsquery.Op(svc.DetachUserPolicy)
	ops["ListAttachedUserPolicies"] = awsquery.Op(svc.ListAttachedUserPolicies)
	ops["AttachGroupPolicy"] = awsquery.Op(svc.AttachGroupPolicy)
	ops["DetachGroupPolicy"] = awsquery.Op(svc.DetachGroupPolicy)
	ops["ListAttachedGroupPolicies"] = awsquery.Op(svc.ListAttachedGroupPolicies)
	ops["AttachRolePolicy"] = awsquery.Op(svc.AttachRolePolicy)
	ops["DetachRolePolicy"] = awsquery.Op(svc.DetachRolePolicy)
	ops["ListAttachedRolePolicies"] = awsquery.Op(svc.ListAttachedRolePolicies)
}
