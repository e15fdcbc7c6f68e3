package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
)

// configMap reads a ConfigMap of the harness namespace.
func (h *harness) configMap(name string) *corev1.ConfigMap {
	h.t.Helper()
	cm := &corev1.ConfigMap{}
	h.g.Expect(h.k8s.Get(context.Background(), client.ObjectKey{Namespace: h.namespace, Name: name}, cm)).To(Succeed())
	return cm
}

func TestConnectionDetailsConfigMapFollowsThePolicyWithPrivateDNSOn(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Second})
	ge := h.endpoint("gw")
	h.create(ge)
	p := h.accessPolicy(h.namespace, "research", gatewayARN("research-a1"))
	p.Spec.EndpointRef = v1alpha1.EndpointReference{Name: "gw"}
	h.create(p)
	h.waitReady(p, 30*time.Second)

	// One gateway: GATEWAY_URL only, since private DNS is on.
	h.g.Eventually(h.connectionDetails(p), 10*time.Second, 100*time.Millisecond).Should(Equal(map[string]string{
		"GATEWAY_URL": "https://research-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
	}))
	h.get(p)
	h.g.Expect(p.Status.ConfigMapName).To(Equal("research-gateways"))
	cm := h.configMap("research-gateways")
	h.g.Expect(cm.Labels).To(Equal(map[string]string{
		controllers.LabelManagedBy: controllers.ManagedBy, controllers.LabelGatewayAccessPolicy: "research",
	}))
	// The garbage collector deletes it with the policy (envtest runs none,
	// so the reference is what is checked here).
	h.g.Expect(cm.OwnerReferences).To(ConsistOf(metav1.OwnerReference{
		APIVersion: v1alpha1.GroupVersion.String(), Kind: "GatewayAccessPolicy", Name: p.Name, UID: p.UID,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}))

	// Several gateways: one key per gateway ID.
	h.update(p, func() { p.Spec.GatewayARNs = []string{gatewayARN("research-a1"), gatewayARN("papers-b2")} })
	h.g.Eventually(h.connectionDetails(p), 10*time.Second, 100*time.Millisecond).Should(Equal(map[string]string{
		"GATEWAY_RESEARCH_A1_URL": "https://research-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
		"GATEWAY_PAPERS_B2_URL":   "https://papers-b2.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
	}))

	// A change made by hand is put back.
	cm = h.configMap("research-gateways")
	cm.Data["GATEWAY_PAPERS_B2_URL"] = "https://attacker.example.com/mcp"
	h.g.Expect(h.k8s.Update(context.Background(), cm)).To(Succeed())
	h.g.Eventually(h.connectionDetails(p), 10*time.Second, 100*time.Millisecond).Should(HaveKeyWithValue(
		"GATEWAY_PAPERS_B2_URL", "https://papers-b2.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"))

	// No longer accepted: the operator deletes it itself.
	h.update(p, func() { p.Spec.EndpointRef.Name = "missing" })
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionAccepted), 10*time.Second, 100*time.Millisecond).Should(HavePrefix("False/" + v1alpha1.ReasonEndpointMissing))
	h.g.Eventually(h.connectionDetails(p), 10*time.Second, 100*time.Millisecond).Should(BeNil())
	h.get(p)
	h.g.Expect(p.Status.ConfigMapName).To(BeEmpty())

	// Accepted again: written again.
	h.update(p, func() { p.Spec.EndpointRef.Name = "gw" })
	h.g.Eventually(h.connectionDetails(p), 10*time.Second, 100*time.Millisecond).Should(HaveLen(2))
}

func TestConnectionDetailsWithPrivateDNSOffNameTheHostAndTheEndpoint(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Second})
	ge := h.endpoint("gw", func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.PrivateDNS.Enabled = ptr.To(false) })
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	p := h.accessPolicy(h.namespace, "support", gatewayARN("tickets-c3"))
	p.Spec.EndpointRef = v1alpha1.EndpointReference{Name: "gw"}
	h.create(p)
	h.waitReady(p, 30*time.Second)

	h.get(ge)
	h.g.Expect(ge.Status.DNSEntries).NotTo(BeEmpty())
	regional := ge.Status.DNSEntries[0].DNSName
	h.g.Expect(regional).To(HaveSuffix(".gateway.bedrock-agentcore.us-east-1.vpce.amazonaws.com"))
	h.g.Eventually(h.connectionDetails(p), 10*time.Second, 100*time.Millisecond).Should(Equal(map[string]string{
		// The URL stays the gateway's: TLS is verified for that name.
		"GATEWAY_URL":          "https://tickets-c3.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
		"GATEWAY_HOST":         "tickets-c3.gateway.bedrock-agentcore.us-east-1.amazonaws.com",
		"GATEWAY_ENDPOINT_DNS": regional,
	}))

	// Private DNS turned on: the gateway's name resolves to the endpoint,
	// and agents need nothing but the URL.
	h.update(ge, func() { ge.Spec.PrivateDNS.Enabled = ptr.To(true) })
	h.g.Eventually(h.connectionDetails(p), 30*time.Second, 100*time.Millisecond).Should(Equal(map[string]string{
		"GATEWAY_URL": "https://tickets-c3.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
	}))
}

func TestConnectionDetailsNeverTouchAConfigMapThePolicyDoesNotOwn(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Second})
	ge := h.endpoint("gw")
	h.create(ge)
	// Someone else's ConfigMap, without the operator's label: not even in
	// the operator's cache.
	theirs := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a-gateways", Namespace: h.namespace}, Data: map[string]string{"MINE": "yes"}}
	h.create(theirs)
	// One that carries the operator's label, to bait it, but no owner.
	bait := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "b-gateways", Namespace: h.namespace,
		Labels: map[string]string{controllers.LabelManagedBy: controllers.ManagedBy}}, Data: map[string]string{"MINE": "too"}}
	h.create(bait)

	a := h.accessPolicy(h.namespace, "a", gatewayARN("alpha-a1"))
	a.Spec.EndpointRef = v1alpha1.EndpointReference{Name: "gw"}
	b := h.accessPolicy(h.namespace, "b", gatewayARN("beta-b2"))
	b.Spec.EndpointRef = v1alpha1.EndpointReference{Name: "gw"}
	h.create(a)
	h.create(b)

	for _, p := range []*v1alpha1.GatewayAccessPolicy{a, b} {
		h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
			Should(HavePrefix("True/" + v1alpha1.ReasonConfigMapNameTaken + ": ConfigMap " + h.namespace + "/" + p.Name + "-gateways exists"))
		// The gateways are admitted all the same.
		h.waitReady(p, 30*time.Second)
		h.g.Expect(h.get(p).(*v1alpha1.GatewayAccessPolicy).Status.ConfigMapName).To(BeEmpty())
		h.g.Eventually(h.eventReasons(p), 10*time.Second, 100*time.Millisecond).Should(ContainElement(v1alpha1.ReasonConfigMapNameTaken))
	}
	h.g.Expect(h.allowed()).To(ConsistOf(gatewayARN("alpha-a1"), gatewayARN("beta-b2")))
	unchanged := func(cm *corev1.ConfigMap) func() *corev1.ConfigMap {
		want := cm.ResourceVersion
		return func() *corev1.ConfigMap {
			got := h.configMap(cm.Name)
			h.g.Expect(got.ResourceVersion).To(Equal(want), "ConfigMap %s was written", cm.Name)
			return got
		}
	}
	h.g.Consistently(unchanged(theirs), 2*time.Second, 200*time.Millisecond).Should(HaveField("OwnerReferences", BeEmpty()))
	h.g.Consistently(unchanged(bait), time.Second, 200*time.Millisecond).Should(HaveField("Data", Equal(map[string]string{"MINE": "too"})))

	// Not accepted any more: still nothing is deleted that is not the
	// operator's.
	h.update(a, func() { a.Spec.EndpointRef.Name = "missing" })
	h.g.Eventually(h.conditionOf(a, v1alpha1.ConditionAccepted), 10*time.Second, 100*time.Millisecond).Should(HavePrefix("False/"))
	h.g.Consistently(unchanged(theirs), time.Second, 200*time.Millisecond).Should(HaveField("Data", Equal(map[string]string{"MINE": "yes"})))
	h.g.Expect(h.conditionOf(a, v1alpha1.ConditionStalled)()).To(Equal("absent"), "nothing to write, nothing stalled")

	// The name freed: the operator writes its own, and the stall clears.
	h.g.Expect(h.k8s.Delete(context.Background(), bait)).To(Succeed())
	h.g.Eventually(h.connectionDetails(b), 10*time.Second, 100*time.Millisecond).Should(Equal(map[string]string{
		"GATEWAY_URL": "https://beta-b2.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
	}))
	h.g.Eventually(h.conditionOf(b, v1alpha1.ConditionStalled), 10*time.Second, 100*time.Millisecond).Should(Equal("absent"))
	h.g.Expect(h.get(b).(*v1alpha1.GatewayAccessPolicy).Status.ConfigMapName).To(Equal("b-gateways"))
}

func TestTheManagersCacheHoldsOnlyTheOperatorsConfigMaps(t *testing.T) {
	g := NewWithT(t)
	ns := testNamespace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g.Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	ours := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ours-gateways", Namespace: ns,
		Labels: map[string]string{controllers.LabelManagedBy: controllers.ManagedBy}}}
	theirs := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "theirs", Namespace: ns}}
	g.Expect(env.Client.Create(ctx, ours)).To(Succeed())
	g.Expect(env.Client.Create(ctx, theirs)).To(Succeed())

	c, err := cache.New(env.Config, cache.Options{Scheme: env.Scheme, DefaultNamespaces: map[string]cache.Config{ns: {}},
		ByObject: controllers.CacheByObject()})
	g.Expect(err).NotTo(HaveOccurred())
	go func() { _ = c.Start(ctx) }()
	var list corev1.ConfigMapList
	// Until Start has run, the cache refuses reads.
	g.Eventually(func() error { return c.List(ctx, &list, client.InNamespace(ns)) }, 10*time.Second, 50*time.Millisecond).Should(Succeed())
	var names []string
	for _, cm := range list.Items {
		names = append(names, cm.Name)
	}
	g.Expect(names).To(ConsistOf("ours-gateways"), "other ConfigMaps stay out of the cache")
}
