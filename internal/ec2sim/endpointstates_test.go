package ec2sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

func TestEndpointStatesSayWhenEachEndpointEnteredItsState(t *testing.T) {
	h := newHarness(t)
	e := h.createEndpoint(t, h.createGroup(t, "vpce"), withoutPrivateDNS)
	id := aws.ToString(e.VpcEndpointId)
	only := func() ec2sim.EndpointState {
		t.Helper()
		states := h.sim.EndpointStates()
		if len(states) != 1 || states[0].ID != id {
			t.Fatalf("EndpointStates() = %+v, want %s alone", states, id)
		}
		return states[0]
	}
	if got := only(); got.State != "pending" || !got.Since.Equal(epoch) || got.PrivateDNS || got.VpcID != h.vpcID {
		t.Errorf("right after create: %+v, want pending since %s", got, epoch)
	}
	// The default pending delay is 60s; the endpoint became available then, not when read.
	h.clock.Advance(90 * time.Second)
	if got := only(); got.State != "available" || !got.Since.Equal(epoch.Add(60*time.Second)) {
		t.Errorf("after the pending delay: %+v, want available since %s", got, epoch.Add(60*time.Second))
	}
	// Private DNS on re-provisions: pending again from the modify, available 60s later.
	_, err := h.client.ModifyVpcEndpoint(context.Background(), &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(id), PrivateDnsEnabled: aws.Bool(true)})
	mustOK(t, err)
	modifiedAt := epoch.Add(90 * time.Second)
	if got := only(); got.State != "pending" || !got.Since.Equal(modifiedAt) || !got.PrivateDNS {
		t.Errorf("after turning private DNS on: %+v, want pending since %s", got, modifiedAt)
	}
	h.clock.Advance(time.Hour)
	if got := only(); got.State != "available" || !got.Since.Equal(modifiedAt.Add(60*time.Second)) {
		t.Errorf("an hour later: %+v, want available since %s", got, modifiedAt.Add(60*time.Second))
	}
}
