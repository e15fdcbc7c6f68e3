package controllers_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
)

// ackGatewayCRD is a stand-in for ACK's Gateway CRD (see the file).
var ackGatewayCRD = filepath.Join("testdata", "ack", "bedrockagentcorecontrol.services.k8s.aws_gateways.yaml")

const ackGatewayCRDName = "gateways.bedrockagentcorecontrol.services.k8s.aws"

var ackGatewayGVK = schema.GroupVersionKind{Group: "bedrockagentcorecontrol.services.k8s.aws", Version: "v1alpha1", Kind: "Gateway"}

// requireNoACK fails unless the API server serves no ACK Gateway kind, as a
// cluster without AWS Controllers for Kubernetes.
func requireNoACK(t *testing.T) {
	t.Helper()
	if err := getACKGatewayCRD(); !apierrors.IsNotFound(err) {
		t.Fatalf("the ACK Gateway CRD is installed (%v): a test before this one left it behind", err)
	}
}

// getACKGatewayCRD reads the ACK Gateway CRD (unstructured: the test
// scheme has no apiextensions types).
func getACKGatewayCRD() error {
	crd := &unstructured.Unstructured{}
	crd.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
	return env.Client.Get(context.Background(), client.ObjectKey{Name: ackGatewayCRDName}, crd)
}

// installACK installs the ACK Gateway CRD for the test, and removes it (with
// every Gateway) when the test ends, waiting until it is gone so that the
// next test starts without it.
func installACK(t *testing.T) {
	t.Helper()
	opts := envtest.CRDInstallOptions{Paths: []string{ackGatewayCRD}, ErrorIfPathMissing: true}
	if _, err := envtest.InstallCRDs(env.Config, opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := envtest.UninstallCRDs(env.Config, opts); err != nil {
			t.Error(err)
			return
		}
		NewWithT(t).Eventually(func() bool {
			return apierrors.IsNotFound(getACKGatewayCRD())
		}, 30*time.Second, 100*time.Millisecond).Should(BeTrue(), "the ACK Gateway CRD is removed")
	})
}

// ackGateway is an ACK Gateway as a person applies it: no status.
func (h *harness) ackGateway(name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(ackGatewayGVK)
	u.SetNamespace(h.namespace)
	u.SetName(name)
	_ = unstructured.SetNestedField(u.Object, "MCP", "spec", "protocolType")
	return u
}

// setACKStatus writes a Gateway's status as the ACK controller would, with
// a gatewayURL that names another host: the operator must never use it.
func (h *harness) setACKStatus(gw *unstructured.Unstructured, arn string) {
	h.t.Helper()
	h.g.Eventually(func() error {
		if err := h.k8s.Get(context.Background(), client.ObjectKeyFromObject(gw), gw); err != nil {
			return err
		}
		_ = unstructured.SetNestedField(gw.Object, arn, "status", "ackResourceMetadata", "arn")
		_ = unstructured.SetNestedField(gw.Object, "https://attacker.example.com/mcp", "status", "gatewayURL")
		return h.k8s.Status().Update(context.Background(), gw)
	}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
}

// refPolicy is a policy in the harness namespace naming ACK Gateways only.
func (h *harness) refPolicy(name, endpoint string, refs ...string) *v1alpha1.GatewayAccessPolicy {
	p := &v1alpha1.GatewayAccessPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.namespace},
		Spec:       v1alpha1.GatewayAccessPolicySpec{EndpointRef: v1alpha1.EndpointReference{Name: endpoint}},
	}
	for _, r := range refs {
		p.Spec.GatewayRefs = append(p.Spec.GatewayRefs, v1alpha1.ACKGatewayReference{Name: r})
	}
	return p
}

// connectionDetails is the data of a policy's ConfigMap, or nil while there
// is none.
func (h *harness) connectionDetails(p *v1alpha1.GatewayAccessPolicy) func() map[string]string {
	return func() map[string]string {
		cm := &corev1.ConfigMap{}
		if err := h.k8s.Get(context.Background(), client.ObjectKey{Namespace: p.Namespace, Name: controllers.ConnectionDetailsName(p.Name)}, cm); err != nil {
			return nil
		}
		if cm.Data == nil {
			return map[string]string{}
		}
		return cm.Data
	}
}

// allowed lists the gateways the simulator's endpoint policy allows.
func (h *harness) allowed() []string {
	_, resources := h.simPolicy()
	var out []string
	for _, r := range resources {
		if arn, ok := strings.CutPrefix(r, "Allow "); ok {
			out = append(out, arn)
		}
	}
	return out
}

func TestGatewayRefsWaitForACKThenForTheARNAndFollowIt(t *testing.T) {
	requireNoACK(t)
	h := newHarness(t, harnessOptions{propagationDelay: time.Second, ackDiscoveryInterval: 200 * time.Millisecond})
	ge := h.endpoint("gw")
	h.create(ge)
	p := h.refPolicy("tools", "gw", "tools")
	h.create(p)

	// Without ACK, refs are unsupported and admit nothing.
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionAccepted), 30*time.Second, 100*time.Millisecond).
		Should(HavePrefix("False/" + v1alpha1.ReasonGatewayRefsUnsupported + ": "))
	h.waitReady(ge, 30*time.Second)
	h.g.Expect(h.allowed()).To(BeEmpty())
	h.g.Expect(h.connectionDetails(p)()).To(BeNil(), "no ConfigMap for a policy that is not accepted")

	// Once ACK is installed, discovery notices and the policy waits for the Gateway.
	installACK(t)
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionAccepted), 10*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("False/"+v1alpha1.ReasonWaitingForGatewayARN+": "), ContainSubstring("Gateway "+h.namespace+"/tools does not exist")))

	gw := h.ackGateway("tools")
	h.create(gw)
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionAccepted), 10*time.Second, 100*time.Millisecond).
		Should(ContainSubstring("has no status.ackResourceMetadata.arn yet"))

	// The ARN arrives: the endpoint admits it and the agents get its URL, built from the ARN.
	h.setACKStatus(gw, gatewayARN("tools-a1"))
	h.waitReady(p, 30*time.Second)
	h.g.Eventually(h.allowed, 10*time.Second, 100*time.Millisecond).Should(ConsistOf(gatewayARN("tools-a1")))
	h.get(p)
	h.g.Expect(p.Status.GatewayRefs).To(Equal([]v1alpha1.ResolvedGatewayRef{{Namespace: h.namespace, Name: "tools", ARN: gatewayARN("tools-a1")}}))
	h.g.Expect(p.Status.GatewayCount).To(BeEquivalentTo(1))
	h.g.Expect(h.connectionDetails(p)()).To(Equal(map[string]string{
		"GATEWAY_URL": "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
	}), "never the Gateway's status.gatewayURL")

	// A new ARN replaces the old one in the endpoint policy.
	h.setACKStatus(gw, gatewayARN("tools-b2"))
	h.g.Eventually(h.allowed, 20*time.Second, 100*time.Millisecond).Should(ConsistOf(gatewayARN("tools-b2")))
	h.g.Eventually(h.connectionDetails(p), 10*time.Second, 100*time.Millisecond).Should(HaveKeyWithValue(
		"GATEWAY_URL", "https://tools-b2.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"))

	// The Gateway deleted: its ARN leaves the endpoint policy (fail closed) and the ConfigMap goes.
	h.g.Expect(h.k8s.Delete(context.Background(), gw)).To(Succeed())
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionAccepted), 10*time.Second, 100*time.Millisecond).
		Should(HavePrefix("False/" + v1alpha1.ReasonWaitingForGatewayARN + ": "))
	h.g.Eventually(h.allowed, 20*time.Second, 100*time.Millisecond).Should(BeEmpty())
	h.g.Eventually(h.connectionDetails(p), 10*time.Second, 100*time.Millisecond).Should(BeNil())
}

func TestGatewayRefARNsAreCheckedLikeTypedARNsByBothReconcilers(t *testing.T) {
	requireNoACK(t)
	installACK(t)
	h := newHarness(t, harnessOptions{propagationDelay: time.Second, ackDiscoveryInterval: 200 * time.Millisecond})
	ge := h.endpoint("gw")
	h.create(ge)
	foreign := h.ackGateway("foreign")
	h.create(foreign)
	h.setACKStatus(foreign, "arn:aws:bedrock-agentcore:us-east-1:210987654321:gateway/theirs-a1")
	wildcard := h.ackGateway("wildcard")
	h.create(wildcard)
	h.setACKStatus(wildcard, "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/*")
	own := h.ackGateway("own")
	h.create(own)
	h.setACKStatus(own, gatewayARN("own-c3"))

	refusedAccount := h.refPolicy("foreign", "gw", "foreign")
	refusedWildcard := h.refPolicy("wildcard", "gw", "wildcard")
	mixed := h.refPolicy("mixed", "gw", "own")
	mixed.Spec.GatewayARNs = []string{gatewayARN("typed-d4")}
	h.create(refusedAccount)
	h.create(refusedWildcard)
	h.create(mixed)

	h.waitReady(mixed, 30*time.Second)
	h.g.Expect(h.conditionOf(refusedAccount, v1alpha1.ConditionAccepted)()).To(And(
		HavePrefix("False/"+v1alpha1.ReasonGatewayNotAllowed+": "), ContainSubstring("of Gateway "+h.namespace+"/foreign")))
	h.g.Expect(h.conditionOf(refusedWildcard, v1alpha1.ConditionAccepted)()).To(HavePrefix("False/" + v1alpha1.ReasonInvalidSpec + ": "))
	h.g.Eventually(h.allowed, 10*time.Second, 100*time.Millisecond).Should(ConsistOf(gatewayARN("typed-d4"), gatewayARN("own-c3")),
		"the endpoint merges the mixed policy's typed and referenced ARNs, and nothing of the refused ones")
	h.get(mixed)
	h.g.Expect(mixed.Status.GatewayCount).To(BeEquivalentTo(2))
}
