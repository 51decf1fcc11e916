package store

import "strings"

// The key layout. Entities are keyed by lower-cased name (IAM names are
// unique regardless of case); relations are keyed by the entities' ids, so
// that renaming an entity moves one record. Every function returns a key in
// the entity's account, except the access-key index, which is Global.

// UserKey is the key of a user record.
func UserKey(name string) string { return "user/" + strings.ToLower(name) }

// UserIDKey maps a user id to the lower-cased name.
func UserIDKey(id string) string { return "userid/" + id }

// GroupKey is the key of a group record.
func GroupKey(name string) string { return "group/" + strings.ToLower(name) }

// GroupIDKey maps a group id to the lower-cased name.
func GroupIDKey(id string) string { return "groupid/" + id }

// RoleKey is the key of a role record.
func RoleKey(name string) string { return "role/" + strings.ToLower(name) }

// RoleIDKey maps a role id to the lower-cased name.
func RoleIDKey(id string) string { return "roleid/" + id }

// PolicyKey is the key of a customer-managed policy, by name (policy names
// are unique within an account, whatever their path).
func PolicyKey(name string) string { return "policy/" + strings.ToLower(name) }

// InlinePrefix lists the inline policies of an owner.
func InlinePrefix(kind, ownerID string) string { return "inline/" + kind + "/" + ownerID + "/" }

// InlineKey is the key of one inline policy.
func InlineKey(kind, ownerID, name string) string {
	return InlinePrefix(kind, ownerID) + strings.ToLower(name)
}

// AttachPrefix lists the managed policies attached to an owner.
func AttachPrefix(kind, ownerID string) string { return "attach/" + kind + "/" + ownerID + "/" }

// AttachKey records an attachment on the owner's side.
func AttachKey(kind, ownerID, policyARN string) string {
	return AttachPrefix(kind, ownerID) + policyARN
}

// AttachedToPrefix lists the owners a policy is attached to.
func AttachedToPrefix(policyARN string) string { return "attached/" + policyARN + "/" }

// AttachedToKey records an attachment on the policy's side.
func AttachedToKey(policyARN, kind, ownerID string) string {
	return AttachedToPrefix(policyARN) + kind + "/" + ownerID
}

// BoundaryUsePrefix lists the users and roles using a policy as boundary.
func BoundaryUsePrefix(policyARN string) string { return "boundary/" + policyARN + "/" }

// BoundaryUseKey records that an entity uses a policy as its boundary.
func BoundaryUseKey(policyARN, kind, ownerID string) string {
	return BoundaryUsePrefix(policyARN) + kind + "/" + ownerID
}

// MembersPrefix lists the member user ids of a group.
func MembersPrefix(groupID string) string { return "members/" + groupID + "/" }

// MemberKey records that a user is in a group (group side).
func MemberKey(groupID, userID string) string { return MembersPrefix(groupID) + userID }

// GroupsOfPrefix lists the group ids of a user.
func GroupsOfPrefix(userID string) string { return "groupsof/" + userID + "/" }

// GroupsOfKey records that a user is in a group (user side).
func GroupsOfKey(userID, groupID string) string { return GroupsOfPrefix(userID) + groupID }

// UserKeysPrefix lists the access key ids of a user ("root" for the
// account's root user).
func UserKeysPrefix(userID string) string { return "keys/" + userID + "/" }

// UserKeyKey records that a user owns an access key.
func UserKeyKey(userID, keyID string) string { return UserKeysPrefix(userID) + keyID }

// AccessKeyKey is the Global index of every long-term access key.
func AccessKeyKey(id string) string { return "accesskey/" + id }

// UsagePartition holds the records of when access keys were last used.
// They are written often, by requests, and no cache depends on them: a
// partition of their own keeps their writes from invalidating what the
// caches hold of the Global partition and the accounts.
const UsagePartition = "usage"

// KeyUsageKey records the last use of an access key (UsagePartition).
func KeyUsageKey(id string) string { return "keyusage/" + id }

// AccountKey is the Global record of an account.
func AccountKey(id string) string { return "account/" + id }

// AccountsPrefix lists the accounts (Global).
const AccountsPrefix = "account/"

// UserMFAPrefix lists the MFA devices enabled for a user.
func UserMFAPrefix(userID string) string { return "mfa-of/" + userID + "/" }
