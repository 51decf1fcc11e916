package bench

import (
	"bytes"
	"fmt"
	"strings"

	miniopolicy "github.com/minio/pkg/v3/policy"

	"github.com/gatehouse-iam/gatehouse/policy/workload"
)

// MinIO's engine takes only S3-shaped actions and resources, so each
// workload is translated into an S3 policy of the same shape: the same
// statements, the same number of actions and resources per statement, the
// same kinds of wildcard, and the closest condition keys MinIO knows. An
// IVS channel "arn:aws:ivs:REGION:ACCOUNT:channel/ID" becomes the object
// "arn:aws:s3:::channels/ID"; ivs:ListChannels/GetChannel/PutMetadata
// become object read, read and tag-write actions.

// minioBucket holds the objects that stand for channels.
const minioBucket = "channels"

// MinioCase is a translated request with the decision expected for it.
type MinioCase struct {
	Args  miniopolicy.Args
	Allow bool
}

func parseMinio(doc string) (*miniopolicy.Policy, error) {
	p, err := miniopolicy.ParseConfig(strings.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("minio policy: %w\n%s", err, doc)
	}
	return p, nil
}

// minioW1Doc is W1's policy for channel id: console reads on every
// channel, reads on the one channel, and three management actions on it.
func minioW1Doc(channel string) string {
	return `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"ListChannelsInConsole","Effect":"Allow","Action":["s3:GetObjectTagging","s3:GetObjectRetention"],"Resource":"arn:aws:s3:::channels/*"},` +
		`{"Sid":"ViewSpecificChannelInfo","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectLegalHold"],"Resource":"arn:aws:s3:::channels/` + channel + `"},` +
		`{"Sid":"ManageChannel","Effect":"Allow","Action":["s3:DeleteObject","s3:PutObjectTagging","s3:PutObject"],"Resource":"arn:aws:s3:::channels/` + channel + `"}]}`
}

// MinioW1 returns W1 for MinIO: the allowed request is s3:PutObjectTagging
// (for ivs:PutMetadata) on the channel, decided by the last statement; the
// denied one s3:GetObject (for ivs:GetChannel) on another channel.
func MinioW1() (p *miniopolicy.Policy, allow, deny MinioCase, err error) {
	p, err = parseMinio(minioW1Doc(workload.W1Channel))
	allow = MinioCase{Allow: true, Args: miniopolicy.Args{
		AccountName: "channel-operator", Action: miniopolicy.PutObjectTaggingAction,
		BucketName: minioBucket, ObjectName: workload.W1Channel,
		ConditionValues: map[string][]string{"username": {"channel-operator"}},
	}}
	deny = MinioCase{Allow: false, Args: miniopolicy.Args{
		AccountName: "channel-operator", Action: miniopolicy.GetObjectAction,
		BucketName: minioBucket, ObjectName: workload.W1OtherChannel,
		ConditionValues: map[string][]string{"username": {"channel-operator"}},
	}}
	return p, allow, deny, err
}

// MinioW2 returns W2 for MinIO. aws:ResourceTag/Owner becomes the object
// tag key s3:ExistingObjectTag/owner, which MinIO compares with
// ${aws:username} substituted from the request's condition values, just as
// IAM does. (MinIO's tag keys are case-sensitive, so the policy uses the
// lower-case key the request carries.)
func MinioW2() (*miniopolicy.Policy, MinioCase, error) {
	p, err := parseMinio(`{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"ListWidgetsInConsole","Effect":"Allow","Action":"s3:GetObjectTagging","Resource":"arn:aws:s3:::channels/*"},` +
		`{"Sid":"ViewChannelIfOwner","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::channels/*",` +
		`"Condition":{"StringEquals":{"s3:ExistingObjectTag/owner":"${aws:username}"}}}]}`)
	c := MinioCase{Allow: true, Args: miniopolicy.Args{
		AccountName: workload.W2User, Action: miniopolicy.GetObjectAction,
		BucketName: minioBucket, ObjectName: workload.W2Channel,
		ConditionValues: map[string][]string{
			"username":                {workload.W2User},
			"ExistingObjectTag/owner": {workload.W2User},
		},
	}}
	return p, c, err
}

// minioW3Statement translates W3's statement template s for policy p
// (see workload.W3). Each keeps its template's shape and its reason for
// not applying to the request. MinIO has no principal tags; the
// department test uses aws:groups instead.
func minioW3Statement(p, s int) string {
	if p == workload.W3DenyPolicy && s == workload.W3DenyStatement {
		return `{"Sid":"DenyOutsideCorpNetwork","Effect":"Deny","Action":["s3:*"],"Resource":"arn:aws:s3:::*",` +
			`"Condition":{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","198.51.100.0/24"]}}}`
	}
	switch s {
	case 0:
		return fmt.Sprintf(`{"Sid":"ReadChannels%d","Effect":"Allow","Action":["s3:GetObject*","s3:GetObjectVersion*","s3:DeleteObjectTagging"],`+
			`"Resource":"arn:aws:s3:::channels/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/team":["media","studio-%d"]}}}`, p, p)
	case 1:
		return fmt.Sprintf(`{"Sid":"ManagePrefixed%d","Effect":"Allow","Action":["s3:Put*","s3:DeleteObject","s3:GetBucketPolicy"],`+
			`"Resource":"arn:aws:s3:::channels/p%d-*"}`, p, p)
	case 2:
		return fmt.Sprintf(`{"Sid":"TeamMetadata%d","Effect":"Allow","Action":["s3:*Tagging","s3:GetObjectVersion"],`+
			`"Resource":"arn:aws:s3:::channels/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/team":"team-%d"}}}`, p, p)
	case 3:
		return fmt.Sprintf(`{"Sid":"Recordings%d","Effect":"Allow","Action":["s3:GetBucket*","s3:PutObject","s3:PutObjectTagging"],`+
			`"Resource":["arn:aws:s3:::recordings-%d/*","arn:aws:s3:::channels/rec-%d*"]}`, p, p, p)
	case 4:
		return fmt.Sprintf(`{"Sid":"OfficeNetwork%d","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::*",`+
			`"Condition":{"IpAddress":{"aws:SourceIp":"10.%d.0.0/16"}}}`, p, p)
	case 5:
		return fmt.Sprintf(`{"Sid":"Campaign%d","Effect":"Allow","Action":["s3:PutObjectTagging","s3:PutObject","s3:GetBucketVersioning"],`+
			`"Resource":"arn:aws:s3:::channels/*","Condition":{"Bool":{"aws:SecureTransport":"true"},`+
			`"DateLessThan":{"aws:CurrentTime":"2025-%02d-01T00:00:00Z"}}}`, p, p+1)
	case 6:
		return fmt.Sprintf(`{"Sid":"SelfService%d","Effect":"Allow","Action":["s3:GetBucket*","s3:ListAllMyBuckets","s3:CreateBucket"],`+
			`"Resource":"arn:aws:s3:::home/team-%d/${aws:username}/*"}`, p, p)
	case 7:
		return fmt.Sprintf(`{"Sid":"TaggedCreate%d","Effect":"Allow","Action":["s3:PutObject*","s3:PutBucketTagging","s3:*Tagging"],`+
			`"Resource":"arn:aws:s3:::*","Condition":{"ForAnyValue:StringEquals":{"s3:RequestObjectTagKeys":["cost-center-%d","project-%d"]}}}`, p, p, p)
	case 8:
		return fmt.Sprintf(`{"Sid":"Metrics%d","Effect":"Allow","Action":["s3:GetBucketNotification","s3:ListenBucket*","s3:GetReplicationConfiguration"],`+
			`"Resource":["arn:aws:s3:::metrics/team-%d-*","arn:aws:s3:::metrics-%d/*"]}`, p, p, p)
	default:
		return fmt.Sprintf(`{"Sid":"Department%d","Effect":"Allow","Action":["s3:P?tObjectTagging","s3:GetObjectVersion","s3:ListBucket"],`+
			`"Resource":"arn:aws:s3:::channels/*","Condition":{"StringLike":{"aws:groups":"dept-%d*"},`+
			`"StringEquals":{"aws:principaltype":"User"}}}`, p, p)
	}
}

// MinioW3Policies returns W3's policies for MinIO, statement drop removed
// from the last policy when drop >= 0 (tests use it to show that the last
// statement decides).
func MinioW3Policies(drop int) ([]miniopolicy.Policy, error) {
	var out []miniopolicy.Policy
	for p := range workload.W3Policies {
		var b bytes.Buffer
		b.WriteString(`{"Version":"2012-10-17","Statement":[`)
		first := true
		for s := range workload.W3Statements {
			if p == workload.W3Policies-1 && s == drop {
				continue
			}
			if !first {
				b.WriteString(",")
			}
			first = false
			b.WriteString(minioW3Statement(p, s))
		}
		b.WriteString("]}")
		pol, err := parseMinio(b.String())
		if err != nil {
			return nil, err
		}
		out = append(out, *pol)
	}
	return out, nil
}

// MinioW3 returns W3 for MinIO: its ten policies merged into one with
// MergePolicies, as MinIO's IAM does for a user's attached policies, and
// the request: s3:PutObjectTagging (for ivs:PutMetadata) on the channel,
// with W3's condition values.
func MinioW3() (*miniopolicy.Policy, MinioCase, error) {
	ps, err := MinioW3Policies(-1)
	if err != nil {
		return nil, MinioCase{}, err
	}
	merged := miniopolicy.MergePolicies(ps...)
	if n := len(merged.Statements); n != workload.W3Policies*workload.W3Statements {
		return nil, MinioCase{}, fmt.Errorf("minio W3: merged policy has %d statements", n)
	}
	return &merged, MinioCase{Allow: true, Args: MinioW3Args(workload.W3SourceIP)}, nil
}

// MinioW3Args returns W3's request for MinIO from source address ip.
func MinioW3Args(ip string) miniopolicy.Args {
	return miniopolicy.Args{
		AccountName: "media-publisher", Groups: []string{workload.W3Department},
		Action:     miniopolicy.PutObjectTaggingAction,
		BucketName: minioBucket, ObjectName: workload.W3Channel,
		ConditionValues: map[string][]string{
			"SourceIp":               {ip},
			"SecureTransport":        {"true"},
			"CurrentTime":            {workload.W3CurrentTime},
			"ExistingObjectTag/team": {workload.W3Team},
			"RequestObjectTagKeys":   workload.W3TagKeys,
			"groups":                 {workload.W3Department},
			"principaltype":          {"User"},
			"username":               {"media-publisher"},
		},
	}
}

// MinioW4Entry is a principal of W4 for MinIO: its own policy, found by
// access key.
type MinioW4Entry struct {
	Account string
	Policy  miniopolicy.Policy
}

// MinioW4Call is one W4 request for MinIO.
type MinioW4Call struct {
	AccessKey string
	Object    string
}

// MinioW4 builds W4's directory of n principals for MinIO and the calls in
// W4Order: each principal's policy is W1's naming its own channel, and
// each call is s3:PutObjectTagging on that channel.
func MinioW4(n int) (map[string]*MinioW4Entry, []MinioW4Call, error) {
	ps := workload.W4(n)
	dir := make(map[string]*MinioW4Entry, n)
	for i := range ps {
		p, err := parseMinio(minioW1Doc(ps[i].Channel))
		if err != nil {
			return nil, nil, err
		}
		dir[ps[i].AccessKey] = &MinioW4Entry{Account: ps[i].Principal.Username, Policy: *p}
	}
	calls := make([]MinioW4Call, n)
	for i, j := range workload.W4Order(n) {
		calls[i] = MinioW4Call{AccessKey: strings.Clone(ps[j].AccessKey), Object: ps[j].Channel}
	}
	return dir, calls, nil
}

// MinioW4Args returns the Args of a W4 call for the principal found.
func MinioW4Args(e *MinioW4Entry, c *MinioW4Call) miniopolicy.Args {
	return miniopolicy.Args{
		AccountName: e.Account, Action: miniopolicy.PutObjectTaggingAction,
		BucketName: minioBucket, ObjectName: c.Object,
	}
}

func mergeMinio(ps []miniopolicy.Policy) miniopolicy.Policy {
	return miniopolicy.MergePolicies(ps...)
}
