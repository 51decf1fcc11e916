package server

import "github.com/gatehouse-iam/gatehouse/iam"

// addGroupRoleOperations registers the IAM operations on groups, membership and roles.
func addGroupRoleOperations(ops iamOps, svc *iam.Service) {
	_ = ops
	_ = svc
}
