package ivs

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/awserr"
)

func s3dest(bucket string) *DestinationConfiguration {
	return &DestinationConfiguration{S3: &S3DestinationConfiguration{BucketName: &bucket}}
}

func TestRecordingConfigurations(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	tests := []struct {
		name  string
		in    CreateRecordingConfigurationInput
		code  string
		check func(*RecordingConfiguration) bool
	}{
		{"defaults", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("my-bucket.1")}, "", func(r *RecordingConfiguration) bool {
			th, rd := r.ThumbnailConfiguration, r.RenditionConfiguration
			return r.State == RecordingStateActive && *r.DestinationConfiguration.S3.BucketName == "my-bucket.1" && r.Name == "" &&
				th.RecordingMode == "INTERVAL" && *th.TargetIntervalSeconds == 60 && slices.Equal(th.Storage, []string{"SEQUENTIAL"}) && th.Resolution == "" &&
				rd.RenditionSelection == "ALL" && len(rd.Renditions) == 0 && r.RecordingReconnectWindowSeconds == 0 && r.Tags != nil
		}},
		{"all settings", CreateRecordingConfigurationInput{Name: "rec-1", DestinationConfiguration: s3dest("abc"), Tags: map[string]string{"k": "v"},
			ThumbnailConfiguration:          &ThumbnailConfiguration{RecordingMode: "INTERVAL", TargetIntervalSeconds: ptr(int64(10)), Resolution: "HD", Storage: []string{"SEQUENTIAL", "LATEST"}},
			RecordingReconnectWindowSeconds: ptr(30), RenditionConfiguration: &RenditionConfiguration{RenditionSelection: "CUSTOM", Renditions: []string{"HD", "SD"}}}, "",
			func(r *RecordingConfiguration) bool {
				th, rd := r.ThumbnailConfiguration, r.RenditionConfiguration
				return r.Name == "rec-1" && r.Tags["k"] == "v" && *th.TargetIntervalSeconds == 10 && th.Resolution == "HD" && len(th.Storage) == 2 &&
					r.RecordingReconnectWindowSeconds == 30 && rd.RenditionSelection == "CUSTOM" && slices.Equal(rd.Renditions, []string{"HD", "SD"})
			}},
		{"thumbnails disabled", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc"), ThumbnailConfiguration: &ThumbnailConfiguration{RecordingMode: "DISABLED"}}, "",
			func(r *RecordingConfiguration) bool { return r.ThumbnailConfiguration.RecordingMode == "DISABLED" }},
		{"no destination", CreateRecordingConfigurationInput{}, awserr.ValidationException, nil},
		{"no s3", CreateRecordingConfigurationInput{DestinationConfiguration: &DestinationConfiguration{}}, awserr.ValidationException, nil},
		{"no bucket", CreateRecordingConfigurationInput{DestinationConfiguration: &DestinationConfiguration{S3: &S3DestinationConfiguration{}}}, awserr.ValidationException, nil},
		{"short bucket", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("ab")}, awserr.ValidationException, nil},
		{"long bucket", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest(strings.Repeat("a", 64))}, awserr.ValidationException, nil},
		{"upper-case bucket", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("MyBucket")}, awserr.ValidationException, nil},
		{"bad name", CreateRecordingConfigurationInput{Name: "a b", DestinationConfiguration: s3dest("abc")}, awserr.ValidationException, nil},
		{"reconnect window", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc"), RecordingReconnectWindowSeconds: ptr(301)}, awserr.ValidationException, nil},
		{"thumbnail mode", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc"), ThumbnailConfiguration: &ThumbnailConfiguration{RecordingMode: "ALWAYS"}}, awserr.ValidationException, nil},
		{"thumbnail interval", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc"), ThumbnailConfiguration: &ThumbnailConfiguration{TargetIntervalSeconds: ptr(int64(61))}}, awserr.ValidationException, nil},
		{"thumbnail storage", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc"), ThumbnailConfiguration: &ThumbnailConfiguration{Storage: []string{"FIRST"}}}, awserr.ValidationException, nil},
		{"rendition selection", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc"), RenditionConfiguration: &RenditionConfiguration{RenditionSelection: "SOME"}}, awserr.ValidationException, nil},
		{"custom without renditions", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc"), RenditionConfiguration: &RenditionConfiguration{RenditionSelection: "CUSTOM"}}, awserr.ValidationException, nil},
		{"renditions without custom", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc"), RenditionConfiguration: &RenditionConfiguration{Renditions: []string{"HD"}}}, awserr.ValidationException, nil},
		{"bad rendition", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc"), RenditionConfiguration: &RenditionConfiguration{RenditionSelection: "CUSTOM", Renditions: []string{"4K"}}}, awserr.ValidationException, nil},
		{"reserved tag", CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc"), Tags: map[string]string{"aws:k": "v"}}, awserr.ValidationException, nil},
	}
	var arns []string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.svc.CreateRecordingConfiguration(ctx, e.root, &tc.in)
			if got := code(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
			if err != nil {
				return
			}
			r := out.RecordingConfiguration
			if !strings.HasPrefix(r.Arn, "arn:aws:ivs:us-west-2:123456789012:recording-configuration/") || len(r.Arn[strings.LastIndexByte(r.Arn, '/')+1:]) != 12 {
				t.Fatalf("arn %s", r.Arn)
			}
			if !tc.check(r) {
				t.Fatalf("configuration %+v", r)
			}
			got, err := e.svc.GetRecordingConfiguration(ctx, e.root, &ARNInput{Arn: r.Arn})
			if err != nil || !tc.check(got.RecordingConfiguration) {
				t.Fatalf("get: %v %+v", err, got)
			}
			arns = append(arns, r.Arn)
		})
	}
	l, err := e.svc.ListRecordingConfigurations(ctx, e.root, &ListInput{})
	if err != nil || len(l.RecordingConfigurations) != 3 || l.NextToken != "" || l.RecordingConfigurations[0].State != RecordingStateActive {
		t.Fatalf("list: %v %+v", err, l)
	}
	l, err = e.svc.ListRecordingConfigurations(ctx, e.root, &ListInput{MaxResults: ptr(2)})
	if err != nil || len(l.RecordingConfigurations) != 2 || l.NextToken == "" {
		t.Fatalf("list page: %v %+v", err, l)
	}

	// Channels link to it; ListChannels filters by it; delete conflicts.
	rec := arns[0]
	ch, err := e.svc.CreateChannel(ctx, e.root, &CreateChannelInput{channelSettings: channelSettings{RecordingConfigurationArn: ptr(rec)}})
	if err != nil || ch.Channel.RecordingConfigurationArn != rec {
		t.Fatalf("channel: %v", err)
	}
	lc, err := e.svc.ListChannels(ctx, e.root, &ListChannelsInput{FilterByRecordingConfigurationArn: rec})
	if err != nil || len(lc.Channels) != 1 {
		t.Fatalf("filter: %v %+v", err, lc)
	}
	if _, err := e.svc.DeleteRecordingConfiguration(ctx, e.root, &ARNInput{Arn: rec}); code(err) != awserr.ConflictException {
		t.Fatalf("delete in use: %v", err)
	}
	if _, err := e.svc.DeleteChannel(ctx, e.root, &ARNInput{Arn: ch.Channel.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeleteRecordingConfiguration(ctx, e.root, &ARNInput{Arn: rec}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := e.svc.DeleteRecordingConfiguration(ctx, e.root, &ARNInput{Arn: rec}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("delete again: %v", err)
	}
	// Another region does not see it.
	west1 := *e.root
	west1.Region = "eu-west-1"
	if _, err := e.svc.GetRecordingConfiguration(ctx, &west1, &ARNInput{Arn: arns[1]}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("other region: %v", err)
	}
	if _, err := e.svc.CreateChannel(ctx, &west1, &CreateChannelInput{channelSettings: channelSettings{RecordingConfigurationArn: ptr(arns[1])}}); code(err) != awserr.ResourceNotFoundException {
		t.Fatalf("other region's link: %v", err)
	}
}

func TestRecordingConfigurationQuota(t *testing.T) {
	e := newTestEnv(t, DefaultLimits)
	ctx := context.Background()
	for range RecordingConfigurationsPerRegion {
		if _, err := e.svc.CreateRecordingConfiguration(ctx, e.root, &CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.CreateRecordingConfiguration(ctx, e.root, &CreateRecordingConfigurationInput{DestinationConfiguration: s3dest("abc")}); code(err) != awserr.ServiceQuotaExceededException {
		t.Fatalf("over quota: %v", err)
	}
}
