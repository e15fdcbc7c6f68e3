package ec2sim_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

func TestConcurrentClientsEachSeeTheirOwnWorkThrough(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const workers, rounds = 8, 3
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				name := fmt.Sprintf("w%d-r%d", w, r)
				out, err := h.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
					GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(h.vpcID),
				})
				if err != nil {
					t.Errorf("%s: create group: %v", name, err)
					return
				}
				group := *out.GroupId
				if _, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
					GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("10.0.0.0/16")},
				}); err != nil {
					t.Errorf("%s: authorize: %v", name, err)
				}
				created, err := h.client.CreateVpcEndpoint(ctx, h.endpointInput(group, withoutPrivateDNS, func(in *ec2.CreateVpcEndpointInput) {
					in.ClientToken = aws.String(name)
					in.SubnetIds = h.subnetIDs[w%3 : w%3+1]
				}))
				if err != nil {
					t.Errorf("%s: create endpoint: %v", name, err)
					return
				}
				id := created.VpcEndpoint.VpcEndpointId
				if _, err := h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{
					VpcEndpointId: id, AddSubnetIds: h.subnetIDs[(w+1)%3 : (w+1)%3+1],
				}); err != nil {
					t.Errorf("%s: modify: %v", name, err)
				}
				got, err := h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{*id}})
				if err != nil || len(got.VpcEndpoints[0].NetworkInterfaceIds) != 2 {
					t.Errorf("%s: describe: %v", name, err)
				}
				if _, err := h.client.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*id}}); err != nil {
					t.Errorf("%s: delete: %v", name, err)
				}
			}
		})
	}
	// Settings change and counts are read while the workers run.
	wg.Go(func() {
		for i := range 50 {
			h.sim.SetFault("DescribeInstances", ec2sim.Fault{ErrorRate: 1})
			h.sim.ClearFaults()
			h.sim.SetThrottle(ec2sim.ThrottleConfig{Disabled: true})
			h.sim.SetEventualConsistency(0)
			_ = h.sim.Calls()
			_ = h.sim.MutatingCalls()
			if i%10 == 0 {
				h.clock.Advance(time.Second)
			}
		}
	})
	wg.Wait()

	const perRound = 6 // group, authorize, create, modify, describe, delete
	calls := h.sim.Calls()
	total := 0
	for action, byCode := range calls {
		if byCode["OK"] != workers*rounds {
			t.Errorf("%s: %v, want %d OK", action, byCode, workers*rounds)
		}
		total += byCode["OK"]
	}
	if total != workers*rounds*perRound {
		t.Errorf("%d successful calls counted, want %d", total, workers*rounds*perRound)
	}
	interfaces, err := h.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	mustOK(t, err)
	if len(interfaces.NetworkInterfaces) != workers*rounds*2 {
		t.Errorf("%d network interfaces, want %d (endpoints still deleting)", len(interfaces.NetworkInterfaces), workers*rounds*2)
	}
	h.clock.Advance(time.Hour)
	interfaces, err = h.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	mustOK(t, err)
	if len(interfaces.NetworkInterfaces) != 0 {
		t.Errorf("%d network interfaces left once every endpoint is gone", len(interfaces.NetworkInterfaces))
	}
}
