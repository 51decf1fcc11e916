package server_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/gatehouse-iam/gatehouse/policy/conformance"
)

// TestSimulatorAgreesWithConformance runs every case of the shared
// conformance corpus that SimulateCustomPolicy can express — an IAM user
// caller without session policies — through the simulator of a running
// server, with the AWS SDK, and checks that its decision is the one the
// case documents and that real enforcement (the engine the corpus runner
// checks) reaches; an invalid policy must be refused as
// MalformedPolicyDocument.
func TestSimulatorAgreesWithConformance(t *testing.T) {
	f, err := os.Open("../policy/testdata/conformance.jsonl")
	if err != nil {
		t.Fatalf("the conformance corpus (a copy of ../shared/conformance/cases.jsonl): %v", err)
	}
	defer f.Close()
	cases, err := conformance.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, nil)
	c := ts.rootIAM()
	ctx := ctxT(t)
	ran := 0
	for i := range cases {
		cs := &cases[i]
		p := cs.Request.Principal
		if p.Type != "User" || cs.SessionPolicies != nil {
			continue // the simulator's caller can only be an IAM user
		}
		ran++
		in := &iam.SimulateCustomPolicyInput{
			ActionNames:     []string{cs.Request.Action},
			ResourceArns:    []string{cs.Request.Resource},
			CallerArn:       aws.String(p.ARN),
			PolicyInputList: []string{},
		}
		for _, doc := range cs.IdentityPolicies {
			in.PolicyInputList = append(in.PolicyInputList, string(doc))
		}
		if len(in.PolicyInputList) == 0 {
			// The simulator needs a policy: one that grants nothing.
			in.PolicyInputList = []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"none:None","Resource":"*"}}`}
		}
		if cs.PermissionsBoundary != nil {
			in.PermissionsBoundaryPolicyInputList = []string{string(cs.PermissionsBoundary)}
		}
		if cs.ResourcePolicy != nil {
			in.ResourcePolicy = aws.String(string(cs.ResourcePolicy))
		}
		in.ContextEntries = contextEntries(t, cs)
		out, err := c.SimulateCustomPolicy(ctx, in)
		if cs.Expect == conformance.ExpectInvalidPolicy {
			if err == nil {
				t.Errorf("%s (line %d): invalid policy simulated", cs.ID, cs.Line)
			} else if code, _ := apiCode(t, err); code != "MalformedPolicyDocument" {
				t.Errorf("%s: invalid policy refused with %s, want MalformedPolicyDocument", cs.ID, code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s (line %d): %v", cs.ID, cs.Line, err)
			continue
		}
		want := map[string]string{conformance.ExpectAllow: "allowed", conformance.ExpectExplicitDeny: "explicitDeny", conformance.ExpectImplicitDeny: "implicitDeny"}[cs.Expect]
		got := string(out.EvaluationResults[0].EvalDecision)
		enforced := conformance.Run(cs)
		if got != want || !enforced.Pass(cs) {
			t.Errorf("%s (line %d) %s: simulator %s, corpus %s, engine %s", cs.ID, cs.Line, cs.About, got, want, enforced.Got)
		}
	}
	if ran < 150 {
		t.Errorf("only %d cases were expressible", ran)
	}
	t.Logf("%d of %d conformance cases simulated", ran, len(cases))
}

// contextEntries turns a case's context and principal-derived keys the
// simulator cannot know (the caller's id and tags) into ContextEntries.
func contextEntries(t *testing.T, cs *conformance.Case) []iamtypes.ContextEntry {
	var out []iamtypes.ContextEntry
	keys := make([]string, 0, len(cs.Request.Context))
	for k := range cs.Request.Context {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		raw := cs.Request.Context[k]
		var list []any
		if err := json.Unmarshal(raw, &list); err == nil {
			vs := []string{}
			for _, v := range list {
				vs = append(vs, scalarText(v))
			}
			out = append(out, iamtypes.ContextEntry{ContextKeyName: aws.String(k), ContextKeyValues: vs, ContextKeyType: iamtypes.ContextKeyTypeEnumStringList})
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: context %s: %v", cs.ID, k, err)
		}
		out = append(out, iamtypes.ContextEntry{ContextKeyName: aws.String(k), ContextKeyValues: []string{scalarText(v)}, ContextKeyType: iamtypes.ContextKeyTypeEnumString})
	}
	p := cs.Request.Principal
	has := func(k string) bool {
		return slices.ContainsFunc(keys, func(c string) bool { return strings.EqualFold(c, k) })
	}
	if p.UserID != "" && !has("aws:userid") {
		out = append(out, iamtypes.ContextEntry{ContextKeyName: aws.String("aws:userid"), ContextKeyValues: []string{p.UserID}, ContextKeyType: iamtypes.ContextKeyTypeEnumString})
	}
	for k, v := range p.Tags {
		if !has("aws:PrincipalTag/" + k) {
			out = append(out, iamtypes.ContextEntry{ContextKeyName: aws.String("aws:PrincipalTag/" + k), ContextKeyValues: []string{v}, ContextKeyType: iamtypes.ContextKeyTypeEnumString})
		}
	}
	return out
}

func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// TestSimulatePrincipalPolicy simulates a user's real policies — inline,
// managed, through a group, under a permissions boundary — and checks the
// result shape AWS clients read: decisions, the matched statements with
// their source and place, missing context values, per-resource results,
// the boundary's detail and pagination; then the context-key operations
// and the errors.
func TestSimulatePrincipalPolicy(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.rootIAM()
	ctx := ctxT(t)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mateojackson")})
	must("CreateUser", err)
	inline := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"ReadChannels\",\n      \"Effect\": \"Allow\",\n      \"Action\": [\"ivs:GetChannel\", \"ivs:ListChannels\"],\n      \"Resource\": \"arn:aws:ivs:*:*:channel/*\"\n    }\n  ]\n}"
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("mateojackson"), PolicyName: aws.String("ReadChannels"), PolicyDocument: aws.String(inline)})
	must("PutUserPolicy", err)
	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops")})
	must("CreateGroup", err)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("ops"), UserName: aws.String("mateojackson")})
	must("AddUserToGroup", err)
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ivs:DeleteChannel","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]}`
	_, err = c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("ops"), PolicyName: aws.String("NoProdDeletes"), PolicyDocument: aws.String(deny)})
	must("PutGroupPolicy", err)
	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("mateojackson"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IVSFullAccess")})
	must("AttachUserPolicy", err)
	src := aws.String("arn:aws:iam::" + testAccount + ":user/mateojackson")
	channel := "arn:aws:ivs:us-west-2:" + testAccount + ":channel/VgNkEJgOVX9N"

	out, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: src,
		ActionNames:     []string{"ivs:GetChannel", "ivs:DeleteChannel", "iam:CreateUser"},
		ResourceArns:    []string{channel},
	})
	must("SimulatePrincipalPolicy", err)
	if len(out.EvaluationResults) != 3 {
		t.Fatalf("%d results, want one per action", len(out.EvaluationResults))
	}
	get := out.EvaluationResults[0]
	if get.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed || aws.ToString(get.EvalResourceName) != channel {
		t.Errorf("ivs:GetChannel: %s on %s", get.EvalDecision, aws.ToString(get.EvalResourceName))
	}
	// Both the inline statement and IVSFullAccess allow it.
	var srcs []string
	for _, m := range get.MatchedStatements {
		srcs = append(srcs, aws.ToString(m.SourcePolicyId)+"/"+string(m.SourcePolicyType))
		if aws.ToString(m.SourcePolicyId) == "ReadChannels" {
			if p := m.StartPosition; p == nil || p.Line != 4 || p.Column != 6 {
				t.Errorf("inline statement starts at %+v, want line 4 column 6", p)
			}
			if p := m.EndPosition; p == nil || p.Line != 9 || p.Column != 6 {
				t.Errorf("inline statement ends at %+v, want line 9 column 6", p)
			}
		}
	}
	slices.Sort(srcs)
	if want := []string{"IVSFullAccess/aws-managed", "ReadChannels/user"}; !slices.Equal(srcs, want) {
		t.Errorf("GetChannel matched %q, want %q", srcs, want)
	}
	if len(get.ResourceSpecificResults) != 1 || get.ResourceSpecificResults[0].EvalResourceDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed {
		t.Errorf("resource-specific results %+v", get.ResourceSpecificResults)
	}
	// DeleteChannel: IVSFullAccess allows; the group's Deny needs the
	// channel's tag, which the simulation was not given.
	del := out.EvaluationResults[1]
	if del.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed || !slices.Contains(del.MissingContextValues, "aws:ResourceTag/env") {
		t.Errorf("ivs:DeleteChannel: %s, missing %q", del.EvalDecision, del.MissingContextValues)
	}
	if create := out.EvaluationResults[2]; create.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny || len(create.MatchedStatements) != 0 {
		t.Errorf("iam:CreateUser: %s with %d statements", create.EvalDecision, len(create.MatchedStatements))
	}

	// With the tag: the group's Deny decides, and only it is reported.
	out, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: src, ActionNames: []string{"ivs:DeleteChannel"}, ResourceArns: []string{channel},
		ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:ResourceTag/env"), ContextKeyValues: []string{"prod"}, ContextKeyType: iamtypes.ContextKeyTypeEnumString}},
	})
	must("SimulatePrincipalPolicy with context", err)
	r := out.EvaluationResults[0]
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeExplicitDeny || len(r.MatchedStatements) != 1 ||
		aws.ToString(r.MatchedStatements[0].SourcePolicyId) != "NoProdDeletes" || r.MatchedStatements[0].SourcePolicyType != iamtypes.PolicySourceTypeGroup {
		t.Errorf("tagged DeleteChannel: %s, %+v", r.EvalDecision, r.MatchedStatements)
	}

	// A permissions boundary that allows only reads.
	bound, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ReadOnlyBoundary"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ivs:Get*","ivs:List*"],"Resource":"*"}}`)})
	must("CreatePolicy", err)
	_, err = c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("mateojackson"), PermissionsBoundary: bound.Policy.Arn})
	must("PutUserPermissionsBoundary", err)
	out, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: src, ActionNames: []string{"ivs:GetChannel", "ivs:CreateChannel"}})
	must("SimulatePrincipalPolicy under a boundary", err)
	for i, want := range []bool{true, false} {
		r := out.EvaluationResults[i]
		if d := r.PermissionsBoundaryDecisionDetail; d == nil || d.AllowedByPermissionsBoundary != want {
			t.Errorf("%s: boundary detail %+v, want allowed=%v", aws.ToString(r.EvalActionName), d, want)
		}
		if aws.ToString(r.EvalResourceName) != "*" || r.ResourceSpecificResults != nil {
			t.Errorf("%s without resources: resource %q, %d specific results", aws.ToString(r.EvalActionName), aws.ToString(r.EvalResourceName), len(r.ResourceSpecificResults))
		}
	}
	if out.EvaluationResults[1].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("CreateChannel outside the boundary: %s", out.EvaluationResults[1].EvalDecision)
	}

	// Pagination: one result a page.
	var actions []string
	p := iam.NewSimulatePrincipalPolicyPaginator(c, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: src, MaxItems: aws.Int32(1),
		ActionNames: []string{"ivs:GetChannel", "ivs:ListChannels", "ivs:StopStream"}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		must("SimulatePrincipalPolicy page", err)
		for _, r := range page.EvaluationResults {
			actions = append(actions, aws.ToString(r.EvalActionName))
		}
	}
	if want := []string{"ivs:GetChannel", "ivs:ListChannels", "ivs:StopStream"}; !slices.Equal(actions, want) {
		t.Errorf("paginated actions %q, want %q", actions, want)
	}

	keys, err := c.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: src,
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ivs:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`}})
	must("GetContextKeysForPrincipalPolicy", err)
	if !slices.Contains(keys.ContextKeyNames, "aws:ResourceTag/env") || !slices.Contains(keys.ContextKeyNames, "aws:SourceIp") {
		t.Errorf("principal context keys %q", keys.ContextKeyNames)
	}

	// Errors.
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + testAccount + ":user/nobody"), ActionNames: []string{"ivs:GetChannel"}})
	if code, msg := apiCode(t, err); code != "NoSuchEntity" {
		t.Errorf("unknown source: %s %s", code, msg)
	}
	_, err = c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{`{"Statement":{"Effect":"Allow"}}`}, ActionNames: []string{"ivs:GetChannel"}})
	if code, msg := apiCode(t, err); code != "MalformedPolicyDocument" || !strings.Contains(msg, "PolicyInputList.1") {
		t.Errorf("malformed input: %s %s", code, msg)
	}
	_, err = c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{inline}, ActionNames: []string{"ivs:GetChannel"},
		ResourcePolicy: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"ivs:*","Resource":"*"}}`)})
	if code, msg := apiCode(t, err); code != "InvalidInput" || !strings.Contains(msg, "CallerArn") {
		t.Errorf("resource policy without caller: %s %s", code, msg)
	}

	// The simulator is authorized like every operation: the user itself
	// may not simulate.
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("mateojackson")})
	must("CreateAccessKey", err)
	_, err = ts.iam(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)).SimulatePrincipalPolicy(ctx,
		&iam.SimulatePrincipalPolicyInput{PolicySourceArn: src, ActionNames: []string{"ivs:GetChannel"}})
	if code, msg := apiCode(t, err); code != "AccessDenied" || !strings.Contains(msg, "iam:SimulatePrincipalPolicy on resource: "+*src) {
		t.Errorf("unauthorized simulation: %s %s", code, msg)
	}
}

// TestSimulateCustomPolicyCLIExample reproduces the AWS CLI's documented
// simulate-custom-policy and get-context-keys-for-custom-policy examples.
func TestSimulateCustomPolicyCLIExample(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.rootIAM()
	ctx := ctxT(t)
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}`
	for _, tt := range []struct {
		when, want string
		matched    int
	}{{"2019-04-25T11:00:00Z", "allowed", 1}, {"2014-04-25T11:00:00Z", "implicitDeny", 0}} {
		out, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
			PolicyInputList: []string{doc}, ActionNames: []string{"dynamodb:CreateBackup"},
			ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:CurrentTime"), ContextKeyValues: []string{tt.when}, ContextKeyType: iamtypes.ContextKeyTypeEnumDate}},
		})
		if err != nil {
			t.Fatal(err)
		}
		r := out.EvaluationResults[0]
		if string(r.EvalDecision) != tt.want || len(r.MatchedStatements) != tt.matched || aws.ToString(r.EvalResourceName) != "*" || len(r.MissingContextValues) != 0 {
			t.Errorf("at %s: %+v", tt.when, r)
		}
		if tt.matched == 1 {
			m := r.MatchedStatements[0]
			if aws.ToString(m.SourcePolicyId) != "PolicyInputList.1" || m.StartPosition.Line != 1 || m.StartPosition.Column != 38 || m.EndPosition.Column != 167 {
				t.Errorf("matched statement %s at %+v–%+v", aws.ToString(m.SourcePolicyId), *m.StartPosition, *m.EndPosition)
			}
		}
	}
	keys, err := c.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}`}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"aws:username", "aws:CurrentTime"}; !slices.Equal(keys.ContextKeyNames, want) {
		t.Errorf("context keys %q, want %q", keys.ContextKeyNames, want)
	}
}
