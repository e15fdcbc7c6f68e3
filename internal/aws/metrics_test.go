package aws_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

func TestACallTheClientSideLimiterRefusesIsCountedAsClientThrottledNotAsAClientError(t *testing.T) {
	c, sim, _ := simulatedWith(t, awsclient.ClientOptions{}, true)
	count := func(code string) float64 {
		return testutil.ToFloat64(awsclient.APICalls.WithLabelValues("DeleteVpcEndpoints", code))
	}
	throttled, clientErrors := count(awsclient.CodeClientThrottled), count("ClientError")
	// DeleteVpcEndpoints' bucket holds 4 tokens and refills one every 3.7s,
	// more than the default MaxClientWait of 1s.
	for i := range 4 {
		if err := c.DeleteEndpoint(context.Background(), fmt.Sprintf("vpce-0123456789abcdef%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteEndpoint(context.Background(), "vpce-0123456789abcdef4"); awsclient.RetryAfter(err) == 0 {
		t.Fatalf("fifth call: %v, want a ClientThrottledError", err)
	}
	if got := count(awsclient.CodeClientThrottled) - throttled; got != 1 {
		t.Errorf("counted %v ClientThrottled DeleteVpcEndpoints calls, want 1", got)
	}
	if got := count("ClientError") - clientErrors; got != 0 {
		t.Errorf("counted %v ClientError DeleteVpcEndpoints calls, want 0: the refusal is not a network failure", got)
	}
	if got := sim.Calls()["DeleteVpcEndpoints"]; got["OK"] != 4 || len(got) != 1 {
		t.Errorf("EC2 saw %v, want the 4 calls of the burst only", got)
	}
}
