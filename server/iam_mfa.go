package server

import "github.com/gatehouse-iam/gatehouse/iam"

// addMFAOperations registers the IAM operations on MFA devices.
func addMFAOperations(ops iamOps, svc *iam.Service) {
	_ = ops
	_ = svc
}
