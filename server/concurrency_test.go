package server_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/gatehouse-iam/gatehouse/server"
)

// raceEnv is the server a conflict case runs against.
type raceEnv struct {
	endpoint string
	root     *iam.Client
}

// TestConcurrentConflictingWrites fires conflicting IAM writes at once
// through the SDK, on SQLite and on PostgreSQL, and checks that they end
// as some serial order of them would: AWS's error for every loser, the
// quotas kept, no write lost, and the account consistent afterwards.
func TestConcurrentConflictingWrites(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, ctx context.Context, e *raceEnv)
	}{
		{"same name created at once", raceSameName},
		{"access keys beyond two", raceAccessKeys},
		{"policy versions beyond five", racePolicyVersions},
		{"attached policies beyond ten", raceAttachments},
		{"groups beyond ten", raceGroupsPerUser},
		{"AddUserToGroup against DeleteGroup", raceAddVsDeleteGroup},
		{"DeleteUser against CreateAccessKey", raceDeleteUserVsKey},
		{"DeletePolicy against AttachUserPolicy", raceDeletePolicyVsAttach},
		{"SetDefaultPolicyVersion against DeletePolicyVersion", raceDefaultVsDeleteVersion},
		{"rename against create", raceRenameVsCreate},
		{"no lost update", raceNoLostUpdate},
		{"writes by an IAM user", raceUserWrites},
	}
	for _, b := range storeBackends() {
		t.Run(b.name, func(t *testing.T) {
			url := b.store(t)
			ts := startServer(t, func(c *server.Config) { c.Store = url })
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			e := &raceEnv{endpoint: ts.endpoint, root: strictIAM(ts.endpoint, rootKeyID, rootSecret)}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, ctx, e) })
			}
			checkConsistent(t, ctx, e.root)
		})
	}
}

// race runs fn(0), …, fn(n-1) at once, each on its own goroutine, and
// returns their errors by index.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// outcome names how a call ended: "ok", or its AWS error code. A call the
// server did not answer fails t.
func outcome(t *testing.T, err error) string {
	t.Helper()
	code, msg, answered := errorCode(err)
	switch {
	case !answered:
		t.Fatalf("no answer: %s", msg)
	case code == "":
		return "ok"
	}
	return code
}

// tally counts the outcomes of errs, and checks the message of every
// error whose code is in msgs (msgs[code](i) is the message call i must
// have).
func tally(t *testing.T, errs []error, msgs map[string]func(i int) string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for i, err := range errs {
		o := outcome(t, err)
		n[o]++
		if want := msgs[o]; want != nil {
			if _, got, _ := errorCode(err); got != want(i) {
				t.Errorf("call %d: %s %q, want %q", i, o, got, want(i))
			}
		}
	}
	return n
}

// wantTally fails t unless the outcomes are exactly want.
func wantTally(t *testing.T, got, want map[string]int) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
}

// constant is a message that does not depend on the call.
func constant(msg string) func(int) string { return func(int) string { return msg } }

// must checks a call that has to succeed: must(call(…))(t) fails t on the
// call's error, and otherwise returns its result.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:GetChannel","Resource":"*"}]}`

// docN is a distinct valid policy document.
func docN(n int) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"S%d","Effect":"Allow","Action":"ivs:GetChannel","Resource":"*"}]}`, n)
}

func managedARN(name string) string { return "arn:aws:iam::" + testAccount + ":policy/" + name }

// createUsers creates users named prefix0…prefix(n-1).
func createUsers(t *testing.T, ctx context.Context, c *iam.Client, prefix string, n int) {
	t.Helper()
	for i := range n {
		must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(prefix + strconv.Itoa(i))}))(t)
	}
}

// createPolicies creates policies named prefix0…prefix(n-1).
func createPolicies(t *testing.T, ctx context.Context, c *iam.Client, prefix string, n int) {
	t.Helper()
	for i := range n {
		must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(prefix + strconv.Itoa(i)), PolicyDocument: aws.String(allowAll)}))(t)
	}
}

// raceSameName creates one user, group, policy and role many times at
// once, under names that differ only in case: one wins, the others get
// EntityAlreadyExists.
func raceSameName(t *testing.T, ctx context.Context, e *raceEnv) {
	const n = 12
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount + `:root"},"Action":"sts:AssumeRole"}]}`
	kinds := []struct {
		kind   string
		create func(name string) error
		msg    string
	}{
		{"user", func(name string) error {
			_, err := e.root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
			return err
		}, "User with name %s already exists."},
		{"group", func(name string) error {
			_, err := e.root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(name)})
			return err
		}, "Group with name %s already exists."},
		{"role", func(name string) error {
			_, err := e.root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
			return err
		}, "Role with name %s already exists."},
		{"policy", func(name string) error {
			_, err := e.root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(allowAll)})
			return err
		}, "A policy called %s already exists. Duplicate names are not allowed."},
	}
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			name := func(i int) string { return []string{"Twin-", "twin-", "TWIN-"}[i%3] + k.kind }
			errs := race(n, func(i int) error { return k.create(name(i)) })
			wantTally(t, tally(t, errs, map[string]func(int) string{
				"EntityAlreadyExists": func(i int) string { return fmt.Sprintf(k.msg, name(i)) },
			}), map[string]int{"ok": 1, "EntityAlreadyExists": n - 1})
			if k.kind != "user" {
				return
			}
			winner := slices.IndexFunc(errs, func(err error) bool { return err == nil })
			got := must(e.root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name(0))}))(t)
			if aws.ToString(got.User.UserName) != name(winner) {
				t.Errorf("the user is named %s, want %s (the acknowledged create)", aws.ToString(got.User.UserName), name(winner))
			}
		})
	}
}

// raceAccessKeys creates many access keys for one user at once: two are
// made, the rest get LimitExceeded, and both keys authenticate.
func raceAccessKeys(t *testing.T, ctx context.Context, e *raceEnv) {
	const n = 12
	user := "keys-user"
	arn := must(e.root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}))(t).User.Arn
	keys := make([]*iamtypes.AccessKey, n)
	errs := race(n, func(i int) error {
		out, err := e.root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
		if err == nil {
			keys[i] = out.AccessKey
		}
		return err
	})
	wantTally(t, tally(t, errs, map[string]func(int) string{
		"LimitExceeded": constant("Cannot exceed quota for AccessKeysPerUser: 2"),
	}), map[string]int{"ok": 2, "LimitExceeded": n - 2})
	var acked []string
	for _, k := range keys {
		if k != nil {
			acked = append(acked, aws.ToString(k.AccessKeyId))
			if err := wantCaller(ctx, e.endpoint, aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey), aws.ToString(arn)); err != nil {
				t.Error(err)
			}
		}
	}
	var listed []string
	for _, k := range must(e.root.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(user)}))(t).AccessKeyMetadata {
		listed = append(listed, aws.ToString(k.AccessKeyId))
	}
	slices.Sort(acked)
	slices.Sort(listed)
	if !slices.Equal(acked, listed) {
		t.Errorf("ListAccessKeys %v, acknowledged %v", listed, acked)
	}
}

// racePolicyVersions creates many versions of one policy at once, some as
// the default: four join v1, the rest get LimitExceeded; every
// acknowledged version holds its own document, and the default is the
// last acknowledged SetAsDefault.
func racePolicyVersions(t *testing.T, ctx context.Context, e *raceEnv) {
	const n = 12
	arn := managedARN("versions")
	must(e.root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("versions"), PolicyDocument: aws.String(docN(0))}))(t)
	ids := make([]string, n)
	setDefault := func(i int) bool { return i%3 == 0 }
	errs := race(n, func(i int) error {
		out, err := e.root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(docN(i + 1)), SetAsDefault: setDefault(i)})
		if err == nil {
			ids[i] = aws.ToString(out.PolicyVersion.VersionId)
		}
		return err
	})
	wantTally(t, tally(t, errs, map[string]func(int) string{
		"LimitExceeded": constant("A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."),
	}), map[string]int{"ok": 4, "LimitExceeded": n - 4})
	wantDefault, wantDefaultN := "v1", 1
	for i, id := range ids {
		if id == "" {
			continue
		}
		got := must(e.root.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(id)}))(t)
		if doc := decodeDoc(t, aws.ToString(got.PolicyVersion.Document)); doc != docN(i+1) {
			t.Errorf("version %s holds %s, want %s (the document of the call that got it)", id, doc, docN(i+1))
		}
		if n, _ := strconv.Atoi(strings.TrimPrefix(id, "v")); setDefault(i) && n > wantDefaultN {
			wantDefault, wantDefaultN = id, n
		}
	}
	var listed []string
	for _, v := range must(e.root.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)}))(t).Versions {
		listed = append(listed, aws.ToString(v.VersionId))
		if v.IsDefaultVersion && aws.ToString(v.VersionId) != wantDefault {
			t.Errorf("default version %s, want %s (the last acknowledged SetAsDefault)", aws.ToString(v.VersionId), wantDefault)
		}
	}
	slices.Sort(listed)
	if want := []string{"v1", "v2", "v3", "v4", "v5"}; !slices.Equal(listed, want) {
		t.Errorf("versions %v, want %v", listed, want)
	}
}

// raceAttachments attaches many policies to one user at once: ten stick,
// the rest get LimitExceeded.
func raceAttachments(t *testing.T, ctx context.Context, e *raceEnv) {
	const user = "attach-user"
	raceQuota(t, ctx, e, user, "attach-", 10, "Cannot exceed quota for PoliciesPerUser: 10",
		func(name string) error {
			_, err := e.root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(allowAll)})
			return err
		},
		func(name string) error {
			_, err := e.root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: aws.String(managedARN(name))})
			return err
		},
		func() (names []string, _ error) {
			out, err := e.root.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(user)})
			if err != nil {
				return nil, err
			}
			for _, p := range out.AttachedPolicies {
				names = append(names, aws.ToString(p.PolicyName))
			}
			return names, nil
		})
}

// raceGroupsPerUser adds one user to many groups at once: ten stick, the
// rest get LimitExceeded.
func raceGroupsPerUser(t *testing.T, ctx context.Context, e *raceEnv) {
	const user = "joiner"
	raceQuota(t, ctx, e, user, "club-", 10, "Cannot exceed quota for GroupsPerUser: 10",
		func(name string) error {
			_, err := e.root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(name)})
			return err
		},
		func(name string) error {
			_, err := e.root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String(user), GroupName: aws.String(name)})
			return err
		},
		func() (names []string, _ error) {
			out, err := e.root.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String(user)})
			if err != nil {
				return nil, err
			}
			for _, g := range out.Groups {
				names = append(names, aws.ToString(g.GroupName))
			}
			return names, nil
		})
}

// raceQuota creates a user and quota+4 things named prefix0, prefix1, …,
// relates them all to the user at once with relate, and requires quota
// of those calls to succeed, the others to fail with LimitExceeded and
// msg, and list to name exactly the things whose relate succeeded.
func raceQuota(t *testing.T, ctx context.Context, e *raceEnv, user, prefix string, quota int, msg string,
	create, relate func(name string) error, list func() ([]string, error)) {
	t.Helper()
	n := quota + 4
	name := func(i int) string { return prefix + strconv.Itoa(i) }
	must(e.root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}))(t)
	for i := range n {
		if err := create(name(i)); err != nil {
			t.Fatal(err)
		}
	}
	errs := race(n, func(i int) error { return relate(name(i)) })
	wantTally(t, tally(t, errs, map[string]func(int) string{"LimitExceeded": constant(msg)}),
		map[string]int{"ok": quota, "LimitExceeded": n - quota})
	var acked []string
	for i, err := range errs {
		if err == nil {
			acked = append(acked, name(i))
		}
	}
	wantSameSet(t, "related to "+user, must(list())(t), acked)
}

// raceAddVsDeleteGroup adds users to a group while the group is deleted:
// either the delete came first (every add gets NoSuchEntity) or an add did
// (the delete gets DeleteConflict and every add sticks).
func raceAddVsDeleteGroup(t *testing.T, ctx context.Context, e *raceEnv) {
	const rounds, adders = 6, 5
	createUsers(t, ctx, e.root, "member-", adders)
	for r := range rounds {
		group := "doomed-" + strconv.Itoa(r)
		must(e.root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(group)}))(t)
		errs := race(adders+1, func(i int) error {
			if i == adders {
				_, err := e.root.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String(group)})
				return err
			}
			_, err := e.root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(group), UserName: aws.String("member-" + strconv.Itoa(i))})
			return err
		})
		deleted := errs[adders] == nil
		adds := tally(t, errs[:adders], map[string]func(int) string{
			"NoSuchEntity": constant("The group with name " + group + " cannot be found."),
		})
		if deleted {
			wantTally(t, adds, map[string]int{"NoSuchEntity": adders})
			continue
		}
		wantTally(t, tally(t, errs[adders:], map[string]func(int) string{
			"DeleteConflict": constant("Cannot delete entity, must remove users from group first."),
		}), map[string]int{"DeleteConflict": 1})
		wantTally(t, adds, map[string]int{"ok": adders})
		out := must(e.root.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(group)}))(t)
		if len(out.Users) != adders {
			t.Errorf("group %s has %d members, want %d", group, len(out.Users), adders)
		}
	}
}

// pairRace runs, for each of n subjects, a(i) and b(i) at once, and
// requires the outcome of one of the two serial orders: a first (a
// succeeds, b fails with bLoses) or b first (b succeeds, a fails with
// aLoses). It returns, per subject, whether a went first.
func pairRace(t *testing.T, n int, a, b func(i int) error, aLoses, bLoses string) []bool {
	t.Helper()
	errs := race(2*n, func(i int) error {
		if i%2 == 0 {
			return a(i / 2)
		}
		return b(i / 2)
	})
	aFirst := make([]bool, n)
	for i := range n {
		oa, ob := outcome(t, errs[2*i]), outcome(t, errs[2*i+1])
		switch {
		case oa == "ok" && ob == bLoses:
			aFirst[i] = true
		case ob == "ok" && oa == aLoses:
		default:
			t.Errorf("subject %d: outcomes %s (%v) and %s (%v), want ok and %s, or %s and ok", i, oa, errs[2*i], ob, errs[2*i+1], bLoses, aLoses)
		}
	}
	return aFirst
}

// raceDeleteUserVsKey deletes users while access keys are created for
// them: a user is gone and has no key, or has its key (which
// authenticates) and survived.
func raceDeleteUserVsKey(t *testing.T, ctx context.Context, e *raceEnv) {
	const n = 8
	createUsers(t, ctx, e.root, "leaving-", n)
	keys := make([]*iamtypes.AccessKey, n)
	name := func(i int) string { return "leaving-" + strconv.Itoa(i) }
	deletedFirst := pairRace(t, n, func(i int) error {
		_, err := e.root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name(i))})
		return err
	}, func(i int) error {
		out, err := e.root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name(i))})
		if err == nil {
			keys[i] = out.AccessKey
		}
		return err
	}, "DeleteConflict", "NoSuchEntity")
	for i, gone := range deletedFirst {
		out, err := e.root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name(i))})
		switch {
		case gone && !isCode(err, "NoSuchEntity"):
			t.Errorf("%s: deleted, yet GetUser says %v", name(i), err)
		case !gone && err != nil:
			t.Errorf("%s: kept, yet GetUser says %v", name(i), err)
		case !gone:
			if err := wantCaller(ctx, e.endpoint, aws.ToString(keys[i].AccessKeyId), aws.ToString(keys[i].SecretAccessKey), aws.ToString(out.User.Arn)); err != nil {
				t.Error(err)
			}
		}
	}
}

// raceDeletePolicyVsAttach deletes policies while they are attached: a
// policy is gone and attached to no one, or attached and kept.
func raceDeletePolicyVsAttach(t *testing.T, ctx context.Context, e *raceEnv) {
	const n = 8
	createUsers(t, ctx, e.root, "holder-", n)
	createPolicies(t, ctx, e.root, "contested-", n)
	arn := func(i int) *string { return aws.String(managedARN("contested-" + strconv.Itoa(i))) }
	deletedFirst := pairRace(t, n, func(i int) error {
		_, err := e.root.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn(i)})
		return err
	}, func(i int) error {
		_, err := e.root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("holder-" + strconv.Itoa(i)), PolicyArn: arn(i)})
		return err
	}, "DeleteConflict", "NoSuchEntity")
	for i, gone := range deletedFirst {
		attached := must(e.root.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("holder-" + strconv.Itoa(i))}))(t).AttachedPolicies
		if want := 1 - btoi(gone); len(attached) != want {
			t.Errorf("holder-%d has %d policies attached, want %d (policy deleted: %v)", i, len(attached), want, gone)
		}
	}
}

// raceDefaultVsDeleteVersion makes a version the default while it is
// deleted: either it is gone and the default unchanged, or it is the
// default and kept.
func raceDefaultVsDeleteVersion(t *testing.T, ctx context.Context, e *raceEnv) {
	const n = 6
	createPolicies(t, ctx, e.root, "flip-", n)
	arn := func(i int) *string { return aws.String(managedARN("flip-" + strconv.Itoa(i))) }
	for i := range n {
		must(e.root.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn(i), PolicyDocument: aws.String(docN(i))}))(t)
	}
	deletedFirst := pairRace(t, n, func(i int) error {
		_, err := e.root.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn(i), VersionId: aws.String("v2")})
		return err
	}, func(i int) error {
		_, err := e.root.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn(i), VersionId: aws.String("v2")})
		return err
	}, "DeleteConflict", "NoSuchEntity")
	for i, gone := range deletedFirst {
		want := map[bool]string{true: "v1", false: "v2"}[gone]
		if got := aws.ToString(must(e.root.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn(i)}))(t).Policy.DefaultVersionId); got != want {
			t.Errorf("flip-%d: default %s, want %s", i, got, want)
		}
	}
}

// raceRenameVsCreate renames a user to a name another call creates at
// the same time: one of them has the name, the other gets
// EntityAlreadyExists.
func raceRenameVsCreate(t *testing.T, ctx context.Context, e *raceEnv) {
	const n = 6
	createUsers(t, ctx, e.root, "oldname-", n)
	newName := func(i int) string { return "newname-" + strconv.Itoa(i) }
	renamedFirst := pairRace(t, n, func(i int) error {
		_, err := e.root.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("oldname-" + strconv.Itoa(i)), NewUserName: aws.String(newName(i))})
		return err
	}, func(i int) error {
		_, err := e.root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(newName(i))})
		return err
	}, "EntityAlreadyExists", "EntityAlreadyExists")
	for i, renamed := range renamedFirst {
		_, err := e.root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("oldname-" + strconv.Itoa(i))})
		if renamed != isCode(err, "NoSuchEntity") {
			t.Errorf("oldname-%d: renamed %v, GetUser of the old name: %v", i, renamed, err)
		}
	}
}

// raceNoLostUpdate tags a user and puts inline policies on it from many
// calls at once: every one of them is kept.
func raceNoLostUpdate(t *testing.T, ctx context.Context, e *raceEnv) {
	const n = 16
	user := "busy"
	must(e.root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}))(t)
	errs := race(n, func(i int) error {
		if i%2 == 0 {
			_, err := e.root.TagUser(ctx, &iam.TagUserInput{UserName: aws.String(user), Tags: []iamtypes.Tag{{Key: aws.String("k" + strconv.Itoa(i)), Value: aws.String("v")}}})
			return err
		}
		_, err := e.root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("p" + strconv.Itoa(i)), PolicyDocument: aws.String(docN(i))})
		return err
	})
	wantTally(t, tally(t, errs, nil), map[string]int{"ok": n})
	var tags, pols, wantTags, wantPols []string
	for _, tag := range must(e.root.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String(user)}))(t).Tags {
		tags = append(tags, aws.ToString(tag.Key))
	}
	pols = must(e.root.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String(user)}))(t).PolicyNames
	for i := range n {
		if i%2 == 0 {
			wantTags = append(wantTags, "k"+strconv.Itoa(i))
		} else {
			wantPols = append(wantPols, "p"+strconv.Itoa(i))
		}
	}
	wantSameSet(t, "tags", tags, wantTags)
	wantSameSet(t, "inline policies", pols, wantPols)
}

// raceUserWrites has an IAM user, not the root, make more writes at once
// than the PostgreSQL pool has connections: its authorization reads the
// store inside each write's transaction, and every write must finish.
func raceUserWrites(t *testing.T, ctx context.Context, e *raceEnv) {
	const n = 24
	id, secret := userWithKey(t, ctx, e.root, "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	c := strictIAM(e.endpoint, id, secret)
	createUsers(t, ctx, e.root, "written-", n)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	errs := race(n, func(i int) error {
		_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("written-" + strconv.Itoa(i)), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowAll)})
		return err
	})
	wantTally(t, tally(t, errs, nil), map[string]int{"ok": n})
}

// wantSameSet fails t unless got and want hold the same strings.
func wantSameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s %v, want %v", what, got, want)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
