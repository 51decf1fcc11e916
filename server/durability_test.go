package server_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Shape of the durability test: rounds of writes, each ended by SIGKILL
// after a random number of acknowledged writes.
const (
	durRounds       = 3
	durWorkers      = 8
	durMinAcks      = 120
	durMaxAcks      = 240
	durGroup        = "everyone"
	durSharedPolicy = "shared"
	durPath         = "/dur/"
)

// TestDurabilityUnderSIGKILL runs `gatehouse serve` as a process, kills it
// with SIGKILL in the middle of a stream of concurrent IAM writes, restarts
// it on the same data, and checks that every acknowledged write is there
// and that the one write each client had in flight was applied whole or
// not at all; then that the account is consistent. Several rounds, on
// SQLite and on PostgreSQL.
func TestDurabilityUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the server: not in -short")
	}
	bin := buildGatehouse(t)
	for _, b := range storeBackends() {
		t.Run(b.name, func(t *testing.T) {
			runDurability(t, &serveProc{bin: bin, dataDir: t.TempDir(), store: b.store(t)})
		})
	}
}

// buildGatehouse builds the gatehouse command (with the race detector if
// this test has it) and returns the binary's path.
func buildGatehouse(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		missingTool(t, "the go command is not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "gatehouse")
	args := []string{"build", "-o", bin}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	out, err := exec.Command(goTool, append(args, "github.com/gatehouse-iam/gatehouse/cmd/gatehouse")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProc runs `gatehouse serve` on one data directory (and store).
type serveProc struct {
	bin, dataDir, store string

	cmd      *exec.Cmd
	logs     *syncBuffer
	endpoint string
	exited   chan struct{}
	waitErr  error
}

var listeningRE = regexp.MustCompile(`gatehouse listening.*?\baddr"?[=:]"?([0-9.]+:[0-9]+)`)

// start starts the server and waits until it listens.
func (p *serveProc) start(t *testing.T) {
	t.Helper()
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", p.dataDir, "--rtmp-addr", "off", "--account-id", testAccount}
	if p.store != "" {
		args = append(args, "--store", p.store)
	}
	p.cmd = exec.Command(p.bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GATEHOUSE_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, "GATEHOUSE_ROOT_ACCESS_KEY_ID="+rootKeyID,
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY="+rootSecret, "GATEHOUSE_MASTER_KEY="+testMasterKey)
	p.logs = &syncBuffer{}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	p.exited = exited
	go func() {
		p.waitErr = p.cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(p.logs.String()); m != nil {
			p.endpoint = "http://" + m[1]
			return
		}
		select {
		case <-exited:
			t.Fatalf("gatehouse serve exited (%v):\n%s", p.waitErr, p.logs)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("gatehouse serve did not listen within 30s:\n%s", p.logs)
		}
	}
}

// kill ends the server with SIGKILL and waits for it to be gone.
func (p *serveProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// stop ends the server with an interrupt and requires a clean exit.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		if p.waitErr != nil {
			t.Errorf("gatehouse serve exited with %v after an interrupt:\n%s", p.waitErr, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("gatehouse serve did not stop within 30s of an interrupt")
	}
}

func runDurability(t *testing.T, p *serveProc) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	workers := make([]*durWorker, durWorkers)
	for i := range workers {
		workers[i] = &durWorker{id: i}
	}
	for round := 1; round <= durRounds; round++ {
		p.start(t)
		root := strictIAM(p.endpoint, rootKeyID, rootSecret)
		if round == 1 {
			must(root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(durGroup)}))(t)
			must(root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(durSharedPolicy), PolicyDocument: aws.String(allowAll)}))(t)
		} else {
			verifyWorkers(t, ctx, p.endpoint, workers)
			checkConsistent(t, ctx, root)
		}
		if t.Failed() {
			t.Fatalf("after %d kills; last server's log:\n%s", round-1, p.logs)
		}
		acks := writeUntilKilled(t, ctx, p, workers, durMinAcks+rand.IntN(durMaxAcks-durMinAcks+1))
		t.Logf("round %d: %d writes acknowledged before SIGKILL", round, acks)
	}
	p.start(t)
	verifyWorkers(t, ctx, p.endpoint, workers)
	checkConsistent(t, ctx, strictIAM(p.endpoint, rootKeyID, rootSecret))
	p.stop(t)
	if t.Failed() {
		t.Logf("last server's log:\n%s", p.logs)
	}
}

// writeUntilKilled runs every worker against the server, kills the
// server once killAfter writes are acknowledged, and returns when every
// worker has stopped. It returns the number of acknowledged writes.
func writeUntilKilled(t *testing.T, ctx context.Context, p *serveProc, workers []*durWorker, killAfter int) int64 {
	var (
		acks     atomic.Int64
		killOnce sync.Once
		killNow  = make(chan struct{})
		wg       sync.WaitGroup
		errs     = make([]error, len(workers))
	)
	c := strictIAM(p.endpoint, rootKeyID, rootSecret)
	for i, w := range workers {
		wg.Go(func() {
			errs[i] = w.run(ctx, c, func() {
				if acks.Add(1) == int64(killAfter) {
					killOnce.Do(func() { close(killNow) })
				}
			})
		})
	}
	stopped := make(chan struct{})
	go func() {
		wg.Wait()
		close(stopped)
	}()
	select {
	case <-killNow:
	case <-stopped: // every worker failed: kill anyway, then report
	case <-time.After(60 * time.Second):
		t.Errorf("%d writes acknowledged in 60s, wanted %d", acks.Load(), killAfter)
	}
	p.kill(t)
	<-stopped
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	return acks.Load()
}

// The life of a durability user: each stage is reached by one IAM write.
// A user whose keep is set stops at stRefused; the others go on until
// they are deleted, undoing each step.
const (
	stNone           = iota
	stCreated        // CreateUser with tags
	stTagged         // TagUser
	stInline         // PutUserPolicy
	stKey            // CreateAccessKey
	stPolicy         // CreatePolicy of the user's own policy
	stVersion        // CreatePolicyVersion, as the default
	stAttachedOwn    // AttachUserPolicy of its own policy
	stAttachedShared // AttachUserPolicy of the shared policy
	stInGroup        // AddUserToGroup
	stRefused        // DeleteUser, refused with DeleteConflict
	stDetachedShared // DetachUserPolicy of the shared policy
	stDetachedOwn    // DetachUserPolicy of its own policy
	stInlineDeleted  // DeleteUserPolicy
	stKeyDeleted     // DeleteAccessKey
	stLeftGroup      // RemoveUserFromGroup
	stVersionDeleted // DeletePolicyVersion of v1
	stPolicyDeleted  // DeletePolicy
	stDeleted        // DeleteUser
)

// durUser is a user a worker writes, and what it knows was acknowledged.
type durUser struct {
	name  string
	keep  bool
	stage int
	// keyID and secret are those of the user's access key once its
	// creation is acknowledged; keyID alone when its creation was in
	// flight at the kill and found applied after the restart.
	keyID, secret string
}

func (u *durUser) final() int {
	if u.keep {
		return stRefused
	}
	return stDeleted
}

func (u *durUser) arn() string { return "arn:aws:iam::" + testAccount + ":user" + durPath + u.name }

func (u *durUser) policyName() string { return "p-" + u.name }

func (u *durUser) doc(sid string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"` + sid + `","Effect":"Allow","Action":"ivs:GetChannel","Resource":"arn:aws:ivs:us-west-2:` + testAccount + `:channel/` + u.name + `"}]}`
}

// durWorker writes its users one after the other, one write at a time.
type durWorker struct {
	id    int
	users []*durUser
}

// current returns the user the worker is writing, starting a new one when
// the last is complete.
func (w *durWorker) current() *durUser {
	if n := len(w.users); n > 0 && w.users[n-1].stage < w.users[n-1].final() {
		return w.users[n-1]
	}
	n := len(w.users)
	u := &durUser{name: fmt.Sprintf("w%d-u%d", w.id, n), keep: n%2 == 1}
	w.users = append(w.users, u)
	return u
}

// run writes until a write goes unanswered (the server is gone), calling
// acked after every acknowledged write. It returns an error for any
// answer a write should not have had.
func (w *durWorker) run(ctx context.Context, c *iam.Client, acked func()) error {
	for {
		u := w.current()
		err := u.advance(ctx, c)
		if _, msg, answered := errorCode(err); !answered {
			if ctx.Err() != nil {
				return fmt.Errorf("worker %d: %s", w.id, msg)
			}
			return nil // the server is gone; this write's fate is unknown
		}
		if err != nil {
			return fmt.Errorf("worker %d, user %s, write to stage %d: %w", w.id, u.name, u.stage+1, err)
		}
		acked()
	}
}

// advance makes the write that takes u to its next stage and, if the
// server acknowledges it, records the new stage.
func (u *durUser) advance(ctx context.Context, c *iam.Client) error {
	name, pol := aws.String(u.name), aws.String(managedARN(u.policyName()))
	var err error
	switch u.stage + 1 {
	case stCreated:
		_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: name, Path: aws.String(durPath), Tags: []iamtypes.Tag{
			{Key: aws.String("owner"), Value: aws.String(u.name)}, {Key: aws.String("keep"), Value: aws.String(fmt.Sprint(u.keep))}}})
	case stTagged:
		_, err = c.TagUser(ctx, &iam.TagUserInput{UserName: name, Tags: []iamtypes.Tag{{Key: aws.String("stage"), Value: aws.String("tagged")}}})
	case stInline:
		_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: name, PolicyName: aws.String("inline"), PolicyDocument: aws.String(u.doc("Inline"))})
	case stKey:
		var out *iam.CreateAccessKeyOutput
		if out, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: name}); err == nil {
			u.keyID, u.secret = aws.ToString(out.AccessKey.AccessKeyId), aws.ToString(out.AccessKey.SecretAccessKey)
		}
	case stPolicy:
		_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(u.policyName()), PolicyDocument: aws.String(u.doc("V1"))})
	case stVersion:
		_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: pol, PolicyDocument: aws.String(u.doc("V2")), SetAsDefault: true})
	case stAttachedOwn:
		_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: name, PolicyArn: pol})
	case stAttachedShared:
		_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: name, PolicyArn: aws.String(managedARN(durSharedPolicy))})
	case stInGroup:
		_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: name, GroupName: aws.String(durGroup)})
	case stRefused:
		_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: name})
		switch code, msg, answered := errorCode(err); {
		case err == nil:
			err = errors.New("DeleteUser of a user with keys, policies and groups succeeded")
		case answered && code == "DeleteConflict" && msg == "Cannot delete entity, must delete access keys first.":
			err = nil
		case answered:
			err = fmt.Errorf("DeleteUser of a user with an access key: %w, want DeleteConflict", err)
		}
	case stDetachedShared:
		_, err = c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: name, PolicyArn: aws.String(managedARN(durSharedPolicy))})
	case stDetachedOwn:
		_, err = c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: name, PolicyArn: pol})
	case stInlineDeleted:
		_, err = c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: name, PolicyName: aws.String("inline")})
	case stKeyDeleted:
		_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: name, AccessKeyId: aws.String(u.keyID)})
	case stLeftGroup:
		_, err = c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{UserName: name, GroupName: aws.String(durGroup)})
	case stVersionDeleted:
		_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: pol, VersionId: aws.String("v1")})
	case stPolicyDeleted:
		_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: pol})
	case stDeleted:
		_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: name})
	}
	if err == nil {
		u.stage++
	}
	return err
}

// expected returns the facts of u at stage s, in the form observe reports
// them ("key:*" for a key whose id the test does not know).
func (u *durUser) expected(s int) []string {
	var f []string
	in := func(from, to int) bool { return s >= from && s < to }
	if in(stCreated, stDeleted) {
		f = append(f, "user", "tag:owner="+u.name, fmt.Sprintf("tag:keep=%v", u.keep))
		if s >= stTagged {
			f = append(f, "tag:stage=tagged")
		}
	}
	if in(stInline, stInlineDeleted) {
		f = append(f, "inline:inline="+u.doc("Inline"))
	}
	if in(stKey, stKeyDeleted) {
		f = append(f, "key:"+orElse(u.keyID, "*"))
	}
	if in(stPolicy, stPolicyDeleted) {
		f = append(f, "policy", "default:"+map[bool]string{true: "v2", false: "v1"}[s >= stVersion])
		if s < stVersionDeleted {
			f = append(f, "version:v1="+u.doc("V1"))
		}
		if s >= stVersion {
			f = append(f, "version:v2="+u.doc("V2"))
		}
	}
	if in(stAttachedOwn, stDetachedOwn) {
		f = append(f, "attached:"+u.policyName())
	}
	if in(stAttachedShared, stDetachedShared) {
		f = append(f, "attached:"+durSharedPolicy)
	}
	if in(stInGroup, stLeftGroup) {
		f = append(f, "group:"+durGroup)
	}
	slices.Sort(f)
	return f
}

// orElse returns s, or def when s is empty.
func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// observe reads the facts of u from the server, and the ids of the access
// keys it lists.
func (u *durUser) observe(ctx context.Context, c *iam.Client) (facts, keyIDs []string, err error) {
	facts, keyIDs, err = u.observeUser(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	pf, err := u.observePolicy(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	facts = append(facts, pf...)
	slices.Sort(facts)
	return facts, keyIDs, nil
}

// observeUser reads the user's record and relations.
func (u *durUser) observeUser(ctx context.Context, c *iam.Client) (facts, keyIDs []string, err error) {
	name := aws.String(u.name)
	user, err := c.GetUser(ctx, &iam.GetUserInput{UserName: name})
	if isCode(err, "NoSuchEntity") {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	facts = append(facts, "user")
	for _, tag := range user.User.Tags {
		facts = append(facts, "tag:"+aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
	}
	inline, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: name})
	if err != nil {
		return nil, nil, err
	}
	for _, p := range inline.PolicyNames {
		doc, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: name, PolicyName: aws.String(p)})
		if err != nil {
			return nil, nil, err
		}
		facts = append(facts, "inline:"+p+"="+unescape(aws.ToString(doc.PolicyDocument)))
	}
	keys, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: name})
	if err != nil {
		return nil, nil, err
	}
	for _, k := range keys.AccessKeyMetadata {
		id := aws.ToString(k.AccessKeyId)
		keyIDs = append(keyIDs, id)
		facts = append(facts, "key:"+map[bool]string{true: id, false: "*"}[id == u.keyID])
	}
	attached, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: name})
	if err != nil {
		return nil, nil, err
	}
	for _, a := range attached.AttachedPolicies {
		facts = append(facts, "attached:"+aws.ToString(a.PolicyName))
	}
	groups, err := c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: name})
	if err != nil {
		return nil, nil, err
	}
	for _, g := range groups.Groups {
		facts = append(facts, "group:"+aws.ToString(g.GroupName))
	}
	return facts, keyIDs, nil
}

// observePolicy reads the user's own managed policy and its versions.
func (u *durUser) observePolicy(ctx context.Context, c *iam.Client) ([]string, error) {
	pol := aws.String(managedARN(u.policyName()))
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: pol})
	if isCode(err, "NoSuchEntity") {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	facts := []string{"policy", "default:" + aws.ToString(got.Policy.DefaultVersionId)}
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: pol})
	if err != nil {
		return nil, err
	}
	for _, v := range versions.Versions {
		pv, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: pol, VersionId: v.VersionId})
		if err != nil {
			return nil, err
		}
		facts = append(facts, "version:"+aws.ToString(v.VersionId)+"="+unescape(aws.ToString(pv.PolicyVersion.Document)))
	}
	return facts, nil
}

// unescape undoes the percent-encoding of a policy document, or returns a
// fact that cannot match when the encoding is broken.
func unescape(doc string) string {
	s, err := url.QueryUnescape(doc)
	if err != nil {
		return "undecodable " + doc
	}
	return s
}

// verifyWorkers checks, after a restart, every user the workers wrote:
// its facts must be those of the last acknowledged stage or, for the
// user whose write was in flight at the kill, of the next one (the write
// applied whole). It then records the stage found, and checks that every
// access key whose secret is known authenticates exactly while it exists.
// No other user may exist under the workers' path.
func verifyWorkers(t *testing.T, ctx context.Context, endpoint string, workers []*durWorker) {
	t.Helper()
	c := strictIAM(endpoint, rootKeyID, rootSecret)
	known := map[string]bool{}
	var jobs []func() error
	for _, w := range workers {
		for i, u := range w.users {
			known[u.name] = true
			inFlight := i == len(w.users)-1 && u.stage < u.final()
			jobs = append(jobs, func() error { return u.verify(ctx, endpoint, c, inFlight) })
		}
	}
	if err := runJobs(jobs); err != nil {
		t.Error(err)
	}
	err := eachPage(ctx, iam.NewListUsersPaginator(c, &iam.ListUsersInput{PathPrefix: aws.String(durPath)}), func(out *iam.ListUsersOutput) {
		for _, u := range out.Users {
			if !known[aws.ToString(u.UserName)] {
				t.Errorf("user %s exists, but no write that created it was made", aws.ToString(u.UserName))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// verify compares u with what the server holds (see verifyWorkers).
func (u *durUser) verify(ctx context.Context, endpoint string, c *iam.Client, inFlight bool) error {
	got, keyIDs, err := u.observe(ctx, c)
	if err != nil {
		return fmt.Errorf("user %s: %w", u.name, err)
	}
	switch {
	case slices.Equal(got, u.expected(u.stage)):
	case inFlight && slices.Equal(got, u.expected(u.stage+1)):
		u.stage++
		if u.stage == stKey && len(keyIDs) == 1 {
			u.keyID = keyIDs[0] // created, but its secret never reached us
		}
	case inFlight:
		return fmt.Errorf("user %s after the write to stage %d was cut off: state\n\t%q\nwant\n\t%q\nor\n\t%q",
			u.name, u.stage+1, got, u.expected(u.stage), u.expected(u.stage+1))
	default:
		return fmt.Errorf("user %s at acknowledged stage %d: state\n\t%q\nwant\n\t%q", u.name, u.stage, got, u.expected(u.stage))
	}
	if u.secret == "" {
		return nil
	}
	if u.stage >= stKey && u.stage < stKeyDeleted {
		return wantCaller(ctx, endpoint, u.keyID, u.secret, u.arn())
	}
	return wantCaller(ctx, endpoint, u.keyID, u.secret, "")
}
