package controllers_test

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// BenchmarkHundredEndpoints applies 100 GatewayEndpoints against the
// simulator with AWS's throttling on and reports EC2 calls per endpoint from
// apply to Ready (by action; at most 4 mutating calls each, or it fails),
// calls per endpoint per steady-state resync, the time from create to Ready
// in status, and the heap. Run it with -benchtime=1x: one iteration takes minutes, as
// CreateVpcEndpoint's bucket (4, then 0.3 per second) paces it.
func BenchmarkHundredEndpoints(b *testing.B) {
	const count = 100
	pending := 20 * time.Second
	resync := 20 * time.Second
	for b.Loop() {
		h := newHarness(b, harnessOptions{throttle: true, pendingDelay: pending, syncPeriod: resync})
		// One VPC each: EC2 allows one private-DNS endpoint per service and
		// VPC, and 50 interface endpoints per VPC.
		var objs []*v1alpha1.GatewayEndpoint
		for i := range count {
			vpc, subnets, err := h.sim.SeedVPC(fmt.Sprintf("10.%d.0.0/16", i+1), 2)
			if err != nil {
				b.Fatal(err)
			}
			objs = append(objs, h.endpoint(fmt.Sprintf("ep-%03d", i), func(ge *v1alpha1.GatewayEndpoint) {
				ge.Spec.VPCID, ge.Spec.SubnetIDs = vpc, subnets
				ge.Spec.SecurityGroup.Managed.AllowedSources = v1alpha1.AllowedSources{CIDRs: []string{"10.0.0.0/8"}}
			}))
		}
		h.sim.ResetCalls()
		start := time.Now()
		for _, ge := range objs {
			h.create(ge)
		}

		readySeen := map[string]time.Time{}
		h.g.Eventually(func() int {
			var list v1alpha1.GatewayEndpointList
			if err := h.k8s.List(context.Background(), &list, client.InNamespace(h.namespace)); err != nil {
				return 0
			}
			now := time.Now()
			for _, ge := range list.Items {
				if _, seen := readySeen[ge.Name]; !seen && meta.IsStatusConditionTrue(ge.Status.Conditions, v1alpha1.ConditionReady) {
					readySeen[ge.Name] = now
				}
			}
			return len(readySeen)
		}, 20*time.Minute, 200*time.Millisecond).Should(Equal(count))
		elapsed := time.Since(start)

		calls := h.sim.Calls()
		var total int
		var byAction []string
		for action, codes := range calls {
			n := 0
			for _, c := range codes {
				n += c
			}
			total += n
			byAction = append(byAction, fmt.Sprintf("%s=%.2f", action, float64(n)/count))
		}
		sort.Strings(byAction)
		b.Logf("calls per endpoint from apply to Ready: %s", strings.Join(byAction, " "))
		mutating := float64(h.sim.MutatingCalls()) / count
		b.ReportMetric(mutating, "mutating-calls/endpoint")
		b.ReportMetric(float64(total)/count, "calls/endpoint")
		b.ReportMetric(elapsed.Seconds(), "s-to-all-ready")
		// The create path is security group, its rule, the endpoint and
		// private DNS on once available: four writes, retries included.
		if mutating > 4 {
			b.Errorf("%.2f mutating calls per endpoint from apply to Ready, want at most 4", mutating)
		}

		// create → Ready: two pending periods (the create, then private
		// DNS turned on) and the operator's pacing and rechecks.
		var delays []time.Duration
		for _, ep := range h.endpoints() {
			name := tagMap(ep.Tags)[v1alpha1.TagName]
			delays = append(delays, readySeen[name].Sub(aws.ToTime(ep.CreationTimestamp)))
		}
		sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
		b.ReportMetric(delays[len(delays)/2].Seconds(), "s-create-to-ready-p50")
		b.ReportMetric(delays[len(delays)-1].Seconds(), "s-create-to-ready-max")

		// Steady state: several resync periods, counted.
		h.sim.ResetCalls()
		window := 3 * resync
		h.g.Consistently(func() int { return h.sim.MutatingCalls() }, window, time.Second).Should(Equal(0))
		resyncs := window.Seconds() / resync.Seconds()
		reads := 0
		for action, codes := range h.sim.Calls() {
			if strings.HasPrefix(action, "Describe") {
				for _, c := range codes {
					reads += c
				}
			}
		}
		b.ReportMetric(float64(reads)/count/resyncs, "reads/endpoint/resync")
		b.ReportMetric(float64(h.sim.MutatingCalls())/count/resyncs, "mutating/endpoint/resync")

		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
		h.stop()
	}
}
