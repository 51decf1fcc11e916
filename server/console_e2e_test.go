package server_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium. Without it the browser tests skip,
// and fail under CI=true.
const chromiumPath = "/usr/bin/chromium"

// browser is a headless Chromium driving the console of a test server.
type browser struct {
	t        *testing.T
	ctx      context.Context
	endpoint string
	shots    string

	// mu guards exceptions: the JavaScript errors no code caught.
	mu         sync.Mutex
	exceptions []string
}

// newBrowser starts Chromium with an empty profile.
func newBrowser(t *testing.T, endpoint string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		missingTool(t, chromiumPath+" is missing (apt-get install -y chromium); the console's browser tests need it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	b := &browser{t: t, endpoint: endpoint}
	ctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithListener(func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			b.mu.Lock()
			b.exceptions = append(b.exceptions, msg)
			b.mu.Unlock()
		}
	}))
	t.Cleanup(cancelTab)
	b.ctx = ctx
	// Screenshots go to a temporary directory, or to
	// GATEHOUSE_CONSOLE_SHOTS to keep them.
	shots := os.Getenv("GATEHOUSE_CONSOLE_SHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b.shots = shots
	// The browser starts with the first action on ctx itself: a derived
	// context's end would stop it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	b.do(chromedp.Navigate(endpoint + "/console/"))
	return b
}

// checkExceptions fails the test if the page threw an error no code
// caught.
func (b *browser) checkExceptions() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.exceptions {
		b.t.Errorf("uncaught JavaScript error: %s", e)
	}
}

// do runs actions, failing the test (with the page's text) on an error.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(err)
	}
}

func (b *browser) fail(err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	b.t.Fatalf("%v\npage:\n%s", err, text)
}

// wait waits until a JavaScript expression is truthy and returns its value
// as a string.
func (b *browser) wait(expr string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Poll[string](`String(`+expr+` || '')`, chromedp.WithPollingTimeout(20*time.Second),
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err == nil && v == "" {
		err = context.DeadlineExceeded
	}
	if err != nil {
		b.fail(err)
	}
	return v
}

// waitText waits until the element of a CSS selector contains text.
func (b *browser) waitText(selector, text string) string {
	b.t.Helper()
	q := `(document.querySelector(` + jsString(selector) + `)?.innerText || '')`
	return b.wait(`(` + q + `.includes(` + jsString(text) + `) && ` + q + `)`)
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return `'` + r.Replace(s) + `'`
}

// goTo opens a console page by its route.
func (b *browser) goTo(route string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`location.hash = ` + jsString("#/"+route)))
}

// shot takes a screenshot, checks it is a PNG with something in it, and
// keeps it in the test's directory.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.fail(err)
	}
	if len(png) < 2000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		b.t.Fatalf("screenshot %s: %d bytes, not a PNG of a page", name, len(png))
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o600); err != nil {
		b.t.Fatal(err)
	}
}

// signInRoot signs in as the root user with its access key.
func (b *browser) signInRoot(keyID, secret string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.Click(chromedp.ID("signin-type-root")),
		chromedp.SendKeys(chromedp.ID("signin-key-id"), keyID),
		chromedp.SendKeys(chromedp.ID("signin-secret"), secret),
		chromedp.Click(chromedp.ID("signin-submit")))
	b.waitText("#whoami", "Root user")
}

// signInUser fills in an IAM user's sign-in form.
func (b *browser) signInUser(account, user, password string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SendKeys(chromedp.ID("signin-account"), account),
		chromedp.SendKeys(chromedp.ID("signin-user"), user),
		chromedp.SendKeys(chromedp.ID("signin-password"), password),
		chromedp.Click(chromedp.ID("signin-submit")))
}

// createUser creates a user with a console password on the users page and
// opens the user's page.
func (b *browser) createUser(name, password string) {
	b.t.Helper()
	b.goTo("users")
	b.do(chromedp.WaitVisible(chromedp.ID("create-user-form")),
		chromedp.SendKeys(chromedp.ID("new-user-name"), name),
		chromedp.SendKeys(chromedp.ID("new-user-password"), password),
		chromedp.Click(chromedp.ID("create-user-submit")))
	b.waitText("main", "Created user "+name)
	b.goTo("users/" + name)
	b.waitText("h1", "User "+name)
}

func (b *browser) signOut() {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("signin-form")))
}

// TestConsoleInChromium drives the console in headless Chromium: the root
// user creates two channels, a policy (the seed's one-channel policy, with
// the first channel's id) in the JSON editor after it showed an error at
// its line and column, a user with a password and that policy, and a
// second user with an MFA device set up from its QR page; the first user
// sees the channel list and the first channel, and is shown the denial of
// the second with its reason; the second user signs in with a TOTP code,
// and a policy that requires MFA lets it list the channels.
func TestConsoleInChromium(t *testing.T) {
	ts := startServer(t, nil)
	b := newBrowser(t, ts.endpoint)
	const password = "Console-Test-Passw0rd!"

	b.signInRoot(rootKeyID, rootSecret)
	b.shot("home")

	// Two channels.
	b.goTo("channels")
	b.do(chromedp.WaitVisible(chromedp.ID("create-channel-form")),
		chromedp.SendKeys(chromedp.ID("new-channel-name"), "alpha"),
		chromedp.SendKeys(chromedp.ID("new-channel-tags"), "team=live"),
		chromedp.Click(chromedp.ID("create-channel-submit")))
	alpha := b.wait(`document.querySelector('.created-channel-arn')?.textContent`)
	b.wait(`document.querySelector('#new-stream-key')?.textContent.startsWith('sk_')`)
	b.do(chromedp.SendKeys(chromedp.ID("new-channel-name"), "beta"),
		chromedp.Click(chromedp.ID("create-channel-submit")))
	beta := b.wait(`(() => { const a = document.querySelector('.created-channel-arn')?.textContent; return a !== ` + jsString(alpha) + ` && a; })()`)
	b.waitText("#channel-list", "beta")
	b.shot("channels")
	alphaID := alpha[strings.LastIndexByte(alpha, '/')+1:]

	// The policy, first with an error the editor places.
	seed, err := os.ReadFile("testdata/console/one-channel-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.ReplaceAll(string(seed), "VgNkEJgOVX9N", alphaID)
	b.goTo("policies/new")
	b.do(chromedp.WaitVisible(chromedp.ID("create-policy-form")),
		chromedp.SendKeys(chromedp.ID("new-policy-name"), "OneChannel"),
		chromedp.SetValue(chromedp.ID("new-policy-doc"), strings.Replace(doc, `"Effect": "Allow"`, `"Effect": "Allw"`, 1)),
		chromedp.Click(chromedp.ID("new-policy-validate")))
	b.waitText("#new-policy-problems", "error at line 6, column")
	b.shot("policy-editor-error")
	b.do(chromedp.SetValue(chromedp.ID("new-policy-doc"), doc), chromedp.Click(chromedp.ID("new-policy-validate")))
	b.waitText("#new-policy-problems", "Valid")
	b.do(chromedp.Click(chromedp.ID("create-policy-submit")))
	b.waitText("main", "Created arn:aws:iam::123456789012:policy/OneChannel")

	// The user, its password and the policy.
	b.createUser("mateo", password)
	b.do(chromedp.SendKeys(chromedp.ID("attach-User-arn"), "arn:aws:iam::123456789012:policy/OneChannel"),
		chromedp.Click(chromedp.ID("attach-User-submit")))
	b.waitText("main", "OneChannel")
	b.shot("user")

	// The MFA user: its device from the QR page.
	b.createUser("mfauser", password)
	b.do(chromedp.Click(chromedp.ID("mfa-create-submit")))
	seedText := b.wait(`document.querySelector('#mfa-seed')?.textContent`)
	b.wait(`document.querySelector('#mfa-qr')?.naturalWidth > 100`)
	b.shot("mfa-setup")
	now := time.Now()
	b.do(chromedp.SendKeys(chromedp.ID("mfa-code1"), totpCode(t, seedText, now.Add(-30*time.Second))),
		chromedp.SendKeys(chromedp.ID("mfa-code2"), totpCode(t, seedText, now)),
		chromedp.Click(chromedp.ID("mfa-enable-submit")))
	b.waitText("main", "is enabled")
	// mfauser may list channels only with MFA.
	ctx := ctxT(t)
	if _, err := ts.rootIAM().PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("mfauser"), PolicyName: aws.String("ListWithMFA"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:ListChannels","Resource":"*",
			"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}); err != nil {
		t.Fatal(err)
	}

	// The audit trail explains a decision.
	b.goTo("audit")
	b.waitText("#audit-results", "CreateChannel")
	b.do(chromedp.Click(chromedp.CSS("#audit-results .why-button")))
	b.waitText("#audit-explanation", "Decision: Allow")
	b.shot("audit")

	// The other pages, each once.
	b.goTo("simulator")
	b.do(chromedp.SetValue(chromedp.ID("sim-principal"), "arn:aws:iam::123456789012:user/mateo"),
		chromedp.SendKeys(chromedp.ID("sim-actions"), "ivs:GetChannel"),
		chromedp.SetValue(chromedp.ID("sim-resources"), alpha+"\n"+beta),
		chromedp.Click(chromedp.ID("sim-submit")))
	b.waitText("main table", "allowed")
	b.waitText("main table", "implicitDeny")
	b.waitText("main table", "OneChannel (user-managed) at line 10, column")
	b.shot("simulator")
	b.goTo("credentials")
	b.waitText("h1", "My security credentials")
	b.do(chromedp.Click(chromedp.ID("create-access-key")))
	b.wait(`document.querySelector('#new-secret-access-key')?.textContent.length === 40`)
	b.shot("credentials")
	for _, page := range []struct{ route, heading string }{
		{"groups", "Groups"}, {"roles", "Roles"}, {"policies", "Managed policies"}, {"playback-keys", "Playback key pairs"},
	} {
		b.goTo(page.route)
		b.waitText("main", page.heading)
		b.wait(`!document.querySelector('main .error')`)
	}
	b.signOut()

	// The one-channel user.
	b.signInUser(testAccount, "mateo", password)
	b.waitText("#whoami", "mateo")
	b.goTo("channels")
	b.waitText("#channel-list", "alpha")
	b.waitText("#channel-list", "beta")
	b.goTo("channels/" + url.PathEscape(alpha))
	b.waitText("#channel-details", alpha)
	b.shot("channel")
	b.goTo("channels/" + url.PathEscape(beta))
	b.waitText(".error .title", "is not authorized to perform: ivs:GetChannel on resource: "+beta)
	b.waitText(".error .why", "no identity-based policy allows the ivs:GetChannel action")
	b.shot("channel-denied")
	// Only the root user may read the explanation of the audit trail.
	b.do(chromedp.Click(chromedp.CSS(".error button.explain")))
	b.waitText(".error .explanation", "cloudtrail:LookupEvents")
	b.goTo("users")
	b.waitText(".error .title", "is not authorized to perform: iam:ListUsers")
	// Readable on a narrow screen.
	b.do(chromedp.EmulateViewport(390, 844))
	b.goTo("channels")
	b.waitText("#channel-list", "alpha")
	if w := b.wait(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("the page is %s px wide on a 390 px screen", w)
	}
	b.shot("channels-narrow")
	b.do(chromedp.EmulateViewport(1280, 900))
	b.signOut()

	// The MFA user signs in with a code of the next time step (the codes
	// of this one and the one before were used to enable the device).
	b.signInUser(testAccount, "mfauser", password)
	b.do(chromedp.WaitVisible(chromedp.ID("mfa-form")),
		chromedp.SendKeys(chromedp.ID("signin-mfa-code"), totpCode(t, seedText, time.Now().Add(30*time.Second))),
		chromedp.Click(chromedp.ID("mfa-submit")))
	b.waitText("#whoami", "mfauser · account 123456789012 · MFA")
	b.goTo("channels")
	b.waitText("#channel-list", "alpha")
	b.shot("mfa-user-channels")
	b.checkExceptions()
}
