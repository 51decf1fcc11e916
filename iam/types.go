package iam

import (
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/store"
)

// The input and output shapes of the IAM API. Inputs bind to query
// parameters by their `query` tags; outputs render to XML by their `xml`
// tags, with member names as in AWS's model.

// List renders as <Name><member>…</member>…</Name>, and as an empty
// element when it has no items, as IAM does.
type List[T any] struct {
	Member []T `xml:"member"`
}

// Tag is a key-value pair.
type Tag struct {
	Key   string `query:"Key" xml:"Key"`
	Value string `query:"Value" xml:"Value"`
}

// EncodedDocument is a policy document as IAM returns it: percent-encoded
// JSON text.
type EncodedDocument string

// MarshalText encodes the document as RFC 3986 percent-encoding.
func (d EncodedDocument) MarshalText() ([]byte, error) {
	return []byte(strings.ReplaceAll(url.QueryEscape(string(d)), "+", "%20")), nil
}

// AttachedPermissionsBoundary names a user's or role's boundary.
type AttachedPermissionsBoundary struct {
	PermissionsBoundaryType string `xml:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `xml:"PermissionsBoundaryArn"`
}

func boundaryOf(arn string) *AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &AttachedPermissionsBoundary{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn}
}

// User is the IAM User shape.
type User struct {
	Path                string                       `xml:"Path,omitempty"`
	UserName            string                       `xml:"UserName,omitempty"`
	UserID              string                       `xml:"UserId"`
	Arn                 string                       `xml:"Arn"`
	CreateDate          time.Time                    `xml:"CreateDate"`
	PasswordLastUsed    *time.Time                   `xml:"PasswordLastUsed,omitempty"`
	PermissionsBoundary *AttachedPermissionsBoundary `xml:"PermissionsBoundary,omitempty"`
	Tags                *List[Tag]                   `xml:"Tags,omitempty"`
}

func tagList(tags []store.Tag) *List[Tag] {
	if len(tags) == 0 {
		return nil
	}
	l := &List[Tag]{}
	for _, t := range tags {
		l.Member = append(l.Member, Tag{Key: t.Key, Value: t.Value})
	}
	return l
}

func allTags(tags []store.Tag) List[Tag] {
	l := List[Tag]{Member: []Tag{}}
	for _, t := range tags {
		l.Member = append(l.Member, Tag{Key: t.Key, Value: t.Value})
	}
	return l
}

func userShape(u *store.User, withTags bool) User {
	out := User{Path: u.Path, UserName: u.Name, UserID: u.ID, Arn: u.ARN, CreateDate: u.CreatedAt, PermissionsBoundary: boundaryOf(u.Boundary)}
	if withTags {
		out.Tags = tagList(u.Tags)
	}
	return out
}

// Group is the IAM Group shape.
type Group struct {
	Path       string    `xml:"Path"`
	GroupName  string    `xml:"GroupName"`
	GroupID    string    `xml:"GroupId"`
	Arn        string    `xml:"Arn"`
	CreateDate time.Time `xml:"CreateDate"`
}

func groupShape(g *store.Group) Group {
	return Group{Path: g.Path, GroupName: g.Name, GroupID: g.ID, Arn: g.ARN, CreateDate: g.CreatedAt}
}

// Role is the IAM Role shape.
type Role struct {
	Path                     string                       `xml:"Path"`
	RoleName                 string                       `xml:"RoleName"`
	RoleID                   string                       `xml:"RoleId"`
	Arn                      string                       `xml:"Arn"`
	CreateDate               time.Time                    `xml:"CreateDate"`
	AssumeRolePolicyDocument EncodedDocument              `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string                       `xml:"Description,omitempty"`
	MaxSessionDuration       int                          `xml:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      *AttachedPermissionsBoundary `xml:"PermissionsBoundary,omitempty"`
	Tags                     *List[Tag]                   `xml:"Tags,omitempty"`
	RoleLastUsed             *RoleLastUsed                `xml:"RoleLastUsed,omitempty"`
}

// RoleLastUsed is when and where a role's temporary credentials were last
// used; GetRole returns it, empty for a role never used.
type RoleLastUsed struct {
	LastUsedDate *time.Time `xml:"LastUsedDate,omitempty"`
	Region       string     `xml:"Region,omitempty"`
}

func roleShape(r *store.Role, withTags bool) Role {
	out := Role{Path: r.Path, RoleName: r.Name, RoleID: r.ID, Arn: r.ARN, CreateDate: r.CreatedAt,
		AssumeRolePolicyDocument: EncodedDocument(r.TrustPolicy), Description: r.Description,
		MaxSessionDuration: r.MaxSessionDuration, PermissionsBoundary: boundaryOf(r.Boundary)}
	if withTags {
		out.Tags = tagList(r.Tags)
	}
	return out
}

// AccessKey is the CreateAccessKey result shape, the only one with the
// secret.
type AccessKey struct {
	UserName        string    `xml:"UserName"`
	AccessKeyID     string    `xml:"AccessKeyId"`
	Status          string    `xml:"Status"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	CreateDate      time.Time `xml:"CreateDate"`
}

// AccessKeyMetadata describes an access key without its secret.
type AccessKeyMetadata struct {
	UserName    string    `xml:"UserName,omitempty"`
	AccessKeyID string    `xml:"AccessKeyId"`
	Status      string    `xml:"Status"`
	CreateDate  time.Time `xml:"CreateDate"`
}

// AttachedPolicy names a managed policy attached to an entity.
type AttachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

// PolicyDetail is an inline policy in GetAccountAuthorizationDetails.
type PolicyDetail struct {
	PolicyName     string          `xml:"PolicyName"`
	PolicyDocument EncodedDocument `xml:"PolicyDocument"`
}
