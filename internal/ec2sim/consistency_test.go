package ec2sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestNewResourcesAreUnknownUntilTheirCreationPropagates(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.sim.SetEventualConsistency(5 * time.Second)
	group := h.createGroup(t, "vpce", tag("app", "gw"))
	byTag := []types.Filter{filterOf("tag:app", "gw")}

	_, err := h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{group}})
	wantCode(t, err, "InvalidGroup.NotFound")
	groups, err := h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: byTag})
	mustOK(t, err)
	if len(groups.SecurityGroups) != 0 {
		t.Errorf("a filtered list shows the group before it propagated")
	}
	_, err = h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("10.0.0.0/16")},
	})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = h.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{group}, Tags: []types.Tag{tag("a", "b")}})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = h.client.CreateVpcEndpoint(ctx, h.endpointInput(group))
	wantCode(t, err, "InvalidGroup.NotFound")

	h.clock.Advance(5 * time.Second)
	h.describeGroup(t, group)
	e := h.createEndpoint(t, group, func(in *ec2.CreateVpcEndpointInput) {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{tag("app", "gw")}}}
	})
	_, err = h.describeEndpoint(t, *e.VpcEndpointId)
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
	_, err = h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, ResetPolicy: aws.Bool(true)})
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
	_, err = h.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: e.NetworkInterfaceIds[:1]})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	deleted, err := h.client.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*e.VpcEndpointId}})
	mustOK(t, err)
	if len(deleted.Unsuccessful) != 1 {
		t.Errorf("deleting a fresh endpoint: unsuccessful %+v, want it not found", deleted.Unsuccessful)
	}
	endpoints, err := h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: byTag})
	mustOK(t, err)
	if len(endpoints.VpcEndpoints) != 0 {
		t.Errorf("a filtered list shows the endpoint before it propagated")
	}

	h.clock.Advance(5 * time.Second)
	endpoints, err = h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: byTag})
	mustOK(t, err)
	if len(endpoints.VpcEndpoints) != 1 || endpoints.VpcEndpoints[0].State != statePending {
		t.Fatalf("once propagated: %+v, want the endpoint, still pending", endpoints.VpcEndpoints)
	}
	_, err = h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, ResetPolicy: aws.Bool(true)})
	mustOK(t, err)
}

func TestAModifiedEndpointReadsAsItWasUntilTheChangePropagates(t *testing.T) {
	h := newHarness(t)
	e := h.createEndpoint(t, h.createGroup(t, "vpce"), withoutPrivateDNS)
	h.sim.SetEventualConsistency(10 * time.Second)
	policy := func(resource string) *string {
		return aws.String(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"` + resource + `"}]}`)
	}
	modify := func(in *ec2.ModifyVpcEndpointInput) {
		t.Helper()
		in.VpcEndpointId = e.VpcEndpointId
		_, err := h.client.ModifyVpcEndpoint(context.Background(), in)
		mustOK(t, err)
	}
	read := func() types.VpcEndpoint {
		t.Helper()
		got, err := h.describeEndpoint(t, *e.VpcEndpointId)
		mustOK(t, err)
		return got
	}

	modify(&ec2.ModifyVpcEndpointInput{PolicyDocument: policy("first"), RemoveSubnetIds: h.subnetIDs[2:]})
	h.clock.Advance(4 * time.Second)
	modify(&ec2.ModifyVpcEndpointInput{PolicyDocument: policy("second")})

	steps := []struct {
		advance     time.Duration
		wantPolicy  string
		wantSubnets int
	}{
		{5 * time.Second, *e.PolicyDocument, 3}, // 9s after the first change
		{time.Second, *policy("first"), 2},      // the first change has propagated
		{4 * time.Second, *policy("second"), 2}, // and the second
	}
	for i, step := range steps {
		h.clock.Advance(step.advance)
		got := read()
		if aws.ToString(got.PolicyDocument) != step.wantPolicy || len(got.SubnetIds) != step.wantSubnets {
			t.Errorf("step %d: policy %s with %d subnets, want %s with %d", i, aws.ToString(got.PolicyDocument), len(got.SubnetIds), step.wantPolicy, step.wantSubnets)
		}
	}
}

func TestIngressRuleChangesReadAsBeforeUntilTheyPropagate(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	h.sim.SetEventualConsistency(5 * time.Second)
	out, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("10.0.0.0/16")},
	})
	mustOK(t, err)
	rule := out.SecurityGroupRules[0].SecurityGroupRuleId

	if g := h.describeGroup(t, group); len(g.IpPermissions) != 0 {
		t.Errorf("the group shows %d inbound permissions before the change propagated", len(g.IpPermissions))
	}
	_, err = h.client.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{*rule}})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	_, err = h.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(group), SecurityGroupRuleIds: []string{*rule}})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")

	h.clock.Advance(5 * time.Second)
	if rules := h.ingressRules(t, group); len(rules) != 1 {
		t.Fatalf("%d inbound rules once propagated, want 1", len(rules))
	}
	_, err = h.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(group), SecurityGroupRuleIds: []string{*rule}})
	mustOK(t, err)
	if rules := h.ingressRules(t, group); len(rules) != 1 {
		t.Errorf("a revoked rule is gone from reads before the revoke propagated")
	}
	h.clock.Advance(5 * time.Second)
	if rules := h.ingressRules(t, group); len(rules) != 0 {
		t.Errorf("a revoked rule is still listed once the revoke propagated")
	}
}

func TestTagChangesReadAsBeforeUntilTheyPropagate(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	e := h.createEndpoint(t, h.createGroup(t, "vpce"))
	h.sim.SetEventualConsistency(5 * time.Second)
	_, err := h.client.CreateTags(ctx, &ec2.CreateTagsInput{
		Resources: []string{*e.VpcEndpointId, h.subnetIDs[0]}, Tags: []types.Tag{tag("owner", "team-a")},
	})
	mustOK(t, err)
	count := func() int {
		t.Helper()
		endpoints, err := h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{filterOf("tag:owner", "team-a")}})
		mustOK(t, err)
		subnets, err := h.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filterOf("tag:owner", "team-a")}})
		mustOK(t, err)
		return len(endpoints.VpcEndpoints) + len(subnets.Subnets)
	}
	if n := count(); n != 0 {
		t.Errorf("%d resources match the new tag before it propagated", n)
	}
	h.clock.Advance(5 * time.Second)
	if n := count(); n != 2 {
		t.Errorf("%d resources match the new tag once propagated, want 2", n)
	}
}

func TestTurningEventualConsistencyOffShowsEveryPendingChangeAtOnce(t *testing.T) {
	h := newHarness(t)
	h.sim.SetEventualConsistency(time.Hour)
	group := h.createGroup(t, "vpce")
	h.sim.SetEventualConsistency(0)
	h.describeGroup(t, group)
	h.createEndpoint(t, group)
}
