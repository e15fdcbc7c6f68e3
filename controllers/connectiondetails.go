package controllers

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// Labels of the ConfigMaps the operator writes. The manager's cache holds
// only ConfigMaps with LabelManagedBy=ManagedBy (CacheByObject), so the
// operator neither reads nor keeps other teams' configuration in memory.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "agentcore-vpce-operator"
	// LabelGatewayAccessPolicy names the policy a ConfigMap belongs to,
	// for kubectl get -l; the ownerReference is what the operator checks.
	LabelGatewayAccessPolicy = "vpce.agentcore.io/gateway-access-policy"
)

// connectionDetailsSuffix makes a policy's ConfigMap name: <policy>-gateways.
const connectionDetailsSuffix = "-gateways"

// Keys of the connection details.
const (
	keyGatewayURL  = "GATEWAY_URL"
	keyGatewayHost = "GATEWAY_HOST"
	// keyEndpointDNS is the endpoint's regional DNS name, with private DNS
	// off: where agents connect while naming the gateway's host.
	keyEndpointDNS = "GATEWAY_ENDPOINT_DNS"
)

// connectionDetailsRecheck is how soon a policy whose ConfigMap name is
// taken looks again: a ConfigMap without the managed label is not in the
// cache, so its removal sends no event.
const connectionDetailsRecheck = 5 * time.Minute

// urlGatewayID is the gateway IDs a host name is built from; any other ID
// (gateway/*, upper case, '_') gets no entry.
var urlGatewayID = regexp.MustCompile(`^[a-z0-9-]{1,63}$`)

// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=vpce.agentcore.io,resources=gatewayaccesspolicies/finalizers,verbs=update

// CacheByObject is the manager's cache configuration the controllers rely
// on: ConfigMaps only with the managed-by label. Pass it as
// cache.Options.ByObject.
func CacheByObject() map[client.Object]cache.ByObject {
	return map[client.Object]cache.ByObject{
		&corev1.ConfigMap{}: {Label: labels.SelectorFromSet(labels.Set{LabelManagedBy: ManagedBy})},
	}
}

// ConnectionDetailsName is the name of the ConfigMap holding the agents'
// connection details of the policy named policyName.
func ConnectionDetailsName(policyName string) string {
	return policyName + connectionDetailsSuffix
}

// gatewayHost is a gateway's own DNS name, built only from an admitted
// ARN's gateway ID and the endpoint's region: never from a status or an
// ACK Gateway's URL, which others can write.
func gatewayHost(gatewayID, region string) string {
	return gatewayID + ".gateway.bedrock-agentcore." + region + ".amazonaws.com"
}

// endpointDNSPattern is the shape of an interface endpoint's regional DNS
// name for the gateway service of region, as EC2 reports it.
func endpointDNSPattern(region string) *regexp.Regexp {
	return regexp.MustCompile(`^vpce-[0-9a-f]{8,17}-[a-z0-9]{1,16}\.gateway\.bedrock-agentcore\.` + regexp.QuoteMeta(region) + `\.vpce\.amazonaws\.com$`)
}

// connectionDetails is the data of a policy's ConfigMap: per gateway ID, the
// URL agents use, and with private DNS off the Host they send and the
// endpoint's DNS name they connect to.
//
// Trust: GATEWAY_URL and GATEWAY_HOST come from the admitted ARNs and the
// endpoint's region alone, so the name agents verify TLS against and send
// their token to is always the gateway's. GATEWAY_ENDPOINT_DNS is copied
// from the GatewayEndpoint's status.dnsEntries, which the endpoint
// reconciler fills from EC2 but anyone allowed to write that status could
// change: it is only published when it has the shape of this service's
// endpoint names in this region, and it only says where to connect. An
// agent that connects there while verifying TLS for GATEWAY_HOST (curl
// --connect-to, a custom dialer) can at worst fail to connect; it never
// hands its token to a host that cannot prove to be the gateway. The
// operator's own probes never use it.
func connectionDetails(ge *v1alpha1.GatewayEndpoint, region string, arns []string) map[string]string {
	privateDNSOff := ge.Spec.PrivateDNS.Enabled != nil && !*ge.Spec.PrivateDNS.Enabled
	var ids []string
	for _, raw := range arns {
		arn, err := policy.ParseARN(raw)
		if err != nil || !urlGatewayID.MatchString(arn.GatewayID) {
			continue
		}
		if !slices.Contains(ids, arn.GatewayID) {
			ids = append(ids, arn.GatewayID)
		}
	}
	data := map[string]string{}
	for _, id := range ids {
		urlKey, hostKey := keyGatewayURL, keyGatewayHost
		if len(ids) > 1 {
			prefix := "GATEWAY_" + envName(id) + "_"
			urlKey, hostKey = prefix+"URL", prefix+"HOST"
		}
		host := gatewayHost(id, region)
		data[urlKey] = "https://" + host + "/mcp"
		if privateDNSOff {
			data[hostKey] = host
		}
	}
	if privateDNSOff && len(ge.Status.DNSEntries) > 0 {
		if name := ge.Status.DNSEntries[0].DNSName; endpointDNSPattern(region).MatchString(name) {
			data[keyEndpointDNS] = name
		}
	}
	return data
}

// envName is a gateway ID as part of an environment variable name: upper
// case, anything but letters and digits as '_'.
func envName(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, id)
}

// reconcileConnectionDetails keeps the policy's ConfigMap in line with the
// verdict a: written while the policy is accepted, with its effective
// gateways; deleted by the operator as soon as it is not (and garbage
// collected with the policy through its ownerReference). A ConfigMap of
// that name that the policy does not control is never changed or deleted:
// the policy is then Stalled with reason ConfigMapNameTaken.
func (r *GatewayAccessPolicyReconciler) reconcileConnectionDetails(ctx context.Context, p *v1alpha1.GatewayAccessPolicy, ge *v1alpha1.GatewayEndpoint, region string, a attachment) error {
	key := client.ObjectKey{Namespace: p.Namespace, Name: ConnectionDetailsName(p.Name)}
	cm := &corev1.ConfigMap{}
	found := true
	if err := r.Get(ctx, key, cm); apierrors.IsNotFound(err) {
		found = false
	} else if err != nil {
		return fmt.Errorf("reading ConfigMap %s: %w", key, err)
	}
	if !a.accepted {
		p.Status.ConfigMapName = ""
		r.clearConfigMapStall(p)
		if !found || !metav1.IsControlledBy(cm, p) {
			return nil
		}
		err := r.Delete(ctx, cm, client.Preconditions{UID: &cm.UID})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting ConfigMap %s: %w", key, err)
		}
		return nil
	}

	want := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace, Labels: connectionDetailsLabels(p)},
		Data: connectionDetails(ge, region, a.gatewayARNs)}
	if err := controllerutil.SetControllerReference(p, want, r.Scheme()); err != nil {
		return err
	}
	if !found {
		err := r.Create(ctx, want)
		if !apierrors.IsAlreadyExists(err) {
			if err != nil {
				return fmt.Errorf("creating ConfigMap %s: %w", key, err)
			}
			r.configMapWritten(p, key.Name)
			return nil
		}
		// Not in the cache, yet it exists: without the managed label
		// (someone else's), or ours and not cached yet. Only a live read
		// tells, and it is needed only here.
		if r.ConfigMapAPIReader == nil {
			r.configMapNameTaken(p, key.Name, "it exists without this operator's label")
			return nil
		}
		if err := r.ConfigMapAPIReader.Get(ctx, key, cm); err != nil {
			return fmt.Errorf("reading ConfigMap %s: %w", key, err)
		}
	}
	if !metav1.IsControlledBy(cm, p) {
		r.configMapNameTaken(p, key.Name, "this GatewayAccessPolicy does not own it (no controller ownerReference with its UID)")
		return nil
	}
	if !maps.Equal(cm.Data, want.Data) || len(cm.BinaryData) > 0 || !hasLabels(cm.Labels, want.Labels) {
		cm.Data, cm.BinaryData = want.Data, nil
		if cm.Labels == nil {
			cm.Labels = map[string]string{}
		}
		maps.Copy(cm.Labels, want.Labels)
		if err := r.Update(ctx, cm); err != nil {
			return fmt.Errorf("updating ConfigMap %s: %w", key, err)
		}
	}
	r.configMapWritten(p, key.Name)
	return nil
}

func connectionDetailsLabels(p *v1alpha1.GatewayAccessPolicy) map[string]string {
	l := map[string]string{LabelManagedBy: ManagedBy}
	// Policy names may be longer than a label value may be.
	if len(validation.IsValidLabelValue(p.Name)) == 0 {
		l[LabelGatewayAccessPolicy] = p.Name
	}
	return l
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func (r *GatewayAccessPolicyReconciler) configMapWritten(p *v1alpha1.GatewayAccessPolicy, name string) {
	p.Status.ConfigMapName = name
	r.clearConfigMapStall(p)
}

// configMapNameTaken stalls the policy; the rest of the policy (its
// statement in the endpoint policy) is not affected.
func (r *GatewayAccessPolicyReconciler) configMapNameTaken(p *v1alpha1.GatewayAccessPolicy, name, why string) {
	p.Status.ConfigMapName = ""
	msg := fmt.Sprintf("ConfigMap %s/%s exists and %s; the operator never changes a ConfigMap it does not own, so the agents' connection details are not written. Delete or rename that ConfigMap, or rename this policy. The gateways themselves are admitted as usual.", p.Namespace, name, why)
	if c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionStalled); c == nil || c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonConfigMapNameTaken {
		r.Recorder.Eventf(p, nil, corev1.EventTypeWarning, v1alpha1.ReasonConfigMapNameTaken, "WriteConnectionDetails", msg)
	}
	setCondition(&p.Status.Conditions, p.Generation, v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonConfigMapNameTaken, msg)
	if r.connectionRechecks != nil {
		r.connectionRechecks.at(p, r.Clock.Now().Add(connectionDetailsRecheck))
	}
}

// clearConfigMapStall removes a Stalled condition this step set, and only
// such a one.
func (r *GatewayAccessPolicyReconciler) clearConfigMapStall(p *v1alpha1.GatewayAccessPolicy) {
	if c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionStalled); c != nil && c.Reason == v1alpha1.ReasonConfigMapNameTaken {
		meta.RemoveStatusCondition(&p.Status.Conditions, v1alpha1.ConditionStalled)
	}
	if r.connectionRechecks != nil {
		r.connectionRechecks.cancel(client.ObjectKeyFromObject(p))
	}
}

// policyOfConnectionDetails maps a (managed-labelled) ConfigMap event to the
// policy its name belongs to, whether or not the policy owns it: a
// ConfigMap taken by someone else that goes away frees the name.
func policyOfConnectionDetails(_ context.Context, o client.Object) []reconcile.Request {
	name, ok := strings.CutSuffix(o.GetName(), connectionDetailsSuffix)
	if !ok || name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: name}}}
}
