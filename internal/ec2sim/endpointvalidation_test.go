package ec2sim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestCreateVpcEndpointAnswersEC2sValidationErrors(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	otherVPC, otherSubnets, err := h.sim.SeedVPC("10.1.0.0/16", 1)
	mustOK(t, err)
	secondInZoneA, err := h.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{
		VpcId: aws.String(h.vpcID), CidrBlock: aws.String("10.0.100.0/24"), AvailabilityZone: aws.String("us-east-1a"),
	})
	mustOK(t, err)
	existing := h.createEndpoint(t, group) // holds the VPC's private DNS name

	cases := []struct {
		name string
		edit func(*ec2.CreateVpcEndpointInput)
		want string
	}{
		{"an unknown VPC", func(in *ec2.CreateVpcEndpointInput) { in.VpcId = aws.String("vpc-0123456789abcdef0") }, "InvalidVpcID.NotFound"},
		{"a malformed VPC ID", func(in *ec2.CreateVpcEndpointInput) { in.VpcId = aws.String("vpc-nope") }, "InvalidVpcID.Malformed"},
		{"an unknown subnet", func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = []string{"subnet-0123456789abcdef0"} }, "InvalidSubnetID.NotFound"},
		{"an unknown security group", func(in *ec2.CreateVpcEndpointInput) { in.SecurityGroupIds = []string{"sg-0123456789abcdef0"} }, "InvalidGroup.NotFound"},
		{"an unknown service", func(in *ec2.CreateVpcEndpointInput) { in.ServiceName = aws.String("com.amazonaws.us-east-1.nope") }, "InvalidServiceName"},
		{"two subnets in one zone", func(in *ec2.CreateVpcEndpointInput) {
			in.SubnetIds = []string{h.subnetIDs[0], *secondInZoneA.Subnet.SubnetId}
		}, "DuplicateSubnetsInSameZone"},
		{"a subnet of another VPC", func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = otherSubnets }, "InvalidParameter"},
		{"a security group of another VPC", func(in *ec2.CreateVpcEndpointInput) {
			in.VpcId, in.SubnetIds = aws.String(otherVPC), otherSubnets
		}, "InvalidParameter"},
		{"a policy that is not JSON", func(in *ec2.CreateVpcEndpointInput) { in.PolicyDocument = aws.String(`{"Statement":`) }, "InvalidParameter"},
		{"a policy over 20,480 characters", func(in *ec2.CreateVpcEndpointInput) {
			in.PolicyDocument = aws.String(`{"Sid":"` + strings.Repeat("x", 20480) + `"}`)
		}, "InvalidParameter"},
		{"the Gateway type EC2 defaults to", func(in *ec2.CreateVpcEndpointInput) { in.VpcEndpointType = "" }, "InvalidParameter"},
		{"private DNS only for inbound resolver endpoints", func(in *ec2.CreateVpcEndpointInput) {
			in.DnsOptions = &types.DnsOptionsSpecification{PrivateDnsOnlyForInboundResolverEndpoint: aws.Bool(true)}
		}, "InvalidParameter"},
		{"a DNS record type the address type does not allow", func(in *ec2.CreateVpcEndpointInput) {
			in.DnsOptions = &types.DnsOptionsSpecification{DnsRecordIpType: types.DnsRecordIpTypeIpv6}
		}, "InvalidParameter"},
		{"a second endpoint with private DNS in the VPC", func(in *ec2.CreateVpcEndpointInput) { in.PrivateDnsEnabled = nil }, "InvalidParameter"},
		{"tags for another resource type", func(in *ec2.CreateVpcEndpointInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{tag("a", "b")}}}
		}, "InvalidParameterValue"},
	}
	for _, c := range cases {
		t.Run("refuses "+c.name, func(t *testing.T) {
			_, err := h.client.CreateVpcEndpoint(ctx, h.endpointInput(group, withoutPrivateDNS, c.edit))
			wantCode(t, err, c.want)
			if got := httpStatus(err); got != 400 {
				t.Errorf("HTTP status = %d, want 400", got)
			}
		})
	}
	list, err := h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	mustOK(t, err)
	if len(list.VpcEndpoints) != 1 || *list.VpcEndpoints[0].VpcEndpointId != *existing.VpcEndpointId {
		t.Errorf("refused requests left endpoints behind: %d listed", len(list.VpcEndpoints))
	}
}

func TestTheFiftyFirstInterfaceEndpointInAVPCIsRefused(t *testing.T) {
	h := newHarness(t)
	group := h.createGroup(t, "vpce")
	for range 50 {
		h.createEndpoint(t, group, withoutPrivateDNS, func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = nil })
	}
	_, err := h.client.CreateVpcEndpoint(context.Background(), h.endpointInput(group, withoutPrivateDNS))
	wantCode(t, err, "VpcEndpointLimitExceeded")
}

func TestUnknownEndpointIDsAnswerNotFound(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const unknown = "vpce-0123456789abcdef0"
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"DescribeVpcEndpoints", func() error {
			_, err := h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{unknown}})
			return err
		}, "InvalidVpcEndpointId.NotFound"},
		{"DescribeVpcEndpoints with a malformed ID", func() error {
			_, err := h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{"vpce-zz"}})
			return err
		}, "InvalidVpcEndpointId.Malformed"},
		{"ModifyVpcEndpoint", func() error {
			_, err := h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(unknown), ResetPolicy: aws.Bool(true)})
			return err
		}, "InvalidVpcEndpointId.NotFound"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantCode(t, c.call(), c.want) })
	}
}
