package controllers

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// Options configure both reconcilers.
type Options struct {
	DefaultRegion           string
	ClusterName             string
	PropagationDelay        time.Duration
	SyncPeriod              time.Duration
	MaxConcurrentReconciles int
	Clouds                  *Clouds
	// LostEndpointGrace is how long an endpoint recorded in status may be
	// unknown to EC2 (eventual consistency) before it is replaced. Zero
	// means one minute.
	LostEndpointGrace time.Duration
	// PolicyWriteInterval paces each endpoint's policy-driven
	// ModifyVpcEndpoint calls: at most PolicyWriteBurst at once, then one per
	// interval, each carrying every pending change. Zero means 30 seconds
	// and a burst of 2.
	PolicyWriteInterval time.Duration
	PolicyWriteBurst    int
	// ConsistencyLag is how long EC2's reads may lag behind a write. Zero
	// means 5 seconds.
	ConsistencyLag time.Duration
	// PendingPollInterval is how often the endpoints that are pending or
	// deleting are read, each region's in one call. Zero means 2 seconds.
	PendingPollInterval time.Duration
	// Clock defaults to the real clock; tests inject a fake one.
	Clock clock.WithDelayedExecution
	// EC2Clock measures EC2's timings (see GatewayEndpointReconciler);
	// nil means Clock.
	EC2Clock clock.PassiveClock
	// ACKGatewayDiscoveryInterval is how often the operator looks for AWS
	// Controllers for Kubernetes' Gateway kind, which spec.gatewayRefs
	// needs, and whether it is still served. Zero means one minute.
	ACKGatewayDiscoveryInterval time.Duration
	// Verification configures the probes of spec.verify (verification*.go).
	Verification VerificationOptions
	// MissingReferenceGrace is how long a GatewayAccessPolicy whose
	// GatewayEndpoint or ACK Gateways do not exist is Reconciling before it
	// is Stalled. Zero means DefaultMissingReferenceGrace.
	MissingReferenceGrace time.Duration
}

// DefaultMissingReferenceGrace leaves GitOps time to apply the endpoint
// (and ACK's Gateways) after a policy, and fails a wait well before the
// propagation delay would.
const DefaultMissingReferenceGrace = 5 * time.Minute

var registerMetrics sync.Once

// RegisterMetrics registers the operator's own metrics with reg: the AWS
// calls and rate-limiter waits, the verification results and the objects by
// condition. Setup registers them with controller-runtime's registry, which
// the manager serves; a metric registered already counts as registered.
func RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{awsclient.APICalls, awsclient.RateLimitWait, awsclient.InventoryCalls, VerificationResults, ObjectConditions} {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				return err
			}
		}
	}
	return nil
}

// Setup registers the indexes, both reconcilers and the operator's metrics
// with mgr.
func Setup(ctx context.Context, mgr ctrl.Manager, o Options) error {
	if o.Clouds == nil {
		return errors.New("controllers.Setup: Options.Clouds is required")
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.PropagationDelay == 0 {
		o.PropagationDelay = 15 * time.Minute
	}
	if o.SyncPeriod == 0 {
		o.SyncPeriod = 10 * time.Minute
	}
	if o.MaxConcurrentReconciles == 0 {
		o.MaxConcurrentReconciles = 4
	}
	if o.LostEndpointGrace == 0 {
		o.LostEndpointGrace = time.Minute
	}
	if o.PolicyWriteInterval == 0 {
		o.PolicyWriteInterval = 30 * time.Second
	}
	if o.PolicyWriteBurst == 0 {
		o.PolicyWriteBurst = 2
	}
	if o.ConsistencyLag == 0 {
		o.ConsistencyLag = 5 * time.Second
	}
	if o.PendingPollInterval == 0 {
		o.PendingPollInterval = 2 * time.Second
	}
	if o.ACKGatewayDiscoveryInterval == 0 {
		o.ACKGatewayDiscoveryInterval = time.Minute
	}
	if o.MissingReferenceGrace == 0 {
		o.MissingReferenceGrace = DefaultMissingReferenceGrace
	}
	registerMetrics.Do(func() {
		if err := RegisterMetrics(metrics.Registry); err != nil {
			panic(err)
		}
	})
	if err := mgr.Add(ObjectConditions.readObjectsFrom(mgr.GetClient())); err != nil {
		return err
	}
	if err := SetupIndexes(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	gateways, err := setupACKGateways(mgr, o.ACKGatewayDiscoveryInterval)
	if err != nil {
		return err
	}
	if err := (&GatewayEndpointReconciler{
		Client:                  mgr.GetClient(),
		Recorder:                mgr.GetEventRecorder("agentcore-vpce-operator"),
		Clouds:                  o.Clouds,
		Clock:                   o.Clock,
		EC2Clock:                o.EC2Clock,
		DefaultRegion:           o.DefaultRegion,
		ClusterName:             o.ClusterName,
		PropagationDelay:        o.PropagationDelay,
		SyncPeriod:              o.SyncPeriod,
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
		LostEndpointGrace:       o.LostEndpointGrace,
		PolicyWriteInterval:     o.PolicyWriteInterval,
		PolicyWriteBurst:        o.PolicyWriteBurst,
		ConsistencyLag:          o.ConsistencyLag,
		PendingPollInterval:     o.PendingPollInterval,
		ackGateways:             gateways,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	if err := setupVerifier(ctx, mgr, o); err != nil {
		return err
	}
	return (&GatewayAccessPolicyReconciler{
		Client:             mgr.GetClient(),
		Recorder:           mgr.GetEventRecorder("agentcore-vpce-operator"),
		Clock:              o.Clock,
		Clouds:             o.Clouds,
		DefaultRegion:      o.DefaultRegion,
		PropagationDelay:   o.PropagationDelay,
		ConfigMapAPIReader: mgr.GetAPIReader(),
		ackGateways:        gateways,

		MissingReferenceGrace: o.MissingReferenceGrace,
	}).SetupWithManager(mgr)
}
