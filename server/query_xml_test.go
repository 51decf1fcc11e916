package server_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/iam"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery"
	"github.com/gatehouse-iam/gatehouse/protocol/awsquery/awsquerytest"
	"github.com/gatehouse-iam/gatehouse/sts"
)

// queryOutputs is every output shape of IAM and STS.
var queryOutputs = []any{
	&iam.CreateAccessKeyOutput{}, &iam.ListAccessKeysOutput{}, &iam.GetAccessKeyLastUsedOutput{}, &iam.GetAccountAuthorizationDetailsOutput{},
	&iam.GetAccountSummaryOutput{}, &iam.ListAttachedPoliciesOutput{}, &iam.ListEntitiesForPolicyOutput{}, &iam.CreateGroupOutput{},
	&iam.GetGroupOutput{}, &iam.ListGroupsOutput{}, &iam.ListPoliciesOfEntityOutput{}, &iam.GetUserPolicyOutput{},
	&iam.GetGroupPolicyOutput{}, &iam.GetRolePolicyOutput{}, &iam.LoginProfileOutput{}, &iam.CreatePolicyOutput{},
	&iam.GetPolicyOutput{}, &iam.ListPoliciesOutput{}, &iam.CreateVirtualMFADeviceOutput{}, &iam.ListMFADevicesOutput{},
	&iam.ListVirtualMFADevicesOutput{}, &iam.GetAccountPasswordPolicyOutput{}, &iam.CreatePolicyVersionOutput{},
	&iam.GetPolicyVersionOutput{}, &iam.ListPolicyVersionsOutput{}, &iam.CreateRoleOutput{}, &iam.GetRoleOutput{},
	&iam.ListRolesOutput{}, &iam.UpdateRoleOutput{}, &iam.ListRoleTagsOutput{}, &iam.SimulatePolicyOutput{},
	&iam.GetContextKeysOutput{}, &iam.CreateUserOutput{}, &iam.GetUserOutput{}, &iam.ListUsersOutput{}, &iam.ListTagsOutput{},
	&iam.Empty{},
	&sts.AssumeRoleOutput{}, &sts.GetCallerIdentityOutput{}, &sts.GetFederationTokenOutput{}, &sts.GetSessionTokenOutput{},
	&sts.GetAccessKeyInfoOutput{},
}

// notPlanned are the outputs WriteResult leaves to encoding/xml: their
// shapes hold an xml.Marshaler.
var notPlanned = map[string]bool{"GetAccountSummaryOutput": true}

// TestQueryOutputsXML writes every IAM and STS output, filled at random,
// with WriteResult and checks the document is encoding/xml's to the byte;
// and that the list above holds every output type of the two packages.
func TestQueryOutputsXML(t *testing.T) {
	listed := map[string]bool{}
	r := rand.New(rand.NewPCG(7, 11))
	for _, out := range queryOutputs {
		typ := reflect.TypeOf(out).Elem()
		listed[typ.Name()] = true
		if typ.NumField() > 0 && awsquery.Planned(out) == notPlanned[typ.Name()] {
			t.Errorf("%s: Planned = %v", typ.Name(), !notPlanned[typ.Name()])
		}
		for range 300 {
			v := reflect.New(typ)
			awsquerytest.Fill(r, v.Elem())
			if d := awsquerytest.Same(awsquery.IAMNamespace, strings.TrimSuffix(typ.Name(), "Output"), v.Interface()); d != "" {
				t.Fatalf("%s:\n%s", typ.Name(), d)
			}
		}
	}
	for _, dir := range []string{"../iam", "../sts"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.TYPE {
					continue
				}
				for _, s := range g.Specs {
					if n := s.(*ast.TypeSpec).Name.Name; strings.HasSuffix(n, "Output") && !listed[n] {
						t.Errorf("%s: output %s is not in queryOutputs", name, n)
					}
				}
			}
		}
	}
}
