// Command manager runs the agentcore-vpce-operator: the GatewayEndpoint and
// GatewayAccessPolicy controllers.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		region, clusterName, ec2Endpoint, metricsAddr, probeAddr string
		propagationDelay, syncPeriod, policyWriteInterval        time.Duration
		rateLimitScale                                           float64
		maxConcurrent                                            int
		leaderElect, secureMetrics, enableHTTP2                  bool
	)
	flag.StringVar(&region, "region", "", "AWS region of GatewayEndpoints without spec.region (default: the AWS SDK's, e.g. AWS_REGION).")
	flag.StringVar(&clusterName, "cluster-name", "", "Name of this cluster, written into the vpce.agentcore.io/cluster tag of every AWS resource the operator creates.")
	flag.DurationVar(&propagationDelay, "policy-propagation-delay", 15*time.Minute, "How long the AgentCore Gateway may keep serving a cached access policy after the endpoint policy changed.")
	flag.DurationVar(&syncPeriod, "sync-period", 10*time.Minute, "How often an endpoint in shape is re-read from AWS to catch drift (jittered by 10%).")
	flag.DurationVar(&policyWriteInterval, "policy-write-interval", 30*time.Second, "Pacing of each endpoint's policy writes: at most 2 at once, then one per interval, each carrying every change made meanwhile (EC2's ModifyVpcEndpoint budget is shared by the whole account and region).")
	flag.IntVar(&maxConcurrent, "max-concurrent-reconciles", 4, "GatewayEndpoints reconciled in parallel.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader, so that only one replica reconciles at a time.")
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", "Address of the metrics endpoint (e.g. :8443 for HTTPS, :8080 for HTTP); 0 disables it.")
	flag.BoolVar(&secureMetrics, "metrics-secure", true, "Serve metrics over HTTPS with Kubernetes authentication and authorization.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address of the health and readiness probes.")
	flag.BoolVar(&enableHTTP2, "enable-http2", false, "Allow HTTP/2 on the metrics server (off by default against HTTP/2 stream attacks).")
	flag.Float64Var(&rateLimitScale, "aws-rate-limit-scale", 1, "Scale of the client-side copy of EC2's request token buckets (1: AWS's defaults; raise it for an account with raised limits; negative: off).")
	flag.StringVar(&ec2Endpoint, "ec2-endpoint", os.Getenv("AWS_ENDPOINT_URL_EC2"), "EC2 API URL, e.g. the EC2 simulator (default: AWS, or AWS_ENDPOINT_URL_EC2).")
	var (
		maxVerifications                                   int
		vpcID, verifyResolver, verifyCAFile, verifyDialMap string
	)
	flag.IntVar(&maxVerifications, "max-concurrent-verifications", controllers.DefaultMaxConcurrentVerifications, "GatewayAccessPolicies whose spec.verify gateways are probed at once (each probe is bounded by 5s), in a pool apart from the reconcilers.")
	flag.StringVar(&vpcID, "vpc-id", "", "VPC the operator's pods run in, e.g. vpc-0a1b2c3d. Verification is measured from the operator's pod: endpoints in other VPCs report Verified=Unknown (NotVerifiable). Empty: not checked.")
	flag.StringVar(&verifyResolver, "verify-resolver", "", "For the local run and tests only: where the verification probe resolves gateway names. Empty (the default, and the only value for a cluster): the pod's resolver; host:port: that DNS server; \"simulated\": answer from EC2's record of the endpoint, as private DNS would (cannot find PrivateDNSNotInEffect).")
	flag.StringVar(&verifyCAFile, "verify-ca-file", "", "For the local run and tests only: a PEM bundle the verification probe trusts instead of the system's roots (the gateway simulator's CA). TLS is always verified.")
	flag.StringVar(&verifyDialMap, "verify-dial-map", "", "For the local run and tests only: a JSON file of endpoint interface address to loopback host:port (the gateway simulator's --listeners-file); the probe's connection to <interface address>:443 goes to the mapped listener, and an address not in the file is refused. Read at every probe. Where to connect only: TLS is still verified for the gateway's name.")
	var (
		pendingPoll, consistencyLag time.Duration
		rateLimitTimeScale          float64
	)
	flag.Float64Var(&rateLimitTimeScale, "aws-rate-limit-time-scale", 1, "For benchmarks only: multiply the refill rates (not the sizes) of the client-side request buckets, against an EC2 simulator whose time runs that many times faster than AWS's (its --throttle-time-scale). 1 against AWS.")
	flag.DurationVar(&pendingPoll, "pending-poll-interval", 2*time.Second, "How often the endpoints that are pending or deleting are read, all of a region's in one DescribeVpcEndpoints call (longer when that call takes several pages). Nothing is polled while none is pending.")
	flag.DurationVar(&consistencyLag, "ec2-consistency-lag", 5*time.Second, "How long EC2's reads may lag behind the operator's writes (AWS documents eventual consistency but no bound): for that long a write is taken as done whatever reads say, and the write guard does not judge a change.")
	var missingReferenceGrace time.Duration
	flag.DurationVar(&missingReferenceGrace, "missing-reference-grace", controllers.DefaultMissingReferenceGrace, "How long a GatewayAccessPolicy whose GatewayEndpoint or ACK Gateways do not exist (yet) is reported Reconciling, from the moment it stopped being accepted, before it is reported Stalled (GitOps may apply a policy before its endpoint).")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	if missingReferenceGrace <= 0 {
		return fmt.Errorf("--missing-reference-grace=%s: must be positive (e.g. 5m); it is how long GitOps has to apply a policy's endpoint after the policy", missingReferenceGrace)
	}
	if err := errors.Join(checkFlags(propagationDelay, syncPeriod, policyWriteInterval, maxConcurrent),
		checkReadFlags(pendingPoll, consistencyLag, rateLimitTimeScale)); err != nil {
		return err
	}
	verification, err := verificationOptions(verificationFlags{
		maxConcurrent: maxVerifications, vpcID: vpcID, resolver: verifyResolver, caFile: verifyCAFile, dialMap: verifyDialMap,
	})
	if err != nil {
		return err
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")

	ctx := ctrl.SetupSignalHandler()
	if region == "" {
		region = sdkRegion(ctx)
	}

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))

	var tlsOpts []func(*tls.Config)
	if !enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{BindAddress: metricsAddr, SecureServing: secureMetrics, TLSOpts: tlsOpts}
	if secureMetrics {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsOpts,
		HealthProbeBindAddress:        probeAddr,
		LeaderElection:                leaderElect,
		LeaderElectionID:              "vpce.agentcore.io",
		LeaderElectionReleaseOnCancel: true,
		// The operator reads only the ConfigMaps it writes (the agents'
		// connection details): its cache holds no other ConfigMap.
		Cache: cache.Options{ByObject: controllers.CacheByObject()},
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	if err := controllers.Setup(ctx, mgr, controllers.Options{
		DefaultRegion:           region,
		ClusterName:             clusterName,
		PropagationDelay:        propagationDelay,
		SyncPeriod:              syncPeriod,
		MaxConcurrentReconciles: maxConcurrent,
		PolicyWriteInterval:     policyWriteInterval,
		PendingPollInterval:     pendingPoll,
		ConsistencyLag:          consistencyLag,
		Clouds:                  controllers.NewClouds(awsclient.ClientOptions{Endpoint: ec2Endpoint, RateLimitScale: rateLimitScale, RateLimitTimeScale: rateLimitTimeScale}),
		Verification:            verification,
		MissingReferenceGrace:   missingReferenceGrace,
	}); err != nil {
		return fmt.Errorf("setting up controllers: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("adding health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("adding readiness check: %w", err)
	}
	log.Info("starting manager", "region", region, "clusterName", clusterName, "ec2Endpoint", ec2Endpoint,
		"policyPropagationDelay", propagationDelay, "syncPeriod", syncPeriod)
	return mgr.Start(ctx)
}

// sdkRegion is the region the AWS SDK's default chain finds (AWS_REGION,
// the shared config; not IMDS, which a pod on EKS should not rely on), or ""
// when there is none.
func sdkRegion(ctx context.Context) string {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return ""
	}
	return cfg.Region
}

// checkFlags refuses values that would make the operator misreport or stop
// working, rather than replacing them with defaults behind the user's back.
func checkFlags(propagationDelay, syncPeriod, policyWriteInterval time.Duration, maxConcurrent int) error {
	var problems []error
	if propagationDelay <= 0 {
		problems = append(problems, fmt.Errorf("--policy-propagation-delay=%s: must be positive; the gateway caches access policies for up to 15m, and a shorter delay reports policies Ready before they are enforced", propagationDelay))
	}
	if syncPeriod <= 0 {
		problems = append(problems, fmt.Errorf("--sync-period=%s: must be positive (e.g. 10m); it is how often drift in AWS is looked for", syncPeriod))
	}
	if policyWriteInterval <= 0 {
		problems = append(problems, fmt.Errorf("--policy-write-interval=%s: must be positive (e.g. 30s); without pacing one team editing its policy in a loop spends the account's ModifyVpcEndpoint budget", policyWriteInterval))
	}
	if maxConcurrent < 1 {
		problems = append(problems, fmt.Errorf("--max-concurrent-reconciles=%d: must be at least 1", maxConcurrent))
	}
	return errors.Join(problems...)
}

// checkReadFlags refuses read settings the operator cannot work with.
func checkReadFlags(pendingPoll, consistencyLag time.Duration, rateLimitTimeScale float64) error {
	var problems []error
	if rateLimitTimeScale < 1 {
		problems = append(problems, fmt.Errorf("--aws-rate-limit-time-scale=%g: must be at least 1 (1 against AWS)", rateLimitTimeScale))
	}
	if pendingPoll <= 0 {
		problems = append(problems, fmt.Errorf("--pending-poll-interval=%s: must be positive (e.g. 2s); it is how soon an endpoint that became available is seen", pendingPoll))
	}
	if consistencyLag <= 0 {
		problems = append(problems, fmt.Errorf("--ec2-consistency-lag=%s: must be positive (e.g. 5s); with none, a read that does not show a write yet would make the operator write it again", consistencyLag))
	}
	return errors.Join(problems...)
}
