package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// GatewayAccessPolicyReconciler reports each policy's own status from its
// endpoint's: whether it is accepted, applied, and enforced by now. It never
// calls AWS; the GatewayEndpoint reconciler writes the endpoint policy.
type GatewayAccessPolicyReconciler struct {
	client.Client
	Recorder recorder.EventRecorder
	Clock    clock.WithDelayedExecution
	// Clouds tells the AWS account that owns the endpoints, against which
	// the endpoint's allowedGateways is checked.
	Clouds *Clouds
	// DefaultRegion is the region of endpoints without spec.region.
	DefaultRegion string
	// PropagationDelay is how long the gateway may serve a cached access
	// policy (15 minutes on AWS).
	PropagationDelay time.Duration
	// ConfigMapAPIReader reads, uncached, a ConfigMap that creating the
	// policy's connection details found to exist although the cache (which
	// holds only the operator's ConfigMaps) does not.
	ConfigMapAPIReader client.Reader

	wakeups *wakeups
	// connectionRechecks looks again at a policy whose ConfigMap name is
	// taken.
	connectionRechecks *wakeups
	// ackGateways resolves spec.gatewayRefs.
	ackGateways *ackGateways
}

// +kubebuilder:rbac:groups=vpce.agentcore.io,resources=gatewayaccesspolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=vpce.agentcore.io,resources=gatewayaccesspolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=vpce.agentcore.io,resources=gatewayendpoints,verbs=get;list;watch

// Reconcile computes a GatewayAccessPolicy's conditions.
func (r *GatewayAccessPolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	p := &v1alpha1.GatewayAccessPolicy{}
	if err := r.Get(ctx, req.NamespacedName, p); err != nil {
		if apierrors.IsNotFound(err) {
			r.wakeups.cancel(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := p.DeepCopy()
	defer func() {
		setVerifiedCondition(p)
		if equality.Semantic.DeepEqual(before.Status, p.Status) {
			return
		}
		if err := r.Status().Patch(ctx, p, client.MergeFrom(before)); err != nil && !apierrors.IsNotFound(err) {
			retErr = errors.Join(retErr, fmt.Errorf("patching status: %w", err))
		}
	}()

	key := endpointKey(p)
	var ge *v1alpha1.GatewayEndpoint
	candidate := &v1alpha1.GatewayEndpoint{}
	if err := r.Get(ctx, key, candidate); err == nil {
		ge = candidate
	} else if !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("reading GatewayEndpoint %s: %w", key, err)
	}
	ns := &corev1.Namespace{}
	if err := r.Get(ctx, client.ObjectKey{Name: p.Namespace}, ns); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("reading namespace %s: %w", p.Namespace, err)
		}
		ns = nil
	}

	st := &p.Status
	st.ObservedGeneration = p.Generation
	cond := func(t string, s metav1.ConditionStatus, reason, msg string) {
		setCondition(&st.Conditions, p.Generation, t, s, reason, msg)
	}
	notApplied := func(reason, msg string) {
		st.AppliedAt, st.EffectiveAt = nil, nil
		cond(v1alpha1.ConditionApplied, metav1.ConditionFalse, reason, msg)
		cond(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
		r.wakeups.cancel(req.NamespacedName)
	}

	region, account := endpointRegion(ge, r.DefaultRegion), ""
	if ge != nil && region != "" {
		var err error
		if account, err = r.Clouds.Account(ctx, region); err != nil {
			return ctrl.Result{}, err
		}
	}
	a, err := r.ackGateways.attach(ctx, p, ge, ns, region, account)
	if err != nil {
		return ctrl.Result{}, err
	}
	st.GatewayCount, st.GatewayRefs = int32(len(a.gatewayARNs)), a.refs
	if err := r.reconcileConnectionDetails(ctx, p, ge, region, a); err != nil {
		return ctrl.Result{}, err
	}
	if !a.accepted {
		st.EndpointID = ""
		cond(v1alpha1.ConditionAccepted, metav1.ConditionFalse, a.reason, a.message)
		notApplied(v1alpha1.ReasonNotAccepted, "Not part of any endpoint policy: "+a.message)
		return ctrl.Result{}, nil
	}
	cond(v1alpha1.ConditionAccepted, metav1.ConditionTrue, a.reason, a.message)
	st.EndpointID = ge.Status.EndpointID

	applied := appliedStatement(ge, p, a.gatewayARNs)
	if applied == nil {
		reason := v1alpha1.ReasonWaitingForEndpoint
		msg := fmt.Sprintf("Waiting for GatewayEndpoint %s to write this policy's gateways into its endpoint policy.", key)
		if refused := refusedEntry(ge, p); refused != nil {
			reason, msg = refused.Reason, refused.Message+" The policies applied before it keep their place; remove gateways from this policy or others, or use another GatewayEndpoint."
		}
		notApplied(reason, msg)
		return ctrl.Result{}, nil
	}

	appliedAt := applied.AppliedAt
	effectiveAt := metav1.NewTime(appliedAt.Add(r.PropagationDelay))
	st.AppliedAt, st.EffectiveAt = &appliedAt, &effectiveAt
	if before.Status.AppliedAt == nil || !before.Status.AppliedAt.Equal(&appliedAt) {
		r.Recorder.Eventf(p, ge, corev1.EventTypeNormal, "Applied", "Apply",
			"Gateways written into the policy of endpoint %s; enforced from %s at the latest", ge.Status.EndpointID, effectiveAt.UTC().Format(time.RFC3339))
	}
	cond(v1alpha1.ConditionApplied, metav1.ConditionTrue, v1alpha1.ReasonApplied,
		fmt.Sprintf("In the policy of endpoint %s since %s.", ge.Status.EndpointID, appliedAt.UTC().Format(time.RFC3339)))
	if now := r.Clock.Now(); now.Before(effectiveAt.Time) {
		cond(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonAwaitingPropagation,
			fmt.Sprintf("Applied at %s; the AgentCore Gateway caches access policies for up to %s, so agents may still be refused (or admitted by the previous policy) until %s.",
				appliedAt.UTC().Format(time.RFC3339), r.PropagationDelay, effectiveAt.UTC().Format(time.RFC3339)))
		r.wakeups.at(p, effectiveAt.Time)
		return ctrl.Result{}, nil
	}
	r.wakeups.cancel(req.NamespacedName)
	if !meta.IsStatusConditionTrue(st.Conditions, v1alpha1.ConditionReady) {
		r.Recorder.Eventf(p, ge, corev1.EventTypeNormal, "Effective", "Apply",
			"The gateway's policy cache has had time to pick up this policy; agents can reach its gateways")
	}
	cond(v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonEffective,
		fmt.Sprintf("Enforced since %s: agents can reach these gateways through endpoint %s.", effectiveAt.UTC().Format(time.RFC3339), ge.Status.EndpointID))
	return ctrl.Result{}, nil
}

// appliedStatement is the policy's current statement (of its effective
// ARNs, typed and referenced) in the endpoint's applied document, or nil
// when the document holds none or an older one.
func appliedStatement(ge *v1alpha1.GatewayEndpoint, p *v1alpha1.GatewayAccessPolicy, arns []string) *v1alpha1.AppliedStatement {
	if ge.Status.Policy == nil {
		return nil
	}
	hash := statementHash(arns)
	for i, st := range ge.Status.Policy.Statements {
		if st.Namespace == p.Namespace && st.Name == p.Name && st.Hash == hash {
			return &ge.Status.Policy.Statements[i]
		}
	}
	return nil
}

// refusedEntry is the endpoint's record of refusing p, or nil.
func refusedEntry(ge *v1alpha1.GatewayEndpoint, p *v1alpha1.GatewayAccessPolicy) *v1alpha1.RefusedPolicy {
	if ge.Status.Policy == nil {
		return nil
	}
	for i, rp := range ge.Status.Policy.Refused {
		if rp.Namespace == p.Namespace && rp.Name == p.Name {
			return &ge.Status.Policy.Refused[i]
		}
	}
	return nil
}

// SetupWithManager registers the controller and its watches.
func (r *GatewayAccessPolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.wakeups = newWakeups(r.Clock)
	r.connectionRechecks = newWakeups(r.Clock)
	if r.ackGateways == nil {
		r.ackGateways = newACKGateways(mgr.GetCache(), 0)
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.GatewayAccessPolicy{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, verificationChanged))).
		Watches(&v1alpha1.GatewayEndpoint{}, handler.EnqueueRequestsFromMapFunc(r.policiesOfEndpoint)).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.policiesOfNamespace),
			builder.WithPredicates(predicate.LabelChangedPredicate{})).
		WatchesRawSource(source.Channel(r.wakeups.events, &handler.EnqueueRequestForObject{})).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(policyOfConnectionDetails)).
		WatchesRawSource(source.Channel(r.connectionRechecks.events, &handler.EnqueueRequestForObject{})).
		WatchesRawSource(r.ackGateways.source()).
		Named("gatewayaccesspolicy").
		Complete(r)
}

func (r *GatewayAccessPolicyReconciler) policiesOfEndpoint(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1alpha1.GatewayAccessPolicyList
	if err := r.List(ctx, &list, client.MatchingFields{endpointRefIndex: client.ObjectKeyFromObject(o).String()}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing policies of endpoint", "endpoint", client.ObjectKeyFromObject(o))
		return nil
	}
	return requestsFor(list.Items)
}

func (r *GatewayAccessPolicyReconciler) policiesOfNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1alpha1.GatewayAccessPolicyList
	if err := r.List(ctx, &list, client.InNamespace(o.GetName())); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing policies of namespace", "namespace", o.GetName())
		return nil
	}
	return requestsFor(list.Items)
}

func requestsFor(items []v1alpha1.GatewayAccessPolicy) []reconcile.Request {
	reqs := make([]reconcile.Request, 0, len(items))
	for i := range items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&items[i])})
	}
	return reqs
}
