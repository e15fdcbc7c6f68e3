package ec2sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

const gatewayDomain = "gateway.bedrock-agentcore.us-east-1.amazonaws.com"

func (h *harness) vpcAttribute(t *testing.T, vpcID string, attr types.VpcAttributeName) bool {
	t.Helper()
	out, err := h.client.DescribeVpcAttribute(context.Background(), &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpcID), Attribute: attr})
	mustOK(t, err)
	switch attr {
	case types.VpcAttributeNameEnableDnsSupport:
		return aws.ToBool(out.EnableDnsSupport.Value)
	case types.VpcAttributeNameEnableDnsHostnames:
		return aws.ToBool(out.EnableDnsHostnames.Value)
	}
	t.Fatalf("attribute %s", attr)
	return false
}

func (h *harness) setDNSHostnames(t *testing.T, on bool) {
	t.Helper()
	_, err := h.client.ModifyVpcAttribute(context.Background(), &ec2.ModifyVpcAttributeInput{
		VpcId: aws.String(h.vpcID), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(on)},
	})
	mustOK(t, err)
}

func TestANewVPCResolvesDNSButGivesNoHostnamesWhileTheSeededOneDoesBoth(t *testing.T) {
	h := newHarness(t)
	out, err := h.client.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: aws.String("172.31.0.0/16")})
	mustOK(t, err)
	created := aws.ToString(out.Vpc.VpcId)
	if !h.vpcAttribute(t, created, types.VpcAttributeNameEnableDnsSupport) || h.vpcAttribute(t, created, types.VpcAttributeNameEnableDnsHostnames) {
		t.Errorf("a created VPC's DNS attributes are not support on, hostnames off")
	}
	if !h.vpcAttribute(t, h.vpcID, types.VpcAttributeNameEnableDnsSupport) || !h.vpcAttribute(t, h.vpcID, types.VpcAttributeNameEnableDnsHostnames) {
		t.Errorf("the seeded VPC's DNS attributes are not both on")
	}
}

func TestModifyVpcAttributeChangesOneAttributeAtATime(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	on, off := &types.AttributeBooleanValue{Value: aws.Bool(true)}, &types.AttributeBooleanValue{Value: aws.Bool(false)}
	cases := []struct {
		name string
		in   ec2.ModifyVpcAttributeInput
		want string
	}{
		{"refuses two attributes at once", ec2.ModifyVpcAttributeInput{EnableDnsSupport: on, EnableDnsHostnames: on}, "InvalidParameterCombination"},
		{"refuses no attribute", ec2.ModifyVpcAttributeInput{}, "InvalidParameterCombination"},
		{"turns DNS support off", ec2.ModifyVpcAttributeInput{EnableDnsSupport: off}, ""},
		{"refuses hostnames without DNS support", ec2.ModifyVpcAttributeInput{EnableDnsHostnames: on}, "InvalidParameterValue"},
		{"turns DNS support on", ec2.ModifyVpcAttributeInput{EnableDnsSupport: on}, ""},
		{"turns hostnames on", ec2.ModifyVpcAttributeInput{EnableDnsHostnames: on}, ""},
		{"refuses an unknown VPC", ec2.ModifyVpcAttributeInput{VpcId: aws.String("vpc-0123456789abcdef0"), EnableDnsSupport: on}, "InvalidVpcID.NotFound"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.in.VpcId == nil {
				c.in.VpcId = aws.String(h.vpcID)
			}
			_, err := h.client.ModifyVpcAttribute(ctx, &c.in)
			wantCode(t, err, c.want)
		})
	}
	if !h.vpcAttribute(t, h.vpcID, types.VpcAttributeNameEnableDnsHostnames) {
		t.Errorf("hostnames are off after the changes")
	}
}

func TestPrivateDNSNeedsBothDNSAttributesOfTheVPC(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	h.setDNSHostnames(t, false)
	_, err := h.client.CreateVpcEndpoint(ctx, h.endpointInput(group)) // private DNS is on by default
	wantCode(t, err, "InvalidParameter")
	e := h.createEndpoint(t, group, withoutPrivateDNS)
	enable := &ec2.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, PrivateDnsEnabled: aws.Bool(true)}
	_, err = h.client.ModifyVpcEndpoint(ctx, enable)
	wantCode(t, err, "InvalidParameter")

	h.setDNSHostnames(t, true)
	_, err = h.client.ModifyVpcEndpoint(ctx, enable)
	mustOK(t, err)
}

func TestOnlyOneEndpointOfTheServiceInAVPCMayHavePrivateDNS(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	h.createEndpoint(t, group)
	second := h.createEndpoint(t, group, withoutPrivateDNS)
	_, err := h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: second.VpcEndpointId, PrivateDnsEnabled: aws.Bool(true)})
	wantCode(t, err, "InvalidParameter")
}

func TestACustomerHostedZoneOfTheServicesNameKeepsPrivateDNSOff(t *testing.T) {
	cases := []struct {
		setting string
		want    string
	}{
		{"", "ConflictingDomainExists"},
		{ec2sim.HostedZoneConflictDomainExists, "ConflictingDomainExists"},
		{ec2sim.HostedZoneConflictInvalidParameter, "InvalidParameter"},
	}
	for _, c := range cases {
		t.Run("with "+c.setting, func(t *testing.T) {
			h := newHarness(t, func(o *ec2sim.Options) { o.HostedZoneConflict = c.setting })
			ctx := context.Background()
			group := h.createGroup(t, "vpce")
			mustOK(t, h.sim.AddPrivateHostedZone(h.vpcID, "corp.example.com"))
			e := h.createEndpoint(t, group) // another name does not conflict
			_, err := h.client.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*e.VpcEndpointId}})
			mustOK(t, err)
			h.clock.Advance(time.Hour) // the endpoint and its zone are gone

			mustOK(t, h.sim.AddPrivateHostedZone(h.vpcID, gatewayDomain+"."))
			_, err = h.client.CreateVpcEndpoint(ctx, h.endpointInput(group))
			wantCode(t, err, c.want)
			e = h.createEndpoint(t, group, withoutPrivateDNS)
			_, err = h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, PrivateDnsEnabled: aws.Bool(true)})
			wantCode(t, err, c.want)
		})
	}
}

func TestAddPrivateHostedZoneRefusesANameTheVPCAlreadyHas(t *testing.T) {
	h := newHarness(t)
	h.createEndpoint(t, h.createGroup(t, "vpce"))
	if err := h.sim.AddPrivateHostedZone(h.vpcID, gatewayDomain); err == nil {
		t.Errorf("a zone of the name a private-DNS endpoint holds was added")
	}
	mustOK(t, h.sim.AddPrivateHostedZone(h.vpcID, "corp.example.com"))
	if err := h.sim.AddPrivateHostedZone(h.vpcID, "CORP.example.com."); err == nil {
		t.Errorf("a second zone of one name was added")
	}
	if err := h.sim.AddPrivateHostedZone("vpc-0123456789abcdef0", "corp.example.com"); err == nil {
		t.Errorf("a zone was added to a VPC that does not exist")
	}
}
