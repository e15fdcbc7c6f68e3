package ec2sim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestCreateTagsAndDeleteTagsChangeWhatDescribeReturns(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce", tag("keep", "1"))
	e := h.createEndpoint(t, group)
	resources := []string{group, *e.VpcEndpointId, h.vpcID, h.subnetIDs[0], e.NetworkInterfaceIds[0]}
	_, err := h.client.CreateTags(ctx, &ec2.CreateTagsInput{
		Resources: resources,
		Tags:      []types.Tag{tag("vpce.agentcore.io/uid", "1234"), tag("env", "dev")},
	})
	mustOK(t, err)
	_, err = h.client.DeleteTags(ctx, &ec2.DeleteTagsInput{
		Resources: resources,
		// A value that does not match leaves the tag alone; a key alone removes it.
		Tags: []types.Tag{{Key: aws.String("env")}, tag("vpce.agentcore.io/uid", "other")},
	})
	mustOK(t, err)

	e2, err := h.describeEndpoint(t, *e.VpcEndpointId)
	mustOK(t, err)
	if want := []types.Tag{tag("vpce.agentcore.io/uid", "1234")}; !equal(e2.Tags, want) {
		t.Errorf("endpoint tags = %+v, want %+v", e2.Tags, want)
	}
	if want := []types.Tag{tag("keep", "1"), tag("vpce.agentcore.io/uid", "1234")}; !equal(h.describeGroup(t, group).Tags, want) {
		t.Errorf("group tags = %+v, want %+v", h.describeGroup(t, group).Tags, want)
	}
	eni := h.interfaces(t, e.NetworkInterfaceIds[:1])[0]
	if want := []types.Tag{tag("vpce.agentcore.io/uid", "1234")}; !equal(eni.TagSet, want) {
		t.Errorf("network interface tags = %+v, want %+v", eni.TagSet, want)
	}
}

func TestCreateTagsRefusesUnknownResourcesAndReservedKeys(t *testing.T) {
	h := newHarness(t)
	group := h.createGroup(t, "vpce")
	cases := []struct {
		name string
		in   ec2.CreateTagsInput
		want string
	}{
		{"an unknown endpoint", ec2.CreateTagsInput{Resources: []string{group, "vpce-0123456789abcdef0"}, Tags: []types.Tag{tag("a", "b")}}, "InvalidVpcEndpointId.NotFound"},
		{"an unknown group", ec2.CreateTagsInput{Resources: []string{"sg-0123456789abcdef0"}, Tags: []types.Tag{tag("a", "b")}}, "InvalidGroup.NotFound"},
		{"an ID of no known kind", ec2.CreateTagsInput{Resources: []string{"i-0123456789abcdef0"}, Tags: []types.Tag{tag("a", "b")}}, "InvalidID"},
		{"a key in the aws: namespace", ec2.CreateTagsInput{Resources: []string{group}, Tags: []types.Tag{tag("aws:cloudformation:stack-name", "x")}}, "InvalidParameterValue"},
	}
	for _, c := range cases {
		t.Run("refuses "+c.name, func(t *testing.T) {
			_, err := h.client.CreateTags(context.Background(), &c.in)
			wantCode(t, err, c.want)
		})
	}
	if tags := h.describeGroup(t, group).Tags; len(tags) != 0 {
		t.Errorf("a refused CreateTags tagged the group: %+v", tags)
	}
}

func TestTagSpecificationsTagResourcesAtCreation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	spec := func(rt types.ResourceType) []types.TagSpecification {
		return []types.TagSpecification{{ResourceType: rt, Tags: []types.Tag{tag("owner", "operator")}}}
	}
	subnet, err := h.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{
		VpcId: aws.String(h.vpcID), CidrBlock: aws.String("10.0.200.0/24"), TagSpecifications: spec(types.ResourceTypeSubnet),
	})
	mustOK(t, err)
	group, err := h.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("g"), Description: aws.String("d"), VpcId: aws.String(h.vpcID), TagSpecifications: spec(types.ResourceTypeSecurityGroup),
	})
	mustOK(t, err)
	endpoint := h.createEndpoint(t, *group.GroupId, func(in *ec2.CreateVpcEndpointInput) { in.TagSpecifications = spec(types.ResourceTypeVpcEndpoint) })
	want := []types.Tag{tag("owner", "operator")}
	for name, got := range map[string][]types.Tag{"subnet": subnet.Subnet.Tags, "group": group.Tags, "endpoint": endpoint.Tags} {
		if !equal(got, want) {
			t.Errorf("%s tags = %+v, want %+v", name, got, want)
		}
	}
	_, err = h.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("h"), Description: aws.String("d"), VpcId: aws.String(h.vpcID), TagSpecifications: spec(types.ResourceTypeVpcEndpoint),
	})
	wantCode(t, err, "InvalidParameterValue")
}
