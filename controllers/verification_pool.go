package controllers

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/verify"
)

// DefaultMaxConcurrentVerifications is --max-concurrent-verifications'
// default: policies probed at once.
const DefaultMaxConcurrentVerifications = 4

// verificationPool runs Verify for policies on a schedule, at most
// MaxConcurrent at once, each policy at most once at a time. A policy is
// probed when it appears, when its spec changes (generation), when its
// statement lands in the endpoint's document (status.appliedAt), and then
// every jittered interval on the injected clock; its other status writes,
// including the Verifier's own, do not probe it again.
type verificationPool struct {
	verify func(ctx context.Context, key types.NamespacedName) (time.Duration, error)
	clock  clock.WithDelayedExecution
	queue  workqueue.TypedInterface[types.NamespacedName]

	mu    sync.Mutex
	items map[types.NamespacedName]*scheduledProbe
}

type scheduledProbe struct {
	trigger probeTrigger // what the policy looked like when last queued
	timer   clock.Timer
}

// probeTrigger is what, changed, makes a policy worth probing at once.
type probeTrigger struct {
	generation int64
	appliedAt  time.Time
}

func triggerOf(p *v1alpha1.GatewayAccessPolicy) probeTrigger {
	t := probeTrigger{generation: p.Generation}
	if p.Status.AppliedAt != nil {
		t.appliedAt = p.Status.AppliedAt.Time
	}
	return t
}

func newVerificationPool(c clock.WithDelayedExecution, verify func(context.Context, types.NamespacedName) (time.Duration, error)) *verificationPool {
	return &verificationPool{
		verify: verify,
		clock:  c,
		queue:  workqueue.NewTyped[types.NamespacedName](),
		items:  map[types.NamespacedName]*scheduledProbe{},
	}
}

// observe is the informer's view of a policy: probe it at once when it is
// new to the pool, or its spec or applied statement changed since it was
// last queued.
func (q *verificationPool) observe(p *v1alpha1.GatewayAccessPolicy) {
	key := client.ObjectKeyFromObject(p)
	q.mu.Lock()
	item, known := q.items[key]
	if known && item.trigger == triggerOf(p) {
		q.mu.Unlock()
		return
	}
	if !known && p.Spec.Verify == nil && p.Status.Verification == nil {
		// Nothing to probe and nothing to clear.
		q.mu.Unlock()
		return
	}
	if !known {
		item = &scheduledProbe{}
		q.items[key] = item
	}
	item.trigger = triggerOf(p)
	if item.timer != nil {
		item.timer.Stop()
		item.timer = nil
	}
	q.mu.Unlock()
	q.queue.Add(key)
}

// forget drops a deleted policy; a probe in flight for it finds it gone.
func (q *verificationPool) forget(key types.NamespacedName) {
	q.mu.Lock()
	if item, ok := q.items[key]; ok && item.timer != nil {
		item.timer.Stop()
	}
	delete(q.items, key)
	q.mu.Unlock()
	forgetVerificationMetrics(key)
}

// after queues key again in d; 0 ends its schedule.
func (q *verificationPool) after(key types.NamespacedName, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	item, ok := q.items[key]
	if !ok {
		return
	}
	if item.timer != nil {
		item.timer.Stop()
		item.timer = nil
	}
	if d <= 0 {
		delete(q.items, key)
		return
	}
	item.timer = q.clock.AfterFunc(d, func() { q.queue.Add(key) })
}

// run works the queue with workers goroutines until ctx ends.
func (q *verificationPool) run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				key, shutdown := q.queue.Get()
				if shutdown {
					return
				}
				q.work(ctx, key)
				q.queue.Done(key)
			}
		}()
	}
	<-ctx.Done()
	q.queue.ShutDown()
	wg.Wait()
	q.mu.Lock()
	for _, item := range q.items {
		if item.timer != nil {
			item.timer.Stop()
		}
	}
	q.mu.Unlock()
}

func (q *verificationPool) work(ctx context.Context, key types.NamespacedName) {
	log := ctrl.LoggerFrom(ctx).WithValues("gatewayAccessPolicy", key)
	next, err := q.verify(ctrl.LoggerInto(ctx, log), key)
	if err != nil {
		log.Error(err, "verification could not run; trying again later", "retryAfter", next)
	}
	q.after(key, next)
}

// SetupWithManager feeds the pool from the manager's GatewayAccessPolicy
// informer and adds the Verifier to the manager, where it runs on the
// leader only.
func (v *Verifier) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if v.MaxConcurrent < 1 {
		v.MaxConcurrent = DefaultMaxConcurrentVerifications
	}
	registerVerificationResults()
	v.init()
	v.pool = newVerificationPool(v.Clock, v.Verify)
	informer, err := mgr.GetCache().GetInformer(ctx, &v1alpha1.GatewayAccessPolicy{})
	if err != nil {
		return fmt.Errorf("getting the GatewayAccessPolicy informer: %w", err)
	}
	if _, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if p, ok := obj.(*v1alpha1.GatewayAccessPolicy); ok {
				v.pool.observe(p)
			}
		},
		UpdateFunc: func(_, obj any) {
			if p, ok := obj.(*v1alpha1.GatewayAccessPolicy); ok {
				v.pool.observe(p)
			}
		},
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if p, ok := obj.(*v1alpha1.GatewayAccessPolicy); ok {
				v.pool.forget(client.ObjectKeyFromObject(p))
			}
		},
	}); err != nil {
		return fmt.Errorf("watching GatewayAccessPolicies for verification: %w", err)
	}
	return mgr.Add(v)
}

// Start runs the pool until ctx ends (manager.Runnable).
func (v *Verifier) Start(ctx context.Context) error {
	log := ctrl.Log.WithName("verification")
	v.pool.run(ctrl.LoggerInto(ctx, log), v.MaxConcurrent)
	return nil
}

// NeedLeaderElection runs the probes on the leader only: one replica
// probing is enough, and the status it writes has one author.
func (v *Verifier) NeedLeaderElection() bool { return true }

// VerificationOptions configure the Verifier that Setup adds.
type VerificationOptions struct {
	// MaxConcurrent bounds the probes in flight; zero means
	// DefaultMaxConcurrentVerifications.
	MaxConcurrent int
	// OperatorVPCID is the VPC of the operator's pods (--vpc-id); endpoints
	// of other VPCs are NotVerifiable. Empty: not checked.
	OperatorVPCID string
	// Probe configures the probe: resolver, dialer, trusted roots, timeout
	// (default 5s). Tests point the resolver and dialer at the simulators.
	Probe verify.Options
	// Identity names the operator in messages about Secrets it may not read;
	// default: asked of the API server.
	Identity func(ctx context.Context) (string, error)
}

// setupVerifier adds the Verifier to the manager, reading Secrets through
// its uncached API reader.
func setupVerifier(ctx context.Context, mgr ctrl.Manager, o Options) error {
	return (&Verifier{
		Client:           mgr.GetClient(),
		APIReader:        mgr.GetAPIReader(),
		Recorder:         mgr.GetEventRecorder("agentcore-vpce-operator"),
		Clouds:           o.Clouds,
		Clock:            o.Clock,
		DefaultRegion:    o.DefaultRegion,
		PropagationDelay: o.PropagationDelay,
		OperatorVPCID:    o.Verification.OperatorVPCID,
		MaxConcurrent:    o.Verification.MaxConcurrent,
		Probe:            o.Verification.Probe,
		Identity:         o.Verification.Identity,
	}).SetupWithManager(ctx, mgr)
}
