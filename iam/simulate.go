package iam

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-iam/gatehouse/arn"
	"github.com/gatehouse-iam/gatehouse/authz"
	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/awsmanaged"
	"github.com/gatehouse-iam/gatehouse/policy"
	"github.com/gatehouse-iam/gatehouse/store"
)

// ContextEntry is a condition key and its values for a simulation.
type ContextEntry struct {
	ContextKeyName   string   `query:"ContextKeyName"`
	ContextKeyValues []string `query:"ContextKeyValues"`
	ContextKeyType   string   `query:"ContextKeyType"`
}

// SimulatePrincipalPolicyInput is the input of SimulatePrincipalPolicy.
type SimulatePrincipalPolicyInput struct {
	PolicySourceArn string `query:"PolicySourceArn,required"`
	simulationInput
}

// SimulateCustomPolicyInput is the input of SimulateCustomPolicy.
type SimulateCustomPolicyInput struct {
	simulationInput
}

// simulationInput holds the parameters both simulations share.
type simulationInput struct {
	PolicyInputList                    []string       `query:"PolicyInputList"`
	PermissionsBoundaryPolicyInputList []string       `query:"PermissionsBoundaryPolicyInputList"`
	ActionNames                        []string       `query:"ActionNames"`
	ResourceArns                       []string       `query:"ResourceArns"`
	ResourcePolicy                     string         `query:"ResourcePolicy"`
	ResourceOwner                      string         `query:"ResourceOwner"`
	CallerArn                          string         `query:"CallerArn"`
	ContextEntries                     []ContextEntry `query:"ContextEntries"`
	ResourceHandlingOption             string         `query:"ResourceHandlingOption"`
	MaxItems                           *int           `query:"MaxItems"`
	Marker                             string         `query:"Marker"`
	// PolicyExclusionList and OrderedOrganizationPolicyInputList are
	// accepted and have nothing to act on: Gatehouse has no Organizations.
	PolicyExclusionList []string `query:"PolicyExclusionList"`
}

// SimulatePolicyOutput is the output of SimulatePrincipalPolicy and
// SimulateCustomPolicy.
type SimulatePolicyOutput struct {
	EvaluationResults List[EvaluationResult] `xml:"EvaluationResults"`
	IsTruncated       bool                   `xml:"IsTruncated"`
	Marker            string                 `xml:"Marker,omitempty"`
}

// EvaluationResult is the simulation of one action on the requested
// resources.
type EvaluationResult struct {
	EvalActionName                    string                             `xml:"EvalActionName"`
	EvalResourceName                  string                             `xml:"EvalResourceName"`
	EvalDecision                      string                             `xml:"EvalDecision"`
	MatchedStatements                 List[SimulatedStatement]           `xml:"MatchedStatements"`
	MissingContextValues              List[string]                       `xml:"MissingContextValues"`
	EvalDecisionDetails               *DecisionDetails                   `xml:"EvalDecisionDetails,omitempty"`
	PermissionsBoundaryDecisionDetail *PermissionsBoundaryDecisionDetail `xml:"PermissionsBoundaryDecisionDetail,omitempty"`
	ResourceSpecificResults           *List[ResourceSpecificResult]      `xml:"ResourceSpecificResults,omitempty"`
}

// ResourceSpecificResult is the simulation of one action on one resource.
type ResourceSpecificResult struct {
	EvalResourceName                  string                             `xml:"EvalResourceName"`
	EvalResourceDecision              string                             `xml:"EvalResourceDecision"`
	MatchedStatements                 List[SimulatedStatement]           `xml:"MatchedStatements"`
	MissingContextValues              List[string]                       `xml:"MissingContextValues"`
	EvalDecisionDetails               *DecisionDetails                   `xml:"EvalDecisionDetails,omitempty"`
	PermissionsBoundaryDecisionDetail *PermissionsBoundaryDecisionDetail `xml:"PermissionsBoundaryDecisionDetail,omitempty"`
}

// SimulatedStatement is IAM's Statement shape: a statement that
// determined a simulated decision, located in its policy's text.
type SimulatedStatement struct {
	SourcePolicyID   string   `xml:"SourcePolicyId"`
	SourcePolicyType string   `xml:"SourcePolicyType,omitempty"`
	StartPosition    Position `xml:"StartPosition"`
	EndPosition      Position `xml:"EndPosition"`
}

// Position is a line and column in a policy document.
type Position struct {
	Line   int `xml:"Line"`
	Column int `xml:"Column"`
}

// DecisionDetails is EvalDecisionDetails: a decision per kind of policy.
type DecisionDetails struct {
	Entry []DecisionDetail `xml:"entry"`
}

// DecisionDetail is one entry of EvalDecisionDetails.
type DecisionDetail struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// PermissionsBoundaryDecisionDetail says whether the permissions boundary
// allowed the simulated request.
type PermissionsBoundaryDecisionDetail struct {
	AllowedByPermissionsBoundary bool `xml:"AllowedByPermissionsBoundary"`
}

// GetContextKeysForPrincipalPolicyInput is the input of
// GetContextKeysForPrincipalPolicy.
type GetContextKeysForPrincipalPolicyInput struct {
	PolicySourceArn string   `query:"PolicySourceArn,required"`
	PolicyInputList []string `query:"PolicyInputList"`
}

// GetContextKeysForCustomPolicyInput is the input of
// GetContextKeysForCustomPolicy.
type GetContextKeysForCustomPolicyInput struct {
	PolicyInputList []string `query:"PolicyInputList"`
}

// GetContextKeysOutput is the output of both GetContextKeysFor…Policy
// operations.
type GetContextKeysOutput struct {
	ContextKeyNames List[string] `xml:"ContextKeyNames"`
}

// The simulator's decisions, as IAM spells them.
const (
	evalAllowed      = "allowed"
	evalExplicitDeny = "explicitDeny"
	evalImplicitDeny = "implicitDeny"
)

func evalDecision(o policy.Outcome) string {
	switch o {
	case policy.Allow:
		return evalAllowed
	case policy.ExplicitDeny:
		return evalExplicitDeny
	default:
		return evalImplicitDeny
	}
}

// restrictiveness orders decisions: an explicit deny over an implicit deny
// over an allow.
func restrictiveness(o policy.Outcome) int {
	switch o {
	case policy.ExplicitDeny:
		return 2
	case policy.ImplicitDeny:
		return 1
	default:
		return 0
	}
}

// simPolicy is a policy taking part in a simulation, with the names the
// simulator reports it by.
type simPolicy struct {
	c *policy.Compiled
	// id and typ are SourcePolicyId and SourcePolicyType.
	id, typ string
}

// simulation is everything a simulation evaluates: the policies by kind,
// the simulated caller and the request context.
type simulation struct {
	pols     policy.Policies
	resource *policy.Compiled
	sources  map[string]simPolicy // the inputs, by Compiled.ID
	caller   policy.Principal
	ctx      policy.Context
	owner    string // ResourceOwner's account, or ""
}

// SimulatePrincipalPolicy simulates the actions of ActionNames on the
// resources of ResourceArns (default "*") under the policies of the user,
// group or role of PolicySourceArn — a user's include its groups', and
// its or the role's permissions boundary — plus PolicyInputList, with the
// real evaluation engine. The caller needs iam:SimulatePrincipalPolicy on
// the source's ARN. Errors: NoSuchEntity, InvalidInput,
// MalformedPolicyDocument, ValidationError, AccessDenied.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, c *authz.Caller, in *SimulatePrincipalPolicyInput) (*SimulatePolicyOutput, error) {
	if err := checkSimulationInput(&in.simulationInput); err != nil {
		return nil, err
	}
	src, err := s.authorizedSource(ctx, c, "SimulatePrincipalPolicy", in.PolicySourceArn)
	if err != nil {
		return nil, err
	}
	return s.simulate(ctx, c, src, &in.simulationInput)
}

// SimulateCustomPolicy simulates the actions of ActionNames on the
// resources of ResourceArns (default "*") under the policies of
// PolicyInputList, a permissions boundary and a resource-based policy,
// as CallerArn (an IAM user) when given. The caller needs
// iam:SimulateCustomPolicy. Errors: InvalidInput, MalformedPolicyDocument,
// ValidationError, AccessDenied.
func (s *Service) SimulateCustomPolicy(ctx context.Context, c *authz.Caller, in *SimulateCustomPolicyInput) (*SimulatePolicyOutput, error) {
	if len(in.PolicyInputList) == 0 {
		return nil, awserr.New(awserr.ValidationError, "1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
	}
	if err := checkSimulationInput(&in.simulationInput); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "SimulateCustomPolicy", "*", nil); err != nil {
		return nil, err
	}
	return s.simulate(ctx, c, nil, &in.simulationInput)
}

// simulate runs an authorized simulation of src's policies (nil: the
// input's alone).
func (s *Service) simulate(ctx context.Context, c *authz.Caller, src *simSource, in *simulationInput) (*SimulatePolicyOutput, error) {
	sim, err := s.newSimulation(ctx, c, src, in)
	if err != nil {
		return nil, err
	}
	return sim.run(in)
}

// GetContextKeysForPrincipalPolicy lists the condition keys that the
// policies of a user, group or role (and PolicyInputList) consult. The
// caller needs iam:GetContextKeysForPrincipalPolicy on the source's ARN.
// Errors: NoSuchEntity, InvalidInput, MalformedPolicyDocument,
// AccessDenied.
func (s *Service) GetContextKeysForPrincipalPolicy(ctx context.Context, c *authz.Caller, in *GetContextKeysForPrincipalPolicyInput) (*GetContextKeysOutput, error) {
	src, err := s.authorizedSource(ctx, c, "GetContextKeysForPrincipalPolicy", in.PolicySourceArn)
	if err != nil {
		return nil, err
	}
	sim, err := s.newSimulation(ctx, c, src, &simulationInput{PolicyInputList: in.PolicyInputList})
	if err != nil {
		return nil, err
	}
	return contextKeys(append(sim.pols.Identity, sim.pols.Boundary)), nil
}

// GetContextKeysForCustomPolicy lists the condition keys that the policies
// of PolicyInputList consult. The caller needs
// iam:GetContextKeysForCustomPolicy. Errors: InvalidInput,
// MalformedPolicyDocument, ValidationError, AccessDenied.
func (s *Service) GetContextKeysForCustomPolicy(ctx context.Context, c *authz.Caller, in *GetContextKeysForCustomPolicyInput) (*GetContextKeysOutput, error) {
	if len(in.PolicyInputList) == 0 {
		return nil, awserr.New(awserr.ValidationError, "1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
	}
	inputs, err := compileInputs("PolicyInputList", in.PolicyInputList, policy.KindIdentity)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "GetContextKeysForCustomPolicy", "*", nil); err != nil {
		return nil, err
	}
	var pols []*policy.Compiled
	for _, p := range inputs {
		pols = append(pols, p.c)
	}
	return contextKeys(pols), nil
}

// contextKeys merges the context keys of policies, each key once.
func contextKeys(pols []*policy.Compiled) *GetContextKeysOutput {
	keys := []string{}
	for _, p := range pols {
		if p != nil {
			keys = appendNew(keys, p.ContextKeys(), strings.EqualFold)
		}
	}
	return &GetContextKeysOutput{ContextKeyNames: List[string]{Member: keys}}
}

// simSource is the user, group or role whose policies a simulation uses.
type simSource struct {
	kind string // store.KindUser, KindGroup or KindRole
	name string
	arn  string
}

// authorizedSource parses PolicySourceArn and authorizes action on it.
func (s *Service) authorizedSource(ctx context.Context, c *authz.Caller, action, sourceARN string) (*simSource, error) {
	if len(sourceARN) < 20 || len(sourceARN) > 2048 {
		return nil, validation("policySourceArn", sourceARN, "Member must have length greater than or equal to 20 and less than or equal to 2048")
	}
	a, err := arn.Parse(sourceARN)
	if err != nil || a.Service != "iam" {
		return nil, awserr.New(awserr.InvalidInput, "Invalid ARN %s: the policy source must be the ARN of an IAM user, group or role.", sourceARN)
	}
	kind, rest, _ := strings.Cut(a.Resource, "/")
	if kind != store.KindUser && kind != store.KindGroup && kind != store.KindRole || rest == "" {
		return nil, awserr.New(awserr.InvalidInput, "Invalid ARN %s: the policy source must be the ARN of an IAM user, group or role.", sourceARN)
	}
	if err := s.authorize(ctx, c, action, sourceARN, nil); err != nil {
		return nil, err
	}
	if a.Account != c.Account() {
		return nil, noSuchEntity(kind, rest[strings.LastIndexByte(rest, '/')+1:])
	}
	return &simSource{kind: kind, name: rest[strings.LastIndexByte(rest, '/')+1:], arn: sourceARN}, nil
}

// checkSimulationInput checks what both simulations need before any
// lookup.
func checkSimulationInput(in *simulationInput) error {
	if len(in.ActionNames) == 0 {
		return awserr.New(awserr.ValidationError, "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	}
	for i, a := range in.ActionNames {
		if len(a) < 3 || len(a) > 128 {
			return validation(fmt.Sprintf("actionNames.%d.member", i+1), a, "Member must have length greater than or equal to 3 and less than or equal to 128")
		}
		if svc, name, ok := strings.Cut(a, ":"); !ok || svc == "" || name == "" {
			return awserr.New(awserr.InvalidInput, "Invalid action name %s: an action is service:Operation, such as ivs:GetChannel.", a)
		}
	}
	for i, r := range in.ResourceArns {
		if len(r) < 1 || len(r) > 2048 {
			return validation(fmt.Sprintf("resourceArns.%d.member", i+1), r, "Member must have length greater than or equal to 1 and less than or equal to 2048")
		}
	}
	if len(in.PermissionsBoundaryPolicyInputList) > 1 {
		return awserr.New(awserr.InvalidInput, "PermissionsBoundaryPolicyInputList may hold only one policy: an entity has one permissions boundary.")
	}
	if _, err := pageLimit(in.MaxItems); err != nil {
		return err
	}
	for i, e := range in.ContextEntries {
		if len(e.ContextKeyName) < 5 || len(e.ContextKeyName) > 256 {
			return validation(fmt.Sprintf("contextEntries.%d.member.contextKeyName", i+1), e.ContextKeyName, "Member must have length greater than or equal to 5 and less than or equal to 256")
		}
		if !slices.Contains(contextKeyTypes, e.ContextKeyType) {
			return validation(fmt.Sprintf("contextEntries.%d.member.contextKeyType", i+1), e.ContextKeyType,
				"Member must satisfy enum value set: ["+strings.Join(contextKeyTypes, ", ")+"]")
		}
	}
	return nil
}

// contextKeyTypes are the values of ContextEntry.ContextKeyType.
var contextKeyTypes = []string{"string", "stringList", "numeric", "numericList", "boolean", "booleanList", "ip", "ipList", "binary", "binaryList", "date", "dateList"}

// newSimulation gathers the policies, caller and context of a simulation:
// the source's policies when src is not nil, then the inputs.
func (s *Service) newSimulation(ctx context.Context, c *authz.Caller, src *simSource, in *simulationInput) (*simulation, error) {
	sim := &simulation{sources: map[string]simPolicy{}}
	acct := c.Account()
	sim.caller = policy.Principal{Type: policy.User, Account: acct}
	err := s.st.View(ctx, func(tx store.Tx) error {
		if src != nil {
			if err := sim.loadSource(ctx, tx, s.authz, acct, src); err != nil {
				return err
			}
		}
		if in.CallerArn != "" {
			return sim.setCaller(ctx, tx, acct, in.CallerArn)
		}
		if in.ResourcePolicy != "" && (src == nil || src.kind != store.KindUser) {
			return awserr.New(awserr.InvalidInput, "CallerArn is required when a ResourcePolicy is simulated and the policy source is not an IAM user: the resource policy's Principal element needs a caller to match.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	inputs, err := compileInputs("PolicyInputList", in.PolicyInputList, policy.KindIdentity)
	if err != nil {
		return nil, err
	}
	for _, p := range inputs {
		sim.add(p)
		sim.pols.Identity = append(sim.pols.Identity, p.c)
	}
	bounds, err := compileInputs("PermissionsBoundaryPolicyInputList", in.PermissionsBoundaryPolicyInputList, policy.KindIdentity)
	if err != nil {
		return nil, err
	}
	for _, p := range bounds {
		// A boundary given here replaces the entity's.
		sim.add(p)
		sim.pols.Boundary = p.c
	}
	if in.ResourcePolicy != "" {
		rp, err := compileInput("ResourcePolicy", in.ResourcePolicy, policy.KindResource)
		if err != nil {
			// A role's trust policy is the resource-based policy of
			// sts:AssumeRole; it has no Resource element.
			trust, terr := compileInput("ResourcePolicy", in.ResourcePolicy, policy.KindTrust)
			if terr != nil {
				return nil, err
			}
			rp = trust
		}
		rp.typ = "resource"
		sim.add(rp)
		sim.resource = rp.c
	}
	if in.ResourceOwner != "" {
		sim.owner = in.ResourceOwner
		if a, err := arn.Parse(in.ResourceOwner); err == nil {
			sim.owner = a.Account
		}
	}
	for _, e := range in.ContextEntries {
		if strings.HasSuffix(e.ContextKeyType, "List") {
			sim.ctx.SetMulti(e.ContextKeyName, e.ContextKeyValues)
		} else if len(e.ContextKeyValues) > 0 {
			sim.ctx.Set(e.ContextKeyName, e.ContextKeyValues[0])
		}
	}
	return sim, nil
}

func (sim *simulation) add(p simPolicy) { sim.sources[p.c.ID] = p }

// setCaller makes CallerArn, an IAM user, the simulated caller: a user of
// the account is used with its id and tags.
func (sim *simulation) setCaller(ctx context.Context, tx store.Tx, acct, callerARN string) error {
	a, err := arn.Parse(callerARN)
	name, isUser := strings.CutPrefix(a.Resource, "user/")
	if err != nil || a.Service != "iam" || !isUser || name == "" {
		return awserr.New(awserr.InvalidInput, "Invalid CallerArn %s: the simulated caller must be an IAM user; roles, assumed roles, federated users and service principals cannot be.", callerARN)
	}
	name = name[strings.LastIndexByte(name, '/')+1:]
	sim.caller = policy.Principal{ARN: callerARN, Account: a.Account, Type: policy.User, Username: name}
	if a.Account != acct {
		return nil
	}
	u, err := loadUser(ctx, tx, acct, name)
	if err != nil {
		var ae *awserr.Error
		if errors.As(err, &ae) && ae.Code == awserr.NoSuchEntity {
			// A user that does not exist is simulated by its ARN alone.
			return nil
		}
		return err
	}
	sim.caller.UserID = u.ID
	sim.caller.Tags = authz.PrincipalTags(u.Tags)
	return nil
}

// loadSource makes the source entity the simulated caller and takes its
// policies as authorization reads them.
func (sim *simulation) loadSource(ctx context.Context, tx store.Tx, az *authz.Authorizer, acct string, src *simSource) error {
	switch src.kind {
	case store.KindUser:
		u, err := loadUser(ctx, tx, acct, src.name)
		if err != nil {
			return err
		}
		sim.caller = policy.Principal{ARN: u.ARN, Account: acct, Type: policy.User, Username: u.Name, UserID: u.ID, Tags: authz.PrincipalTags(u.Tags)}
	case store.KindGroup:
		if _, err := loadGroup(ctx, tx, acct, src.name); err != nil {
			return err
		}
	default:
		r, err := loadRole(ctx, tx, acct, src.name)
		if err != nil {
			return err
		}
		sim.caller = policy.Principal{ARN: r.ARN, Account: acct, Type: policy.AssumedRole, RoleARN: r.ARN, UserID: r.ID, Tags: authz.PrincipalTags(r.Tags)}
	}
	pols, err := az.EntityPolicies(ctx, tx, acct, src.kind, src.name)
	sim.pols = pols
	return err
}

// storedSource names a stored policy as the simulator reports it: an
// inline policy by its name and its owner's kind, a managed policy by its
// name, as "aws-managed" or "user-managed".
func storedSource(id string) (name, typ string) {
	if kind, name, ok := authz.InlinePolicyName(id); ok {
		return name, kind
	}
	name = id[strings.LastIndexByte(id, '/')+1:]
	if strings.HasPrefix(id, awsmanaged.ARNPrefix) {
		return name, "aws-managed"
	}
	return name, "user-managed"
}

// compileInputs compiles the documents of an input list, named
// "member.N" as IAM names them.
func compileInputs(member string, docs []string, kind policy.Kind) ([]simPolicy, error) {
	var out []simPolicy
	for i, doc := range docs {
		id := member + "." + strconv.Itoa(i+1)
		p, err := compileInput(id, doc, kind)
		if err != nil {
			return nil, err
		}
		p.typ = "none"
		out = append(out, p)
	}
	return out, nil
}

// compileInput validates and compiles one policy document of the input,
// named id as the input names it ("PolicyInputList.1", "ResourcePolicy").
func compileInput(id, doc string, kind policy.Kind) (simPolicy, error) {
	// The validation error names the parameter as AWS does: lower camel case.
	if err := validatePolicyDocumentParam(strings.ToLower(id[:1])+id[1:], doc); err != nil {
		return simPolicy{}, err
	}
	c, err := policy.ParseCompiled(id, []byte(doc), kind)
	if err != nil {
		var es policy.Errors
		if errors.As(err, &es) && len(es) > 0 {
			return simPolicy{}, awserr.New(awserr.MalformedPolicyDocument, "%s: %s", id, es[0].Error())
		}
		return simPolicy{}, awserr.New(awserr.MalformedPolicyDocument, "%s: %s", id, err.Error())
	}
	return simPolicy{c: c, id: id}, nil
}

// run evaluates every action on every resource and pages the results.
func (sim *simulation) run(in *simulationInput) (*SimulatePolicyOutput, error) {
	limit, _ := pageLimit(in.MaxItems)
	start := 0
	if in.Marker != "" {
		m, err := decodeMarker(in.Marker)
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(in.ActionNames) {
			return nil, awserr.New(awserr.InvalidInput, "Invalid Marker.")
		}
		start = n
	}
	set := policy.NewSet(sim.pols)
	out := &SimulatePolicyOutput{EvaluationResults: List[EvaluationResult]{Member: []EvaluationResult{}}}
	for i := start; i < len(in.ActionNames); i++ {
		if len(out.EvaluationResults.Member) == limit {
			out.IsTruncated, out.Marker = true, encodeMarker(strconv.Itoa(i))
			break
		}
		out.EvaluationResults.Member = append(out.EvaluationResults.Member, sim.evaluate(set, in.ActionNames[i], in.ResourceArns))
	}
	return out, nil
}

// evaluate simulates one action on the resources (all resources when
// none are named): one result per action, whose decision is the most
// restrictive of the resources', with a result per named resource.
func (sim *simulation) evaluate(set *policy.Set, action string, resources []string) EvaluationResult {
	named := len(resources) > 0
	if !named {
		resources = []string{"*"}
	}
	res := EvaluationResult{EvalActionName: action, EvalResourceName: resources[0]}
	var specific []ResourceSpecificResult
	worst := policy.Allow
	var statements []SimulatedStatement
	var missing []string
	var boundary *PermissionsBoundaryDecisionDetail
	var details *DecisionDetails
	first := true
	for _, r := range resources {
		e := sim.explain(set, action, r)
		rr := ResourceSpecificResult{
			EvalResourceName:     r,
			EvalResourceDecision: evalDecision(e.Outcome),
			MatchedStatements:    List[SimulatedStatement]{Member: sim.statements(&e)},
			MissingContextValues: List[string]{Member: append([]string{}, e.MissingKeys...)},
		}
		if named {
			rr.EvalDecisionDetails = sim.details(&e, r)
		}
		if o, ok := e.SourceOutcome(policy.SourceBoundary); ok {
			rr.PermissionsBoundaryDecisionDetail = &PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: o == policy.Allow}
		}
		specific = append(specific, rr)
		missing = appendNew(missing, e.MissingKeys, strings.EqualFold)
		if first || restrictiveness(e.Outcome) > restrictiveness(worst) {
			worst, statements, boundary, details = e.Outcome, nil, rr.PermissionsBoundaryDecisionDetail, rr.EvalDecisionDetails
			first = false
		}
		if e.Outcome == worst {
			statements = appendNew(statements, rr.MatchedStatements.Member, func(a, b SimulatedStatement) bool { return a == b })
		}
	}
	res.EvalDecision = evalDecision(worst)
	res.MatchedStatements = List[SimulatedStatement]{Member: append([]SimulatedStatement{}, statements...)}
	res.MissingContextValues = List[string]{Member: append([]string{}, missing...)}
	res.PermissionsBoundaryDecisionDetail = boundary
	if named {
		res.EvalDecisionDetails = details
		res.ResourceSpecificResults = &List[ResourceSpecificResult]{Member: specific}
	}
	return res
}

// explain evaluates one action on one resource.
func (sim *simulation) explain(set *policy.Set, action, resource string) policy.Explanation {
	req := &policy.Request{Principal: &sim.caller, Action: action, Resource: resource, Context: &sim.ctx}
	if sim.owner != "" {
		if a, err := arn.Parse(resource); err != nil || a.Account == "" {
			req.ResourceAccount = sim.owner
		}
	}
	return set.Explain(req, sim.resource)
}

// statements converts an explanation's matched statements.
func (sim *simulation) statements(e *policy.Explanation) []SimulatedStatement {
	out := []SimulatedStatement{}
	for _, m := range e.Matched {
		p, ok := sim.sources[m.PolicyID]
		if !ok {
			p.id, p.typ = storedSource(m.PolicyID)
		}
		out = append(out, SimulatedStatement{
			SourcePolicyID: p.id, SourcePolicyType: p.typ,
			StartPosition: Position(m.Start), EndPosition: Position(m.End),
		})
	}
	return out
}

// details is EvalDecisionDetails: present and empty for a resource of
// the caller's account; for another account's, the decision of the
// identity-based and the resource-based policies, each of which must
// allow.
func (sim *simulation) details(e *policy.Explanation, resource string) *DecisionDetails {
	d := &DecisionDetails{}
	acct := sim.owner
	if a, err := arn.Parse(resource); err == nil && a.Account != "" {
		acct = a.Account
	}
	if acct == "" || acct == sim.caller.Account {
		return d
	}
	id, _ := e.SourceOutcome(policy.SourceIdentity)
	rp, _ := e.SourceOutcome(policy.SourceResource)
	d.Entry = []DecisionDetail{{Key: "IdentityBasedPolicy", Value: evalDecision(id)}, {Key: "ResourceBasedPolicy", Value: evalDecision(rp)}}
	return d
}

// appendNew appends the items of add that have holds no same of.
func appendNew[T any](have, add []T, same func(a, b T) bool) []T {
	for _, x := range add {
		if !slices.ContainsFunc(have, func(h T) bool { return same(h, x) }) {
			have = append(have, x)
		}
	}
	return have
}
