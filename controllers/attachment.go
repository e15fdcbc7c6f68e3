package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// endpointRefIndex indexes GatewayAccessPolicies by the "namespace/name" of
// the GatewayEndpoint they attach to.
const endpointRefIndex = "spec.endpointRef"

// endpointKey is the GatewayEndpoint a policy refers to.
func endpointKey(p *v1alpha1.GatewayAccessPolicy) types.NamespacedName {
	ns := p.Spec.EndpointRef.Namespace
	if ns == "" {
		ns = p.Namespace
	}
	return types.NamespacedName{Namespace: ns, Name: p.Spec.EndpointRef.Name}
}

// SetupIndexes registers the field indexes both reconcilers use with the
// manager's cache (or any cache: the tests that call Reconcile directly
// index their own); call it once, before the reconcilers run.
func SetupIndexes(ctx context.Context, indexer client.FieldIndexer) error {
	if err := indexer.IndexField(ctx, &v1alpha1.GatewayEndpoint{}, adoptEndpointIndex, func(o client.Object) []string {
		if id := o.(*v1alpha1.GatewayEndpoint).Spec.AdoptEndpointID; id != "" {
			return []string{id}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := indexGatewayRefs(ctx, indexer); err != nil {
		return err
	}
	return indexer.IndexField(ctx, &v1alpha1.GatewayAccessPolicy{}, endpointRefIndex, func(o client.Object) []string {
		return []string{endpointKey(o.(*v1alpha1.GatewayAccessPolicy)).String()}
	})
}

// policyEndpointsHandler enqueues the endpoints whose document a policy
// event may change: its endpoint on create and delete; on a spec change the
// endpoint it now names and, when endpointRef moved, the one it left, whose
// document must drop its statement. A policy's own status writes change no
// document and enqueue nothing, except a change of what its gatewayRefs
// resolved to: the endpoint then reads the ACK Gateways again.
func policyEndpointsHandler() handler.TypedEventHandler[client.Object, reconcile.Request] {
	enqueue := func(q workqueue.TypedRateLimitingInterface[reconcile.Request], objs ...client.Object) {
		for _, o := range objs {
			if p, ok := o.(*v1alpha1.GatewayAccessPolicy); ok {
				q.Add(reconcile.Request{NamespacedName: endpointKey(p)})
			}
		}
	}
	return handler.TypedFuncs[client.Object, reconcile.Request]{
		CreateFunc: func(_ context.Context, e event.TypedCreateEvent[client.Object], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(q, e.Object)
		},
		UpdateFunc: func(_ context.Context, e event.TypedUpdateEvent[client.Object], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() || e.ObjectNew.GetDeletionTimestamp() != nil ||
				gatewayRefsChanged(e.ObjectOld, e.ObjectNew) {
				enqueue(q, e.ObjectOld, e.ObjectNew)
			}
		},
		DeleteFunc: func(_ context.Context, e event.TypedDeleteEvent[client.Object], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(q, e.Object)
		},
	}
}

// endpointsOfNamespace maps a namespace label change to the endpoints its
// policies attach to: the labels may now admit or refuse them.
func (r *GatewayEndpointReconciler) endpointsOfNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1alpha1.GatewayAccessPolicyList
	if err := r.List(ctx, &list, client.InNamespace(o.GetName())); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing policies of namespace", "namespace", o.GetName())
		return nil
	}
	seen := map[types.NamespacedName]bool{}
	var reqs []reconcile.Request
	for i := range list.Items {
		key := endpointKey(&list.Items[i])
		if !seen[key] {
			seen[key] = true
			reqs = append(reqs, reconcile.Request{NamespacedName: key})
		}
	}
	return reqs
}

// attachment is the verdict on one policy attaching to one endpoint.
type attachment struct {
	accepted bool
	reason   string
	message  string
	// gatewayARNs, once accepted by ackGateways.attach, are every gateway
	// the policy admits: its gatewayARNs, then what its gatewayRefs
	// resolved to.
	gatewayARNs []string
	// refs are what the policy's gatewayRefs resolved to (ARN empty while
	// unknown).
	refs []v1alpha1.ResolvedGatewayRef
}

// evaluateAttachment decides whether policy p may attach to ge (nil when the
// endpoint does not exist). Both reconcilers use it, so the endpoint merges
// exactly the policies that report Accepted.
//
// account is the AWS account that owns the endpoint; gateways are admitted
// only from it, or from the accounts the endpoint's allowedGateways lists.
func evaluateAttachment(p *v1alpha1.GatewayAccessPolicy, ge *v1alpha1.GatewayEndpoint, ns *corev1.Namespace, endpointRegion, account string) attachment {
	key := endpointKey(p)
	if ge == nil || !ge.DeletionTimestamp.IsZero() {
		return attachment{reason: v1alpha1.ReasonEndpointMissing,
			message: fmt.Sprintf("GatewayEndpoint %s does not exist (or is being deleted); fix spec.endpointRef or create the endpoint.", key)}
	}
	allowed := ge.Spec.Access.AllowedNamespaces
	switch allowed.From {
	case v1alpha1.NamespacesFromAll:
	case v1alpha1.NamespacesFromSelector:
		sel, err := metav1.LabelSelectorAsSelector(allowed.Selector)
		if err != nil {
			return attachment{reason: v1alpha1.ReasonNamespaceNotAllowed,
				message: fmt.Sprintf("GatewayEndpoint %s has an invalid access.allowedNamespaces.selector: %v", key, err)}
		}
		var nsLabels labels.Set
		if ns != nil {
			nsLabels = ns.Labels
		}
		if !sel.Matches(nsLabels) {
			return attachment{reason: v1alpha1.ReasonNamespaceNotAllowed,
				message: fmt.Sprintf("GatewayEndpoint %s admits policies only from namespaces matching %q; label namespace %s accordingly or ask its owner.", key, sel.String(), p.Namespace)}
		}
	default: // Same, and the defaulted empty value
		if p.Namespace != ge.Namespace {
			return attachment{reason: v1alpha1.ReasonNamespaceNotAllowed,
				message: fmt.Sprintf("GatewayEndpoint %s admits policies only from its own namespace %s (access.allowedNamespaces.from: Same).", key, ge.Namespace)}
		}
	}
	for _, raw := range p.Spec.GatewayARNs {
		if refused := checkGatewayARN(raw, raw, ge, endpointRegion, account); refused != nil {
			return *refused
		}
	}
	return attachment{accepted: true, reason: v1alpha1.ReasonAccepted,
		message: fmt.Sprintf("Attached to GatewayEndpoint %s.", key)}
}

// checkGatewayARN refuses a gateway ARN that does not parse, is of another
// region than the endpoint's, or is outside the endpoint's allowedGateways;
// nil admits it. source names the ARN in messages.
func checkGatewayARN(raw, source string, ge *v1alpha1.GatewayEndpoint, endpointRegion, account string) *attachment {
	key := client.ObjectKeyFromObject(ge)
	arn, err := policy.ParseARN(raw)
	if err != nil {
		return &attachment{reason: v1alpha1.ReasonInvalidSpec, message: fmt.Sprintf("Gateway ARN %s is not valid: %v", source, err)}
	}
	if endpointRegion != "" && arn.Region != endpointRegion {
		return &attachment{reason: v1alpha1.ReasonRegionMismatch,
			message: fmt.Sprintf("Gateway ARN %s is in region %s but GatewayEndpoint %s is in %s; a VPC endpoint reaches only gateways of its own region.", source, arn.Region, key, endpointRegion)}
	}
	if refused := gatewayNotAllowed(arn, ge, account); refused != "" {
		return &attachment{reason: v1alpha1.ReasonGatewayNotAllowed, message: fmt.Sprintf("Gateway ARN %s: %s", source, refused)}
	}
	return nil
}

// endpointRegion is the region a GatewayEndpoint lives in.
func endpointRegion(ge *v1alpha1.GatewayEndpoint, defaultRegion string) string {
	switch {
	case ge == nil:
		return defaultRegion
	case ge.Spec.Region != "":
		return ge.Spec.Region
	case ge.Status.Region != "":
		return ge.Status.Region
	}
	return defaultRegion
}

// gatewayNotAllowed says why the endpoint's owner does not allow arn, or ""
// when it does: the endpoint policy is VPC-wide, so what one team admits
// every workload in the VPC can reach, and only the endpoint's owner decides
// how far that goes.
func gatewayNotAllowed(arn policy.GatewayARN, ge *v1alpha1.GatewayEndpoint, account string) string {
	allowed := ge.Spec.Access.AllowedGateways
	key := client.ObjectKeyFromObject(ge)
	if arn.GatewayID == "*" && !allowed.Wildcard {
		return fmt.Sprintf("GatewayEndpoint %s does not allow gateway/* (spec.access.allowedGateways.wildcard is false); name each gateway, or ask the endpoint's owner.", key)
	}
	accounts := allowed.Accounts
	if len(accounts) == 0 {
		if account == "" {
			return fmt.Sprintf("the account that owns GatewayEndpoint %s is not known yet.", key)
		}
		accounts = []string{account}
	}
	if !slices.Contains(accounts, arn.Account) {
		return fmt.Sprintf("account %s is not one GatewayEndpoint %s admits gateways from (%s; spec.access.allowedGateways.accounts, by default only the endpoint's own account).",
			arn.Account, key, strings.Join(accounts, ", "))
	}
	return ""
}
