package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ivs"
	ivstypes "github.com/aws/aws-sdk-go-v2/service/ivs/types"
)

// p384PublicPEM makes a real ECDSA P-384 key pair and returns the PEM of
// its public half, as `openssl ec -pubout` writes it.
func p384PublicPEM(t *testing.T, curve elliptic.Curve) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

var (
	playbackKeyARN = regexp.MustCompile(`^arn:aws:ivs:us-west-2:123456789012:playback-key/[a-zA-Z0-9]{12}$`)
	policyARN      = regexp.MustCompile(`^arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy/[a-zA-Z0-9]{12}$`)
	recordingARN   = regexp.MustCompile(`^arn:aws:ivs:us-west-2:123456789012:recording-configuration/[a-zA-Z0-9]{12}$`)
	fingerprintRE  = regexp.MustCompile(`^[0-9a-f]{2}(:[0-9a-f]{2}){15}$`)
)

func expectCode(t *testing.T, err error, want string, wantStatus int) string {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	code, msg, status := ivsError(t, err)
	if code != want || status != wantStatus {
		t.Fatalf("got %s %d %q, want %s %d", code, status, msg, want, wantStatus)
	}
	return msg
}

func TestIVSPlaybackKeyPairsWithSDK(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	c := ts.rootIVS()

	material := p384PublicPEM(t, elliptic.P384())
	imp, err := c.ImportPlaybackKeyPair(ctx, &ivs.ImportPlaybackKeyPairInput{PublicKeyMaterial: aws.String(material), Name: aws.String("viewer-key"), Tags: map[string]string{"team": "live"}})
	if err != nil {
		t.Fatal(err)
	}
	kp := imp.KeyPair
	if !playbackKeyARN.MatchString(aws.ToString(kp.Arn)) || aws.ToString(kp.Name) != "viewer-key" || !fingerprintRE.MatchString(aws.ToString(kp.Fingerprint)) || kp.Tags["team"] != "live" {
		t.Fatalf("key pair %+v", kp)
	}
	got, err := c.GetPlaybackKeyPair(ctx, &ivs.GetPlaybackKeyPairInput{Arn: kp.Arn})
	if err != nil || aws.ToString(got.KeyPair.Fingerprint) != aws.ToString(kp.Fingerprint) {
		t.Fatalf("get: %v %+v", err, got)
	}

	// Bad material is a ValidationException with the parser's reason; the
	// same key again is a ConflictException.
	msg := expectCode(t, func() error {
		_, err := c.ImportPlaybackKeyPair(ctx, &ivs.ImportPlaybackKeyPairInput{PublicKeyMaterial: aws.String(p384PublicPEM(t, elliptic.P256()))})
		return err
	}(), "ValidationException", 400)
	if !strings.Contains(msg, "P-384") {
		t.Fatalf("message %q", msg)
	}
	_, err = c.ImportPlaybackKeyPair(ctx, &ivs.ImportPlaybackKeyPairInput{PublicKeyMaterial: aws.String(material)})
	expectCode(t, err, "ConflictException", 409)

	// Quota: 3 per account and region.
	for range 2 {
		if _, err := c.ImportPlaybackKeyPair(ctx, &ivs.ImportPlaybackKeyPairInput{PublicKeyMaterial: aws.String(p384PublicPEM(t, elliptic.P384()))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.ImportPlaybackKeyPair(ctx, &ivs.ImportPlaybackKeyPairInput{PublicKeyMaterial: aws.String(p384PublicPEM(t, elliptic.P384()))})
	expectCode(t, err, "ServiceQuotaExceededException", 402)

	var arns []string
	p := ivs.NewListPlaybackKeyPairsPaginator(c, &ivs.ListPlaybackKeyPairsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range page.KeyPairs {
			arns = append(arns, aws.ToString(k.Arn))
		}
	}
	if len(arns) != 3 {
		t.Fatalf("listed %v", arns)
	}

	// Authorization: list is one decision on playback-key/*; tags on
	// import need ivs:TagResource.
	nobody := ivsUser(t, ts, "nobody", "")
	_, err = nobody.ListPlaybackKeyPairs(ctx, &ivs.ListPlaybackKeyPairsInput{})
	expectDenied(t, err, "nobody", "ivs:ListPlaybackKeyPairs", "arn:aws:ivs:us-west-2:123456789012:playback-key/*")
	_, err = nobody.GetPlaybackKeyPair(ctx, &ivs.GetPlaybackKeyPairInput{Arn: kp.Arn})
	expectDenied(t, err, "nobody", "ivs:GetPlaybackKeyPair", aws.ToString(kp.Arn))
	importer := ivsUser(t, ts, "importer", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["ivs:ImportPlaybackKeyPair","ivs:DeletePlaybackKeyPair"],"Resource":"arn:aws:ivs:*:*:playback-key/*"}]}`)
	_, err = importer.ImportPlaybackKeyPair(ctx, &ivs.ImportPlaybackKeyPairInput{PublicKeyMaterial: aws.String(p384PublicPEM(t, elliptic.P384())), Tags: map[string]string{"a": "b"}})
	if code, msg, _ := ivsError(t, err); code != "AccessDeniedException" || !strings.Contains(msg, "ivs:TagResource") {
		t.Fatalf("tags without ivs:TagResource: %s %s", code, msg)
	}

	// Delete (200 {}), then it is gone and the quota has room again.
	if _, err := importer.DeletePlaybackKeyPair(ctx, &ivs.DeletePlaybackKeyPairInput{Arn: kp.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetPlaybackKeyPair(ctx, &ivs.GetPlaybackKeyPairInput{Arn: kp.Arn})
	expectCode(t, err, "ResourceNotFoundException", 404)
	if _, err := importer.ImportPlaybackKeyPair(ctx, &ivs.ImportPlaybackKeyPairInput{PublicKeyMaterial: aws.String(material)}); err != nil {
		t.Fatalf("re-import after delete: %v", err)
	}
}

func TestIVSPlaybackRestrictionPoliciesWithSDK(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	c := ts.rootIVS()

	cr, err := c.CreatePlaybackRestrictionPolicy(ctx, &ivs.CreatePlaybackRestrictionPolicyInput{
		AllowedCountries: []string{"US", "CA"}, AllowedOrigins: []string{"https://example.com"},
		EnableStrictOriginEnforcement: aws.Bool(true), Name: aws.String("na-only"), Tags: map[string]string{"team": "live"}})
	if err != nil {
		t.Fatal(err)
	}
	pol := cr.PlaybackRestrictionPolicy
	if !policyARN.MatchString(aws.ToString(pol.Arn)) || len(pol.AllowedCountries) != 2 || pol.AllowedOrigins[0] != "https://example.com" ||
		!aws.ToBool(pol.EnableStrictOriginEnforcement) || aws.ToString(pol.Name) != "na-only" || pol.Tags["team"] != "live" {
		t.Fatalf("policy %+v", pol)
	}
	if _, err := c.CreatePlaybackRestrictionPolicy(ctx, &ivs.CreatePlaybackRestrictionPolicyInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreatePlaybackRestrictionPolicy(ctx, &ivs.CreatePlaybackRestrictionPolicyInput{AllowedCountries: []string{"usa"}})
	expectCode(t, err, "ValidationException", 400)

	up, err := c.UpdatePlaybackRestrictionPolicy(ctx, &ivs.UpdatePlaybackRestrictionPolicyInput{Arn: pol.Arn, AllowedCountries: []string{"*"}, EnableStrictOriginEnforcement: aws.Bool(false)})
	if err != nil || up.PlaybackRestrictionPolicy.AllowedCountries[0] != "*" || aws.ToBool(up.PlaybackRestrictionPolicy.EnableStrictOriginEnforcement) ||
		aws.ToString(up.PlaybackRestrictionPolicy.Name) != "na-only" || len(up.PlaybackRestrictionPolicy.AllowedOrigins) != 1 {
		t.Fatalf("update: %v %+v", err, up)
	}
	got, err := c.GetPlaybackRestrictionPolicy(ctx, &ivs.GetPlaybackRestrictionPolicyInput{Arn: pol.Arn})
	if err != nil || got.PlaybackRestrictionPolicy.AllowedCountries[0] != "*" {
		t.Fatalf("get: %v %+v", err, got)
	}
	n := 0
	p := ivs.NewListPlaybackRestrictionPoliciesPaginator(c, &ivs.ListPlaybackRestrictionPoliciesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.PlaybackRestrictionPolicies)
	}
	if n != 2 {
		t.Fatalf("listed %d", n)
	}

	// A channel using it: the link must exist, and delete conflicts.
	_, err = c.CreateChannel(ctx, &ivs.CreateChannelInput{PlaybackRestrictionPolicyArn: aws.String("arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy/AAAAAAAAAAAA")})
	expectCode(t, err, "ResourceNotFoundException", 404)
	ch, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{PlaybackRestrictionPolicyArn: pol.Arn})
	if err != nil || aws.ToString(ch.Channel.PlaybackRestrictionPolicyArn) != aws.ToString(pol.Arn) {
		t.Fatalf("channel: %v", err)
	}
	_, err = c.DeletePlaybackRestrictionPolicy(ctx, &ivs.DeletePlaybackRestrictionPolicyInput{Arn: pol.Arn})
	expectCode(t, err, "ConflictException", 409)

	nobody := ivsUser(t, ts, "nobody", "")
	_, err = nobody.ListPlaybackRestrictionPolicies(ctx, &ivs.ListPlaybackRestrictionPoliciesInput{})
	expectDenied(t, err, "nobody", "ivs:ListPlaybackRestrictionPolicies", "*")
	_, err = nobody.UpdatePlaybackRestrictionPolicy(ctx, &ivs.UpdatePlaybackRestrictionPolicyInput{Arn: pol.Arn})
	expectDenied(t, err, "nobody", "ivs:UpdatePlaybackRestrictionPolicy", aws.ToString(pol.Arn))

	if _, err := c.DeleteChannel(ctx, &ivs.DeleteChannelInput{Arn: ch.Channel.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePlaybackRestrictionPolicy(ctx, &ivs.DeletePlaybackRestrictionPolicyInput{Arn: pol.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetPlaybackRestrictionPolicy(ctx, &ivs.GetPlaybackRestrictionPolicyInput{Arn: pol.Arn})
	expectCode(t, err, "ResourceNotFoundException", 404)
}

func TestIVSRecordingConfigurationsWithSDK(t *testing.T) {
	ts := startServer(t, nil)
	ctx := ctxT(t)
	c := ts.rootIVS()

	cr, err := c.CreateRecordingConfiguration(ctx, &ivs.CreateRecordingConfigurationInput{
		Name:                     aws.String("archive"),
		DestinationConfiguration: &ivstypes.DestinationConfiguration{S3: &ivstypes.S3DestinationConfiguration{BucketName: aws.String("my-ivs-archive")}},
		Tags:                     map[string]string{"team": "live"},
	})
	if err != nil {
		t.Fatal(err)
	}
	rc := cr.RecordingConfiguration
	if !recordingARN.MatchString(aws.ToString(rc.Arn)) || rc.State != ivstypes.RecordingConfigurationStateActive || aws.ToString(rc.Name) != "archive" ||
		aws.ToString(rc.DestinationConfiguration.S3.BucketName) != "my-ivs-archive" || rc.Tags["team"] != "live" ||
		rc.ThumbnailConfiguration.RecordingMode != ivstypes.RecordingModeInterval || rc.ThumbnailConfiguration.TargetIntervalSeconds == nil ||
		*rc.ThumbnailConfiguration.TargetIntervalSeconds != 60 || len(rc.ThumbnailConfiguration.Storage) != 1 || rc.ThumbnailConfiguration.Storage[0] != ivstypes.ThumbnailConfigurationStorageSequential ||
		rc.RenditionConfiguration.RenditionSelection != ivstypes.RenditionConfigurationRenditionSelectionAll {
		t.Fatalf("recording configuration %+v", rc)
	}
	custom, err := c.CreateRecordingConfiguration(ctx, &ivs.CreateRecordingConfigurationInput{
		DestinationConfiguration: &ivstypes.DestinationConfiguration{S3: &ivstypes.S3DestinationConfiguration{BucketName: aws.String("abc")}},
		ThumbnailConfiguration: &ivstypes.ThumbnailConfiguration{RecordingMode: ivstypes.RecordingModeInterval, TargetIntervalSeconds: aws.Int64(5),
			Resolution: ivstypes.ThumbnailConfigurationResolutionHd, Storage: []ivstypes.ThumbnailConfigurationStorage{ivstypes.ThumbnailConfigurationStorageLatest}},
		RecordingReconnectWindowSeconds: 60,
		RenditionConfiguration: &ivstypes.RenditionConfiguration{RenditionSelection: ivstypes.RenditionConfigurationRenditionSelectionCustom,
			Renditions: []ivstypes.RenditionConfigurationRendition{ivstypes.RenditionConfigurationRenditionHd}},
	})
	if err != nil || custom.RecordingConfiguration.RecordingReconnectWindowSeconds != 60 || *custom.RecordingConfiguration.ThumbnailConfiguration.TargetIntervalSeconds != 5 ||
		len(custom.RecordingConfiguration.RenditionConfiguration.Renditions) != 1 {
		t.Fatalf("custom: %v %+v", err, custom)
	}
	_, err = c.CreateRecordingConfiguration(ctx, &ivs.CreateRecordingConfigurationInput{
		DestinationConfiguration: &ivstypes.DestinationConfiguration{S3: &ivstypes.S3DestinationConfiguration{BucketName: aws.String("Bad_Bucket")}}})
	expectCode(t, err, "ValidationException", 400)

	got, err := c.GetRecordingConfiguration(ctx, &ivs.GetRecordingConfigurationInput{Arn: rc.Arn})
	if err != nil || aws.ToString(got.RecordingConfiguration.Arn) != aws.ToString(rc.Arn) {
		t.Fatalf("get: %v %+v", err, got)
	}
	l, err := c.ListRecordingConfigurations(ctx, &ivs.ListRecordingConfigurationsInput{})
	if err != nil || len(l.RecordingConfigurations) != 2 || l.RecordingConfigurations[0].State != ivstypes.RecordingConfigurationStateActive {
		t.Fatalf("list: %v %+v", err, l)
	}

	// Channels link to it and ListChannels filters by it; delete conflicts.
	ch, err := c.CreateChannel(ctx, &ivs.CreateChannelInput{RecordingConfigurationArn: rc.Arn})
	if err != nil || aws.ToString(ch.Channel.RecordingConfigurationArn) != aws.ToString(rc.Arn) {
		t.Fatalf("channel: %v", err)
	}
	lc, err := c.ListChannels(ctx, &ivs.ListChannelsInput{FilterByRecordingConfigurationArn: rc.Arn})
	if err != nil || len(lc.Channels) != 1 {
		t.Fatalf("filter: %v %+v", err, lc)
	}
	_, err = c.DeleteRecordingConfiguration(ctx, &ivs.DeleteRecordingConfigurationInput{Arn: rc.Arn})
	expectCode(t, err, "ConflictException", 409)

	nobody := ivsUser(t, ts, "nobody", "")
	_, err = nobody.ListRecordingConfigurations(ctx, &ivs.ListRecordingConfigurationsInput{})
	expectDenied(t, err, "nobody", "ivs:ListRecordingConfigurations", "arn:aws:ivs:us-west-2:123456789012:recording-configuration/*")
	_, err = nobody.DeleteRecordingConfiguration(ctx, &ivs.DeleteRecordingConfigurationInput{Arn: rc.Arn})
	expectDenied(t, err, "nobody", "ivs:DeleteRecordingConfiguration", aws.ToString(rc.Arn))

	if _, err := c.UpdateChannel(ctx, &ivs.UpdateChannelInput{Arn: ch.Channel.Arn, RecordingConfigurationArn: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRecordingConfiguration(ctx, &ivs.DeleteRecordingConfigurationInput{Arn: rc.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRecordingConfiguration(ctx, &ivs.GetRecordingConfigurationInput{Arn: rc.Arn})
	expectCode(t, err, "ResourceNotFoundException", 404)
}
