package server_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// storeBackend is a store the fault tests run on: store returns the
// server's --store (Config.Store) for a test, "" for SQLite in the data
// directory.
type storeBackend struct {
	name  string
	store func(t *testing.T) string
}

// storeBackends returns SQLite and PostgreSQL (a fresh schema; skipped
// without GATEHOUSE_TEST_POSTGRES_URL, failed without it under CI=true).
func storeBackends() []storeBackend {
	return []storeBackend{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", postgresSchema},
	}
}

// strictIAM is an IAM client that never retries: every call reaches the
// server once, so a test can count outcomes and tell an acknowledged write
// from one whose fate is unknown.
func strictIAM(endpoint, keyID, secret string) *iam.Client {
	return iam.New(iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		Retryer:      aws.NopRetryer{},
	})
}

// errorCode returns the AWS error code of err ("" for nil) and whether err
// is an answer of the server (an API error) rather than a transport
// failure.
func errorCode(err error) (code, msg string, answered bool) {
	if err == nil {
		return "", "", true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage(), true
	}
	return "", err.Error(), false
}

// isCode reports whether err is the AWS error code.
func isCode(err error, code string) bool {
	c, _, answered := errorCode(err)
	return err != nil && answered && c == code
}

// wantCaller checks that an access key authenticates as arn (or, with arn
// empty, that the server no longer knows it).
func wantCaller(ctx context.Context, endpoint, keyID, secret, arn string) error {
	out, err := (&testServer{endpoint: endpoint}).sts(keyID, secret, "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	switch {
	case arn == "" && isCode(err, "InvalidClientTokenId"):
		return nil
	case arn == "" && err == nil:
		return fmt.Errorf("key %s authenticates as %s after its user was deleted", keyID, aws.ToString(out.Arn))
	case arn == "":
		return fmt.Errorf("key %s of a deleted user: %w, want InvalidClientTokenId", keyID, err)
	case err != nil:
		return fmt.Errorf("key %s of %s: %w", keyID, arn, err)
	case aws.ToString(out.Arn) != arn:
		return fmt.Errorf("key %s authenticates as %s, want %s", keyID, aws.ToString(out.Arn), arn)
	}
	return nil
}

// decodeDoc undoes the percent-encoding IAM applies to policy documents
// in its responses.
func decodeDoc(t *testing.T, doc string) string {
	t.Helper()
	s, err := url.QueryUnescape(doc)
	if err != nil {
		t.Fatalf("policy document %q: %v", doc, err)
	}
	return s
}

// accountView is what the IAM list operations of one account report,
// gathered one entity at a time.
type accountView struct {
	users    map[string]iamtypes.User
	groups   map[string]iamtypes.Group
	roles    map[string]iamtypes.Role
	policies map[string]iamtypes.Policy // customer-managed, by ARN
	// attached maps a policy ARN to the entities it is attached to
	// ("user/NAME", "group/NAME", "role/NAME"), as the entities list them.
	attached map[string]map[string]bool
	// groupsOf maps a user to its groups, as ListGroupsForUser lists them.
	groupsOf map[string][]string
	keys     map[string]string // access key id → user name
}

// checkConsistent reads the whole account through the API and fails t on
// any state IAM's rules forbid or any two listings that disagree: a
// relation naming a missing entity, an attachment seen from one side only,
// a policy without exactly one default among one to five versions, a
// quota exceeded, or a GetAccountSummary count that differs from the
// listings. It must run while no write is in flight.
func checkConsistent(t *testing.T, ctx context.Context, c *iam.Client) {
	t.Helper()
	v, err := readAccount(ctx, c)
	if err != nil {
		t.Fatalf("reading the account: %v", err)
	}
	for _, p := range problems(ctx, c, v) {
		t.Error(p)
	}
}

// readAccount lists every user, group, role and customer-managed policy
// and the relations of each.
func readAccount(ctx context.Context, c *iam.Client) (*accountView, error) {
	v := &accountView{
		users: map[string]iamtypes.User{}, groups: map[string]iamtypes.Group{}, roles: map[string]iamtypes.Role{},
		policies: map[string]iamtypes.Policy{}, attached: map[string]map[string]bool{},
		groupsOf: map[string][]string{}, keys: map[string]string{},
	}
	err := errors.Join(
		eachPage(ctx, iam.NewListUsersPaginator(c, &iam.ListUsersInput{}), func(out *iam.ListUsersOutput) {
			for _, u := range out.Users {
				v.users[aws.ToString(u.UserName)] = u
			}
		}),
		eachPage(ctx, iam.NewListGroupsPaginator(c, &iam.ListGroupsInput{}), func(out *iam.ListGroupsOutput) {
			for _, g := range out.Groups {
				v.groups[aws.ToString(g.GroupName)] = g
			}
		}),
		eachPage(ctx, iam.NewListRolesPaginator(c, &iam.ListRolesInput{}), func(out *iam.ListRolesOutput) {
			for _, r := range out.Roles {
				v.roles[aws.ToString(r.RoleName)] = r
			}
		}),
		eachPage(ctx, iam.NewListPoliciesPaginator(c, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal}), func(out *iam.ListPoliciesOutput) {
			for _, pol := range out.Policies {
				v.policies[aws.ToString(pol.Arn)] = pol
			}
		}),
	)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	attach := func(entity string, pols []iamtypes.AttachedPolicy) {
		mu.Lock()
		defer mu.Unlock()
		for _, ap := range pols {
			arn := aws.ToString(ap.PolicyArn)
			if v.attached[arn] == nil {
				v.attached[arn] = map[string]bool{}
			}
			v.attached[arn][entity] = true
		}
	}
	var jobs []func() error
	for name := range v.users {
		jobs = append(jobs, func() error {
			pols, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(name)})
			if err != nil {
				return fmt.Errorf("ListAttachedUserPolicies %s: %w", name, err)
			}
			attach("user/"+name, pols.AttachedPolicies)
			groups, err := c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String(name)})
			if err != nil {
				return fmt.Errorf("ListGroupsForUser %s: %w", name, err)
			}
			keys, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(name)})
			if err != nil {
				return fmt.Errorf("ListAccessKeys %s: %w", name, err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, g := range groups.Groups {
				v.groupsOf[name] = append(v.groupsOf[name], aws.ToString(g.GroupName))
			}
			for _, k := range keys.AccessKeyMetadata {
				id := aws.ToString(k.AccessKeyId)
				if owner, dup := v.keys[id]; dup {
					return fmt.Errorf("access key %s listed for %s and %s", id, owner, name)
				}
				v.keys[id] = aws.ToString(k.UserName)
				if aws.ToString(k.UserName) != name {
					return fmt.Errorf("ListAccessKeys %s lists key %s of %s", name, id, aws.ToString(k.UserName))
				}
			}
			if len(keys.AccessKeyMetadata) > 2 {
				return fmt.Errorf("user %s has %d access keys, the quota is 2", name, len(keys.AccessKeyMetadata))
			}
			return nil
		})
	}
	owners := []struct {
		kind  string
		names []string
		list  func(name string) ([]iamtypes.AttachedPolicy, error)
	}{
		{"group", slices.Collect(maps.Keys(v.groups)), func(name string) ([]iamtypes.AttachedPolicy, error) {
			out, err := c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(name)})
			if err != nil {
				return nil, err
			}
			return out.AttachedPolicies, nil
		}},
		{"role", slices.Collect(maps.Keys(v.roles)), func(name string) ([]iamtypes.AttachedPolicy, error) {
			out, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
			if err != nil {
				return nil, err
			}
			return out.AttachedPolicies, nil
		}},
	}
	for _, o := range owners {
		for _, name := range o.names {
			jobs = append(jobs, func() error {
				pols, err := o.list(name)
				if err != nil {
					return fmt.Errorf("policies attached to %s %s: %w", o.kind, name, err)
				}
				attach(o.kind+"/"+name, pols)
				return nil
			})
		}
	}
	return v, runJobs(jobs)
}

// pager is an SDK paginator of IAM outputs O.
type pager[O any] interface {
	HasMorePages() bool
	NextPage(ctx context.Context, optFns ...func(*iam.Options)) (O, error)
}

// eachPage calls fn with every page of p.
func eachPage[O any](ctx context.Context, p pager[O], fn func(O)) error {
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		fn(out)
	}
	return nil
}

// runJobs runs fns on a few goroutines and returns their errors joined.
func runJobs(fns []func() error) error {
	const workers = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan func() error)
	)
	for range workers {
		wg.Go(func() {
			for fn := range next {
				if err := fn(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, fn := range fns {
		next <- fn
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// problems checks the view against IAM's rules and against the other
// listings of the same facts.
func problems(ctx context.Context, c *iam.Client, v *accountView) []string {
	var (
		mu   sync.Mutex
		out  []string
		jobs []func() error
	)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		out = append(out, fmt.Sprintf(format, args...))
	}
	for name, groups := range v.groupsOf {
		if len(groups) > 10 {
			report("user %s is in %d groups, the quota is 10", name, len(groups))
		}
		for _, g := range groups {
			if _, ok := v.groups[g]; !ok {
				report("user %s is in group %s, which ListGroups does not list", name, g)
			}
		}
	}
	for name := range v.groups {
		jobs = append(jobs, func() error {
			out, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(name)})
			if err != nil {
				return fmt.Errorf("GetGroup %s: %w", name, err)
			}
			members := map[string]bool{}
			for _, u := range out.Users {
				members[aws.ToString(u.UserName)] = true
				if _, ok := v.users[aws.ToString(u.UserName)]; !ok {
					report("group %s has member %s, which ListUsers does not list", name, aws.ToString(u.UserName))
				}
			}
			for u, groups := range v.groupsOf {
				if slices.Contains(groups, name) != members[u] {
					report("user %s: ListGroupsForUser says in group %s: %v, GetGroup says %v", u, name, slices.Contains(groups, name), members[u])
				}
			}
			return nil
		})
	}
	entityCount := map[string]int{}
	for _, entities := range v.attached {
		for e := range entities {
			entityCount[e]++
		}
	}
	for e, n := range entityCount {
		if n > 10 {
			report("%s has %d managed policies attached, the quota is 10", e, n)
		}
	}
	for arn := range v.attached {
		if _, ok := v.policies[arn]; !ok && !strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
			report("policy %s is attached to %v but ListPolicies does not list it", arn, slices.Sorted(maps.Keys(v.attached[arn])))
		}
	}
	arns := slices.Collect(maps.Keys(v.attached))
	for arn := range v.policies {
		if v.attached[arn] == nil {
			arns = append(arns, arn)
		}
	}
	for _, arn := range arns {
		jobs = append(jobs, func() error {
			msgs, err := checkPolicy(ctx, c, arn, v.attached[arn], v.policies)
			for _, m := range msgs {
				report("%s", m)
			}
			return err
		})
	}
	if err := runJobs(jobs); err != nil {
		report("%v", err)
	}
	msgs, err := detailsProblems(ctx, c, v)
	out = append(out, msgs...)
	if err != nil {
		out = append(out, err.Error())
	}
	sum, err := c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		return append(out, fmt.Sprintf("GetAccountSummary: %v", err))
	}
	inUse := 0
	for _, entities := range v.attached {
		inUse += len(entities)
	}
	for _, want := range []struct {
		key string
		n   int
	}{{"Users", len(v.users)}, {"Groups", len(v.groups)}, {"Roles", len(v.roles)}, {"Policies", len(v.policies)}, {"PolicyVersionsInUse", inUse}} {
		if got := sum.SummaryMap[want.key]; int(got) != want.n {
			out = append(out, fmt.Sprintf("GetAccountSummary %s = %d, the listings count %d", want.key, got, want.n))
		}
	}
	slices.Sort(out)
	return out
}

// checkPolicy compares one managed policy's versions, attachment count and
// ListEntitiesForPolicy with the attachments the entities list.
func checkPolicy(ctx context.Context, c *iam.Client, arn string, attached map[string]bool, local map[string]iamtypes.Policy) ([]string, error) {
	var msgs []string
	listed := map[string]bool{}
	err := eachPage(ctx, iam.NewListEntitiesForPolicyPaginator(c, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn)}), func(out *iam.ListEntitiesForPolicyOutput) {
		for _, u := range out.PolicyUsers {
			listed["user/"+aws.ToString(u.UserName)] = true
		}
		for _, g := range out.PolicyGroups {
			listed["group/"+aws.ToString(g.GroupName)] = true
		}
		for _, r := range out.PolicyRoles {
			listed["role/"+aws.ToString(r.RoleName)] = true
		}
	})
	if err != nil {
		return msgs, fmt.Errorf("ListEntitiesForPolicy %s: %w", arn, err)
	}
	if !maps.Equal(listed, attached) && len(listed)+len(attached) > 0 {
		msgs = append(msgs, fmt.Sprintf("policy %s: ListEntitiesForPolicy lists %v, the entities list %v",
			arn, slices.Sorted(maps.Keys(listed)), slices.Sorted(maps.Keys(attached))))
	}
	if _, ok := local[arn]; !ok {
		return msgs, nil
	}
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return msgs, fmt.Errorf("GetPolicy %s: %w", arn, err)
	}
	if n := int(aws.ToInt32(got.Policy.AttachmentCount)); n != len(attached) {
		msgs = append(msgs, fmt.Sprintf("policy %s: AttachmentCount %d, attached to %d entities", arn, n, len(attached)))
	}
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return msgs, fmt.Errorf("ListPolicyVersions %s: %w", arn, err)
	}
	var defaults []string
	ids := map[string]bool{}
	for _, pv := range versions.Versions {
		id := aws.ToString(pv.VersionId)
		if ids[id] {
			msgs = append(msgs, fmt.Sprintf("policy %s: version %s listed twice", arn, id))
		}
		ids[id] = true
		if pv.IsDefaultVersion {
			defaults = append(defaults, id)
		}
	}
	if n := len(versions.Versions); n < 1 || n > 5 {
		msgs = append(msgs, fmt.Sprintf("policy %s has %d versions, want 1 to 5", arn, n))
	}
	if len(defaults) != 1 || defaults[0] != aws.ToString(got.Policy.DefaultVersionId) {
		msgs = append(msgs, fmt.Sprintf("policy %s: default versions %v, GetPolicy says %s", arn, defaults, aws.ToString(got.Policy.DefaultVersionId)))
	}
	if _, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: got.Policy.DefaultVersionId}); err != nil {
		msgs = append(msgs, fmt.Sprintf("policy %s: GetPolicyVersion of its default: %v", arn, err))
	}
	return msgs, nil
}

// detailsProblems compares GetAccountAuthorizationDetails, one snapshot of
// the account, with the listings.
func detailsProblems(ctx context.Context, c *iam.Client, v *accountView) ([]string, error) {
	users := map[string]iamtypes.UserDetail{}
	groups, roles, policies := map[string]bool{}, map[string]bool{}, map[string]iamtypes.ManagedPolicyDetail{}
	err := eachPage(ctx, iam.NewGetAccountAuthorizationDetailsPaginator(c, &iam.GetAccountAuthorizationDetailsInput{}), func(out *iam.GetAccountAuthorizationDetailsOutput) {
		for _, u := range out.UserDetailList {
			users[aws.ToString(u.UserName)] = u
		}
		for _, g := range out.GroupDetailList {
			groups[aws.ToString(g.GroupName)] = true
		}
		for _, r := range out.RoleDetailList {
			roles[aws.ToString(r.RoleName)] = true
		}
		for _, pol := range out.Policies {
			if !strings.HasPrefix(aws.ToString(pol.Arn), "arn:aws:iam::aws:policy/") {
				policies[aws.ToString(pol.Arn)] = pol
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("GetAccountAuthorizationDetails: %w", err)
	}
	var msgs []string
	differ := func(what string, details, listed []string) {
		slices.Sort(details)
		slices.Sort(listed)
		if !slices.Equal(details, listed) {
			msgs = append(msgs, fmt.Sprintf("%s: GetAccountAuthorizationDetails says %v, the listings %v", what, details, listed))
		}
	}
	differ("users", slices.Collect(maps.Keys(users)), slices.Collect(maps.Keys(v.users)))
	differ("groups", slices.Collect(maps.Keys(groups)), slices.Collect(maps.Keys(v.groups)))
	differ("roles", slices.Collect(maps.Keys(roles)), slices.Collect(maps.Keys(v.roles)))
	differ("customer-managed policies", slices.Collect(maps.Keys(policies)), slices.Collect(maps.Keys(v.policies)))
	for name, u := range users {
		var attached []string
		for _, ap := range u.AttachedManagedPolicies {
			attached = append(attached, aws.ToString(ap.PolicyArn))
		}
		var listed []string
		for arn, entities := range v.attached {
			if entities["user/"+name] {
				listed = append(listed, arn)
			}
		}
		differ("policies attached to user "+name, attached, listed)
		differ("groups of user "+name, slices.Clone(u.GroupList), slices.Clone(v.groupsOf[name]))
	}
	for arn, pol := range policies {
		if n := int(aws.ToInt32(pol.AttachmentCount)); n != len(v.attached[arn]) {
			msgs = append(msgs, fmt.Sprintf("policy %s: GetAccountAuthorizationDetails AttachmentCount %d, attached to %d entities", arn, n, len(v.attached[arn])))
		}
	}
	return msgs, nil
}
