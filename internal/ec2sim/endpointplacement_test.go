package ec2sim_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// dualStack gives the seeded subnets IPv6 blocks besides their IPv4 ones.
func (h *harness) dualStack(t *testing.T) {
	t.Helper()
	for i, id := range h.subnetIDs {
		mustOK(t, h.sim.SetSubnetIPv6(id, fmt.Sprintf("2001:db8:0:%d::/64", i), false))
	}
}

func TestAnEndpointSubnetInAZoneTheServiceLacksIsRefused(t *testing.T) {
	h := newHarness(t, func(o *ec2sim.Options) { o.ServiceZones = []string{"us-east-1a", "us-east-1b"} })
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	_, err := h.client.CreateVpcEndpoint(ctx, h.endpointInput(group, withoutPrivateDNS))
	wantCode(t, err, "InvalidParameter")

	e := h.createEndpoint(t, group, withoutPrivateDNS, func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = h.subnetIDs[:2] })
	_, err = h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, AddSubnetIds: h.subnetIDs[2:]})
	wantCode(t, err, "InvalidParameter")
}

func TestTheSubnetsIPv6BlocksDecideWhichIPAddressTypesAnEndpointMayHave(t *testing.T) {
	cases := []struct {
		name          string
		subnets       func(h *harness, t *testing.T)
		ipAddressType types.IpAddressType
		want          string
	}{
		{"ipv4 in IPv4-only subnets", func(*harness, *testing.T) {}, types.IpAddressTypeIpv4, ""},
		{"dualstack in IPv4-only subnets", func(*harness, *testing.T) {}, types.IpAddressTypeDualstack, "InvalidParameter"},
		{"dualstack in dual-stack subnets", (*harness).dualStack, types.IpAddressTypeDualstack, ""},
		{"ipv6 in dual-stack subnets", (*harness).dualStack, types.IpAddressTypeIpv6, "InvalidParameter"},
		{"ipv6 in IPv6-only subnets", func(h *harness, t *testing.T) {
			for i, id := range h.subnetIDs {
				mustOK(t, h.sim.SetSubnetIPv6(id, fmt.Sprintf("2001:db8:1:%d::/64", i), true))
			}
		}, types.IpAddressTypeIpv6, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			c.subnets(h, t)
			_, err := h.client.CreateVpcEndpoint(context.Background(), h.endpointInput(h.createGroup(t, "vpce"), withoutPrivateDNS,
				func(in *ec2.CreateVpcEndpointInput) { in.IpAddressType = c.ipAddressType }))
			wantCode(t, err, c.want)
		})
	}
}

func TestAnIPAddressTypeTheServiceDoesNotSupportIsRefused(t *testing.T) {
	h := newHarness(t, func(o *ec2sim.Options) { o.ServiceIPAddressTypes = []string{"ipv4"} })
	h.dualStack(t)
	group := h.createGroup(t, "vpce")
	_, err := h.client.CreateVpcEndpoint(context.Background(), h.endpointInput(group, withoutPrivateDNS,
		func(in *ec2.CreateVpcEndpointInput) { in.IpAddressType = types.IpAddressTypeDualstack }))
	wantCode(t, err, "InvalidParameter")
	e := h.createEndpoint(t, group, withoutPrivateDNS)
	_, err = h.client.ModifyVpcEndpoint(context.Background(), &ec2.ModifyVpcEndpointInput{
		VpcEndpointId: e.VpcEndpointId, IpAddressType: types.IpAddressTypeDualstack,
	})
	wantCode(t, err, "InvalidParameter")
}

func TestDescribeSubnetsShowsASubnetsIPv6Block(t *testing.T) {
	h := newHarness(t)
	mustOK(t, h.sim.SetSubnetIPv6(h.subnetIDs[0], "2001:db8::/64", false))
	out, err := h.client.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{SubnetIds: h.subnetIDs[:1]})
	mustOK(t, err)
	sn := out.Subnets[0]
	if len(sn.Ipv6CidrBlockAssociationSet) != 1 || aws.ToString(sn.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock) != "2001:db8::/64" {
		t.Errorf("IPv6 blocks = %+v", sn.Ipv6CidrBlockAssociationSet)
	}
	if aws.ToBool(sn.Ipv6Native) {
		t.Errorf("a dual-stack subnet reads as IPv6-native")
	}
	if err := h.sim.SetSubnetIPv6(h.subnetIDs[0], "10.0.0.0/24", false); err == nil {
		t.Errorf("an IPv4 block was accepted as IPv6")
	}
}
