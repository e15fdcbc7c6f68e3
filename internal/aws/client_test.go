package aws_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// simulated returns a Client on a fresh simulator with one VPC and an
// endpoint per owner UID.
func simulated(t *testing.T, uids ...string) (*awsclient.Client, *ec2sim.Simulator, []string) {
	t.Helper()
	return simulatedWith(t, awsclient.ClientOptions{RateLimitScale: -1}, false, uids...)
}

func simulatedWith(t *testing.T, opts awsclient.ClientOptions, throttle bool, uids ...string) (*awsclient.Client, *ec2sim.Simulator, []string) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	sim := ec2sim.New(ec2sim.Options{PendingDelay: -1, DeletingDelay: -1, Throttle: ec2sim.ThrottleConfig{Disabled: !throttle}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	vpc, subnets, err := sim.SeedVPC("10.0.0.0/16", 1)
	if err != nil {
		t.Fatal(err)
	}
	opts.Endpoint = srv.URL
	api, err := awsclient.NewEC2Client(context.Background(), "us-east-1", opts)
	if err != nil {
		t.Fatal(err)
	}
	c := awsclient.NewClient(api, "us-east-1", awsclient.ClientOptions{})
	var ids []string
	for _, uid := range uids {
		ep, err := c.CreateEndpoint(context.Background(), awsclient.EndpointSpec{
			VpcID: vpc, ServiceName: awsclient.DefaultServiceName("us-east-1"), SubnetIDs: subnets,
			IPAddressType: "ipv4", PolicyDocument: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
			Tags: map[string]string{"vpce.agentcore.io/uid": uid}, ClientToken: "token-" + uid,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ep.ID)
	}
	sim.ResetCalls()
	return c, sim, ids
}

func TestConcurrentLookupsShareOneDescribeCall(t *testing.T) {
	uids := []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"}
	c, sim, ids := simulated(t, uids...)

	var wg sync.WaitGroup
	found := make([]string, len(uids))
	for i := range uids {
		wg.Add(2)
		go func() {
			defer wg.Done()
			ep, err := c.EndpointByOwner(context.Background(), uids[i])
			if err != nil || ep == nil {
				t.Errorf("by owner %s: %v %v", uids[i], ep, err)
				return
			}
			found[i] = ep.ID
		}()
		go func() {
			defer wg.Done()
			ep, err := c.EndpointByID(context.Background(), ids[i])
			if err != nil || ep == nil || ep.ID != ids[i] {
				t.Errorf("by id %s: %v %v", ids[i], ep, err)
			}
		}()
	}
	wg.Wait()
	for i := range uids {
		if found[i] != ids[i] {
			t.Fatalf("owner %s found %s, want %s", uids[i], found[i], ids[i])
		}
	}
	if got := sim.Calls()["DescribeVpcEndpoints"]["OK"]; got > 2 {
		t.Fatalf("16 concurrent lookups made %d DescribeVpcEndpoints calls, want at most 2 (one by ID, one by tag)", got)
	}
}

func TestALookupOfSomethingUnknownFindsNothingWithoutError(t *testing.T) {
	c, _, _ := simulated(t)
	ep, err := c.EndpointByID(context.Background(), "vpce-0123456789abcdef0")
	if err != nil || ep != nil {
		t.Fatalf("got %v, %v; want nil, nil", ep, err)
	}
	g, err := c.SecurityGroupByID(context.Background(), "sg-0123456789abcdef0")
	if err != nil || g != nil {
		t.Fatalf("got %v, %v; want nil, nil", g, err)
	}
}

func TestEveryAttemptIsCountedByOperationAndCode(t *testing.T) {
	c, sim, ids := simulated(t, "u1")
	before := testutil.ToFloat64(awsclient.APICalls.WithLabelValues("DeleteVpcEndpoints", "InternalError"))
	sim.SetFault("DeleteVpcEndpoints", ec2sim.Fault{ErrorRate: 1, ErrorCode: "InternalError"})
	if err := c.DeleteEndpoint(context.Background(), ids[0]); err == nil {
		t.Fatal("want the injected error")
	}
	attempts := testutil.ToFloat64(awsclient.APICalls.WithLabelValues("DeleteVpcEndpoints", "InternalError")) - before
	if attempts != 5 {
		t.Fatalf("counted %v failed attempts, want 5 (the SDK's retries each count)", attempts)
	}
	sim.ClearFaults()
	if err := c.DeleteEndpoint(context.Background(), ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteEndpoint(context.Background(), "vpce-0123456789abcdef0"); err != nil {
		t.Fatalf("an endpoint EC2 does not know counts as deleted: %v", err)
	}
}

func TestCreatingTheSameGroupTwiceReturnsTheFirst(t *testing.T) {
	c, sim, _ := simulated(t)
	vpc, _, err := sim.SeedVPC("10.1.0.0/16", 1)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{"vpce.agentcore.io/uid": "u9"}
	first, err := c.CreateSecurityGroup(context.Background(), vpc, "vpce-agentcore-x", "d", tags)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.CreateSecurityGroup(context.Background(), vpc, "vpce-agentcore-x", "d", tags)
	if err != nil || second.ID != first.ID || second.Tags["vpce.agentcore.io/uid"] != "u9" {
		t.Fatalf("second create gave %+v, %v; want %+v with its tags", second, err, first)
	}
	if got := sim.Calls()["CreateSecurityGroup"]["InvalidGroup.Duplicate"]; got != 1 {
		t.Fatalf("want EC2 to have refused the twin once, counted %d", got)
	}
}

func TestTheClientStaysWithinEC2sRequestBucketsOnItsOwn(t *testing.T) {
	tests := []struct {
		name    string
		maxWait time.Duration
		// fifthWaits: the fifth call waits for its token; otherwise it
		// gives up at once and says when to come back.
		fifthWaits bool
	}{
		{name: "a long wait is handed back to the caller", maxWait: 0},
		{name: "a wait within MaxClientWait is waited", maxWait: 5 * time.Second, fifthWaits: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, sim, _ := simulatedWith(t, awsclient.ClientOptions{MaxClientWait: tt.maxWait}, true)
			// DeleteVpcEndpoints has EC2's smallest bucket: 4 at once, then
			// one every 3.3 seconds.
			for i := range 4 {
				if err := c.DeleteEndpoint(context.Background(), fmt.Sprintf("vpce-0123456789abcdef%d", i)); err != nil {
					t.Fatal(err)
				}
			}
			err := c.DeleteEndpoint(context.Background(), "vpce-0123456789abcdef4")
			switch wait := awsclient.RetryAfter(err); {
			case tt.fifthWaits && err != nil:
				t.Fatalf("fifth call: %v, want it to wait for its token", err)
			case !tt.fifthWaits && (wait < 2*time.Second || wait > 4*time.Second):
				t.Fatalf("fifth call: %v, want a ClientThrottledError asking for about 3.3s", err)
			}
			calls := sim.Calls()["DeleteVpcEndpoints"]
			want := 4
			if tt.fifthWaits {
				want = 5
			}
			if calls["RequestLimitExceeded"] != 0 || calls["OK"] != want {
				t.Fatalf("calls %v, want %d OK and none throttled by EC2", calls, want)
			}
		})
	}
}
