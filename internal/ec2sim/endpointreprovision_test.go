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

// availableEndpoint creates an endpoint in the first two subnets and waits until it is
// available.
func (h *harness) availableEndpoint(t *testing.T) (types.VpcEndpoint, string) {
	t.Helper()
	group := h.createGroup(t, "vpce")
	e := h.createEndpoint(t, group, withoutPrivateDNS, func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = h.subnetIDs[:2] })
	h.clock.Advance(time.Minute)
	if got := h.endpointState(t, *e.VpcEndpointId); got != stateAvailable {
		t.Fatalf("state = %s, want available", got)
	}
	return e, group
}

func TestAModifyThatReprovisionsTheEndpointSendsItBackToPendingForThePendingDelay(t *testing.T) {
	cases := map[string]func(h *harness) ec2.ModifyVpcEndpointInput{
		"adding a subnet": func(h *harness) ec2.ModifyVpcEndpointInput {
			return ec2.ModifyVpcEndpointInput{AddSubnetIds: h.subnetIDs[2:]}
		},
		"removing a subnet": func(h *harness) ec2.ModifyVpcEndpointInput {
			return ec2.ModifyVpcEndpointInput{RemoveSubnetIds: h.subnetIDs[1:2]}
		},
		"the IP address type": func(*harness) ec2.ModifyVpcEndpointInput {
			return ec2.ModifyVpcEndpointInput{IpAddressType: types.IpAddressTypeDualstack}
		},
		"turning on private DNS": func(*harness) ec2.ModifyVpcEndpointInput {
			return ec2.ModifyVpcEndpointInput{PrivateDnsEnabled: aws.Bool(true)}
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.dualStack(t)
			e, _ := h.availableEndpoint(t)
			in := change(h)
			in.VpcEndpointId = e.VpcEndpointId
			_, err := h.client.ModifyVpcEndpoint(context.Background(), &in)
			mustOK(t, err)
			if got := h.endpointState(t, *e.VpcEndpointId); got != statePending {
				t.Fatalf("state after the change = %s, want pending", got)
			}
			h.clock.Advance(59 * time.Second)
			if got := h.endpointState(t, *e.VpcEndpointId); got != statePending {
				t.Fatalf("state 59s after the change = %s, want pending", got)
			}
			h.clock.Advance(time.Second)
			if got := h.endpointState(t, *e.VpcEndpointId); got != stateAvailable {
				t.Fatalf("state 60s after the change = %s, want available", got)
			}
		})
	}
}

func TestAPolicyOrSecurityGroupChangeLeavesTheEndpointAvailable(t *testing.T) {
	h := newHarness(t)
	e, group := h.availableEndpoint(t)
	other := h.createGroup(t, "other")
	_, err := h.client.ModifyVpcEndpoint(context.Background(), &ec2.ModifyVpcEndpointInput{
		VpcEndpointId: e.VpcEndpointId, ResetPolicy: aws.Bool(true),
		AddSecurityGroupIds: []string{other}, RemoveSecurityGroupIds: []string{group},
	})
	mustOK(t, err)
	if got := h.endpointState(t, *e.VpcEndpointId); got != stateAvailable {
		t.Errorf("state = %s, want available", got)
	}
}

func TestReprovisionOnSaysWhichChangesReprovision(t *testing.T) {
	cases := []struct {
		name      string
		changes   []string
		in        ec2.ModifyVpcEndpointInput
		wantState types.State
	}{
		{"none, adding a subnet", []string{}, ec2.ModifyVpcEndpointInput{AddSubnetIds: []string{"third"}}, stateAvailable},
		{"the policy, changing it", []string{ec2sim.ReprovisionPolicy}, ec2.ModifyVpcEndpointInput{
			PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-1"}]}`),
		}, statePending},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, func(o *ec2sim.Options) { o.ReprovisionOn = c.changes })
			e, _ := h.availableEndpoint(t)
			if len(c.in.AddSubnetIds) > 0 {
				c.in.AddSubnetIds = h.subnetIDs[2:]
			}
			c.in.VpcEndpointId = e.VpcEndpointId
			_, err := h.client.ModifyVpcEndpoint(context.Background(), &c.in)
			mustOK(t, err)
			if got := h.endpointState(t, *e.VpcEndpointId); got != c.wantState {
				t.Errorf("state = %s, want %s", got, c.wantState)
			}
		})
	}
}
