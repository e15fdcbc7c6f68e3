package scale

import (
	"math"
	"sort"

	dto "github.com/prometheus/client_model/go"
)

// The manager's metrics the benchmark reads.
const (
	metricHeap           = "go_memstats_heap_alloc_bytes"
	metricRSS            = "process_resident_memory_bytes"
	metricReconcileTime  = "controller_runtime_reconcile_time_seconds"
	metricReconcileTotal = "controller_runtime_reconcile_total"
	// metricInventoryCalls counts the inventory's Describe calls by purpose
	// (refresh, poll).
	metricInventoryCalls = "agentcore_vpce_inventory_describe_calls_total"
	metricActiveWorkers  = "controller_runtime_active_workers"
	metricQueueDepth     = "workqueue_depth"
	metricQueueAdds      = "workqueue_adds_total"
	// controllerName is the GatewayEndpoint controller's name in the metrics' labels.
	controllerName = "gatewayendpoint"
)

// ofGatewayEndpoints reports whether a series is the GatewayEndpoint controller's:
// controller-runtime labels its own metrics controller=<name>, its work queue's name= and
// controller=. Series without either label (the Go runtime's, the process') match too.
func ofGatewayEndpoints(m *dto.Metric) bool {
	labelled := false
	for _, l := range m.GetLabel() {
		switch l.GetName() {
		case "controller", "name":
			if l.GetValue() != controllerName {
				return false
			}
			labelled = true
		}
	}
	return labelled || len(m.GetLabel()) == 0
}

func hasSeries(mf *dto.MetricFamily) bool {
	if mf == nil {
		return false
	}
	for _, m := range mf.GetMetric() {
		if ofGatewayEndpoints(m) {
			return true
		}
	}
	return false
}

// sumSeries adds up the matching series of a gauge, counter or untyped family.
func sumSeries(mf *dto.MetricFamily) float64 {
	var sum float64
	for _, m := range mf.GetMetric() {
		if !ofGatewayEndpoints(m) {
			continue
		}
		switch {
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Untyped != nil:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum
}

// histogramQuantile estimates the q-quantile of the matching series of a histogram from its
// cumulative buckets, interpolating linearly inside the bucket, as Prometheus'
// histogram_quantile does. NaN when there are no observations.
func histogramQuantile(mf *dto.MetricFamily, q float64) float64 {
	counts := map[float64]uint64{}
	var total uint64
	for _, m := range mf.GetMetric() {
		if !ofGatewayEndpoints(m) || m.Histogram == nil {
			continue
		}
		total += m.GetHistogram().GetSampleCount()
		for _, b := range m.GetHistogram().GetBucket() {
			counts[b.GetUpperBound()] += b.GetCumulativeCount()
		}
	}
	if total == 0 {
		return math.NaN()
	}
	bounds := make([]float64, 0, len(counts)+1)
	for ub := range counts {
		bounds = append(bounds, ub)
	}
	sort.Float64s(bounds)
	if len(bounds) == 0 || !math.IsInf(bounds[len(bounds)-1], 1) {
		bounds = append(bounds, math.Inf(1))
		counts[math.Inf(1)] = total
	}
	rank := q * float64(total)
	lower, below := 0.0, 0.0
	for _, ub := range bounds {
		c := float64(counts[ub])
		if c >= rank {
			if math.IsInf(ub, 1) {
				return lower
			}
			if c == below {
				return ub
			}
			return lower + (ub-lower)*(rank-below)/(c-below)
		}
		lower, below = ub, c
	}
	return lower
}

// nearestRank is the q-quantile of sorted values by the nearest-rank method; NaN for none.
func nearestRank(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// sumSeriesWith sums the counters of mf whose label name has value.
func sumSeriesWith(mf *dto.MetricFamily, name, value string) float64 {
	var sum float64
	for _, m := range mf.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == name && l.GetValue() == value {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
