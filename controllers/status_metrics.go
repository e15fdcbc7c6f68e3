package controllers

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// Kinds as the kind label of ObjectConditions writes them.
const (
	kindGatewayEndpoint     = "GatewayEndpoint"
	kindGatewayAccessPolicy = "GatewayAccessPolicy"
)

// reportedConditions are the condition types ObjectConditions counts, per
// kind: the ones the operator writes. Anything else someone adds to a
// status stays out of the metrics.
var reportedConditions = map[string][]string{
	kindGatewayEndpoint: {
		v1alpha1.ConditionReady, v1alpha1.ConditionStalled, v1alpha1.ConditionReconciling,
		v1alpha1.ConditionSecurityGroupReady, v1alpha1.ConditionEndpointAvailable, v1alpha1.ConditionPolicyApplied,
	},
	kindGatewayAccessPolicy: {
		v1alpha1.ConditionReady, v1alpha1.ConditionStalled, v1alpha1.ConditionReconciling,
		v1alpha1.ConditionAccepted, v1alpha1.ConditionApplied, v1alpha1.ConditionVerified,
	},
}

// objectConditionsTimeout bounds one scrape's reads of the cache, which
// wait for the informers to sync right after the leader starts.
const objectConditionsTimeout = 10 * time.Second

// ObjectConditions counts the operator's objects by their conditions, read
// from the manager's cache at each scrape, so that alerts can ask "which
// endpoints are Stalled, and why" without the reconcilers keeping gauges.
// There is no name label: the series stay as few as the namespaces, times
// the conditions and reasons in use. Only the leader reports (its manager
// hands over its cache, see readObjectsFrom), so that the replicas' series
// do not add up.
var ObjectConditions = &objectConditionsCollector{desc: prometheus.NewDesc(
	"agentcore_vpce_object_conditions",
	"GatewayEndpoints and GatewayAccessPolicies by namespace and condition type, status and reason (reported by the leader).",
	[]string{"kind", "namespace", "condition", "status", "reason"}, nil,
)}

type objectConditionsCollector struct {
	desc *prometheus.Desc
	mu   sync.Mutex
	// source is the leading manager's; nil on a standby.
	source *objectSource
}

// objectSource is a manager's cached client, given to the collector while
// the manager leads.
type objectSource struct {
	collector *objectConditionsCollector
	reader    client.Reader
}

// readObjectsFrom is a runnable that lets c read reader while the manager
// leads, and takes it back when the manager stops.
func (c *objectConditionsCollector) readObjectsFrom(reader client.Reader) *objectSource {
	return &objectSource{collector: c, reader: reader}
}

// NeedLeaderElection keeps the standby silent.
func (s *objectSource) NeedLeaderElection() bool { return true }

// Start hands the reader to the collector until ctx ends.
func (s *objectSource) Start(ctx context.Context) error {
	c := s.collector
	c.mu.Lock()
	c.source = s
	c.mu.Unlock()
	<-ctx.Done()
	c.mu.Lock()
	if c.source == s {
		c.source = nil
	}
	c.mu.Unlock()
	return nil
}

// Describe implements prometheus.Collector.
func (c *objectConditionsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// conditionKey is one series of ObjectConditions.
type conditionKey struct {
	kind, namespace, condition, status, reason string
}

// Collect implements prometheus.Collector. A failed read reports nothing
// rather than failing the whole scrape, which would take the AWS and
// controller metrics down with it; the error is logged.
func (c *objectConditionsCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	source := c.source
	c.mu.Unlock()
	if source == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), objectConditionsTimeout)
	defer cancel()
	counts, err := countConditions(ctx, source.reader)
	if err != nil {
		ctrl.Log.WithName("metrics").Error(err, "counting objects by condition")
		return
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k.kind, k.namespace, k.condition, k.status, k.reason)
	}
}

// countConditions lists both kinds and counts their reported conditions.
func countConditions(ctx context.Context, reader client.Reader) (map[conditionKey]int, error) {
	counts := map[conditionKey]int{}
	add := func(kind, namespace string, conditions []metav1.Condition) {
		for _, t := range reportedConditions[kind] {
			for _, cond := range conditions {
				if cond.Type == t {
					counts[conditionKey{kind, namespace, t, string(cond.Status), cond.Reason}]++
				}
			}
		}
	}
	// The objects are only read: no copy of the cache is needed.
	var endpoints v1alpha1.GatewayEndpointList
	if err := reader.List(ctx, &endpoints, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range endpoints.Items {
		add(kindGatewayEndpoint, endpoints.Items[i].Namespace, endpoints.Items[i].Status.Conditions)
	}
	var policies v1alpha1.GatewayAccessPolicyList
	if err := reader.List(ctx, &policies, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	for i := range policies.Items {
		add(kindGatewayAccessPolicy, policies.Items[i].Namespace, policies.Items[i].Status.Conditions)
	}
	return counts, nil
}
