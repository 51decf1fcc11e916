package bench

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"github.com/gatehouse-iam/gatehouse/policy/workload"
)

// Each IAM statement becomes one Cedar policy: Allow is permit, Deny is
// forbid, and the principal is unconstrained because, as in IAM, the
// policy set is the one attached to the principal.
//
//   - Actions are Action entities. A list becomes `action in [...]`. An
//     action with wildcards ("ivs:Get*") becomes an action group entity,
//     and the request's action entity lists as parents every group that
//     matches it, as a Cedar schema's action hierarchy would; Cedar has no
//     wildcard actions.
//   - The resource is an entity of type Resource with attributes arn (its
//     ARN) and tags (a record of its tags). A Resource element becomes
//     `resource.arn like "..."`: Cedar's `*` also crosses ':' in an ARN,
//     which IAM's does not, a difference no workload depends on.
//   - The principal is a User entity with attributes username and tags.
//   - Conditions become `when` clauses on context, resource and principal
//     attributes: IpAddress is ip().isInRange, DateLessThan compares
//     datetime values, ForAnyValue:StringEquals is containsAny, StringLike
//     is like, aws:PrincipalType is `principal is User`, and
//     ${aws:username} is principal.username.

// CedarCase is a translated workload: policies, entities, a request and
// the decision expected for it.
type CedarCase struct {
	Policies *cedar.PolicySet
	Entities cedar.EntityMap
	Request  cedar.Request
	Allow    bool
}

// Decide runs cedar.Authorize on the case.
func (c *CedarCase) Decide() cedar.Decision {
	d, _ := cedar.Authorize(c.Policies, c.Entities, c.Request)
	return d
}

// cedarDoc builds a Cedar policy set text and records the action groups
// its policies use.
type cedarDoc struct {
	b      strings.Builder
	groups map[string]bool
}

// add appends a policy. effect is "permit" or "forbid"; when is the body
// of its when clause, or "".
func (d *cedarDoc) add(effect, sid string, actions []string, when string) {
	if d.groups == nil {
		d.groups = map[string]bool{}
	}
	fmt.Fprintf(&d.b, "@id(%q)\n%s (\n  principal,\n  ", sid, effect)
	if len(actions) == 1 && !strings.ContainsAny(actions[0], "*?") {
		fmt.Fprintf(&d.b, "action == Action::%q,\n", actions[0])
	} else {
		d.b.WriteString("action in [")
		for i, a := range actions {
			if i > 0 {
				d.b.WriteString(", ")
			}
			fmt.Fprintf(&d.b, "Action::%q", a)
			if strings.ContainsAny(a, "*?") {
				d.groups[a] = true
			}
		}
		d.b.WriteString("],\n")
	}
	d.b.WriteString("  resource\n)")
	if when != "" {
		fmt.Fprintf(&d.b, "\nwhen { %s }", when)
	}
	d.b.WriteString(";\n\n")
}

func (d *cedarDoc) policySet(name string) (*cedar.PolicySet, error) {
	ps, err := cedar.NewPolicySetFromBytes(name, []byte(d.b.String()))
	if err != nil {
		return nil, fmt.Errorf("cedar %s: %w\n%s", name, err, d.b.String())
	}
	return ps, nil
}

// actionEntity returns the entity of action a, a member of every group of
// d that matches it.
func (d *cedarDoc) actionEntity(a string) cedar.Entity {
	var parents []cedar.EntityUID
	groups := make([]string, 0, len(d.groups))
	for g := range d.groups {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		if glob(strings.ToLower(g), strings.ToLower(a)) {
			parents = append(parents, cedar.NewEntityUID("Action", cedar.String(g)))
		}
	}
	uid := cedar.NewEntityUID("Action", cedar.String(a))
	return cedar.Entity{UID: uid, Parents: cedar.NewEntityUIDSet(parents...)}
}

// glob reports whether s matches p, where '*' matches any run of
// characters and '?' any one.
func glob(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if glob(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && glob(p[1:], s[1:])
	default:
		return s != "" && s[0] == p[0] && glob(p[1:], s[1:])
	}
}

func cedarUser(name string, tags cedar.RecordMap) cedar.Entity {
	return cedar.Entity{
		UID: cedar.NewEntityUID("User", cedar.String("arn:aws:iam::"+workload.Account+":user/"+name)),
		Attributes: cedar.NewRecord(cedar.RecordMap{
			"username": cedar.String(name),
			"path":     cedar.String("/"),
			"tags":     cedar.NewRecord(tags),
		}),
	}
}

func cedarResource(arn string, tags cedar.RecordMap) cedar.Entity {
	return cedar.Entity{
		UID: cedar.NewEntityUID("Resource", cedar.String(arn)),
		Attributes: cedar.NewRecord(cedar.RecordMap{
			"arn":  cedar.String(arn),
			"tags": cedar.NewRecord(tags),
		}),
	}
}

func entityMap(es ...cedar.Entity) cedar.EntityMap {
	m := cedar.EntityMap{}
	for _, e := range es {
		m[e.UID] = e
	}
	return m
}

// cedarW1Doc is W1's policy for channel id.
func cedarW1Doc(channel string) *cedarDoc {
	d := &cedarDoc{}
	d.add("permit", "ListChannelsInConsole", []string{"ivs:ListChannels", "ivs:ListStreams"},
		`resource.arn like "arn:aws:ivs:*:*:channel/*"`)
	d.add("permit", "ViewSpecificChannelInfo", []string{"ivs:GetChannel", "ivs:GetStream"},
		`resource.arn like "arn:aws:ivs:*:*:channel/`+channel+`"`)
	d.add("permit", "ManageChannel", []string{"ivs:StopStream", "ivs:PutMetadata", "ivs:UpdateChannel"},
		`resource.arn like "arn:aws:ivs:*:*:channel/`+channel+`"`)
	return d
}

// CedarW1 returns W1 in Cedar: ivs:PutMetadata on the channel (allowed) and
// ivs:GetChannel on another channel (denied).
func CedarW1() (allow, deny *CedarCase, err error) {
	d := cedarW1Doc(workload.W1Channel)
	ps, err := d.policySet("w1.cedar")
	if err != nil {
		return nil, nil, err
	}
	user := cedarUser("channel-operator", nil)
	mk := func(action, channel string, want bool) *CedarCase {
		act := d.actionEntity(action)
		res := cedarResource(workload.ChannelARN(channel), nil)
		return &CedarCase{
			Policies: ps,
			Entities: entityMap(user, act, res),
			Request:  cedar.Request{Principal: user.UID, Action: act.UID, Resource: res.UID},
			Allow:    want,
		}
	}
	return mk("ivs:PutMetadata", workload.W1Channel, true), mk("ivs:GetChannel", workload.W1OtherChannel, false), nil
}

// CedarW2 returns W2 in Cedar: the tag condition with ${aws:username}
// becomes `resource.tags has owner && resource.tags.owner ==
// principal.username`. Cedar attribute names are case-sensitive, so the
// policy uses the lower-case key the channel carries.
func CedarW2() (*CedarCase, error) {
	d := &cedarDoc{}
	d.add("permit", "ListWidgetsInConsole", []string{"ivs:ListChannels"},
		`resource.arn like "arn:aws:ivs:*:*:channel/*"`)
	d.add("permit", "ViewChannelIfOwner", []string{"ivs:GetChannel"},
		`resource.arn like "arn:aws:ivs:*:*:channel/*" && resource.tags has owner && resource.tags.owner == principal.username`)
	ps, err := d.policySet("w2.cedar")
	if err != nil {
		return nil, err
	}
	user := cedarUser(workload.W2User, nil)
	act := d.actionEntity("ivs:GetChannel")
	res := cedarResource(workload.ChannelARN(workload.W2Channel), cedar.RecordMap{"owner": cedar.String(workload.W2User)})
	return &CedarCase{
		Policies: ps,
		Entities: entityMap(user, act, res),
		Request:  cedar.Request{Principal: user.UID, Action: act.UID, Resource: res.UID},
		Allow:    true,
	}, nil
}

// cedarW3Statement adds W3's statement template s for policy p (see
// workload.W3).
func cedarW3Statement(d *cedarDoc, p, s int) {
	if p == workload.W3DenyPolicy && s == workload.W3DenyStatement {
		d.add("forbid", "DenyOutsideCorpNetwork", []string{"ivs:*", "s3:*"},
			`!(context.sourceIp.isInRange(ip("203.0.113.0/24")) || context.sourceIp.isInRange(ip("198.51.100.0/24")))`)
		return
	}
	sid := func(name string) string { return fmt.Sprintf("%s%d", name, p) }
	switch s {
	case 0:
		d.add("permit", sid("ReadChannels"), []string{"ivs:Get*", "ivs:List*", "s3:GetObject"},
			fmt.Sprintf(`resource.arn like "arn:aws:ivs:*:*:channel/*" && resource.tags has team && ["media", "studio-%d"].contains(resource.tags.team)`, p))
	case 1:
		d.add("permit", sid("ManagePrefixed"), []string{"ivs:Put*", "ivs:StopStream", "cloudwatch:PutMetricData"},
			fmt.Sprintf(`resource.arn like "arn:aws:ivs:us-west-2:123456789012:channel/p%d-*"`, p))
	case 2:
		d.add("permit", sid("TeamMetadata"), []string{"ivs:*Metadata", "sts:GetCallerIdentity"},
			fmt.Sprintf(`resource.arn like "arn:aws:ivs:*:123456789012:channel/*" && resource.tags has team && resource.tags.team == "team-%d"`, p))
	case 3:
		d.add("permit", sid("Recordings"), []string{"s3:Get*", "s3:PutObject", "ivs:PutMetadata"},
			fmt.Sprintf(`resource.arn like "arn:aws:s3:::recordings-%d/*" || resource.arn like "arn:aws:ivs:*:*:channel/rec-%d*"`, p, p))
	case 4:
		d.add("permit", sid("OfficeNetwork"), []string{"ivs:*"},
			fmt.Sprintf(`context.sourceIp.isInRange(ip("10.%d.0.0/16"))`, p))
	case 5:
		d.add("permit", sid("Campaign"), []string{"ivs:PutMetadata", "ivs:UpdateChannel", "iam:GetUser"},
			fmt.Sprintf(`resource.arn like "arn:aws:ivs:*:*:channel/*" && context.secureTransport && context.currentTime < datetime("2025-%02d-01T00:00:00Z")`, p+1))
	case 6:
		// "arn:aws:iam::*:user/team-p/${aws:username}": the user itself,
		// when its path is /team-p/.
		d.add("permit", sid("SelfService"), []string{"iam:Get*", "iam:List*", "iam:ChangePassword"},
			fmt.Sprintf(`resource == principal && principal.path == "/team-%d/"`, p))
	case 7:
		d.add("permit", sid("TaggedCreate"), []string{"ivs:Create*", "ivs:TagResource", "ivs:*Metadata"},
			fmt.Sprintf(`resource.arn like "arn:aws:ivs:*:*:*" && context.tagKeys.containsAny(["cost-center-%d", "project-%d"])`, p, p))
	case 8:
		d.add("permit", sid("Metrics"), []string{"cloudwatch:GetMetricData", "cloudwatch:List*", "sts:AssumeRole"},
			fmt.Sprintf(`resource.arn like "arn:aws:cloudwatch:*:123456789012:alarm:team-%d-*" || resource.arn == "arn:aws:iam::123456789012:role/metrics-%d"`, p, p))
	default:
		d.add("permit", sid("Department"), []string{"ivs:?utMetadata", "ivs:GetStream", "s3:ListBucket"},
			fmt.Sprintf(`resource.arn like "arn:aws:ivs:us-west-2:*:channel/*" && principal.tags has department && principal.tags.department like "dept-%d*" && principal is User`, p))
	}
}

// CedarW3 returns W3 in Cedar, one policy per statement, with statement
// drop of the last policy left out when drop >= 0, and the request from
// source address ip. Cedar evaluates every policy of the set whatever
// their order.
func CedarW3(drop int, ip string) (*CedarCase, error) {
	d := &cedarDoc{}
	for p := range workload.W3Policies {
		for s := range workload.W3Statements {
			if p == workload.W3Policies-1 && s == drop {
				continue
			}
			cedarW3Statement(d, p, s)
		}
	}
	ps, err := d.policySet("w3.cedar")
	if err != nil {
		return nil, err
	}
	addr, err := types.ParseIPAddr(ip)
	if err != nil {
		return nil, err
	}
	now, err := types.ParseDatetime(workload.W3CurrentTime)
	if err != nil {
		return nil, err
	}
	tagKeys := make([]cedar.Value, len(workload.W3TagKeys))
	for i, k := range workload.W3TagKeys {
		tagKeys[i] = cedar.String(k)
	}
	user := cedarUser("media-publisher", cedar.RecordMap{"department": cedar.String(workload.W3Department)})
	act := d.actionEntity("ivs:PutMetadata")
	res := cedarResource(workload.ChannelARN(workload.W3Channel), cedar.RecordMap{"team": cedar.String(workload.W3Team)})
	return &CedarCase{
		Policies: ps,
		Entities: entityMap(user, act, res),
		Request: cedar.Request{
			Principal: user.UID, Action: act.UID, Resource: res.UID,
			Context: cedar.NewRecord(cedar.RecordMap{
				"sourceIp":        addr,
				"secureTransport": cedar.True,
				"currentTime":     now,
				"tagKeys":         cedar.NewSet(tagKeys...),
			}),
		},
		Allow: true,
	}, nil
}

// CedarW4Entry is a principal of W4 in Cedar: its own policy set, found by
// access key.
type CedarW4Entry struct {
	Principal cedar.EntityUID
	Policies  *cedar.PolicySet
}

// CedarW4Call is one W4 request in Cedar.
type CedarW4Call struct {
	AccessKey string
	Resource  cedar.EntityUID
}

// CedarW4 builds W4's directory of n principals in Cedar and the calls in
// W4Order. Every principal has its own policy set, W1's naming its own
// channel; the entities (users, channels and the action) are one shared
// store, as an application would keep them.
func CedarW4(n int) (dir map[string]*CedarW4Entry, calls []CedarW4Call, entities cedar.EntityMap, action cedar.EntityUID, err error) {
	ps := workload.W4(n)
	dir = make(map[string]*CedarW4Entry, n)
	entities = make(cedar.EntityMap, 2*n+1)
	for i := range ps {
		w := &ps[i]
		set, err := cedarW1Doc(w.Channel).policySet("w4-" + w.Principal.Username + ".cedar")
		if err != nil {
			return nil, nil, nil, action, err
		}
		u := cedarUser(w.Principal.Username, nil)
		r := cedarResource(workload.ChannelARN(w.Channel), nil)
		entities[u.UID] = u
		entities[r.UID] = r
		dir[w.AccessKey] = &CedarW4Entry{Principal: u.UID, Policies: set}
	}
	act := cedarW1Doc("").actionEntity(workload.W4Action)
	entities[act.UID] = act
	calls = make([]CedarW4Call, n)
	for i, j := range workload.W4Order(n) {
		calls[i] = CedarW4Call{AccessKey: strings.Clone(ps[j].AccessKey), Resource: cedar.NewEntityUID("Resource", cedar.String(workload.ChannelARN(ps[j].Channel)))}
	}
	return dir, calls, entities, act.UID, nil
}
