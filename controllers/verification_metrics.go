package controllers

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// VerificationResults counts, per GatewayAccessPolicy, the gateways of its
// spec.verify by their latest result. There is no gateway label: a team's
// gateway IDs are its own business, and the series stay few.
var VerificationResults = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "agentcore_vpce_verification_results",
	Help: "Gateways of a GatewayAccessPolicy's spec.verify by their latest verification result (Reachable, DeniedByEndpointPolicy, ...).",
}, []string{"namespace", "policy", "result"})

var registerVerificationMetrics sync.Once

func registerVerificationResults() {
	registerVerificationMetrics.Do(func() {
		if err := metrics.Registry.Register(VerificationResults); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				panic(err)
			}
		}
	})
}

// setVerificationMetrics replaces a policy's series with its latest results.
func setVerificationMetrics(key types.NamespacedName, gateways []v1alpha1.GatewayVerification) {
	forgetVerificationMetrics(key)
	for result, n := range resultCounts(gateways) {
		VerificationResults.WithLabelValues(key.Namespace, key.Name, result).Set(float64(n))
	}
}

// forgetVerificationMetrics drops a policy's series: it is gone, or no
// longer asks for verification.
func forgetVerificationMetrics(key types.NamespacedName) {
	VerificationResults.DeletePartialMatch(prometheus.Labels{"namespace": key.Namespace, "policy": key.Name})
}
