package scale

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// defaultTimeScale is K when SCALE_K is not set: on a busy 2-core machine N=100 runs in
// about 2.5 minutes of wall time (three sync periods of steady state included), N=1000 in
// about 6.
const defaultTimeScale = 20

// timeScale is K: SCALE_K, or defaultTimeScale.
func timeScale(b *testing.B) float64 {
	b.Helper()
	s := os.Getenv("SCALE_K")
	if s == "" {
		return defaultTimeScale
	}
	k, err := strconv.ParseFloat(s, 64)
	if err != nil || k <= 0 || math.IsInf(k, 0) {
		b.Fatalf("SCALE_K=%q: want a positive number (1: AWS's own pace)", s)
	}
	return k
}

// BenchmarkScale applies N GatewayEndpoints at once (N = 10 and 100) to the manager built
// from the tree, against the EC2 simulator with AWS's request buckets and a 150 s pending
// time, all at time scale K (SCALE_K), and reports, in AWS seconds:
//
//   - EC2 reads per endpoint from apply to Ready, with and without the preflight reads
//     (DescribeVpcAttribute, DescribeSubnets, DescribeVpcEndpointServices and the
//     private-DNS check), and mutating calls per endpoint;
//   - the time from each endpoint's final `available` (private DNS on) in the simulator to
//     Ready in its status, p50 and p99; the time until all are Ready and its ratio to the
//     floor EC2's buckets allow (floorSeconds); RequestLimitExceeded answers;
//   - the manager's heap and RSS and its reconcile p99, from its metrics endpoint;
//   - EC2 reads per sync period for the whole fleet once Ready, over three sync periods,
//     and mutating calls meanwhile (must be 0);
//   - the reads and mutating calls of a new manager process until it has reconciled every
//     object again (targets: at most 5 reads, no mutating call).
//
// Run it with -benchtime=1x; one run takes minutes.
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) { benchmarkScale(b, n) })
	}
}

// BenchmarkScale1000 is BenchmarkScale with N=1000. It runs only when -bench names it and
// SCALE_1000=1 (make bench-scale): it takes about 6 minutes.
func BenchmarkScale1000(b *testing.B) {
	if os.Getenv("SCALE_1000") != "1" || !strings.Contains(benchPattern(), "Scale1000") {
		b.Skip("N=1000 takes about 6 minutes: run it with make bench-scale (SCALE_1000=1 and -bench=BenchmarkScale1000)")
	}
	benchmarkScale(b, 1000)
}

// benchPattern is the -test.bench pattern of this run.
func benchPattern() string {
	if f := flag.Lookup("test.bench"); f != nil {
		return f.Value.String()
	}
	return ""
}

func benchmarkScale(b *testing.B, n int) {
	k := timeScale(b)
	for b.Loop() {
		f := newFleet(b, n, k)
		r := f.run()
		r.report(b)
	}
}

// result is one run's figures; durations in AWS seconds.
type result struct {
	n int
	k float64

	flagsPassed, flagsMissing []string

	// From apply to Ready.
	reads, preflightReads, mutating, throttled int
	callsToReady                               string
	availableToReady                           []float64 // sorted
	unmatched                                  int       // objects without a final available endpoint or Ready time
	allReady, floor                            float64
	reconcileP99Wall                           float64 // wall seconds
	reconciles                                 float64
	// pollCalls and refreshCalls are the inventory's Describe calls from
	// apply to Ready, from the manager's own count.
	pollCalls, refreshCalls float64
	heapAtReady, rssAtReady float64 // bytes

	// Steady state, over resyncs sync periods.
	resyncs                  float64
	resyncReads              int
	resyncMutating           int
	resyncCalls              string
	firstSteadyMutation      time.Duration // from the window's start, 0 for none
	heapSteady, rssSteady    float64
	restartReads             int
	restartMutating          int
	restartCalls             string
	restartSeconds           float64
	readyAfterRestart        int
	restartReconcilesCounted float64
}

// run applies the fleet, waits for it to be Ready, watches it through three sync periods,
// and restarts the manager over it.
func (f *fleet) run() result {
	b := f.b
	ctx := context.Background()
	r := result{n: f.n, k: f.k, resyncs: 3}
	m := f.startManager()
	r.flagsPassed, r.flagsMissing = f.passed, f.missing

	// Apply → Ready.
	f.sim.ResetCalls()
	f.dnsCheck.reset()
	start := f.apply()
	r.floor = floorSeconds(f.n, awsPending.Seconds())
	// Listing the whole fleet costs the API server and this process CPU the manager
	// shares: the larger the fleet, the rarer. The watch times Ready, not this.
	listEvery := time.Duration(max(500, 2*f.n)) * time.Millisecond
	f.eventually("every GatewayEndpoint Ready", f.scaled(time.Duration(3*r.floor)*time.Second+10*time.Minute)+2*time.Minute, listEvery,
		func() (bool, string) {
			ready, state := f.readyCount()
			return ready == f.n, state
		})
	calls := f.sim.Calls()
	dnsChecks := int(f.dnsCheck.n.Load())
	// The watch that times Ready lags the list by a moment at most.
	f.eventually("the watch seeing every GatewayEndpoint Ready", time.Minute, 50*time.Millisecond, func() (bool, string) {
		seen := len(f.ready.snapshot())
		return seen == f.n, fmt.Sprintf("%d Ready seen", seen)
	})
	readyAt := f.ready.snapshot()
	endpoints := f.ourEndpoints()

	reads, mutating, throttled := tally(calls)
	r.reads, r.mutating, r.throttled = reads, mutating, throttled
	r.preflightReads = count(calls, "DescribeVpcAttribute") + count(calls, "DescribeSubnets") + count(calls, "DescribeVpcEndpointServices") + dnsChecks
	r.callsToReady = byAction(calls, fmt.Sprintf("(of which DescribeVpcEndpoints by vpc-id, the private-DNS check: %d)", dnsChecks))
	var last time.Time
	for _, ge := range f.objects {
		at, ok := readyAt[ge.Name]
		e, found := endpoints[ge.Name]
		if !ok || !found || e.State != "available" || !e.PrivateDNS {
			r.unmatched++
			continue
		}
		r.availableToReady = append(r.availableToReady, f.awsSeconds(at.Sub(e.Since)))
		if at.After(last) {
			last = at
		}
	}
	slices.Sort(r.availableToReady)
	r.allReady = f.awsSeconds(last.Sub(start))
	mfs, err := m.scrape(ctx)
	if err != nil {
		b.Fatalf("reading the manager's metrics: %v", err)
	}
	r.heapAtReady, r.rssAtReady = sumSeries(mfs[metricHeap]), sumSeries(mfs[metricRSS])
	r.reconcileP99Wall = histogramQuantile(mfs[metricReconcileTime], 0.99)
	r.reconciles = sumSeries(mfs[metricReconcileTotal])
	r.pollCalls = sumSeriesWith(mfs[metricInventoryCalls], "purpose", "poll")
	r.refreshCalls = sumSeriesWith(mfs[metricInventoryCalls], "purpose", "refresh")

	// Steady state: three sync periods, counted. The loop measures; nothing waits on it.
	f.sim.ResetCalls()
	window := time.Duration(r.resyncs) * f.scaled(awsSyncPeriod)
	windowStart := time.Now()
	tick := time.NewTicker(time.Second)
	for now := range tick.C {
		if r.firstSteadyMutation == 0 && f.sim.MutatingCalls() > 0 {
			r.firstSteadyMutation = now.Sub(windowStart)
		}
		if now.Sub(windowStart) >= window {
			break
		}
	}
	tick.Stop()
	calls = f.sim.Calls()
	r.resyncReads, r.resyncMutating, _ = tally(calls)
	r.resyncCalls = byAction(calls, "")
	if mfs, err = m.scrape(ctx); err != nil {
		b.Fatalf("reading the manager's metrics: %v", err)
	}
	r.heapSteady, r.rssSteady = sumSeries(mfs[metricHeap]), sumSeries(mfs[metricRSS])

	// Restart: a new manager over the existing endpoints, until it has reconciled every
	// object once: every object the informer listed went through the queue (adds ≥ N,
	// reconciles ≥ N) and none is queued or being reconciled, on two scrapes in a row.
	if err := m.stop(); err != nil {
		b.Error(err)
	}
	f.sim.ResetCalls()
	f.dnsCheck.reset()
	restartStart := time.Now()
	m = f.startManager()
	settled := false
	f.eventually("the new manager reconciling every GatewayEndpoint", 2*time.Minute+2*f.scaled(awsSyncPeriod), 100*time.Millisecond,
		func() (bool, string) {
			mfs, err := m.scrape(ctx)
			if err != nil {
				return false, err.Error()
			}
			reconciles, adds := sumSeries(mfs[metricReconcileTotal]), sumSeries(mfs[metricQueueAdds])
			depth, active := sumSeries(mfs[metricQueueDepth]), sumSeries(mfs[metricActiveWorkers])
			done := reconciles >= float64(f.n) && adds >= float64(f.n) && depth == 0 && active == 0
			ok := done && settled
			settled = done
			r.restartReconcilesCounted = reconciles
			return ok, fmt.Sprintf("reconciles=%v adds=%v depth=%v active=%v", reconciles, adds, depth, active)
		})
	r.restartSeconds = f.awsSeconds(time.Since(restartStart))
	calls = f.sim.Calls()
	r.restartReads, r.restartMutating, _ = tally(calls)
	r.restartCalls = byAction(calls, "")
	r.readyAfterRestart, _ = f.readyCount()
	return r
}

// report logs the run's table and reports its figures.
func (r result) report(b *testing.B) {
	b.Helper()
	n := float64(r.n)
	p50, p99 := nearestRank(r.availableToReady, 0.50), nearestRank(r.availableToReady, 0.99)
	mib := func(bytes float64) float64 { return bytes / (1 << 20) }
	restartTarget := "met"
	if r.restartReads > 5 || r.restartMutating > 0 {
		restartTarget = "MISSED"
	}
	// Go prints at most 10 lines of a benchmark's log: one line per topic.
	var t strings.Builder
	fmt.Fprintf(&t, "scale N=%d, time scale K=%g (durations in AWS seconds = wall × K); manager flags passed: %s; absent: %s\n",
		r.n, r.k, orNone(r.flagsPassed), orNone(r.flagsMissing))
	fmt.Fprintf(&t, "apply→Ready: reads/endpoint %.2f (preflight %.2f, other %.2f), mutating/endpoint %.2f, RequestLimitExceeded %d\n",
		float64(r.reads)/n, float64(r.preflightReads)/n, float64(r.reads-r.preflightReads)/n, float64(r.mutating)/n, r.throttled)
	fmt.Fprintf(&t, "apply→Ready: inventory polls %.0f (%.2f reads/s over %.0f s), refreshes %.0f; per endpoint excluding polls and preflight %.2f\n",
		r.pollCalls, r.pollCalls/r.allReady, r.allReady, r.refreshCalls, (float64(r.reads-r.preflightReads)-r.pollCalls)/n)
	fmt.Fprintf(&t, "apply→Ready: available→Ready p50 %.1f s, p99 %.1f s (%d unmatched); all Ready after %.1f s, floor %.1f s, ratio %.2f\n",
		p50, p99, r.unmatched, r.allReady, r.floor, r.allReady/r.floor)
	fmt.Fprintf(&t, "manager: %.0f reconciles to Ready, p99 %.1f ms wall (%.2f s); heap %.1f MiB, RSS %.1f MiB at Ready, %.1f / %.1f MiB after the resyncs\n",
		r.reconciles, r.reconcileP99Wall*1000, r.reconcileP99Wall*r.k, mib(r.heapAtReady), mib(r.rssAtReady), mib(r.heapSteady), mib(r.rssSteady))
	fmt.Fprintf(&t, "apply→Ready calls: %s\n", r.callsToReady)
	fmt.Fprintf(&t, "steady, %g sync periods: reads/sync period %.2f (fleet), mutating %d", r.resyncs, float64(r.resyncReads)/r.resyncs, r.resyncMutating)
	if r.firstSteadyMutation > 0 {
		fmt.Fprintf(&t, " (first after %.0f s)", r.firstSteadyMutation.Seconds()*r.k)
	}
	fmt.Fprintf(&t, "; calls: %s\n", orNone([]string{r.resyncCalls}))
	fmt.Fprintf(&t, "restart: reads %d, mutating %d (target ≤ 5 and 0: %s); every object reconciled after %.1f s (%.0f reconciles), %d/%d Ready; calls: %s",
		r.restartReads, r.restartMutating, restartTarget, r.restartSeconds, r.restartReconcilesCounted, r.readyAfterRestart, r.n, orNone([]string{r.restartCalls}))
	b.Logf("\n%s", t.String())

	b.ReportMetric(float64(r.reads)/n, "reads/endpoint")
	b.ReportMetric(float64(r.reads-r.preflightReads)/n, "reads-excl-preflight/endpoint")
	b.ReportMetric((float64(r.reads-r.preflightReads)-r.pollCalls)/n, "reads-excl-preflight-and-poll/endpoint")
	b.ReportMetric(r.pollCalls/r.allReady, "poll-reads/s")
	b.ReportMetric(float64(r.preflightReads)/n, "preflight-reads/endpoint")
	b.ReportMetric(float64(r.mutating)/n, "mutating/endpoint")
	b.ReportMetric(p50, "s-available-to-ready-p50")
	b.ReportMetric(p99, "s-available-to-ready-p99")
	b.ReportMetric(r.allReady, "s-to-all-ready")
	b.ReportMetric(r.allReady/r.floor, "all-ready/floor")
	b.ReportMetric(float64(r.throttled), "RequestLimitExceeded")
	b.ReportMetric(mib(r.heapSteady), "heap-MiB")
	b.ReportMetric(mib(r.rssSteady), "rss-MiB")
	b.ReportMetric(r.reconcileP99Wall*r.k, "s-reconcile-p99")
	b.ReportMetric(float64(r.resyncReads)/r.resyncs, "reads/resync")
	b.ReportMetric(float64(r.resyncMutating), "steady-mutating")
	b.ReportMetric(float64(r.restartReads), "restart-reads")
	b.ReportMetric(float64(r.restartMutating), "restart-mutating")

	// What nothing excuses: a write when nothing differs.
	if r.resyncMutating > 0 {
		b.Errorf("%d mutating calls over %g sync periods of a fleet in shape, want 0: %s", r.resyncMutating, r.resyncs, r.resyncCalls)
	}
	if r.restartMutating > 0 {
		b.Errorf("%d mutating calls from a restarted manager over a fleet in shape, want 0: %s", r.restartMutating, r.restartCalls)
	}
	if r.unmatched > 0 {
		b.Errorf("%d of %d objects have no final available endpoint with private DNS or no Ready time", r.unmatched, r.n)
	}
}

// floorSeconds is the least time, in AWS seconds, in which n endpoints applied at once can
// all be Ready, as EC2's buckets pace them (AWS_FACTS.md, Throttling): CreateVpcEndpoint
// and ModifyVpcEndpoint each have their own bucket of 4 that refills 0.3 tokens a second.
// Each create is sent as soon as its bucket allows, each endpoint is pending for pending
// seconds, its private-DNS ModifyVpcEndpoint is sent as soon as it is available and the
// modify bucket allows, and it is pending again for as long. With two identical buckets
// that is (n-4)/0.3 + 2 × pending for n > 4. The security groups' buckets (50 at 5/s) do
// not bind. The operator's client allows itself 90% of EC2's refill, so its best is about
// 1.1 times the create-paced part.
func floorSeconds(n int, pending float64) float64 {
	create := paced{capacity: 4, refill: 0.3, tokens: 4}
	modify := paced{capacity: 4, refill: 0.3, tokens: 4}
	floor := 0.0
	for range n {
		created := create.take(0)
		modified := modify.take(created + pending)
		floor = max(floor, modified+pending)
	}
	return floor
}

// paced is a token bucket in AWS seconds.
type paced struct{ capacity, refill, tokens, at float64 }

// take spends a token at t or as soon after as there is one, and returns when.
func (p *paced) take(t float64) float64 {
	t = max(t, p.at)
	tokens := min(p.capacity, p.tokens+(t-p.at)*p.refill)
	if tokens < 1 {
		t += (1 - tokens) / p.refill
		tokens = 1
	}
	p.tokens, p.at = tokens-1, t
	return t
}

// tally counts EC2 reads (Describe*), mutating calls (the rest, STS's GetCallerIdentity
// aside) and RequestLimitExceeded answers.
func tally(calls map[string]map[string]int) (reads, mutating, throttled int) {
	for action, codes := range calls {
		for code, c := range codes {
			switch {
			case strings.HasPrefix(action, "Describe"):
				reads += c
			case action != "GetCallerIdentity":
				mutating += c
			}
			if code == "RequestLimitExceeded" {
				throttled += c
			}
		}
	}
	return reads, mutating, throttled
}

func count(calls map[string]map[string]int, action string) int {
	n := 0
	for _, c := range calls[action] {
		n += c
	}
	return n
}

// byAction lists the calls by action and outcome, e.g. "CreateVpcEndpoint=100 (OK=100)".
func byAction(calls map[string]map[string]int, note string) string {
	var parts []string
	for _, action := range slices.Sorted(maps.Keys(calls)) {
		var codes []string
		for _, code := range slices.Sorted(maps.Keys(calls[action])) {
			codes = append(codes, fmt.Sprintf("%s=%d", code, calls[action][code]))
		}
		parts = append(parts, fmt.Sprintf("%s=%d (%s)", action, count(calls, action), strings.Join(codes, " ")))
	}
	if note != "" {
		parts = append(parts, note)
	}
	return strings.Join(parts, ", ")
}

func orNone(s []string) string {
	if len(s) == 0 || len(s) == 1 && s[0] == "" {
		return "none"
	}
	return strings.Join(s, " ")
}
