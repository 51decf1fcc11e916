// Package awsmanaged holds the AWS managed policies that every Gatehouse
// account has (arn:aws:iam::aws:policy/…), with their documents exactly as
// AWS publishes them.
package awsmanaged

import (
	"embed"
	"strings"
	"time"
)

//go:embed policies/*.json
var files embed.FS

// ARNPrefix starts the ARN of every AWS managed policy.
const ARNPrefix = "arn:aws:iam::aws:policy/"

// Policy is an AWS managed policy.
type Policy struct {
	Name        string
	Path        string
	ARN         string
	ID          string
	Description string
	// Version is the id of the default (and only published) version.
	Version   string
	Document  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func mustRead(name string) string {
	b, err := files.ReadFile("policies/" + name + ".json")
	if err != nil {
		panic(err) // embedded at build time: cannot be missing
	}
	return string(b)
}

// All returns the AWS managed policies, sorted by name.
func All() []Policy {
	return []Policy{
		{
			Name: "IVSFullAccess", Path: "/", ARN: ARNPrefix + "IVSFullAccess", ID: "ANPAIVSFULLACCESS0001",
			Description: "Provides full access to Amazon IVS",
			Version:     "v1", Document: mustRead("IVSFullAccess"),
			CreatedAt: time.Date(2023, 12, 13, 21, 20, 21, 0, time.UTC), UpdatedAt: time.Date(2023, 12, 13, 21, 20, 21, 0, time.UTC),
		},
		{
			Name: "IVSReadOnlyAccess", Path: "/", ARN: ARNPrefix + "IVSReadOnlyAccess", ID: "ANPAIVSREADONLY000001",
			Description: "Provides read-only access to Amazon IVS",
			Version:     "v7", Document: mustRead("IVSReadOnlyAccess"),
			CreatedAt: time.Date(2023, 12, 5, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 9, 25, 0, 0, 0, 0, time.UTC),
		},
	}
}

// Get returns the AWS managed policy with the given ARN.
func Get(arn string) (Policy, bool) {
	if !strings.HasPrefix(arn, ARNPrefix) {
		return Policy{}, false
	}
	for _, p := range All() {
		if p.ARN == arn {
			return p, true
		}
	}
	return Policy{}, false
}
