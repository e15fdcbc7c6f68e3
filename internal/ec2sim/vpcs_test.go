package ec2sim_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

func TestCreateVpcAnswersPendingAndDescribesAvailableWithItsTags(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	out, err := h.client.CreateVpc(ctx, &ec2.CreateVpcInput{
		CidrBlock:         aws.String("172.31.0.0/16"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{tag("Name", "agents")}}},
	})
	mustOK(t, err)
	if out.Vpc.State != types.VpcStatePending || aws.ToString(out.Vpc.CidrBlock) != "172.31.0.0/16" {
		t.Errorf("created VPC: state %s cidr %s", out.Vpc.State, aws.ToString(out.Vpc.CidrBlock))
	}
	got, err := h.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{*out.Vpc.VpcId}})
	mustOK(t, err)
	v := got.Vpcs[0]
	if v.State != types.VpcStateAvailable || !equal(v.Tags, []types.Tag{tag("Name", "agents")}) || aws.ToString(v.OwnerId) != "123456789012" {
		t.Errorf("described VPC: state %s tags %+v owner %s", v.State, v.Tags, aws.ToString(v.OwnerId))
	}
}

func TestSeedVPCCreatesOneSubnetPerZoneInsideTheVPC(t *testing.T) {
	h := newHarness(t)
	out, err := h.client.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{SubnetIds: h.subnetIDs})
	mustOK(t, err)
	vpcCIDR := netip.MustParsePrefix("10.0.0.0/16")
	zones := map[string]bool{}
	for _, sn := range out.Subnets {
		cidr := netip.MustParsePrefix(aws.ToString(sn.CidrBlock))
		if !vpcCIDR.Contains(cidr.Addr()) || cidr.Bits() != 24 {
			t.Errorf("subnet %s has CIDR %s, want a /24 inside %s", *sn.SubnetId, cidr, vpcCIDR)
		}
		if aws.ToString(sn.VpcId) != h.vpcID {
			t.Errorf("subnet %s is in %s, want %s", *sn.SubnetId, aws.ToString(sn.VpcId), h.vpcID)
		}
		zones[aws.ToString(sn.AvailabilityZone)] = true
	}
	for _, z := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		if !zones[z] {
			t.Errorf("no subnet in %s; zones = %v", z, zones)
		}
	}
}

func TestSeedVPCRefusesWhatEC2WouldNotCreate(t *testing.T) {
	sim := ec2sim.New(ec2sim.Options{})
	cases := []struct {
		name    string
		cidr    string
		azCount int
	}{
		{"a CIDR that does not parse", "10.0.0.0", 1},
		{"a VPC larger than /16", "10.0.0.0/8", 1},
		{"more zones than the region has", "10.0.0.0/16", 7},
		{"no zones", "10.0.0.0/16", 0},
		{"a VPC too small for its subnets", "10.0.0.0/28", 2},
	}
	for _, c := range cases {
		t.Run("refuses "+c.name, func(t *testing.T) {
			if _, _, err := sim.SeedVPC(c.cidr, c.azCount); err == nil {
				t.Fatalf("SeedVPC(%q, %d) succeeded", c.cidr, c.azCount)
			}
		})
	}
}

func TestCreateSubnetValidatesItsCIDRAndZone(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name string
		in   ec2.CreateSubnetInput
		want string
	}{
		{"a CIDR outside the VPC", ec2.CreateSubnetInput{CidrBlock: aws.String("10.1.0.0/24")}, "InvalidSubnet.Range"},
		{"a CIDR that overlaps another subnet", ec2.CreateSubnetInput{CidrBlock: aws.String("10.0.0.128/25")}, "InvalidSubnet.Conflict"},
		{"an unknown zone", ec2.CreateSubnetInput{CidrBlock: aws.String("10.0.50.0/24"), AvailabilityZone: aws.String("us-west-2a")}, "InvalidParameterValue"},
		{"an unknown VPC", ec2.CreateSubnetInput{CidrBlock: aws.String("10.0.50.0/24"), VpcId: aws.String("vpc-0123456789abcdef0")}, "InvalidVpcID.NotFound"},
		{"a malformed VPC ID", ec2.CreateSubnetInput{CidrBlock: aws.String("10.0.50.0/24"), VpcId: aws.String("vpc-x")}, "InvalidVpcID.Malformed"},
	}
	for _, c := range cases {
		t.Run("refuses "+c.name, func(t *testing.T) {
			if c.in.VpcId == nil {
				c.in.VpcId = aws.String(h.vpcID)
			}
			_, err := h.client.CreateSubnet(context.Background(), &c.in)
			wantCode(t, err, c.want)
		})
	}
}

func TestDescribeVpcsAndSubnetsAnswerNotFoundForUnknownIDs(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, err := h.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{h.vpcID, "vpc-0123456789abcdef0"}})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = h.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0123456789abcdef0"}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
}

func TestTheSameSeedGivesTheSameIDs(t *testing.T) {
	ids := func() []string {
		h := newHarness(t, func(o *ec2sim.Options) { o.Seed = 42 })
		e := h.createEndpoint(t, h.createGroup(t, "vpce"))
		return append([]string{h.vpcID, *e.VpcEndpointId, *e.DnsEntries[0].DnsName}, append(h.subnetIDs, e.NetworkInterfaceIds...)...)
	}
	first, second := ids(), ids()
	if !equal(first, second) {
		t.Fatalf("IDs differ between runs with one seed:\n%v\n%v", first, second)
	}
}
