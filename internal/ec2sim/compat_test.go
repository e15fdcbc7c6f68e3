package ec2sim_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

const denyAllPolicy = `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`

func TestIgnoreModifyAcceptsTheNamedParametersWithoutApplyingThem(t *testing.T) {
	h := newHarness(t, func(o *ec2sim.Options) {
		o.IgnoreModify = []string{"PrivateDnsEnabled", "RemoveSubnetId"}
		o.PendingDelay = -1
	})
	e := h.createEndpoint(t, h.createGroup(t, "vpce"), withoutPrivateDNS)

	got := h.modify(t, &ec2.ModifyVpcEndpointInput{
		VpcEndpointId:     e.VpcEndpointId,
		PrivateDnsEnabled: aws.Bool(true),
		RemoveSubnetIds:   h.subnetIDs[2:],
		PolicyDocument:    aws.String(denyAllPolicy),
	})
	if aws.ToBool(got.PrivateDnsEnabled) {
		t.Errorf("private DNS was turned on although IgnoreModify names PrivateDnsEnabled")
	}
	if len(got.SubnetIds) != 3 {
		t.Errorf("subnets = %v, want all three: RemoveSubnetId is ignored", got.SubnetIds)
	}
	if aws.ToString(got.PolicyDocument) != denyAllPolicy {
		t.Errorf("policy = %s, want the one sent: parameters IgnoreModify does not name are applied", aws.ToString(got.PolicyDocument))
	}
	if got.State != stateAvailable {
		t.Errorf("state = %s, want available: nothing that re-provisions was applied", got.State)
	}
	if n := h.sim.Calls()["ModifyVpcEndpoint"]["OK"]; n != 1 {
		t.Errorf("ModifyVpcEndpoint answered OK %d times, want 1: the call is accepted", n)
	}
}

func TestWithoutIgnoreModifyEveryParameterIsApplied(t *testing.T) {
	h := newHarness(t, func(o *ec2sim.Options) { o.PendingDelay = -1 })
	e := h.createEndpoint(t, h.createGroup(t, "vpce"), withoutPrivateDNS)
	got := h.modify(t, &ec2.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, PrivateDnsEnabled: aws.Bool(true)})
	if !aws.ToBool(got.PrivateDnsEnabled) {
		t.Fatalf("private DNS is off after a ModifyVpcEndpoint turning it on")
	}
}

func TestOmitFieldsLeavesTheNamedFieldsOutOfDescribeVpcEndpoints(t *testing.T) {
	h := newHarness(t, func(o *ec2sim.Options) {
		o.OmitFields = []string{ec2sim.FieldIPAddressType, ec2sim.FieldPrivateDNSEnabled}
	})
	created := h.createEndpoint(t, h.createGroup(t, "vpce"))
	if created.IpAddressType != types.IpAddressTypeIpv4 || !aws.ToBool(created.PrivateDnsEnabled) {
		t.Errorf("CreateVpcEndpoint's answer: ipAddressType %q, privateDnsEnabled %v; OmitFields applies to DescribeVpcEndpoints only",
			created.IpAddressType, created.PrivateDnsEnabled)
	}
	got, err := h.describeEndpoint(t, aws.ToString(created.VpcEndpointId))
	mustOK(t, err)
	if got.IpAddressType != "" {
		t.Errorf("ipAddressType = %q, want it left out", got.IpAddressType)
	}
	if got.PrivateDnsEnabled != nil {
		t.Errorf("privateDnsEnabled = %v, want it left out", *got.PrivateDnsEnabled)
	}
	if got.State != statePending || len(got.SubnetIds) != 3 {
		t.Errorf("other fields must stay: state %s, subnets %v", got.State, got.SubnetIds)
	}
}

func TestDescribeVpcEndpointsSendsPrivateDNSEvenWhenItIsOff(t *testing.T) {
	h := newHarness(t)
	created := h.createEndpoint(t, h.createGroup(t, "vpce"), withoutPrivateDNS)
	got, err := h.describeEndpoint(t, aws.ToString(created.VpcEndpointId))
	mustOK(t, err)
	if got.PrivateDnsEnabled == nil || *got.PrivateDnsEnabled {
		t.Fatalf("privateDnsEnabled = %v, want false sent: AWS always sends it", got.PrivateDnsEnabled)
	}
	if got.IpAddressType != types.IpAddressTypeIpv4 {
		t.Fatalf("ipAddressType = %q, want ipv4", got.IpAddressType)
	}
}

func TestValidateRefusesIgnoreModifyAndOmitFieldsItDoesNotKnow(t *testing.T) {
	err := ec2sim.Options{IgnoreModify: []string{"PrivateDnsEnabled", "Subnets"}, OmitFields: []string{"ipAddressType", "state"}}.Validate()
	if err == nil || !strings.Contains(err.Error(), `IgnoreModify "Subnets"`) || !strings.Contains(err.Error(), `OmitFields "state"`) {
		t.Fatalf("Validate() = %v, want both unknown names refused", err)
	}
	if err := (ec2sim.Options{IgnoreModify: []string{"IpAddressType", "DnsOptions"}, OmitFields: []string{"privateDnsEnabled"}}).Validate(); err != nil {
		t.Fatalf("Validate() = %v, want known names accepted", err)
	}
}
