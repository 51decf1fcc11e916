package server

import (
	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
)

// addGroupRoleOperations registers the IAM operations on groups, membership and roles.
func addGroupRoleOperations(ops iamOps, svc *iam.Service) {
	ops["CreateGroup"] = awsquery.Op(svc.CreateGroup)
	ops["GetGroup"] = awsquery.Op(svc.GetGroup)
	ops["ListGroups"] = awsquery.Op(svc.ListGroups)
	ops["UpdateGroup"] = awsquery.Op(svc.UpdateGroup)
	ops["DeleteGroup"] = awsquery.Op(svc.DeleteGroup)
	ops["AddUserToGroup"] = awsquery.Op(svc.AddUserToGroup)
	ops["RemoveUserFromGroup"] = awsquery.Op(svc.RemoveUserFromGroup)
	ops["ListGroupsForUser"] = awsquery.Op(svc.ListGroupsForUser)

	ops["CreateRole"] = awsquery.Op(svc.CreateRole)
	ops["GetRole"] = awsquery.Op(svc.GetRole)
	ops["ListRoles"] = awsquery.Op(svc.ListRoles)
	ops["UpdateRole"] = awsquery.Op(svc.UpdateRole)
	ops["UpdateAssumeRolePolicy"] = awsquery.Op(svc.UpdateAssumeRolePolicy)
	ops["DeleteRole"] = awsquery.Op(svc.DeleteRole)
	ops["TagRole"] = awsquery.Op(svc.TagRole)
	ops["UntagRole"] = awsquery.Op(svc.UntagRole)
	ops["ListRoleTags"] = awsquery.Op(svc.ListRoleTags)
}
