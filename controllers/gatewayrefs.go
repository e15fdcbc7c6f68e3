package controllers

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// AWS Controllers for Kubernetes' Gateway kind, which spec.gatewayRefs names.
const (
	ackGatewayGroup    = "bedrockagentcorecontrol.services.k8s.aws"
	ackGatewayKind     = "Gateway"
	ackGatewayResource = "gateways"
)

// gatewayRefIndex indexes GatewayAccessPolicies by the "namespace/name" of
// each ACK Gateway they reference.
const gatewayRefIndex = "spec.gatewayRefs"

// referencedARNPattern is the pattern the CRD holds typed gatewayARNs to,
// less the wildcard: an ARN read from an ACK Gateway's status names that
// one gateway, so a gateway/* there is never taken for "every gateway".
var referencedARNPattern = regexp.MustCompile(`^arn:aws[-a-z]*:bedrock-agentcore:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:gateway/[A-Za-z0-9][A-Za-z0-9_-]*$`)

// maxReferencedARNLength is the CRD's limit on a typed ARN.
const maxReferencedARNLength = 256

// +kubebuilder:rbac:groups=bedrockagentcorecontrol.services.k8s.aws,resources=gateways,verbs=get;list;watch

// ackGateways resolves spec.gatewayRefs to ARNs for both reconcilers, so
// that the endpoint merges exactly the ARNs its policies report. It reads
// ACK Gateways from the manager's cache, and only while discovery finds
// the kind (ackGatewayDiscovery keeps that up to date): the operator must
// start without ACK installed.
type ackGateways struct {
	reader client.Reader
	// interval is how often discovery looks for the kind, for messages.
	interval time.Duration
	// events carries the policies to reconcile again when a Gateway they
	// name changes its ARN, or when the kind appears or goes.
	events chan event.GenericEvent

	mu  sync.RWMutex
	gvk schema.GroupVersionKind
}

func newACKGateways(reader client.Reader, interval time.Duration) *ackGateways {
	return &ackGateways{reader: reader, interval: interval, events: make(chan event.GenericEvent, 1024)}
}

// kind is the served Gateway kind, or the zero value while there is none. A
// nil receiver (a reconciler built by hand, without Setup) knows none.
func (g *ackGateways) kind() schema.GroupVersionKind {
	if g == nil {
		return schema.GroupVersionKind{}
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.gvk
}

func (g *ackGateways) setKind(gvk schema.GroupVersionKind) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gvk = gvk
}

// source is the policy controller's event source for ACK Gateway changes.
func (g *ackGateways) source() source.Source {
	return source.Channel(g.events, &handler.EnqueueRequestForObject{})
}

// gatewayRefKey is the ACK Gateway a reference names.
func gatewayRefKey(p *v1alpha1.GatewayAccessPolicy, ref v1alpha1.ACKGatewayReference) types.NamespacedName {
	ns := ref.Namespace
	if ns == "" {
		ns = p.Namespace
	}
	return types.NamespacedName{Namespace: ns, Name: ref.Name}
}

// indexGatewayRefs registers gatewayRefIndex.
func indexGatewayRefs(ctx context.Context, indexer client.FieldIndexer) error {
	return indexer.IndexField(ctx, &v1alpha1.GatewayAccessPolicy{}, gatewayRefIndex, func(o client.Object) []string {
		p := o.(*v1alpha1.GatewayAccessPolicy)
		keys := make([]string, 0, len(p.Spec.GatewayRefs))
		for _, ref := range p.Spec.GatewayRefs {
			keys = append(keys, gatewayRefKey(p, ref).String())
		}
		return keys
	})
}

// resolve reads the ARN of each of p's gatewayRefs. pending, when not nil,
// says why the policy cannot be accepted yet: the kind is not served, or a
// Gateway is missing or has no ARN. Only Kubernetes API errors are errors.
func (g *ackGateways) resolve(ctx context.Context, p *v1alpha1.GatewayAccessPolicy) (refs []v1alpha1.ResolvedGatewayRef, pending *attachment, err error) {
	if len(p.Spec.GatewayRefs) == 0 {
		return nil, nil, nil
	}
	gvk := g.kind()
	var waiting []string
	for _, ref := range p.Spec.GatewayRefs {
		key := gatewayRefKey(p, ref)
		resolved := v1alpha1.ResolvedGatewayRef{Namespace: key.Namespace, Name: key.Name}
		if gvk.Empty() {
			refs = append(refs, resolved)
			continue
		}
		gw := &unstructured.Unstructured{}
		gw.SetGroupVersionKind(gvk)
		switch err := g.reader.Get(ctx, key, gw); {
		case apierrors.IsNotFound(err):
			waiting = append(waiting, fmt.Sprintf("Gateway %s does not exist", key))
		case err != nil:
			return nil, nil, fmt.Errorf("reading %s Gateway %s: %w", ackGatewayGroup, key, err)
		default:
			// Only a string counts: a status written by hand with another
			// type is as good as no ARN.
			if arn, ok, _ := unstructured.NestedString(gw.Object, "status", "ackResourceMetadata", "arn"); ok && arn != "" {
				resolved.ARN = arn
			} else {
				waiting = append(waiting, fmt.Sprintf("Gateway %s has no status.ackResourceMetadata.arn yet (ACK has not created it in AWS; see its conditions)", key))
			}
		}
		refs = append(refs, resolved)
	}
	switch {
	case gvk.Empty():
		return refs, &attachment{reason: v1alpha1.ReasonGatewayRefsUnsupported,
			message: fmt.Sprintf("spec.gatewayRefs names AWS Controllers for Kubernetes Gateways, but this cluster serves no %s %s kind; install ACK's bedrock-agentcore-control controller, or name the gateways in spec.gatewayARNs. The operator looks for the kind every %s.",
				ackGatewayGroup, ackGatewayKind, g.discoveryInterval())}, nil
	case len(waiting) > 0:
		return refs, &attachment{reason: v1alpha1.ReasonWaitingForGatewayARN,
			message: fmt.Sprintf("Waiting for the ARN of %d of %d gatewayRefs: %s. Nothing of this policy is in the endpoint policy until each has one.",
				len(waiting), len(p.Spec.GatewayRefs), strings.Join(waiting, "; "))}, nil
	}
	return refs, nil, nil
}

func (g *ackGateways) discoveryInterval() time.Duration {
	if g == nil || g.interval == 0 {
		return time.Minute
	}
	return g.interval
}

// attach decides whether p may attach to ge with every gateway it names:
// its typed ARNs and the ARNs its gatewayRefs resolve to, each checked the
// same way (pattern, region, the endpoint's allowedGateways). Both
// reconcilers call it; an accepted verdict carries the policy's effective
// ARN list, which is what the endpoint writes and what the policy's
// statement hash is computed from.
func (g *ackGateways) attach(ctx context.Context, p *v1alpha1.GatewayAccessPolicy, ge *v1alpha1.GatewayEndpoint, ns *corev1.Namespace, region, account string) (attachment, error) {
	refs, pending, err := g.resolve(ctx, p)
	if err != nil {
		return attachment{}, err
	}
	a := evaluateAttachment(p, ge, ns, region, account)
	a.refs = refs
	if !a.accepted {
		return a, nil
	}
	arns := slices.Clone(p.Spec.GatewayARNs)
	for _, ref := range refs {
		if ref.ARN == "" {
			continue
		}
		if refused := checkReferencedARN(ref, ge, region, account); refused != nil {
			refused.refs = refs
			return *refused, nil
		}
		if !slices.Contains(arns, ref.ARN) {
			arns = append(arns, ref.ARN)
		}
	}
	// A human must fix a bad ARN; a missing one only takes time. Report
	// the former first.
	if pending != nil {
		pending.refs = refs
		return *pending, nil
	}
	a.gatewayARNs = arns
	return a, nil
}

// checkReferencedARN checks an ARN read from an ACK Gateway's status as a
// typed ARN is checked, and more strictly: the CRD's pattern, which a
// status never passed through, and no wildcard.
func checkReferencedARN(ref v1alpha1.ResolvedGatewayRef, ge *v1alpha1.GatewayEndpoint, region, account string) *attachment {
	source := fmt.Sprintf("%s (status.ackResourceMetadata.arn of Gateway %s/%s)", ref.ARN, ref.Namespace, ref.Name)
	if len(ref.ARN) > maxReferencedARNLength || !referencedARNPattern.MatchString(ref.ARN) {
		return &attachment{reason: v1alpha1.ReasonInvalidSpec,
			message: fmt.Sprintf("Gateway ARN %s is not the ARN of one gateway (arn:aws:bedrock-agentcore:<region>:<account>:gateway/<gateway-id>, at most %d characters); the policy is not merged.", source, maxReferencedARNLength)}
	}
	return checkGatewayARN(ref.ARN, source, ge, region, account)
}

// gatewayRefsChanged says whether a policy update changed what its
// gatewayRefs resolve to. The endpoint reconciler enqueues on it: the ARNs
// themselves it reads from the ACK Gateways, never from this status.
func gatewayRefsChanged(oldObj, newObj client.Object) bool {
	o, ok1 := oldObj.(*v1alpha1.GatewayAccessPolicy)
	n, ok2 := newObj.(*v1alpha1.GatewayAccessPolicy)
	return ok1 && ok2 && !equality.Semantic.DeepEqual(o.Status.GatewayRefs, n.Status.GatewayRefs)
}
