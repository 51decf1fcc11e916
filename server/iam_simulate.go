package server

import (
	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
)

// addSimulateOperations registers the policy simulator.
func addSimulateOperations(ops iamOps, svc *iam.Service) {
	ops["SimulatePrincipalPolicy"] = awsquery.Op(svc.SimulatePrincipalPolicy)
	ops["SimulateCustomPolicy"] = awsquery.Op(svc.SimulateCustomPolicy)
	ops["GetContextKeysForPrincipalPolicy"] = awsquery.Op(svc.GetContextKeysForPrincipalPolicy)
	ops["GetContextKeysForCustomPolicy"] = awsquery.Op(svc.GetContextKeysForCustomPolicy)
}
