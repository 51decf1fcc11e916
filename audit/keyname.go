package audit

import "strings"

// KeyName returns a condition key under its documented spelling: the
// request context keeps keys lower-cased ("aws:sourceip"), and
// explanations read better as "aws:SourceIp". A tag key's own part keeps
// the case it has; unknown keys are returned as given.
func KeyName(k string) string {
	lk := k
	if !isLower(k) {
		lk = strings.ToLower(k)
	}
	switch {
	case strings.HasPrefix(lk, "aws:requesttag/"):
		return "aws:RequestTag/" + k[len("aws:requesttag/"):]
	case strings.HasPrefix(lk, "aws:resourcetag/"):
		return "aws:ResourceTag/" + k[len("aws:resourcetag/"):]
	case strings.HasPrefix(lk, "aws:principaltag/"):
		return "aws:PrincipalTag/" + k[len("aws:principaltag/"):]
	case strings.HasPrefix(lk, "iam:resourcetag/"):
		return "iam:ResourceTag/" + k[len("iam:resourcetag/"):]
	}
	switch lk {
	case "aws:currenttime":
		return "aws:CurrentTime"
	case "aws:epochtime":
		return "aws:EpochTime"
	case "aws:securetransport":
		return "aws:SecureTransport"
	case "aws:requestedregion":
		return "aws:RequestedRegion"
	case "aws:sourceip":
		return "aws:SourceIp"
	case "aws:useragent":
		return "aws:UserAgent"
	case "aws:referer":
		return "aws:Referer"
	case "aws:tokenissuetime":
		return "aws:TokenIssueTime"
	case "aws:multifactorauthpresent":
		return "aws:MultiFactorAuthPresent"
	case "aws:multifactorauthage":
		return "aws:MultiFactorAuthAge"
	case "aws:sourceidentity":
		return "aws:SourceIdentity"
	case "aws:tagkeys":
		return "aws:TagKeys"
	case "aws:calledvia":
		return "aws:CalledVia"
	case "aws:viaawsservice":
		return "aws:ViaAWSService"
	case "sts:externalid":
		return "sts:ExternalId"
	case "sts:rolesessionname":
		return "sts:RoleSessionName"
	case "sts:sourceidentity":
		return "sts:SourceIdentity"
	case "sts:transitivetagkeys":
		return "sts:TransitiveTagKeys"
	case "sts:durationseconds":
		return "sts:DurationSeconds"
	case "iam:permissionsboundary":
		return "iam:PermissionsBoundary"
	case "iam:policyarn":
		return "iam:PolicyARN"
	case "iam:passedtoservice":
		return "iam:PassedToService"
	}
	return k
}

// isLower reports whether s has no upper-case ASCII letter.
func isLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return false
		}
	}
	return true
}
