package ec2sim_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func (h *harness) modify(t *testing.T, in *ec2.ModifyVpcEndpointInput) types.VpcEndpoint {
	t.Helper()
	_, err := h.client.ModifyVpcEndpoint(context.Background(), in)
	mustOK(t, err)
	e, err := h.describeEndpoint(t, *in.VpcEndpointId)
	mustOK(t, err)
	return e
}

func (h *harness) interfaces(t *testing.T, ids []string) []types.NetworkInterface {
	t.Helper()
	if len(ids) == 0 {
		return nil
	}
	out, err := h.client.DescribeNetworkInterfaces(context.Background(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ids})
	mustOK(t, err)
	return out.NetworkInterfaces
}

func TestModifyVpcEndpointMovesTheEndpointBetweenSubnets(t *testing.T) {
	h := newHarness(t)
	e := h.createEndpoint(t, h.createGroup(t, "vpce"), func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = h.subnetIDs[:2] })
	removedENI := e.NetworkInterfaceIds[0]
	got := h.modify(t, &ec2.ModifyVpcEndpointInput{
		VpcEndpointId:   e.VpcEndpointId,
		AddSubnetIds:    h.subnetIDs[2:],
		RemoveSubnetIds: h.subnetIDs[:1],
	})
	if want := []string{h.subnetIDs[1], h.subnetIDs[2]}; !slices.Equal(got.SubnetIds, want) {
		t.Fatalf("subnets = %v, want %v", got.SubnetIds, want)
	}
	var inSubnets []string
	for _, ni := range h.interfaces(t, got.NetworkInterfaceIds) {
		inSubnets = append(inSubnets, *ni.SubnetId)
	}
	slices.Sort(inSubnets)
	if want := slices.Sorted(slices.Values(got.SubnetIds)); !slices.Equal(inSubnets, want) {
		t.Errorf("interfaces are in %v, want %v", inSubnets, want)
	}
	_, err := h.client.DescribeNetworkInterfaces(context.Background(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{removedENI}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	if len(got.DnsEntries) != 1+2+1 {
		t.Errorf("got %d DNS entries, want regional + 2 zonal + private", len(got.DnsEntries))
	}
	if got.State != statePending {
		t.Errorf("state = %s, want the create's pending untouched by the change", got.State)
	}
}

func TestModifyVpcEndpointChangesTheGroupsOfEveryInterface(t *testing.T) {
	h := newHarness(t)
	first, second := h.createGroup(t, "first"), h.createGroup(t, "second")
	e := h.createEndpoint(t, first)
	got := h.modify(t, &ec2.ModifyVpcEndpointInput{
		VpcEndpointId:          e.VpcEndpointId,
		AddSecurityGroupIds:    []string{second},
		RemoveSecurityGroupIds: []string{first},
	})
	if len(got.Groups) != 1 || *got.Groups[0].GroupId != second {
		t.Fatalf("groups = %+v, want only %s", got.Groups, second)
	}
	for _, ni := range h.interfaces(t, got.NetworkInterfaceIds) {
		if len(ni.Groups) != 1 || *ni.Groups[0].GroupId != second {
			t.Errorf("%s has groups %+v, want only %s", *ni.NetworkInterfaceId, ni.Groups, second)
		}
	}
}

func TestModifyVpcEndpointSetsAndResetsThePolicy(t *testing.T) {
	h := newHarness(t)
	e := h.createEndpoint(t, h.createGroup(t, "vpce"))
	policy := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-1"}]}`
	if got := h.modify(t, &ec2.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, PolicyDocument: aws.String(policy)}); *got.PolicyDocument != policy {
		t.Fatalf("policy = %s, want %s", *got.PolicyDocument, policy)
	}
	if got := h.modify(t, &ec2.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, ResetPolicy: aws.Bool(true)}); *got.PolicyDocument != *e.PolicyDocument {
		t.Fatalf("policy after reset = %s, want the full-access default", *got.PolicyDocument)
	}
}

func TestModifyVpcEndpointChangesDNSAndAddressSettings(t *testing.T) {
	h := newHarness(t)
	h.dualStack(t)
	e := h.createEndpoint(t, h.createGroup(t, "vpce"))
	got := h.modify(t, &ec2.ModifyVpcEndpointInput{
		VpcEndpointId:     e.VpcEndpointId,
		PrivateDnsEnabled: aws.Bool(false),
		IpAddressType:     types.IpAddressTypeDualstack,
		DnsOptions:        &types.DnsOptionsSpecification{DnsRecordIpType: types.DnsRecordIpTypeDualstack},
	})
	if aws.ToBool(got.PrivateDnsEnabled) || got.IpAddressType != types.IpAddressTypeDualstack || got.DnsOptions.DnsRecordIpType != types.DnsRecordIpTypeDualstack {
		t.Fatalf("private DNS %v, address type %s, record type %s", aws.ToBool(got.PrivateDnsEnabled), got.IpAddressType, got.DnsOptions.DnsRecordIpType)
	}
	if len(got.DnsEntries) != 1+3 {
		t.Errorf("got %d DNS entries, want the regional and zonal ones without the private name", len(got.DnsEntries))
	}
}

func TestModifyVpcEndpointRefusesInvalidChanges(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	e := h.createEndpoint(t, group, func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = h.subnetIDs[:1] })
	sameZone, err := h.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{
		VpcId: aws.String(h.vpcID), CidrBlock: aws.String("10.0.100.0/24"), AvailabilityZone: aws.String("us-east-1a"),
	})
	mustOK(t, err)
	cases := []struct {
		name string
		in   ec2.ModifyVpcEndpointInput
		want string
	}{
		{"a second subnet in the same zone", ec2.ModifyVpcEndpointInput{AddSubnetIds: []string{*sameZone.Subnet.SubnetId}}, "DuplicateSubnetsInSameZone"},
		{"an unknown subnet", ec2.ModifyVpcEndpointInput{AddSubnetIds: []string{"subnet-0123456789abcdef0"}}, "InvalidSubnetID.NotFound"},
		{"an unknown security group", ec2.ModifyVpcEndpointInput{AddSecurityGroupIds: []string{"sg-0123456789abcdef0"}}, "InvalidGroup.NotFound"},
		{"removing the last security group", ec2.ModifyVpcEndpointInput{RemoveSecurityGroupIds: []string{group}}, "InvalidParameter"},
		{"a policy that is not JSON", ec2.ModifyVpcEndpointInput{PolicyDocument: aws.String("Allow everything")}, "InvalidParameter"},
		{"private DNS only for inbound resolver endpoints", ec2.ModifyVpcEndpointInput{
			DnsOptions: &types.DnsOptionsSpecification{PrivateDnsOnlyForInboundResolverEndpoint: aws.Bool(true)},
		}, "InvalidParameter"},
	}
	for _, c := range cases {
		t.Run("refuses "+c.name, func(t *testing.T) {
			c.in.VpcEndpointId = e.VpcEndpointId
			_, err := h.client.ModifyVpcEndpoint(ctx, &c.in)
			wantCode(t, err, c.want)
		})
	}
	after, err := h.describeEndpoint(t, *e.VpcEndpointId)
	mustOK(t, err)
	if !slices.Equal(after.SubnetIds, h.subnetIDs[:1]) || len(after.Groups) != 1 || *after.PolicyDocument != *e.PolicyDocument {
		t.Errorf("a refused change altered the endpoint: %+v", after)
	}
}
