package controllers_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
)

// objectConditionSeries gathers ObjectConditions and returns the series of
// one namespace, as "kind condition status reason" -> value, and the label
// names every series carries.
func objectConditionSeries(t *testing.T, namespace string) (map[string]float64, map[string]bool) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := controllers.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series, labelNames := map[string]float64{}, map[string]bool{}
	for _, f := range families {
		if f.GetName() != "agentcore_vpce_object_conditions" {
			continue
		}
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
				labelNames[p.GetName()] = true
			}
			if l["namespace"] == namespace {
				series[l["kind"]+" "+l["condition"]+" "+l["status"]+" "+l["reason"]] = m.GetGauge().GetValue()
			}
		}
	}
	return series, labelNames
}

func TestTheLeaderReportsItsObjectsByConditionAndReasonWithoutNamingThem(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	for _, name := range []string{"bad-subnet-a", "bad-subnet-b"} {
		h.create(h.endpoint(name, func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.SubnetIDs = []string{missingSubnet} }))
	}
	good := h.endpoint("good")
	h.create(good)
	h.create(h.accessPolicy(h.namespace, "orphan", gatewayARN("gw-orphan")))
	h.waitReady(good, 30*time.Second)

	series := func() map[string]float64 {
		s, _ := objectConditionSeries(t, h.namespace)
		return s
	}
	h.g.Eventually(series, 30*time.Second, 100*time.Millisecond).Should(And(
		HaveKeyWithValue("GatewayEndpoint Stalled True InvalidSpec", 2.0),
		HaveKeyWithValue("GatewayEndpoint Ready False InvalidSpec", 2.0),
		HaveKeyWithValue("GatewayEndpoint Ready True Ready", 1.0),
		HaveKeyWithValue("GatewayAccessPolicy Accepted False EndpointMissing", 1.0),
		HaveKeyWithValue("GatewayAccessPolicy Ready False NotAccepted", 1.0),
	))
	_, labels := objectConditionSeries(t, h.namespace)
	h.g.Expect(labels).To(Equal(map[string]bool{"kind": true, "namespace": true, "condition": true, "status": true, "reason": true}),
		"series are counts by namespace and reason; an object's name would make one series per object")

	// A manager that no longer leads (here: stopped) reports nothing, so
	// that two replicas never add up.
	h.stop()
	h.g.Expect(series()).To(BeEmpty())
}
