package server

import (
	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
)

// addLoginOperations registers the IAM operations on console passwords:
// login profiles, ChangePassword and the account password policy.
// iam.Service.VerifyPassword, with which the console signs users in, is
// deliberately not among them.
func addLoginOperations(ops iamOps, svc *iam.Service) {
	ops["CreateLoginProfile"] = awsquery.Op(svc.CreateLoginProfile)
	ops["GetLoginProfile"] = awsquery.Op(svc.GetLoginProfile)
	ops["UpdateLoginProfile"] = awsquery.Op(svc.UpdateLoginProfile)
	ops["DeleteLoginProfile"] = awsquery.Op(svc.DeleteLoginProfile)
	ops["ChangePassword"] = awsquery.Op(svc.ChangePassword)
	ops["UpdateAccountPasswordPolicy"] = awsquery.Op(svc.UpdateAccountPasswordPolicy)
	ops["GetAccountPasswordPolicy"] = awsquery.Op(svc.GetAccountPasswordPolicy)
	ops["DeleteAccountPasswordPolicy"] = awsquery.Op(svc.DeleteAccountPasswordPolicy)
}
