package controllers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/policy"
	"github.com/agentcore-io/vpce-operator/internal/verify"
)

// Verifier probes the gateways each GatewayAccessPolicy lists under
// spec.verify, through the policy's endpoint, from the operator's pod, and
// writes what it found into status.verification. It runs in a bounded pool
// of its own (see verification_pool.go), never in a reconcile worker: a
// probe may wait seconds on the network. The GatewayAccessPolicy reconciler
// turns status.verification into the Verified condition.
type Verifier struct {
	// Client reads policies, endpoints and namespaces from the cache and
	// patches status.verification.
	Client client.Client
	// APIReader reads the token Secrets, uncached: the operator keeps no
	// Secret informer, and its ClusterRole grants no access to Secrets; each
	// team grants get on its one Secret with a RoleBinding.
	APIReader client.Reader
	Recorder  recorder.EventRecorder
	Clouds    *Clouds
	Clock     clock.WithDelayedExecution
	// DefaultRegion is the region of endpoints without spec.region.
	DefaultRegion string
	// PropagationDelay is how long the gateway may serve a cached access
	// policy: a refusal within it of a grant is AwaitingPropagation.
	PropagationDelay time.Duration
	// OperatorVPCID is the VPC the operator's pods run in (--vpc-id); an
	// endpoint of another VPC is NotVerifiable. Empty: not checked.
	OperatorVPCID string
	// MaxConcurrent bounds the probes in flight (policies probed at once).
	MaxConcurrent int
	// Probe configures the probe: resolver, dialer, trusted roots, timeout.
	// Its clock is Clock's.
	Probe verify.Options
	// Identity names the operator's Kubernetes identity in the message of a
	// Secret it may not read; default: asked of the API server once
	// (SelfSubjectReview).
	Identity func(ctx context.Context) (string, error)

	initOnce sync.Once
	prober   *verify.Prober
	pool     *verificationPool
	whoAmI   identityCache
}

// DefaultVerificationInterval is spec.verify.interval's default.
const DefaultVerificationInterval = 10 * time.Minute

// verificationRetry is when a probe that could not run (EC2 or the API
// server failing) is tried again, unless the interval is shorter.
const verificationRetry = time.Minute

func (v *Verifier) init() {
	v.initOnce.Do(func() {
		opts := v.Probe
		opts.Now = v.Clock.Now
		v.prober = verify.New(opts)
		if v.Identity == nil {
			v.Identity = selfSubjectReview(v.Client)
		}
	})
}

// Verify probes one policy's gateways now and records the results. It
// returns how long until the next probe (0: none, the policy has no
// spec.verify or is gone). The pool calls it; tests call it directly.
func (v *Verifier) Verify(ctx context.Context, key types.NamespacedName) (time.Duration, error) {
	v.init()
	p := &v1alpha1.GatewayAccessPolicy{}
	if err := v.Client.Get(ctx, key, p); err != nil {
		if apierrors.IsNotFound(err) {
			forgetVerificationMetrics(key)
			return 0, nil
		}
		return 0, err
	}
	if p.Spec.Verify == nil {
		forgetVerificationMetrics(key)
		return 0, v.patchVerification(ctx, p, nil)
	}
	interval := DefaultVerificationInterval
	if p.Spec.Verify.Interval != nil && p.Spec.Verify.Interval.Duration > 0 {
		interval = p.Spec.Verify.Interval.Duration
	}

	outcomes, endpointID, err := v.probeAll(ctx, p)
	if err != nil {
		return min(interval, verificationRetry), err
	}
	now := v.Clock.Now()
	next := jitter(interval)
	vs := &v1alpha1.VerificationStatus{
		ObservedGeneration: p.Generation,
		EndpointID:         endpointID,
		LastProbeTime:      &metav1.Time{Time: now},
		NextProbeTime:      &metav1.Time{Time: now.Add(next)},
	}
	previous := map[string]v1alpha1.GatewayVerification{}
	if p.Status.Verification != nil {
		for _, g := range p.Status.Verification.Gateways {
			previous[g.GatewayARN] = g
		}
	}
	for i, g := range p.Spec.Verify.Gateways {
		o := outcomes[i]
		entry := v1alpha1.GatewayVerification{GatewayARN: g.GatewayARN, Result: o.Result, Address: o.Address, Message: o.Message,
			LastTransitionTime: &metav1.Time{Time: now}}
		if o.Result == v1alpha1.VerificationReachable {
			entry.ToolCount = ptr.To(int32(o.ToolCount))
		}
		if before, ok := previous[g.GatewayARN]; ok && before.Result == o.Result && before.LastTransitionTime != nil {
			entry.LastTransitionTime = before.LastTransitionTime
		} else {
			v.recordResult(p, entry)
		}
		vs.Gateways = append(vs.Gateways, entry)
	}
	for _, g := range vs.Gateways {
		// A result that changes on its own soon (a grant still in its
		// propagation window, an endpoint still pending) is looked at again
		// within a minute, not a whole interval later.
		if g.Result == v1alpha1.VerificationAwaitingPropagation || g.Result == v1alpha1.VerificationEndpointNotAvailable {
			next = min(next, verificationRetry)
			vs.NextProbeTime = &metav1.Time{Time: now.Add(next)}
		}
	}
	setVerificationMetrics(key, vs.Gateways)
	ctrl.LoggerFrom(ctx).V(1).Info("verified gateways", "policy", key, "endpointID", endpointID, "results", resultCounts(vs.Gateways))
	return next, v.patchVerification(ctx, p, vs)
}

// probeAll returns one outcome per spec.verify gateway, in order, and the
// endpoint probed through. An error means nothing could be probed for a
// reason that retrying may fix.
func (v *Verifier) probeAll(ctx context.Context, p *v1alpha1.GatewayAccessPolicy) ([]verify.Outcome, string, error) {
	gateways := p.Spec.Verify.Gateways
	all := func(result v1alpha1.VerificationResult, format string, args ...any) []verify.Outcome {
		out := make([]verify.Outcome, len(gateways))
		for i := range out {
			out[i] = verify.Outcome{Result: result, Message: fmt.Sprintf(format, args...)}
		}
		return out
	}

	ge, ns, err := v.endpointAndNamespace(ctx, p)
	if err != nil {
		return nil, "", err
	}
	region := endpointRegion(ge, v.DefaultRegion)
	var account string
	if ge != nil && region != "" {
		if account, err = v.Clouds.Account(ctx, region); err != nil {
			return nil, "", err
		}
	}
	// Only a policy its endpoint admits may have the operator probe through
	// that endpoint: the namespace checks of attachment, not its gateways,
	// which spec.verify may name beyond gatewayARNs.
	if a := evaluateAttachment(p, ge, ns, region, account); !a.accepted &&
		(a.reason == v1alpha1.ReasonEndpointMissing || a.reason == v1alpha1.ReasonNamespaceNotAllowed) {
		return all(v1alpha1.VerificationNotVerifiable, "Not probed: the policy is not accepted by its endpoint. %s", a.message), "", nil
	}

	ep, err := v.endpointFromEC2(ctx, ge, region)
	if err != nil {
		return nil, "", err
	}
	if ep == nil {
		return all(v1alpha1.VerificationEndpointNotAvailable,
			"EC2 reports no available endpoint of the gateway service tagged as GatewayEndpoint %s's yet.", client.ObjectKeyFromObject(ge)), "", nil
	}
	accounts := ge.Spec.Access.AllowedGateways.Accounts
	if len(accounts) == 0 && account != "" {
		accounts = []string{account}
	}

	out := make([]verify.Outcome, len(gateways))
	for i, g := range gateways {
		target := verify.Target{
			GatewayARN:       g.GatewayARN,
			Auth:             g.Auth,
			Endpoint:         *ep,
			AllowedAccounts:  accounts,
			OperatorVPCID:    v.OperatorVPCID,
			GrantEffectiveAt: v.grantEffectiveAt(ctx, ge, g.GatewayARN),
		}
		if o, ok := v.prober.Check(target); !ok {
			out[i] = o
			continue
		}
		token, o, ok := v.readToken(ctx, p, g)
		if !ok {
			out[i] = o
			continue
		}
		out[i] = v.prober.Probe(ctx, target, token)
	}
	return out, ep.ID, nil
}

func (v *Verifier) endpointAndNamespace(ctx context.Context, p *v1alpha1.GatewayAccessPolicy) (*v1alpha1.GatewayEndpoint, *corev1.Namespace, error) {
	var ge *v1alpha1.GatewayEndpoint
	candidate := &v1alpha1.GatewayEndpoint{}
	if err := v.Client.Get(ctx, endpointKey(p), candidate); err == nil {
		ge = candidate
	} else if !apierrors.IsNotFound(err) {
		return nil, nil, fmt.Errorf("reading GatewayEndpoint %s: %w", endpointKey(p), err)
	}
	ns := &corev1.Namespace{}
	if err := v.Client.Get(ctx, client.ObjectKey{Name: p.Namespace}, ns); err != nil {
		if !apierrors.IsNotFound(err) {
			return nil, nil, fmt.Errorf("reading namespace %s: %w", p.Namespace, err)
		}
		ns = nil
	}
	return ge, ns, nil
}

// endpointFromEC2 is the GatewayEndpoint's endpoint as EC2 reports it, with
// its interfaces' addresses, or nil while there is no available one. It is
// found by the GatewayEndpoint's ownership tag, never by its status, which
// others can write: the probe goes only where EC2 says this object's
// endpoint is.
func (v *Verifier) endpointFromEC2(ctx context.Context, ge *v1alpha1.GatewayEndpoint, region string) (*verify.Endpoint, error) {
	cl, err := v.Clouds.ForRegion(ctx, region)
	if err != nil {
		return nil, err
	}
	e, err := cl.EndpointByOwner(ctx, string(ge.UID))
	if err != nil {
		return nil, fmt.Errorf("reading the endpoint of GatewayEndpoint %s from EC2: %w", client.ObjectKeyFromObject(ge), err)
	}
	if e == nil || e.State != "available" || e.ServiceName != gatewayServiceName(region) {
		return nil, nil
	}
	byInterface, err := cl.InterfaceAddresses(ctx, e.NetworkInterfaceIDs)
	if err != nil {
		return nil, fmt.Errorf("reading the network interfaces of endpoint %s: %w", e.ID, err)
	}
	ep := &verify.Endpoint{ID: e.ID, Region: region, VPCID: e.VpcID, PrivateDNS: ptr.Deref(e.PrivateDNSEnabled, false),
		PolicyDocument: e.PolicyDocument}
	for _, id := range e.NetworkInterfaceIDs {
		ep.Addresses = append(ep.Addresses, byInterface[id]...)
	}
	sort.Strings(ep.Addresses)
	for _, d := range e.DNSEntries {
		ep.DNSNames = append(ep.DNSNames, d.Name)
	}
	return ep, nil
}

// gatewayServiceName is the endpoint service of the AgentCore gateway data
// plane in region (AWS_FACTS.md, "The service").
func gatewayServiceName(region string) string {
	return "com.amazonaws." + region + ".bedrock-agentcore.gateway"
}

// grantEffectiveAt is when the endpoint's grant of arn is certain to be
// enforced: the earliest time a statement of a policy that admits it was
// applied, plus the propagation delay. When no applied statement is known to
// hold it, the document's own time stands in, which can only make a refusal
// read AwaitingPropagation for longer, never DeniedByGateway too early.
func (v *Verifier) grantEffectiveAt(ctx context.Context, ge *v1alpha1.GatewayEndpoint, arn string) time.Time {
	if ge == nil || ge.Status.Policy == nil {
		return time.Time{}
	}
	var earliest time.Time
	for _, st := range ge.Status.Policy.Statements {
		other := &v1alpha1.GatewayAccessPolicy{}
		if err := v.Client.Get(ctx, client.ObjectKey{Namespace: st.Namespace, Name: st.Name}, other); err != nil {
			continue
		}
		if !slices.Contains(admittedARNs(other), arn) {
			continue
		}
		if earliest.IsZero() || st.AppliedAt.Time.Before(earliest) {
			earliest = st.AppliedAt.Time
		}
	}
	if earliest.IsZero() && ge.Status.Policy.AppliedAt != nil {
		earliest = ge.Status.Policy.AppliedAt.Time
	}
	if earliest.IsZero() {
		return time.Time{}
	}
	return earliest.Add(v.PropagationDelay)
}

// admittedARNs are the gateways a policy asks for: its typed ARNs and what
// its gatewayRefs resolved to.
func admittedARNs(p *v1alpha1.GatewayAccessPolicy) []string {
	arns := slices.Clone(p.Spec.GatewayARNs)
	for _, r := range p.Status.GatewayRefs {
		if r.ARN != "" {
			arns = append(arns, r.ARN)
		}
	}
	return arns
}

// patchVerification writes status.verification alone: a merge patch of that
// one field, so it never overwrites the conditions the reconciler owns.
func (v *Verifier) patchVerification(ctx context.Context, p *v1alpha1.GatewayAccessPolicy, vs *v1alpha1.VerificationStatus) error {
	if vs == nil && p.Status.Verification == nil {
		return nil
	}
	patch := client.MergeFrom(p.DeepCopy())
	p.Status.Verification = vs
	if err := v.Client.Status().Patch(ctx, p, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("patching status.verification: %w", err)
	}
	return nil
}

// recordResult emits an Event for a gateway whose result changed (or is the
// first): Normal when Reachable, Warning otherwise. The message is the
// probe's, which never holds the token.
func (v *Verifier) recordResult(p *v1alpha1.GatewayAccessPolicy, g v1alpha1.GatewayVerification) {
	eventType := corev1.EventTypeWarning
	if g.Result == v1alpha1.VerificationReachable {
		eventType = corev1.EventTypeNormal
	}
	v.Recorder.Eventf(p, nil, eventType, string(g.Result), "Verify", "%s: %s", g.GatewayARN, g.Message)
}

func resultCounts(gateways []v1alpha1.GatewayVerification) map[string]int {
	counts := map[string]int{}
	for _, g := range gateways {
		counts[string(g.Result)]++
	}
	return counts
}

// gatewayIDOf is the gateway ID of an ARN, for messages; the ARN itself when
// it does not parse.
func gatewayIDOf(arn string) string {
	if parsed, err := policy.ParseARN(arn); err == nil {
		return parsed.GatewayID
	}
	return arn
}
