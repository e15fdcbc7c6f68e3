package controllers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// Timing of requeues.
const (
	// stalledRetry is how long a GatewayEndpoint that needs a human waits
	// before the operator looks again on its own; a spec change is seen at
	// once through the watch.
	stalledRetry = 5 * time.Minute
	// minPendingRecheck and maxPendingRecheck bound the growing recheck of
	// a pending endpoint (AWS takes 2 to 5 minutes); the cap keeps Ready within
	// seconds of the endpoint becoming available.
	minPendingRecheck = 2 * time.Second
	maxPendingRecheck = 5 * time.Second
)

// recheckPriority puts the recheck of an endpoint that already exists ahead
// of objects still queued for their first create: under a burst of new
// objects, EC2's small CreateVpcEndpoint bucket holds the creators back,
// and an endpoint that became available must not wait behind all of them
// to be reported Ready.
const recheckPriority = 10

// changedPriority puts an object whose endpoint a poll or a refresh found
// changed (most often: it became available) ahead of the rechecks of
// pending endpoints too, so that Ready follows available at once.
const changedPriority = 20

// GatewayEndpointReconciler drives an interface VPC endpoint, its security
// group and its policy document. It is the only writer of the AWS endpoint.
type GatewayEndpointReconciler struct {
	client.Client
	Recorder recorder.EventRecorder
	Clouds   *Clouds
	Clock    clock.PassiveClock
	// EC2Clock measures EC2's timings (the inventory's refresh age, pending
	// poll and consistency lag). Nil means Clock; tests whose operator runs
	// on a fake clock against a simulator on real time set it apart.
	EC2Clock clock.PassiveClock

	// DefaultRegion is used when spec.region is empty.
	DefaultRegion string
	// ClusterName goes into the ownership tags.
	ClusterName string
	// PropagationDelay is how long the gateway may serve a cached access
	// policy after the endpoint policy changed (15 minutes on AWS).
	PropagationDelay time.Duration
	// SyncPeriod is how often an endpoint in shape is re-read from AWS.
	SyncPeriod time.Duration
	// MaxConcurrentReconciles bounds parallel reconciles.
	MaxConcurrentReconciles int
	// LostEndpointGrace is how long the endpoint recorded in status may be
	// unknown to EC2 before it is taken as deleted outside the operator and
	// replaced.
	LostEndpointGrace time.Duration
	// PolicyWriteInterval and PolicyWriteBurst pace the policy-driven
	// ModifyVpcEndpoint calls of each endpoint (see policyWrites).
	PolicyWriteInterval time.Duration
	PolicyWriteBurst    int

	lost         lostEndpoints
	policyWrites *policyWrites
	// spentTokens remembers since when a CreateVpcEndpoint client token
	// has been answered IdempotentParameterMismatch; tokenSalts holds the
	// salt of the token that replaces it.
	spentTokens lostEndpoints
	tokenSalts  sync.Map
	// created remembers, per object UID, the endpoint this process created,
	// for a deletion whose cache does not show the status write yet.
	created sync.Map
	// verifiedRegions remembers, per object UID, the status.region found to
	// hold the object's resources.
	verifiedRegions sync.Map
	// preflighted remembers the object generations whose preflight passed.
	preflighted sync.Map
	// ConsistencyLag is how long after a write EC2's reads may still show
	// the old state; a read-back younger than that never counts against
	// the write guard.
	ConsistencyLag time.Duration
	// PendingPollInterval is how often the endpoints that are pending or
	// deleting are read, all of a region's in one call.
	PendingPollInterval time.Duration
	writes              *writeGuard
	// inventories holds each region's Inventory.
	inventories sync.Map
	// queue is the controller's work queue once it runs, for the objects
	// whose endpoint a poll or a refresh found changed.
	queue atomic.Pointer[workqueue.TypedRateLimitingInterface[reconcile.Request]]
	// ackGateways resolves policies' spec.gatewayRefs (nil: none resolve).
	ackGateways *ackGateways

	initOnce sync.Once
}

// init makes the reconciler's own state; Reconcile and SetupWithManager
// call it, so a reconciler built by hand (as the direct tests do) works too.
func (r *GatewayEndpointReconciler) init() {
	r.initOnce.Do(func() {
		r.policyWrites = newPolicyWrites(cmp.Or(r.PolicyWriteInterval, 30*time.Second), cmp.Or(r.PolicyWriteBurst, 2))
		r.writes = newWriteGuard()
	})
}

// endpointScope is one reconcile's working state.
type endpointScope struct {
	ge    *v1alpha1.GatewayEndpoint
	cloud *awsclient.Client
	// inv is the region's inventory: every read of the object's endpoint
	// and groups, and every write to them, goes through it.
	inv    *awsclient.Inventory
	region string
	// account owns the endpoint: the operator's AWS account.
	account string
	owner   awsclient.Owner
	log     logr.Logger
	now     time.Time
	// phase is the condition the running step owns, so a failure is
	// reported on it.
	phase string
	// requeueAfter is the soonest recheck a step asked for.
	requeueAfter time.Duration
	// progressing explains work under way (kstatus Reconciling).
	progressing string
	// policyQueued says when a paced policy write will happen, if one waits.
	policyQueued string
}

func (s *endpointScope) requeue(d time.Duration) {
	if d > 0 && (s.requeueAfter == 0 || d < s.requeueAfter) {
		s.requeueAfter = d
	}
}

func (s *endpointScope) condition(condType string, status metav1.ConditionStatus, reason, message string) {
	setCondition(&s.ge.Status.Conditions, s.ge.Generation, condType, status, reason, message)
}

// +kubebuilder:rbac:groups=vpce.agentcore.io,resources=gatewayendpoints,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=vpce.agentcore.io,resources=gatewayendpoints/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=vpce.agentcore.io,resources=gatewayendpoints/finalizers,verbs=update
// +kubebuilder:rbac:groups=vpce.agentcore.io,resources=gatewayaccesspolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Reconcile brings AWS in line with one GatewayEndpoint: security group,
// endpoint, policy, then one status patch.
func (r *GatewayEndpointReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	r.init()
	log := ctrl.LoggerFrom(ctx)
	ge := &v1alpha1.GatewayEndpoint{}
	if err := r.Get(ctx, req.NamespacedName, ge); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	if ge.DeletionTimestamp.IsZero() && !controllerutil.ContainsFinalizer(ge, v1alpha1.Finalizer) {
		patch := client.MergeFrom(ge.DeepCopy())
		controllerutil.AddFinalizer(ge, v1alpha1.Finalizer)
		if err := r.Patch(ctx, ge, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("adding finalizer: %w", err)
		}
	}

	before := ge.DeepCopy()
	defer func() {
		if equality.Semantic.DeepEqual(before.Status, ge.Status) {
			return
		}
		if err := r.Status().Patch(ctx, ge, client.MergeFrom(before)); err != nil && !apierrors.IsNotFound(err) {
			retErr = errors.Join(retErr, fmt.Errorf("patching status: %w", err))
		}
	}()

	s := &endpointScope{ge: ge, log: log, now: r.Clock.Now(), owner: awsclient.Owner{
		Cluster: r.ClusterName, Namespace: ge.Namespace, Name: ge.Name, UID: string(ge.UID),
	}}
	s.region = endpointRegion(ge, r.DefaultRegion)
	if !ge.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, s)
	}
	ge.Status.Region = s.region

	initConditions(&ge.Status.Conditions, ge.Generation, v1alpha1.ConditionSecurityGroupReady,
		v1alpha1.ConditionEndpointAvailable, v1alpha1.ConditionPolicyApplied, v1alpha1.ConditionReady)
	return r.finish(s, r.reconcileAWS(ctx, s))
}

// reconcileAWS runs the phases in order; each owns one condition.
func (r *GatewayEndpointReconciler) reconcileAWS(ctx context.Context, s *endpointScope) error {
	s.phase = v1alpha1.ConditionSecurityGroupReady
	if s.region == "" {
		return stalled(v1alpha1.ReasonInvalidSpec, "No region: set spec.region, or start the operator with --region or AWS_REGION.")
	}
	if err := r.checkStatusRegion(ctx, s); err != nil {
		return err
	}
	if name := s.ge.Spec.ServiceName; name != "" && name != awsclient.DefaultServiceName(s.region) {
		if !strings.HasSuffix(name, ".bedrock-agentcore.gateway") {
			// Admitted by an older CRD: never connect another service.
			return stalled(v1alpha1.ReasonInvalidSpec, "spec.serviceName %s is not the AgentCore Gateway service; only %s is allowed. Create the GatewayEndpoint again without serviceName.",
				name, awsclient.DefaultServiceName(s.region))
		}
		return stalled(v1alpha1.ReasonRegionMismatch, "spec.serviceName %s is not the AgentCore Gateway service of the endpoint's region %s (%s); create the GatewayEndpoint again with spec.region set, or without serviceName.",
			name, s.region, awsclient.DefaultServiceName(s.region))
	}
	cloud, err := r.Clouds.ForRegion(ctx, s.region)
	if err != nil {
		return err
	}
	s.cloud, s.inv = cloud, r.inventory(cloud)
	if s.account, err = r.Clouds.Account(ctx, s.region); err != nil {
		return err
	}

	groupIDs, err := r.reconcileSecurityGroup(ctx, s)
	if err != nil || (groupIDs == nil && s.ge.Spec.SecurityGroup.Managed != nil) {
		// A failed (or waiting) group step holds back the endpoint step, but
		// not a revocation.
		r.applyPolicyAlone(ctx, s)
		return err
	}
	s.phase = v1alpha1.ConditionEndpointAvailable
	return r.reconcileEndpoint(ctx, s, groupIDs)
}

// finish turns the outcome into conditions and a requeue.
func (r *GatewayEndpointReconciler) finish(s *endpointScope, err error) (ctrl.Result, error) {
	ge := s.ge
	ge.Status.ObservedGeneration = ge.Generation
	if err != nil {
		reason, message, terminal := classify(err)
		s.condition(s.phase, metav1.ConditionFalse, reason, message)
		s.condition(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
		if terminal {
			s.condition(v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
			s.condition(v1alpha1.ConditionReconciling, metav1.ConditionFalse, reason, "Stalled: "+message)
			s.log.Info("reconcile stalled", "reason", reason, "message", message)
			r.Recorder.Eventf(ge, nil, corev1.EventTypeWarning, reason, "Reconcile", "%s", message)
			return ctrl.Result{RequeueAfter: stalledRetry}, nil
		}
		meta.RemoveStatusCondition(&ge.Status.Conditions, v1alpha1.ConditionStalled)
		s.condition(v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
		if wait := awsclient.RetryAfter(err); wait > 0 {
			// The worker goes back to serve other objects; this one comes
			// again when the client-side budget has a token for it.
			return ctrl.Result{RequeueAfter: wait}, nil
		}
		return ctrl.Result{}, err
	}

	if s.progressing != "" {
		s.condition(v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonReconciling, s.progressing)
	} else {
		s.condition(v1alpha1.ConditionReconciling, metav1.ConditionFalse, v1alpha1.ReasonReady, "Nothing to do: AWS matches the spec.")
	}
	meta.RemoveStatusCondition(&ge.Status.Conditions, v1alpha1.ConditionStalled)
	r.setReady(s)
	if s.requeueAfter == 0 {
		return ctrl.Result{RequeueAfter: jitter(r.SyncPeriod)}, nil
	}
	result := ctrl.Result{RequeueAfter: s.requeueAfter}
	if ge.Status.EndpointID != "" {
		result.Priority = ptr.To(recheckPriority)
	}
	return result, nil
}

// setReady is true when every phase condition is.
func (r *GatewayEndpointReconciler) setReady(s *endpointScope) {
	for _, t := range []string{v1alpha1.ConditionSecurityGroupReady, v1alpha1.ConditionEndpointAvailable, v1alpha1.ConditionPolicyApplied} {
		c := meta.FindStatusCondition(s.ge.Status.Conditions, t)
		if c == nil || c.Status != metav1.ConditionTrue {
			reason, message := v1alpha1.ReasonNotReady, t+" is not yet true."
			if c != nil {
				reason, message = c.Reason, c.Message
			}
			s.condition(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
			return
		}
	}
	message := fmt.Sprintf("Endpoint %s is available; agents in the VPC can reach the gateways its policy admits.", s.ge.Status.EndpointID)
	if p := s.ge.Status.Policy; p != nil && p.EffectiveAt != nil && s.now.Before(p.EffectiveAt.Time) {
		message += fmt.Sprintf(" The policy written at %s is certain to be enforced from %s: the gateway caches access policies for up to %s.",
			p.AppliedAt.UTC().Format(time.RFC3339), p.EffectiveAt.UTC().Format(time.RFC3339), r.PropagationDelay)
	}
	s.condition(v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonReady, message)
}

// pendingRecheck grows with the time the endpoint has been pending: quick
// at first, then at most every maxPendingRecheck.
func pendingRecheck(since, now time.Time) time.Duration {
	d := now.Sub(since) / 3
	return min(max(d, minPendingRecheck), maxPendingRecheck)
}

// jitter spreads resyncs of many endpoints over 10% of the period, so that
// they do not all hit EC2 at once.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

// SetupWithManager registers the controller and its watches.
func (r *GatewayEndpointReconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.init()
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.GatewayEndpoint{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}, predicate.LabelChangedPredicate{},
			deletionPredicate()))).
		Watches(&v1alpha1.GatewayAccessPolicy{}, policyEndpointsHandler()).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.endpointsOfNamespace),
			builder.WithPredicates(predicate.LabelChangedPredicate{})).
		WatchesRawSource(source.Func(r.startPolling)).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: r.MaxConcurrentReconciles,
			RateLimiter:             workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](500*time.Millisecond, 5*time.Minute),
		}).
		Named("gatewayendpoint").
		Complete(r)
}

// deletionPredicate passes updates that start a deletion: they do not bump
// the generation when only a finalizer holds the object.
func deletionPredicate() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectNew.GetDeletionTimestamp() != nil
	}}
}

// inventory is the Inventory of cloud's region, made on first use.
func (r *GatewayEndpointReconciler) inventory(cloud *awsclient.Client) *awsclient.Inventory {
	if inv, ok := r.inventories.Load(cloud.Region()); ok {
		return inv.(*awsclient.Inventory)
	}
	ec2Clock := r.EC2Clock
	if ec2Clock == nil {
		ec2Clock = r.Clock
	}
	inv := awsclient.NewInventory(cloud, awsclient.InventoryOptions{
		Cluster: r.ClusterName, Now: ec2Clock.Now, RefreshEvery: r.SyncPeriod,
		PollEvery: r.PendingPollInterval, ConsistencyLag: r.ConsistencyLag,
	})
	inv.OnChange(r.enqueue)
	actual, _ := r.inventories.LoadOrStore(cloud.Region(), inv)
	return actual.(*awsclient.Inventory)
}

// enqueue reconciles the objects whose endpoint changed, ahead of rechecks
// and of objects still queued for their first create.
func (r *GatewayEndpointReconciler) enqueue(objects []types.NamespacedName) {
	q := r.queue.Load()
	if q == nil {
		return
	}
	for _, o := range objects {
		if o.Name == "" {
			continue
		}
		req := reconcile.Request{NamespacedName: o}
		if pq, ok := (*q).(priorityqueue.PriorityQueue[reconcile.Request]); ok {
			pq.AddWithOpts(priorityqueue.AddOpts{Priority: ptr.To(changedPriority)}, req)
		} else {
			(*q).Add(req)
		}
	}
}

// startPolling runs the pending poller of every region's inventory until
// ctx ends: a source of the controller, so that it has the queue.
func (r *GatewayEndpointReconciler) startPolling(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
	r.queue.Store(&q)
	every := cmp.Or(r.PendingPollInterval, 2*time.Second)
	go func() {
		tick := time.NewTicker(every / 2)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			r.inventories.Range(func(_, v any) bool {
				if _, err := v.(*awsclient.Inventory).PollIfDue(ctx); err != nil {
					ctrl.LoggerFrom(ctx).V(1).Info("polling pending endpoints", "error", err.Error())
				}
				return true
			})
		}
	}()
	return nil
}
