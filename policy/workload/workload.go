package workload

import (
	"fmt"

	"github.com/gatehouse-iam/gatehouse/policy"
)

// Account is the AWS account of every principal and resource in the
// workloads.
const Account = "123456789012"

// Compile parses and compiles identity-based policy documents, naming them
// "<prefix>/0", "<prefix>/1", ...
func Compile(prefix string, docs [][]byte) ([]*policy.Compiled, error) {
	out := make([]*policy.Compiled, len(docs))
	for i, d := range docs {
		c, err := policy.ParseCompiled(fmt.Sprintf("%s/%d", prefix, i), d, policy.KindIdentity)
		if err != nil {
			return nil, fmt.Errorf("workload: policy %s/%d: %w", prefix, i, err)
		}
		out[i] = c
	}
	return out, nil
}

// NewSet compiles identity-based policy documents into a principal's
// policy set (no boundary, no session policies).
func NewSet(prefix string, docs [][]byte) (*policy.Set, error) {
	cs, err := Compile(prefix, docs)
	if err != nil {
		return nil, err
	}
	return policy.NewSet(policy.Policies{Identity: cs}), nil
}

// user returns an IAM user principal of Account.
func user(name, userID string, tags ...policy.Tag) *policy.Principal {
	return &policy.Principal{
		ARN:      "arn:aws:iam::" + Account + ":user/" + name,
		Account:  Account,
		Type:     policy.User,
		Username: name,
		UserID:   userID,
		Tags:     tags,
	}
}

// ChannelARN returns the ARN of IVS channel id in us-west-2 of Account.
func ChannelARN(id string) string {
	return "arn:aws:ivs:us-west-2:" + Account + ":channel/" + id
}
