package controllers

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// ackGatewayDiscovery looks for ACK's Gateway kind every interval, and
// starts (or stops) the informer on it when the kind appears (or goes): a
// watch on a kind the API server does not serve would fail, and the
// operator must not need ACK installed. It runs on the leader only, with
// the controllers.
type ackGatewayDiscovery struct {
	gateways  *ackGateways
	informers cache.Informers
	policies  client.Reader
	// discover returns the served Gateway kind, or the zero value.
	discover func(context.Context) (schema.GroupVersionKind, error)
	interval time.Duration
}

// discoverACKGateway asks the API server's discovery for the preferred
// version of ACK's group and whether it serves gateways of kind Gateway.
func discoverACKGateway(dc discovery.DiscoveryInterface) func(context.Context) (schema.GroupVersionKind, error) {
	return func(context.Context) (schema.GroupVersionKind, error) {
		groups, err := dc.ServerGroups()
		if err != nil {
			return schema.GroupVersionKind{}, fmt.Errorf("listing API groups: %w", err)
		}
		for _, group := range groups.Groups {
			if group.Name != ackGatewayGroup {
				continue
			}
			gv := group.PreferredVersion.GroupVersion
			resources, err := dc.ServerResourcesForGroupVersion(gv)
			if apierrors.IsNotFound(err) {
				return schema.GroupVersionKind{}, nil
			}
			if err != nil {
				return schema.GroupVersionKind{}, fmt.Errorf("listing the resources of %s: %w", gv, err)
			}
			for _, r := range resources.APIResources {
				if r.Name == ackGatewayResource && r.Kind == ackGatewayKind {
					return schema.GroupVersionKind{Group: ackGatewayGroup, Version: group.PreferredVersion.Version, Kind: ackGatewayKind}, nil
				}
			}
		}
		return schema.GroupVersionKind{}, nil
	}
}

// Start implements manager.Runnable.
func (d *ackGatewayDiscovery) Start(ctx context.Context) error {
	log := ctrl.Log.WithName("ackgateways")
	ctx = ctrl.LoggerInto(ctx, log)
	ticker := time.NewTicker(d.interval)
	defer ticker.Stop()
	for {
		if err := d.check(ctx); err != nil {
			log.Error(err, "looking for the ACK Gateway kind; trying again later")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// check brings the informer and the resolver in line with discovery, and
// reconciles every policy with gatewayRefs when the kind appeared or went.
func (d *ackGatewayDiscovery) check(ctx context.Context) error {
	gvk, err := d.discover(ctx)
	if err != nil {
		return err
	}
	current := d.gateways.kind()
	if gvk == current {
		return nil
	}
	log := ctrl.LoggerFrom(ctx)
	if !current.Empty() {
		// The CRD went (or changed version): stop the informer, whose
		// list and watch would fail from now on.
		if err := d.informers.RemoveInformer(ctx, gatewayObject(current)); err != nil {
			return fmt.Errorf("stopping the informer on %s: %w", current, err)
		}
		d.gateways.setKind(schema.GroupVersionKind{})
		log.Info("ACK Gateway kind no longer served; policies with gatewayRefs are not accepted", "kind", current.String())
	}
	if !gvk.Empty() {
		syncCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		informer, err := d.informers.GetInformer(syncCtx, gatewayObject(gvk))
		if err != nil {
			return fmt.Errorf("starting the informer on %s: %w", gvk, err)
		}
		if _, err := informer.AddEventHandler(d.handler(ctx)); err != nil {
			return fmt.Errorf("watching %s: %w", gvk, err)
		}
		d.gateways.setKind(gvk)
		log.Info("ACK Gateway kind found; following the Gateways that policies reference", "kind", gvk.String())
	}
	return d.enqueue(ctx, func(p *v1alpha1.GatewayAccessPolicy) bool { return len(p.Spec.GatewayRefs) > 0 })
}

func gatewayObject(gvk schema.GroupVersionKind) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u
}

// handler maps Gateway events to the policies naming that Gateway. ACK
// updates a Gateway's status often (conditions, sync times); only a change
// of its ARN, its creation and its deletion matter here.
func (d *ackGatewayDiscovery) handler(ctx context.Context) toolscache.ResourceEventHandler {
	enqueue := func(obj any) {
		if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		gw, ok := obj.(client.Object)
		if !ok {
			return
		}
		key := client.ObjectKeyFromObject(gw).String()
		if err := d.enqueue(ctx, func(*v1alpha1.GatewayAccessPolicy) bool { return true }, client.MatchingFields{gatewayRefIndex: key}); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "listing the policies of an ACK Gateway", "gateway", key)
		}
	}
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { enqueue(obj) },
		UpdateFunc: func(oldObj, newObj any) {
			if ackARN(oldObj) != ackARN(newObj) {
				enqueue(newObj)
			}
		},
		DeleteFunc: enqueue,
	}
}

func ackARN(obj any) string {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return ""
	}
	arn, _, _ := unstructured.NestedString(u.Object, "status", "ackResourceMetadata", "arn")
	return arn
}

// enqueue sends the policies that match to the policy controller.
func (d *ackGatewayDiscovery) enqueue(ctx context.Context, match func(*v1alpha1.GatewayAccessPolicy) bool, opts ...client.ListOption) error {
	var list v1alpha1.GatewayAccessPolicyList
	if err := d.policies.List(ctx, &list, opts...); err != nil {
		return err
	}
	for i := range list.Items {
		if !match(&list.Items[i]) {
			continue
		}
		select {
		case d.gateways.events <- event.GenericEvent{Object: &list.Items[i]}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// setupACKGateways makes the resolver both reconcilers share and registers
// the discovery that feeds it with mgr.
func setupACKGateways(mgr ctrl.Manager, interval time.Duration) (*ackGateways, error) {
	dc, err := discovery.NewDiscoveryClientForConfigAndClient(mgr.GetConfig(), mgr.GetHTTPClient())
	if err != nil {
		return nil, fmt.Errorf("creating a discovery client: %w", err)
	}
	gateways := newACKGateways(mgr.GetCache(), interval)
	return gateways, mgr.Add(&ackGatewayDiscovery{
		gateways: gateways, informers: mgr.GetCache(), policies: mgr.GetCache(),
		discover: discoverACKGateway(dc), interval: interval,
	})
}
