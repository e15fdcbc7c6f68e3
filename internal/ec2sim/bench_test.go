package ec2sim_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// BenchmarkDescribeVpcEndpoints measures Describe throughput over loopback through the real
// SDK, with throttling off: what the operator's tests and the local demo can expect.
func BenchmarkDescribeVpcEndpoints(b *testing.B) {
	h := newHarness(b)
	group := h.createGroup(b, "vpce")
	for i := range 5 {
		h.createEndpoint(b, group, withoutPrivateDNS, func(in *ec2.CreateVpcEndpointInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{
				tag("vpce.agentcore.io/uid", fmt.Sprint(i)),
			}}}
		})
	}
	// One connection per client goroutine, as a pool of reconcilers would keep.
	opts := h.client.Options()
	opts.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	client := ec2.New(opts)
	in := &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{filterOf("tag:vpce.agentcore.io/uid", "3")}}

	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, err := client.DescribeVpcEndpoints(context.Background(), in)
			if err != nil || len(out.VpcEndpoints) != 1 {
				b.Errorf("DescribeVpcEndpoints: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
}
