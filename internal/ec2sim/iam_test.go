package ec2sim_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
	"github.com/agentcore-io/vpce-operator/internal/iampolicy"
)

// The operator's tags, written out rather than imported: the simulator's tests depend on
// nothing of the operator's but the policy it ships.
const (
	testCluster  = "test-cluster"
	otherCluster = "other-cluster"
	tagCluster   = "vpce.agentcore.io/cluster"
	tagNamespace = "vpce.agentcore.io/namespace"
	tagName      = "vpce.agentcore.io/name"
	tagUID       = "vpce.agentcore.io/uid"
)

// shippedTemplate is config/iam/policy.json, the EKS Pod Identity form.
func shippedTemplate(t testing.TB) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(iampolicy.TemplatePath)))
	if err != nil {
		t.Fatalf("reading the shipped IAM policy: %v", err)
	}
	return raw
}

// irsaPolicy is the shipped policy rendered for cluster, as hack/iam-policy.sh renders it.
func irsaPolicy(t testing.TB, cluster string) *ec2sim.IAMConfig {
	t.Helper()
	rendered, err := iampolicy.Render(shippedTemplate(t), cluster)
	if err != nil {
		t.Fatal(err)
	}
	return &ec2sim.IAMConfig{Policy: rendered}
}

// iamHarness is a harness whose simulator authorizes every call against cfg. Endpoints
// are available and deleted at once, so that the tests are about permissions only.
type iamHarness struct {
	*harness
	cfg *ec2sim.IAMConfig
}

func newIAMHarness(t testing.TB, cfg *ec2sim.IAMConfig) *iamHarness {
	t.Helper()
	h := newHarness(t, func(o *ec2sim.Options) {
		o.PendingDelay, o.DeletingDelay, o.IAM = -1, -1, cfg
	})
	return &iamHarness{harness: h, cfg: cfg}
}

// asAdmin runs setup with authorization off: what a person with full access did before.
func (h *iamHarness) asAdmin(t testing.TB, setup func()) {
	t.Helper()
	mustOK(t, h.sim.SetIAM(nil))
	defer func() { mustOK(t, h.sim.SetIAM(h.cfg)) }()
	setup()
}

// ownerTags are the tags the operator of cluster sets on what it creates for one object.
func ownerTags(cluster, uid string) []types.Tag {
	return []types.Tag{
		tag(tagCluster, cluster), tag(tagNamespace, "platform"), tag(tagName, "gw"), tag(tagUID, uid), tag("Name", "gw"),
	}
}

func withTags(tags ...types.Tag) func(*ec2.CreateVpcEndpointInput) {
	return func(in *ec2.CreateVpcEndpointInput) {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: tags}}
	}
}

func withPrivateDNS(in *ec2.CreateVpcEndpointInput) { in.PrivateDnsEnabled = aws.Bool(true) }

func httpsFromTheVPC() []types.IpPermission {
	return []types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
		IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}},
	}}
}

// unauthorizedMessage is EC2's message form: IAM's access-denied sentence between EC2's
// opening and the encoded authorization failure message.
var unauthorizedMessage = regexp.MustCompile(`^You are not authorized to perform this operation\. User: \S+ is not authorized to perform: (\S+) on resource: (\S+) (because no identity-based policy allows the (\S+) action|with an explicit deny in an identity-based policy)\. Encoded authorization failure message: [A-Za-z0-9_-]+$`)

// wantUnauthorized checks that err is EC2's refusal of action, with HTTP 403.
func wantUnauthorized(t testing.TB, err error, action string) {
	t.Helper()
	wantCode(t, err, "UnauthorizedOperation")
	if status := httpStatus(err); status != 403 {
		t.Errorf("HTTP status = %d, want 403", status)
	}
	var apiErr smithy.APIError
	if !asError(err, &apiErr) {
		t.Fatalf("not an API error: %v", err)
	}
	m := unauthorizedMessage.FindStringSubmatch(apiErr.ErrorMessage())
	if m == nil {
		t.Fatalf("message %q is not in EC2's form", apiErr.ErrorMessage())
	}
	if m[1] != action {
		t.Errorf("message names %s, want %s: %q", m[1], action, apiErr.ErrorMessage())
	}
}

// operatorLifecycle makes the calls of an operator running in cluster, from reading to
// deleting what it created, and needs every one to succeed.
func (h *iamHarness) operatorLifecycle(t *testing.T, cluster string) {
	t.Helper()
	ctx := context.Background()
	c := h.client
	_, err := c.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{serviceName}})
	mustOK(t, err)
	_, err = c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{
		Filters: []types.Filter{{Name: aws.String("tag:" + tagCluster), Values: []string{cluster}}},
	})
	mustOK(t, err)
	_, err = c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{h.vpcID}}},
	})
	mustOK(t, err)
	_, err = c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: h.subnetIDs})
	mustOK(t, err)
	for _, attribute := range []types.VpcAttributeName{types.VpcAttributeNameEnableDnsSupport, types.VpcAttributeNameEnableDnsHostnames} {
		_, err = c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: &h.vpcID, Attribute: attribute})
		mustOK(t, err)
	}

	tags := ownerTags(cluster, "8c1f0b6e-0000-4000-8000-000000000001")
	group := h.createGroup(t, "vpce-agentcore-gw", tags...)
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &group, IpPermissions: httpsFromTheVPC()})
	mustOK(t, err)
	_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &group, IpPermissions: httpsFromTheVPC()})
	mustOK(t, err)
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &group, IpPermissions: httpsFromTheVPC()})
	mustOK(t, err)

	// Created without private DNS and switched on once available (AWS_FACTS.md).
	e := h.createEndpoint(t, group, withoutPrivateDNS, withTags(tags...))
	id := aws.ToString(e.VpcEndpointId)
	h.clock.Advance(5 * time.Minute)
	_, err = c.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, PrivateDnsEnabled: aws.Bool(true)})
	mustOK(t, err)
	h.clock.Advance(5 * time.Minute)
	_, err = c.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{
		VpcEndpointId: &id, RemoveSubnetIds: h.subnetIDs[2:],
		PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`),
	})
	mustOK(t, err)
	h.clock.Advance(5 * time.Minute)
	_, err = c.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, AddSubnetIds: h.subnetIDs[2:]})
	mustOK(t, err)
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id, group}, Tags: []types.Tag{tag("Name", "gw-renamed"), tag("team", "agents")}})
	mustOK(t, err)

	out, err := c.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
	mustOK(t, err)
	if len(out.Unsuccessful) > 0 {
		t.Fatalf("DeleteVpcEndpoints: unsuccessful %+v", out.Unsuccessful)
	}
	// Long enough for the endpoint's network interfaces to be gone.
	h.clock.Advance(30 * time.Minute)
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &group})
	mustOK(t, err)
}

func TestTheShippedPolicyRenderedForTheClusterAllowsTheOperatorsLifeCycle(t *testing.T) {
	h := newIAMHarness(t, irsaPolicy(t, testCluster))
	h.operatorLifecycle(t, testCluster)
	for action, byCode := range h.sim.Calls() {
		if n := byCode["UnauthorizedOperation"]; n > 0 {
			t.Errorf("%s was refused %d times", action, n)
		}
	}
}

func TestTheShippedPolicyAllowsCreatingAnEndpointWithPrivateDNSOn(t *testing.T) {
	h := newIAMHarness(t, irsaPolicy(t, testCluster))
	group := h.createGroup(t, "vpce", ownerTags(testCluster, "u1")...)
	e := h.createEndpoint(t, group, withPrivateDNS, withTags(ownerTags(testCluster, "u1")...))
	if !aws.ToBool(e.PrivateDnsEnabled) {
		t.Fatalf("private DNS is off")
	}
}

func TestTheShippedPolicyLetsTheOperatorAdoptAnEndpointAPersonTaggedForItsCluster(t *testing.T) {
	ctx := context.Background()
	h := newIAMHarness(t, irsaPolicy(t, testCluster))
	var id string
	h.asAdmin(t, func() {
		group := h.createGroup(t, "shared")
		id = aws.ToString(h.createEndpoint(t, group, withoutPrivateDNS, withTags(tag(tagCluster, testCluster), tag("Name", "shared-gw"))).VpcEndpointId)
	})
	adoption := slices.DeleteFunc(ownerTags(testCluster, "uid-first"), func(t types.Tag) bool { return *t.Key == tagCluster })
	_, err := h.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: adoption})
	mustOK(t, err)

	_, err = h.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{tag(tagUID, "uid-second")}})
	wantUnauthorized(t, err, "ec2:CreateTags")
	e, err := h.describeEndpoint(t, id)
	mustOK(t, err)
	if got := tagValue(e.Tags, tagUID); got != "uid-first" {
		t.Fatalf("uid tag = %q after a refused second adoption, want uid-first", got)
	}
	// Adopted, the endpoint is the operator's to change and delete.
	_, err = h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, PrivateDnsEnabled: aws.Bool(true)})
	mustOK(t, err)
	_, err = h.client.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
	mustOK(t, err)
}

func tagValue(tags []types.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

// withoutStatementsGranting removes every statement of policy whose Action names action.
func withoutStatementsGranting(t testing.TB, policy []byte, action string) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(policy, &doc); err != nil {
		t.Fatal(err)
	}
	statements, _ := doc["Statement"].([]any)
	kept := slices.DeleteFunc(slices.Clone(statements), func(s any) bool {
		raw, _ := json.Marshal(s.(map[string]any)["Action"])
		return strings.Contains(string(raw), `"`+action+`"`)
	})
	if len(kept) == len(statements) {
		t.Fatalf("no statement grants %s", action)
	}
	doc["Statement"] = kept
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPrivateDNSNeedsRoute53AssociateVPCWithHostedZone(t *testing.T) {
	ctx := context.Background()
	const route53 = "route53:AssociateVPCWithHostedZone"
	cfg := irsaPolicy(t, testCluster)
	cfg.Policy = withoutStatementsGranting(t, cfg.Policy, route53)
	h := newIAMHarness(t, cfg)
	tags := ownerTags(testCluster, "u1")
	group := h.createGroup(t, "vpce", tags...)

	_, err := h.client.CreateVpcEndpoint(ctx, h.endpointInput(group, withPrivateDNS, withTags(tags...)))
	wantUnauthorized(t, err, route53)
	// EC2 turns private DNS on when the request does not say.
	_, err = h.client.CreateVpcEndpoint(ctx, h.endpointInput(group, withTags(tags...)))
	wantUnauthorized(t, err, route53)
	out, err := h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	mustOK(t, err)
	if len(out.VpcEndpoints) != 0 {
		t.Fatalf("refused creates left %d endpoints", len(out.VpcEndpoints))
	}

	e := h.createEndpoint(t, group, withoutPrivateDNS, withTags(tags...))
	_, err = h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, PrivateDnsEnabled: aws.Bool(true)})
	wantUnauthorized(t, err, route53)
	got, err := h.describeEndpoint(t, aws.ToString(e.VpcEndpointId))
	mustOK(t, err)
	if aws.ToBool(got.PrivateDnsEnabled) {
		t.Fatalf("a refused ModifyVpcEndpoint turned private DNS on")
	}
}

func TestThePodIdentityTemplateBindsTheOperatorToItsSessionsClusterTag(t *testing.T) {
	template := shippedTemplate(t)
	t.Run("a session tagged with the cluster runs the life cycle", func(t *testing.T) {
		h := newIAMHarness(t, &ec2sim.IAMConfig{Policy: template, PrincipalTags: iampolicy.PodIdentityTags(testCluster)})
		h.operatorLifecycle(t, testCluster)
	})
	for name, principalTags := range map[string]map[string]string{
		"a session of another cluster is refused":                        iampolicy.PodIdentityTags("other"),
		"a session without the tag (the template under IRSA) is refused": nil,
	} {
		t.Run(name, func(t *testing.T) {
			h := newIAMHarness(t, &ec2sim.IAMConfig{Policy: template, PrincipalTags: principalTags})
			_, err := h.client.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{
				GroupName: aws.String("vpce"), Description: aws.String("vpce"), VpcId: &h.vpcID,
				TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: ownerTags(testCluster, "u1")}},
			})
			wantUnauthorized(t, err, "ec2:CreateSecurityGroup")
			var group string
			h.asAdmin(t, func() { group = h.createGroup(t, "vpce", ownerTags(testCluster, "u1")...) })
			_, err = h.client.CreateVpcEndpoint(context.Background(), h.endpointInput(group, withoutPrivateDNS, withTags(ownerTags(testCluster, "u1")...)))
			wantUnauthorized(t, err, "ec2:CreateVpcEndpoint")
		})
	}
}
