package ec2sim_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func filterOf(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func TestDescribeVpcEndpointsFiltersAsEC2Does(t *testing.T) {
	h := newHarness(t)
	group := h.createGroup(t, "vpce")
	named := func(name, uid string) func(*ec2.CreateVpcEndpointInput) {
		return func(in *ec2.CreateVpcEndpointInput) {
			in.PrivateDnsEnabled = aws.Bool(false)
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{
				tag("Name", name), tag("vpce.agentcore.io/uid", uid),
			}}}
		}
	}
	prod := *h.createEndpoint(t, group, named("team-a/prod", "u1")).VpcEndpointId
	dev := *h.createEndpoint(t, group, named("team-a/dev", "u2")).VpcEndpointId
	other := *h.createEndpoint(t, group, named("team-b/prod?", "u3")).VpcEndpointId
	_, err := h.client.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{dev}})
	mustOK(t, err)

	cases := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"an exact tag value", []types.Filter{filterOf("tag:vpce.agentcore.io/uid", "u1")}, []string{prod}},
		{"a tag value with a * wildcard", []types.Filter{filterOf("tag:Name", "team-a/*")}, []string{prod, dev}},
		{"a tag value with a ? wildcard", []types.Filter{filterOf("tag:Name", "team-?/prod")}, []string{prod}},
		{"an escaped wildcard", []types.Filter{filterOf("tag:Name", `team-b/prod\?`)}, []string{other}},
		{"any of several values", []types.Filter{filterOf("tag:vpce.agentcore.io/uid", "u1", "u3")}, []string{prod, other}},
		{"a tag key", []types.Filter{filterOf("tag-key", "vpce.agentcore.io/*")}, []string{prod, dev, other}},
		{"a state", []types.Filter{filterOf("vpc-endpoint-state", "deleting")}, []string{dev}},
		{"every filter at once", []types.Filter{
			filterOf("vpc-id", h.vpcID), filterOf("service-name", serviceName), filterOf("vpc-endpoint-type", "Interface"),
			filterOf("vpc-endpoint-state", "pending"), filterOf("tag:Name", "*prod*"),
		}, []string{prod, other}},
		{"a value nothing has", []types.Filter{filterOf("vpc-id", "vpc-0123456789abcdef0")}, nil},
		{"endpoint IDs", []types.Filter{filterOf("vpc-endpoint-id", prod, other)}, []string{prod, other}},
	}
	for _, c := range cases {
		t.Run("by "+c.name, func(t *testing.T) {
			out, err := h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{Filters: c.filters})
			mustOK(t, err)
			var got []string
			for _, e := range out.VpcEndpoints {
				got = append(got, *e.VpcEndpointId)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestOtherDescribeActionsFilterByTheirOwnFields(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	e := h.createEndpoint(t, group)

	subnets, err := h.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{
		filterOf("vpc-id", h.vpcID), filterOf("availability-zone", "us-east-1b", "us-east-1c"),
	}})
	mustOK(t, err)
	if len(subnets.Subnets) != 2 {
		t.Errorf("got %d subnets in zones b and c, want 2", len(subnets.Subnets))
	}
	groups, err := h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		filterOf("vpc-id", h.vpcID), filterOf("group-name", "vp*"),
	}})
	mustOK(t, err)
	if len(groups.SecurityGroups) != 1 || *groups.SecurityGroups[0].GroupId != group {
		t.Errorf("groups named vp* = %d, want only %s", len(groups.SecurityGroups), group)
	}
	interfaces, err := h.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{
		filterOf("group-id", group), filterOf("subnet-id", h.subnetIDs[1]), filterOf("interface-type", "vpc_endpoint"),
	}})
	mustOK(t, err)
	if len(interfaces.NetworkInterfaces) != 1 || *interfaces.NetworkInterfaces[0].NetworkInterfaceId != e.NetworkInterfaceIds[1] {
		t.Errorf("interfaces in subnet %s = %+v, want %s", h.subnetIDs[1], interfaces.NetworkInterfaces, e.NetworkInterfaceIds[1])
	}
	vpcs, err := h.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filterOf("cidr", "10.0.*")}})
	mustOK(t, err)
	if len(vpcs.Vpcs) != 1 {
		t.Errorf("got %d VPCs for cidr 10.0.*, want 1", len(vpcs.Vpcs))
	}
}

func TestAnUnknownFilterNameIsRefused(t *testing.T) {
	h := newHarness(t)
	_, err := h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{
		Filters: []types.Filter{filterOf("group-name", "x")},
	})
	wantCode(t, err, "InvalidParameterValue")
}
