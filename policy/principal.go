package policy

// principalMatcher is a compiled Principal or NotPrincipal element.
type principalMatcher struct {
	any      bool     // "*" or {"AWS": "*"}
	arns     []string // IAM and STS ARNs other than account roots
	accounts []string // from "123456789012" or "arn:aws:iam::123456789012:root"
	// others holds Service, Federated and CanonicalUser principals, which
	// no signed IAM caller is.
	others []string
}

func compilePrincipals(ps *PrincipalSet) *principalMatcher {
	m := &principalMatcher{any: ps.Wildcard}
	for _, e := range ps.Entries {
		for _, v := range e.Values {
			switch {
			case e.Type != "AWS":
				if v == "*" {
					m.any = true
				} else {
					m.others = append(m.others, e.Type+":"+v)
				}
			case v == "*":
				m.any = true
			case isAccountID(v):
				m.accounts = append(m.accounts, v)
			default:
				if f, ok := splitARN(v); ok && f[2] == "iam" && f[5] == "root" {
					m.accounts = append(m.accounts, f[4])
				} else {
					m.arns = append(m.arns, v)
				}
			}
		}
	}
	return m
}

// nameLevel says how specifically a resource-based policy names the caller;
// higher is more specific.
type nameLevel uint8

const (
	namesNone    nameLevel = iota
	namesAccount           // the caller's account
	namesRole              // the role of an assumed-role caller
	namesCaller            // the caller itself, or "*"
)

// level reports how the element names principal p.
func (m *principalMatcher) level(p *Principal) nameLevel {
	if m.any {
		return namesCaller
	}
	best := namesNone
	for _, a := range m.arns {
		if a == p.ARN {
			return namesCaller
		}
		if p.RoleARN != "" && a == p.RoleARN {
			best = namesRole
		}
	}
	if best == namesNone {
		for _, a := range m.accounts {
			if a == p.Account {
				if p.Type == Root {
					return namesCaller
				}
				return namesAccount
			}
		}
	}
	return best
}

// excludes reports whether a NotPrincipal element lists every identity in
// p's chain (its account, its role, itself), which is what it takes for a
// Deny with NotPrincipal to spare p.
func (m *principalMatcher) excludes(p *Principal) bool {
	if m.any {
		return true
	}
	hasARN := func(s string) bool {
		for _, a := range m.arns {
			if a == s {
				return true
			}
		}
		return false
	}
	account := false
	for _, a := range m.accounts {
		if a == p.Account {
			account = true
		}
	}
	if !account {
		return false
	}
	switch p.Type {
	case Root:
		return true
	case AssumedRole:
		return hasARN(p.RoleARN) && hasARN(p.ARN)
	default:
		return hasARN(p.ARN)
	}
}
