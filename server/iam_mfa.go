package server

import (
	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
)

// addMFAOperations registers the IAM operations on MFA devices.
func addMFAOperations(ops iamOps, svc *iam.Service) {
	ops["CreateVirtualMFADevice"] = awsquery.Op(svc.CreateVirtualMFADevice)
	ops["EnableMFADevice"] = awsquery.Op(svc.EnableMFADevice)
	ops["ResyncMFADevice"] = awsquery.Op(svc.ResyncMFADevice)
	ops["DeactivateMFADevice"] = awsquery.Op(svc.DeactivateMFADevice)
	ops["DeleteVirtualMFADevice"] = awsquery.Op(svc.DeleteVirtualMFADevice)
	ops["ListMFADevices"] = awsquery.Op(svc.ListMFADevices)
	ops["ListVirtualMFADevices"] = awsquery.Op(svc.ListVirtualMFADevices)
}
