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

// burst sends n calls in a row and returns the error code of each ("" for success).
func burst(n int, call func() error) []string {
	codes := make([]string, n)
	for i := range codes {
		codes[i] = errorCode(call())
	}
	return codes
}

func (h *harness) createEndpointCall(group string) func() error {
	return func() error {
		_, err := h.client.CreateVpcEndpoint(context.Background(), h.endpointInput(group, withoutPrivateDNS))
		return err
	}
}

func TestABurstOfTenCreateVpcEndpointCallsIsThrottledAfterFour(t *testing.T) {
	h := newHarness(t, withThrottling(ec2sim.ThrottleConfig{}))
	group := h.createGroup(t, "vpce")
	codes := burst(10, h.createEndpointCall(group))
	for i, code := range codes {
		want := ""
		if i >= 4 {
			want = "RequestLimitExceeded"
		}
		if code != want {
			t.Errorf("call %d answered %q, want %q (all: %q)", i+1, code, want, codes)
		}
	}
	_, err := h.client.CreateVpcEndpoint(context.Background(), h.endpointInput(group, withoutPrivateDNS))
	if got := httpStatus(err); got != 503 {
		t.Errorf("throttled call answered HTTP %d, want 503", got)
	}
	if got := h.sim.Calls()["CreateVpcEndpoint"]; got["OK"] != 4 || got["RequestLimitExceeded"] != 7 {
		t.Errorf("counts = %v, want 4 OK and 7 RequestLimitExceeded", got)
	}
}

func TestAThrottledBucketRefillsAsTheClockAdvances(t *testing.T) {
	h := newHarness(t, withThrottling(ec2sim.ThrottleConfig{}))
	call := h.createEndpointCall(h.createGroup(t, "vpce"))
	burst(4, call)
	wantCode(t, call(), "RequestLimitExceeded")
	// 0.3 tokens a second: one token takes 3.34s.
	h.clock.Advance(3 * time.Second)
	wantCode(t, call(), "RequestLimitExceeded")
	h.clock.Advance(400 * time.Millisecond)
	mustOK(t, call())
	wantCode(t, call(), "RequestLimitExceeded")
}

func TestEachEndpointActionAndCategoryHasItsOwnBucket(t *testing.T) {
	h := newHarness(t, withThrottling(ec2sim.ThrottleConfig{}))
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	e := h.createEndpoint(t, group, withoutPrivateDNS)
	burst(4, h.createEndpointCall(group))
	wantCode(t, h.createEndpointCall(group)(), "RequestLimitExceeded")

	_, err := h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: e.VpcEndpointId, ResetPolicy: aws.Bool(true)})
	mustOK(t, err)
	_, err = h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	mustOK(t, err)
	_, err = h.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("other"), Description: aws.String("d"), VpcId: aws.String(h.vpcID)})
	mustOK(t, err)
}

func TestDescribeCallsAreThrottledAfterAHundred(t *testing.T) {
	h := newHarness(t, withThrottling(ec2sim.ThrottleConfig{}))
	codes := burst(101, func() error {
		_, err := h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
		return err
	})
	if codes[99] != "" || codes[100] != "RequestLimitExceeded" {
		t.Errorf("call 100 answered %q and call 101 %q, want success then RequestLimitExceeded", codes[99], codes[100])
	}
}

func TestThrottleScaleMultipliesTheBuckets(t *testing.T) {
	h := newHarness(t, withThrottling(ec2sim.ThrottleConfig{Scale: 10}))
	codes := burst(41, h.createEndpointCall(h.createGroup(t, "vpce")))
	if codes[39] != "" || codes[40] != "RequestLimitExceeded" {
		t.Errorf("call 40 answered %q and call 41 %q, want success then RequestLimitExceeded", codes[39], codes[40])
	}
}

func TestThrottlingCanBeTurnedOffAndOnWhileServing(t *testing.T) {
	h := newHarness(t, withThrottling(ec2sim.ThrottleConfig{}))
	call := h.createEndpointCall(h.createGroup(t, "vpce"))
	burst(4, call)
	wantCode(t, call(), "RequestLimitExceeded")
	h.sim.SetThrottle(ec2sim.ThrottleConfig{Disabled: true})
	for _, code := range burst(10, call) {
		if code != "" {
			t.Fatalf("a call failed with throttling off: %s", code)
		}
	}
	h.sim.SetThrottle(ec2sim.ThrottleConfig{})
	if codes := burst(5, call); codes[3] != "" || codes[4] != "RequestLimitExceeded" {
		t.Errorf("after turning throttling back on: %q, want full buckets again", codes)
	}
}

// TestThrottleTimeScaleSpeedsUpRefillsButNotBursts runs AWS's buckets at a time scale: each
// bucket holds AWS's burst and drains after as many calls as on AWS, and a spent token comes
// back K times sooner. Scale, for raised account limits, multiplies the burst too.
func TestThrottleTimeScaleSpeedsUpRefillsButNotBursts(t *testing.T) {
	ctx := context.Background()
	describe := func(_ testing.TB, h *harness) func() error {
		return func() error {
			_, err := h.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
			return err
		}
	}
	modifyVPC := func(_ testing.TB, h *harness) func() error {
		return func() error {
			_, err := h.client.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{
				VpcId: aws.String(h.vpcID), EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(true)},
			})
			return err
		}
	}
	tagVPC := func(_ testing.TB, h *harness) func() error {
		return func() error {
			_, err := h.client.CreateTags(ctx, &ec2.CreateTagsInput{
				Resources: []string{h.vpcID}, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("platform")}},
			})
			return err
		}
	}
	createEndpoint := func(t testing.TB, h *harness) func() error { return h.createEndpointCall(h.createGroup(t, "vpce")) }
	cases := []struct {
		name   string
		config ec2sim.ThrottleConfig
		call   func(testing.TB, *harness) func() error
		// burst is how many calls a full bucket serves; refill is the tokens it regains per
		// second.
		burst  int
		refill float64
	}{
		{"CreateVpcEndpoint at AWS's pace", ec2sim.ThrottleConfig{}, createEndpoint, 4, 0.3},
		{"CreateVpcEndpoint at time scale 20", ec2sim.ThrottleConfig{TimeScale: 20}, createEndpoint, 4, 0.3 * 20},
		{"Describe at time scale 10", ec2sim.ThrottleConfig{TimeScale: 10}, describe, 100, 20 * 10},
		{"other mutating calls at time scale 4", ec2sim.ThrottleConfig{TimeScale: 4}, modifyVPC, 50, 5 * 4},
		{"CreateTags at scale 2 and time scale 10", ec2sim.ThrottleConfig{Scale: 2, TimeScale: 10}, tagVPC, 200, 10 * 2 * 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withThrottling(tc.config))
			call := tc.call(t, h)
			codes := burst(tc.burst+1, call)
			for i, code := range codes[:tc.burst] {
				if code == "RequestLimitExceeded" {
					t.Fatalf("call %d of a full bucket of %d was throttled", i+1, tc.burst)
				}
			}
			if codes[tc.burst] != "RequestLimitExceeded" {
				t.Fatalf("call %d answered %q, want RequestLimitExceeded: the bucket holds %d", tc.burst+1, codes[tc.burst], tc.burst)
			}
			// One token comes back after 1/refill seconds, not before.
			gap := time.Duration(float64(time.Second) / tc.refill)
			h.clock.Advance(gap * 9 / 10)
			wantCode(t, call(), "RequestLimitExceeded")
			h.clock.Advance(gap * 2 / 10)
			if code := errorCode(call()); code == "RequestLimitExceeded" {
				t.Fatalf("still throttled %s after the bucket was emptied, want a token back after %s", gap*11/10, gap)
			}
			wantCode(t, call(), "RequestLimitExceeded")
		})
	}
}
