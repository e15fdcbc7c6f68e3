package ec2sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

func (h *harness) describeVpcs() error {
	_, err := h.client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	return err
}

func TestInjectedErrorsUseEC2sCodesAndStatuses(t *testing.T) {
	cases := []struct {
		code       string
		wantCode   string
		wantStatus int
	}{
		{"", "InternalError", 500},
		{"InternalError", "InternalError", 500},
		{"Unavailable", "Unavailable", 503},
		{"UnauthorizedOperation", "UnauthorizedOperation", 403},
	}
	for _, c := range cases {
		t.Run(c.wantCode, func(t *testing.T) {
			h := newHarness(t)
			h.sim.SetFault("DescribeVpcs", ec2sim.Fault{ErrorRate: 1, ErrorCode: c.code})
			err := h.describeVpcs()
			wantCode(t, err, c.wantCode)
			if got := httpStatus(err); got != c.wantStatus {
				t.Errorf("HTTP status = %d, want %d", got, c.wantStatus)
			}
		})
	}
}

func TestAFaultAppliesToItsActionOrToAllAndCanBeCleared(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	describeSubnets := func() error {
		_, err := h.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
		return err
	}
	h.sim.SetFault("DescribeVpcs", ec2sim.Fault{ErrorRate: 1, ErrorCode: "Unavailable"})
	wantCode(t, h.describeVpcs(), "Unavailable")
	mustOK(t, describeSubnets())

	h.sim.SetFault(ec2sim.AllActions, ec2sim.Fault{ErrorRate: 1})
	wantCode(t, describeSubnets(), "InternalError")
	wantCode(t, h.describeVpcs(), "Unavailable") // the action's own fault wins

	h.sim.SetFault("DescribeVpcs", ec2sim.Fault{})
	wantCode(t, h.describeVpcs(), "InternalError")

	h.sim.ClearFaults()
	mustOK(t, h.describeVpcs())
	mustOK(t, describeSubnets())
}

func TestAnErrorRateFailsAboutThatShareOfCalls(t *testing.T) {
	h := newHarness(t)
	h.sim.SetFault("DescribeVpcs", ec2sim.Fault{ErrorRate: 0.3})
	failed := 0
	for _, code := range burst(400, h.describeVpcs) {
		if code == "InternalError" {
			failed++
		}
	}
	if failed < 80 || failed > 160 {
		t.Errorf("%d of 400 calls failed at a 30%% error rate", failed)
	}
}

func TestTheSDKsStandardRetryerRetriesInjectedUnavailableErrors(t *testing.T) {
	h := newHarness(t)
	h.sim.SetFault("DescribeVpcs", ec2sim.Fault{ErrorRate: 0.5, ErrorCode: "Unavailable"})
	standardWithoutWaiting := func(o *ec2.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 20
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			so.RateLimiter = ratelimit.None
		})
	}
	for range 10 {
		_, err := h.client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{}, standardWithoutWaiting)
		mustOK(t, err)
	}
	calls := h.sim.Calls()["DescribeVpcs"]
	if calls["Unavailable"] == 0 || calls["OK"] != 10 {
		t.Errorf("counts = %v, want retried failures and 10 successes", calls)
	}
}

func TestInjectedLatencyDelaysTheResponse(t *testing.T) {
	h := newHarness(t)
	h.sim.SetFault("DescribeVpcs", ec2sim.Fault{Latency: 50 * time.Millisecond})
	start := time.Now()
	mustOK(t, h.describeVpcs())
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("call took %v, want at least the injected 50ms", elapsed)
	}
}
