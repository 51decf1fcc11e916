package policy_test

import (
	"fmt"

	"github.com/gatehouse-iam/gatehouse/policy"
)

func Example() {
	doc := []byte(`{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "ViewChannelIfOwner",
	    "Effect": "Allow",
	    "Action": "ivs:GetChannel",
	    "Resource": "arn:aws:ivs:*:*:channel/*",
	    "Condition": {"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}}
	  }]
	}`)
	p, err := policy.ParseCompiled("ViewOwnChannels", doc, policy.KindIdentity)
	if err != nil {
		fmt.Println(err)
		return
	}
	set := policy.NewSet(policy.Policies{Identity: []*policy.Compiled{p}})

	ctx := &policy.Context{}
	ctx.Set("aws:ResourceTag/owner", "richard-roe")
	req := &policy.Request{
		Principal: &policy.Principal{
			ARN: "arn:aws:iam::123456789012:user/richard-roe", Account: "123456789012",
			Type: policy.User, Username: "richard-roe",
		},
		Action:   "ivs:GetChannel",
		Resource: "arn:aws:ivs:us-west-2:123456789012:channel/VgNkEJgOVX9N",
		Context:  ctx,
	}
	d := set.Evaluate(req, nil)
	fmt.Println(d.Outcome, d.Statements()[0].Sid)

	req.Principal.Username = "mateojackson"
	d = set.Evaluate(req, nil)
	fmt.Println(d.Outcome, "- no", d.Missing, "allows it")
	// Output:
	// Allow ViewChannelIfOwner
	// ImplicitDeny - no identity-based policy allows it
}

func ExampleParse() {
	_, err := policy.ParseString(`{"Version": "2012-10-17", "Statement": [
	  {"Sid": "Read", "Effect": "Permit", "Action": "ivs:GetChannel", "Resource": "*"}]}`, policy.KindIdentity)
	fmt.Println(err)
	// Output:
	// statement 1 (Sid "Read"): Effect: must be "Allow" or "Deny", not "Permit" (line 2, column 30)
}
