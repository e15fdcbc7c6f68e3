package ec2sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// deleteAndWaitDeleted deletes the endpoint and moves the clock to the moment it is deleted.
func (h *harness) deleteAndWaitDeleted(t *testing.T, id string) {
	t.Helper()
	_, err := h.client.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
	mustOK(t, err)
	h.clock.Advance(30 * time.Second)
	if got := h.endpointState(t, id); got != stateDeleted {
		t.Fatalf("state = %s, want deleted", got)
	}
}

func TestADeletedEndpointsInterfacesLingerForTwoMinutesByDefault(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	e := h.createEndpoint(t, group)
	h.deleteAndWaitDeleted(t, *e.VpcEndpointId)
	lingering := func() int {
		t.Helper()
		out, err := h.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
		mustOK(t, err)
		return len(out.NetworkInterfaces)
	}
	if n := lingering(); n != 3 {
		t.Fatalf("%d interfaces right after the endpoint was deleted, want its 3", n)
	}
	_, err := h.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(group)})
	wantCode(t, err, "DependencyViolation")

	h.clock.Advance(2*time.Minute - time.Second)
	if n := lingering(); n != 3 {
		t.Fatalf("%d interfaces just under two minutes later, want 3", n)
	}
	h.clock.Advance(time.Second)
	if n := lingering(); n != 0 {
		t.Fatalf("%d interfaces two minutes later, want none", n)
	}
	_, err = h.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(group)})
	mustOK(t, err)
}

func TestANegativeInterfaceLingerReleasesTheInterfacesWithTheEndpoint(t *testing.T) {
	h := newHarness(t, func(o *ec2sim.Options) { o.InterfaceLinger = -1 })
	group := h.createGroup(t, "vpce")
	e := h.createEndpoint(t, group)
	h.deleteAndWaitDeleted(t, *e.VpcEndpointId)
	_, err := h.client.DeleteSecurityGroup(context.Background(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(group)})
	mustOK(t, err)
	subnets, err := h.client.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{SubnetIds: h.subnetIDs[:1]})
	mustOK(t, err)
	if got := aws.ToInt32(subnets.Subnets[0].AvailableIpAddressCount); got != 256-5 {
		t.Errorf("available addresses = %d, want the interface's back", got)
	}
}
