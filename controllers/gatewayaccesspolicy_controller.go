package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// MissingReferenceGrace is how long a policy whose GatewayEndpoint or
	// ACK Gateways do not exist (yet) is reported Reconciling, from the
	// moment it stopped being accepted, before it is reported Stalled.
	MissingReferenceGrace time.Duration
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
	p.Status.GatewayCount, p.Status.GatewayRefs = int32(len(a.gatewayARNs)), a.refs
	if err := r.reconcileConnectionDetails(ctx, p, ge, region, a); err != nil {
		return ctrl.Result{}, err
	}
	pass := &policyPass{r: r, p: p, now: r.Clock.Now()}
	left := pass.judge(ge, a, before)
	// Written with the verdict only: after a failed pass kstatus still sees
	// the previous generation, and so work under way.
	p.Status.ObservedGeneration = p.Generation
	pass.setProgress(left)
	return ctrl.Result{}, nil
}

// policyPass is one reconcile's working state.
type policyPass struct {
	r   *GatewayAccessPolicyReconciler
	p   *v1alpha1.GatewayAccessPolicy
	now time.Time
}

// cond records a condition for the policy's current generation, its
// transition timed by the reconciler's clock.
func (s *policyPass) cond(condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&s.p.Status.Conditions, metav1.Condition{
		Type: condType, Status: status, Reason: reason, Message: message,
		ObservedGeneration: s.p.Generation, LastTransitionTime: metav1.NewTime(s.now),
	})
}

func (s *policyPass) notApplied(reason, message string) {
	s.p.Status.AppliedAt, s.p.Status.EffectiveAt = nil, nil
	s.cond(v1alpha1.ConditionApplied, metav1.ConditionFalse, reason, message)
	s.cond(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	s.r.wakeups.cancel(client.ObjectKeyFromObject(s.p))
}

// leftToDo is what a pass leaves undone, for kstatus' Reconciling and
// Stalled: nothing (the zero value), work under way, or something only a
// person can fix.
type leftToDo struct {
	needsPerson bool
	reason      string
	message     string
}

func underWay(reason, message string) leftToDo { return leftToDo{reason: reason, message: message} }

func needsPerson(reason, message string) leftToDo {
	return leftToDo{needsPerson: true, reason: reason, message: message}
}

// judge sets Accepted, Applied and Ready, and says what is left to do.
func (s *policyPass) judge(ge *v1alpha1.GatewayEndpoint, a attachment, before *v1alpha1.GatewayAccessPolicy) leftToDo {
	p, st, key := s.p, &s.p.Status, endpointKey(s.p)
	if !a.accepted {
		since := s.notAcceptedSince()
		st.EndpointID = ""
		s.cond(v1alpha1.ConditionAccepted, metav1.ConditionFalse, a.reason, a.message)
		s.notApplied(v1alpha1.ReasonNotAccepted, "Not part of any endpoint policy: "+a.message)
		return s.notAccepted(a, since)
	}
	s.cond(v1alpha1.ConditionAccepted, metav1.ConditionTrue, a.reason, a.message)
	st.EndpointID = ge.Status.EndpointID

	applied := appliedStatement(ge, p, a.gatewayARNs)
	if applied == nil {
		if refused := refusedEntry(ge, p); refused != nil {
			msg := refused.Message + " The policies applied before it keep their place; remove gateways from this policy or others, or use another GatewayEndpoint."
			s.notApplied(refused.Reason, msg)
			return needsPerson(refused.Reason, msg)
		}
		msg := fmt.Sprintf("Waiting for GatewayEndpoint %s to write this policy's gateways into its endpoint policy.", key)
		s.notApplied(v1alpha1.ReasonWaitingForEndpoint, msg)
		if stall := endpointStall(ge); stall != nil {
			return needsPerson(v1alpha1.ReasonEndpointStalled, fmt.Sprintf("GatewayEndpoint %s is Stalled (%s) and has not written this policy's gateways: %s",
				key, stall.Reason, stall.Message))
		}
		return underWay(v1alpha1.ReasonWaitingForEndpoint, msg)
	}

	appliedAt := applied.AppliedAt
	effectiveAt := metav1.NewTime(appliedAt.Add(s.r.PropagationDelay))
	st.AppliedAt, st.EffectiveAt = &appliedAt, &effectiveAt
	if before.Status.AppliedAt == nil || !before.Status.AppliedAt.Equal(&appliedAt) {
		s.r.Recorder.Eventf(p, ge, corev1.EventTypeNormal, "Applied", "Apply",
			"Gateways written into the policy of endpoint %s; enforced from %s at the latest", ge.Status.EndpointID, effectiveAt.UTC().Format(time.RFC3339))
	}
	s.cond(v1alpha1.ConditionApplied, metav1.ConditionTrue, v1alpha1.ReasonApplied,
		fmt.Sprintf("In the policy of endpoint %s since %s.", ge.Status.EndpointID, appliedAt.UTC().Format(time.RFC3339)))
	if s.now.Before(effectiveAt.Time) {
		msg := fmt.Sprintf("Applied at %s; the AgentCore Gateway caches access policies for up to %s, so agents may still be refused (or admitted by the previous policy) until %s.",
			appliedAt.UTC().Format(time.RFC3339), s.r.PropagationDelay, effectiveAt.UTC().Format(time.RFC3339))
		s.cond(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonAwaitingPropagation, msg)
		s.r.wakeups.at(p, effectiveAt.Time)
		return underWay(v1alpha1.ReasonAwaitingPropagation, msg)
	}
	s.r.wakeups.cancel(client.ObjectKeyFromObject(p))
	if !meta.IsStatusConditionTrue(st.Conditions, v1alpha1.ConditionReady) {
		s.r.Recorder.Eventf(p, ge, corev1.EventTypeNormal, "Effective", "Apply",
			"The gateway's policy cache has had time to pick up this policy; agents can reach its gateways")
	}
	s.cond(v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonEffective,
		fmt.Sprintf("Enforced since %s: agents can reach these gateways through endpoint %s.", effectiveAt.UTC().Format(time.RFC3339), ge.Status.EndpointID))
	return leftToDo{}
}

// awaitedReasons refuse a policy for something that may only not exist yet:
// GitOps can apply a policy before its GatewayEndpoint, before the ACK
// Gateways it names, or before ACK itself. Within MissingReferenceGrace
// that is work under way; after it, a person has to look.
var awaitedReasons = []string{
	v1alpha1.ReasonEndpointMissing, v1alpha1.ReasonWaitingForGatewayARN, v1alpha1.ReasonGatewayRefsUnsupported,
}

// notAccepted says what is left to do for a policy that is not accepted:
// every refusal needs a person, but one of awaitedReasons only once the
// grace since the policy stopped being accepted has passed. The policy is
// reconciled again when the grace ends.
func (s *policyPass) notAccepted(a attachment, since time.Time) leftToDo {
	if !slices.Contains(awaitedReasons, a.reason) {
		return needsPerson(a.reason, a.message)
	}
	deadline := since.Add(s.r.MissingReferenceGrace)
	if s.now.Before(deadline) {
		s.r.wakeups.at(s.p, deadline)
		return underWay(a.reason, fmt.Sprintf("%s Reported Stalled from %s if still so (--missing-reference-grace %s after the policy stopped being accepted).",
			a.message, deadline.UTC().Format(time.RFC3339), s.r.MissingReferenceGrace))
	}
	return needsPerson(a.reason, fmt.Sprintf("%s Still so %s after the policy stopped being accepted at %s.",
		a.message, s.r.MissingReferenceGrace, since.UTC().Format(time.RFC3339)))
}

// notAcceptedSince is when the policy stopped being accepted: the
// lastTransitionTime of Accepted while it stays False, else now (the pass
// that sets it False), to the second as status keeps it.
func (s *policyPass) notAcceptedSince() time.Time {
	c := meta.FindStatusCondition(s.p.Status.Conditions, v1alpha1.ConditionAccepted)
	if c != nil && c.Status == metav1.ConditionFalse && !c.LastTransitionTime.IsZero() {
		return c.LastTransitionTime.Time
	}
	return s.now.Truncate(time.Second)
}

// endpointStall is the endpoint's Stalled condition when it is True for the
// endpoint's current generation, else nil.
func endpointStall(ge *v1alpha1.GatewayEndpoint) *metav1.Condition {
	if ge.Status.ObservedGeneration != ge.Generation {
		return nil
	}
	if c := meta.FindStatusCondition(ge.Status.Conditions, v1alpha1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
		return c
	}
	return nil
}

// setProgress is the one place that writes kstatus' Reconciling and Stalled
// of a policy, from what the pass left to do; they are never both True.
// Stalled is present only while True. A Stalled ConfigMapNameTaken, which
// reconcileConnectionDetails sets or clears in every pass, stands over any
// other reason: both need a person, and Ready names the other.
func (s *policyPass) setProgress(left leftToDo) {
	conds := &s.p.Status.Conditions
	if c := meta.FindStatusCondition(*conds, v1alpha1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue && c.Reason == v1alpha1.ReasonConfigMapNameTaken {
		left = needsPerson(c.Reason, c.Message)
	}
	switch {
	case left.needsPerson:
		s.cond(v1alpha1.ConditionStalled, metav1.ConditionTrue, left.reason, left.message)
		s.cond(v1alpha1.ConditionReconciling, metav1.ConditionFalse, left.reason, "Stalled: "+left.message)
	case left.reason != "":
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionStalled)
		s.cond(v1alpha1.ConditionReconciling, metav1.ConditionTrue, left.reason, left.message)
	default:
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionStalled)
		s.cond(v1alpha1.ConditionReconciling, metav1.ConditionFalse, v1alpha1.ReasonReady, "Nothing to do: the policy is applied and in effect.")
	}
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
