package sts

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/arn"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/awsmanaged"
	"github.com/gatehouse-iam/gatehouse/keyid"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// MFAVerifier checks a one-time code of an MFA device and returns the name
// of the IAM user the device is enabled for. A code is usable once.
type MFAVerifier interface {
	Verify(ctx context.Context, account, serialNumber, code string) (userName string, err error)
}

// Service implements the STS API. Every method takes the authenticated
// caller; none writes to the store except through MFA verification and
// key rotation.
type Service struct {
	st    store.Store
	authz *authz.Authorizer
	keys  *KeyRing
	mfa   MFAVerifier
	now   func() time.Time
	log   *slog.Logger
}

// New returns a Service issuing tokens sealed by keys. mfa may be nil:
// requests with MFA codes are then refused.
func New(st store.Store, az *authz.Authorizer, keys *KeyRing, mfa MFAVerifier, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, authz: az, keys: keys, mfa: mfa, now: now, log: log}
}

// Duration bounds, in seconds.
const (
	minDuration            = 900
	maxRoleDuration        = 43200
	defaultRoleDuration    = 3600
	maxChainedDuration     = 3600
	maxTokenDuration       = 129600
	defaultTokenDuration   = 43200
	maxRootDuration        = 3600
	maxSessionLifetime     = maxTokenDuration * time.Second
	maxSessionPolicyARNs   = 10
	maxSessionTags         = 50
	maxInlinePolicyLength  = 2048
	packedPolicyBudget     = 2048 // bytes of compressed policies and tags
	secretAccessKeyCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

var (
	sessionNamePattern  = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDPattern   = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	serialNumberPattern = regexp.MustCompile(`^[\w+=/:,.@-]*$`)
	tokenCodePattern    = regexp.MustCompile(`^\d{6}$`)
	policyTextPattern   = regexp.MustCompile(`^[\t\n\r\x{20}-\x{FF}]+$`)
	tagKeyPattern       = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValuePattern     = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	policyARNPattern    = regexp.MustCompile(`^[\t\n\r\x{20}-\x{7E}\x{85}\x{A0}-\x{D7FF}\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}]+$`)
)

// Tag is a session tag.
type Tag struct {
	Key   string `query:"Key" xml:"Key" json:"k"`
	Value string `query:"Value" xml:"Value" json:"v"`
}

// PolicyDescriptor names a managed policy to use as a session policy.
type PolicyDescriptor struct {
	Arn string `query:"arn"`
}

// Credentials are temporary security credentials.
type Credentials struct {
	AccessKeyID     string    `xml:"AccessKeyId"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	SessionToken    string    `xml:"SessionToken"`
	Expiration      time.Time `xml:"Expiration"`
}

// LogValue implements slog.LogValuer: the secret and the token are left
// out.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", c.AccessKeyID), slog.Time("expiration", c.Expiration))
}

// validation is AWS's constraint-violation error.
func validation(member, value, constraint string) error {
	return awserr.New(awserr.ValidationError, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

// checkName validates a name parameter: length bounds and [\w+=,.@-]*.
func checkName(member, v string, minLen, maxLen int) error {
	if n := utf8.RuneCountInString(v); n < minLen || n > maxLen {
		return validation(member, v, fmt.Sprintf("Member must have length less than or equal to %d and greater than or equal to %d", maxLen, minLen))
	}
	if !sessionNamePattern.MatchString(v) {
		return validation(member, v, `Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	return nil
}

// checkDuration validates DurationSeconds against the model's bounds and
// returns it, or def when absent.
func checkDuration(v *int, maxSeconds, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	switch {
	case *v < minDuration:
		return 0, validation("durationSeconds", fmt.Sprint(*v), fmt.Sprintf("Member must have value greater than or equal to %d", minDuration))
	case *v > maxSeconds:
		return 0, validation("durationSeconds", fmt.Sprint(*v), fmt.Sprintf("Member must have value less than or equal to %d", maxSeconds))
	}
	return *v, nil
}

// checkMFAParams validates SerialNumber and TokenCode.
func checkMFAParams(serial, code *string) error {
	if serial != nil {
		if n := len(*serial); n < 9 || n > 256 {
			return validation("serialNumber", *serial, "Member must have length less than or equal to 256 and greater than or equal to 9")
		}
		if !serialNumberPattern.MatchString(*serial) {
			return validation("serialNumber", *serial, `Member must satisfy regular expression pattern: [\w+=/:,.@-]*`)
		}
	}
	if code != nil && !tokenCodePattern.MatchString(*code) {
		return validation("tokenCode", *code, `Member must have length less than or equal to 6 and greater than or equal to 6 and satisfy regular expression pattern: [\d]*`)
	}
	return nil
}

// checkTags validates session tags.
func checkTags(tags []Tag) error {
	if len(tags) > maxSessionTags {
		return awserr.New(awserr.ValidationError, "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionTags)
	}
	seen := map[string]bool{}
	for i, t := range tags {
		member := fmt.Sprintf("tags.%d.member.key", i+1)
		if t.Key == "" || utf8.RuneCountInString(t.Key) > 128 {
			return validation(member, t.Key, "Member must have length less than or equal to 128 and greater than or equal to 1")
		}
		if !tagKeyPattern.MatchString(t.Key) {
			return validation(member, t.Key, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		}
		if utf8.RuneCountInString(t.Value) > 256 || !tagValuePattern.MatchString(t.Value) {
			return validation(fmt.Sprintf("tags.%d.member.value", i+1), t.Value, `Member must have length less than or equal to 256 and satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return awserr.New(awserr.InvalidParameterValue, "Tag keys can't start with 'aws:'. This prefix is reserved for AWS tags.")
		}
		if seen[strings.ToLower(t.Key)] {
			return awserr.New(awserr.InvalidParameterValue, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(t.Key)] = true
	}
	return nil
}

// checkPolicyParams validates the Policy and PolicyArns parameters as the
// model does; maxLen is the Policy's model length (0 for none).
func checkPolicyParams(doc *string, arns []PolicyDescriptor, maxLen int) error {
	if doc != nil {
		if *doc == "" {
			return validation("policy", "", "Member must have length greater than or equal to 1")
		}
		if maxLen > 0 && utf8.RuneCountInString(*doc) > maxLen {
			return awserr.New(awserr.ValidationError, "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", maxLen)
		}
		if !policyTextPattern.MatchString(*doc) {
			return awserr.New(awserr.ValidationError, `1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`)
		}
	}
	if len(arns) > maxSessionPolicyARNs {
		return awserr.New(awserr.ValidationError, "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionPolicyARNs)
	}
	for i, d := range arns {
		member := fmt.Sprintf("policyArns.%d.member.arn", i+1)
		if n := len(d.Arn); n < 20 || n > 2048 {
			return validation(member, d.Arn, "Member must have length less than or equal to 2048 and greater than or equal to 20")
		}
		if !policyARNPattern.MatchString(d.Arn) {
			return validation(member, d.Arn, `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`)
		}
	}
	return nil
}

// parseInlinePolicy validates an inline session policy: the grammar of an
// identity-based policy (no Principal), then the plain-text size limit.
func parseInlinePolicy(doc string) error {
	if _, err := policy.Parse([]byte(doc), policy.KindIdentity); err != nil {
		var errs policy.Errors
		if errors.As(err, &errs) && len(errs) > 0 {
			return awserr.New(awserr.MalformedPolicyDocument, "%s", errs[0].Error())
		}
		return awserr.New(awserr.MalformedPolicyDocument, "%s", err.Error())
	}
	if n := policy.Size([]byte(doc)); n > maxInlinePolicyLength {
		return packedTooLarge(n * 100 / maxInlinePolicyLength)
	}
	return nil
}

// packedTooLarge is AWS's answer for session policies and tags over the
// packed limit.
func packedTooLarge(percent int) error {
	if percent <= 100 {
		percent = 101
	}
	return awserr.New("PackedPolicyTooLarge", "Packed policy consumes %d%% of allotted space, please use smaller policy.", percent)
}

// sessionPolicies resolves the session policies of a request in account:
// the inline document and the documents of the managed policies named.
// An ARN that names no policy of the account (or of AWS) is refused.
func (s *Service) sessionPolicies(ctx context.Context, account string, doc *string, arns []PolicyDescriptor) ([]string, error) {
	var docs []string
	if doc != nil {
		docs = append(docs, *doc)
	}
	if len(arns) == 0 {
		return docs, nil
	}
	err := s.st.View(ctx, func(tx store.Tx) error {
		for _, d := range arns {
			if p, ok := awsmanaged.Get(d.Arn); ok {
				docs = append(docs, p.Document)
				continue
			}
			a, err := arn.Parse(d.Arn)
			if err != nil || a.Service != "iam" || a.Account != account || !strings.HasPrefix(a.Resource, "policy/") {
				return noSuchPolicy(d.Arn)
			}
			var mp store.ManagedPolicy
			if err := store.GetJSON(ctx, tx, account, store.PolicyKey(a.Name()), &mp); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return noSuchPolicy(d.Arn)
				}
				return err
			}
			if mp.ARN != d.Arn {
				return noSuchPolicy(d.Arn)
			}
			docs = append(docs, mp.DefaultDocument())
		}
		return nil
	})
	return docs, err
}

func noSuchPolicy(a string) error {
	return awserr.New(awserr.MalformedPolicyDocument, "Policy %s does not exist or is not attachable.", a)
}

// packedSize returns the percentage of the packed limit that the session
// policies and tags use, as PackedPolicySize reports it: the size of the
// inline policy (white space removed), the policy ARNs and the tags,
// compressed.
func packedSize(doc *string, arns []PolicyDescriptor, tags []Tag) int {
	var b bytes.Buffer
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(&b)
	if doc != nil {
		_, _ = w.Write([]byte(strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, *doc)))
	}
	for _, a := range arns {
		_, _ = w.Write([]byte(a.Arn))
	}
	for _, t := range tags {
		_, _ = w.Write([]byte(t.Key + "=" + t.Value + ";"))
	}
	_ = w.Close()
	return (b.Len()*100 + packedPolicyBudget - 1) / packedPolicyBudget
}

// verifyMFA checks an MFA code of the caller and returns when it was
// authenticated. Both SerialNumber and TokenCode are needed; the device
// must be the calling user's.
func (s *Service) verifyMFA(ctx context.Context, c *authz.Caller, serial, code *string) (bool, error) {
	if serial == nil && code == nil {
		return false, nil
	}
	if serial == nil || code == nil || s.mfa == nil {
		return false, mfaFailed()
	}
	user, err := s.mfa.Verify(ctx, c.Account(), *serial, *code)
	if err != nil {
		s.log.Info("MFA code refused", "principal_arn", c.Principal.ARN, "err", err)
		return false, mfaFailed()
	}
	if c.Principal.Type == policy.User && !strings.EqualFold(user, c.Principal.Username) {
		return false, mfaFailed()
	}
	return true, nil
}

// mfaFailed is AWS's answer for a wrong or missing MFA code.
func mfaFailed() error {
	return awserr.New(awserr.AccessDenied, "MultiFactorAuthentication failed with invalid MFA one time pass code.")
}

// newCredentials returns a new temporary access key id of account (which
// the id encodes) and its secret.
func newCredentials(account string) (id, secret string) {
	return keyid.New("ASIA", account), randomString(40, secretAccessKeyCharset)
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("sts: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// issue seals the claims and returns the credentials.
func (s *Service) issue(ctx context.Context, cl *Claims) (*Credentials, error) {
	cl.AccessKeyID, cl.Secret = newCredentials(cl.Account)
	tok, err := s.keys.Seal(ctx, cl)
	if err != nil {
		return nil, err
	}
	return &Credentials{AccessKeyID: cl.AccessKeyID, SecretAccessKey: cl.Secret, SessionToken: tok, Expiration: cl.Expires}, nil
}

// timestamp returns the current time at second precision.
func (s *Service) timestamp() time.Time { return s.now().UTC().Truncate(time.Second) }

// mergeTags returns base with over added, over's values replacing base's
// for keys that compare equal regardless of case.
func mergeTags(base, over []Tag) []Tag {
	out := make([]Tag, 0, len(base)+len(over))
	for _, b := range base {
		replaced := false
		for _, o := range over {
			if equalFold(b.Key, o.Key) {
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, b)
		}
	}
	return append(out, over...)
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

// storeTags converts entity tags to session tags.
func storeTags(tags []store.Tag) []Tag {
	out := make([]Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// principalTags converts a principal's tags to session tags.
func principalTags(tags []policy.Tag) []Tag {
	out := make([]Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// requestTagContext sets aws:RequestTag/… and aws:TagKeys for a request
// that passes session tags.
func requestTagContext(pc *policy.Context, tags []Tag) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		pc.SetTag("aws:RequestTag/", t.Key, t.Value)
		keys = append(keys, t.Key)
	}
	pc.SetMulti("aws:TagKeys", keys)
}

// sessionDeniesSTS refuses an STS operation that session credentials may
// not call.
func sessionDeniesSTS(op string) error {
	return awserr.New(awserr.AccessDenied, "Cannot call %s with session credentials", op)
}
