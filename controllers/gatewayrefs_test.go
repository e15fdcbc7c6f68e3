package controllers

import (
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clienttesting "k8s.io/client-go/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

var testGatewayKind = schema.GroupVersionKind{Group: ackGatewayGroup, Version: "v1alpha1", Kind: ackGatewayKind}

// ackGateway is an ACK Gateway object as ACK writes it; arn "" leaves the
// ARN out.
func ackGateway(namespace, name, arn string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(testGatewayKind)
	u.SetNamespace(namespace)
	u.SetName(name)
	if arn != "" {
		_ = unstructured.SetNestedField(u.Object, arn, "status", "ackResourceMetadata", "arn")
		// ACK also reports a URL; the operator never uses it.
		_ = unstructured.SetNestedField(u.Object, "https://attacker.example.com/mcp", "status", "gatewayURL")
	}
	return u
}

func fakeReader(objs ...client.Object) client.Reader {
	scheme := runtime.NewScheme()
	scheme.AddKnownTypeWithName(testGatewayKind, &unstructured.Unstructured{})
	scheme.AddKnownTypeWithName(testGatewayKind.GroupVersion().WithKind(ackGatewayKind+"List"), &unstructured.UnstructuredList{})
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
}

func TestAttachWithGatewayRefs(t *testing.T) {
	const (
		ownARN      = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/tools-a1"
		typedARN    = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/typed-b2"
		otherRegion = "arn:aws:bedrock-agentcore:eu-west-1:123456789012:gateway/tools-a1"
		otherAcct   = "arn:aws:bedrock-agentcore:us-east-1:210987654321:gateway/tools-a1"
		wildcard    = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/*"
	)
	ge := &v1alpha1.GatewayEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "gw", Namespace: "team"}}
	wildcardsAllowed := ge.DeepCopy()
	wildcardsAllowed.Spec.Access.AllowedGateways.Wildcard = true
	policy := func(typed []string, refs ...v1alpha1.ACKGatewayReference) *v1alpha1.GatewayAccessPolicy {
		return &v1alpha1.GatewayAccessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "team"},
			Spec: v1alpha1.GatewayAccessPolicySpec{EndpointRef: v1alpha1.EndpointReference{Name: "gw"},
				GatewayARNs: typed, GatewayRefs: refs},
		}
	}
	ref := func(name string) v1alpha1.ACKGatewayReference { return v1alpha1.ACKGatewayReference{Name: name} }
	served := func(objs ...client.Object) *ackGateways {
		g := newACKGateways(fakeReader(objs...), 0)
		g.setKind(testGatewayKind)
		return g
	}
	tests := []struct {
		name        string
		gateways    *ackGateways
		endpoint    *v1alpha1.GatewayEndpoint
		policy      *v1alpha1.GatewayAccessPolicy
		wantReason  string
		wantARNs    []string
		wantMessage string
	}{
		{name: "typed ARNs alone need no ACK", gateways: nil, policy: policy([]string{typedARN}),
			wantReason: v1alpha1.ReasonAccepted, wantARNs: []string{typedARN}},
		{name: "refs without the ACK kind are unsupported", gateways: newACKGateways(fakeReader(), 0), policy: policy([]string{typedARN}, ref("g")),
			wantReason: v1alpha1.ReasonGatewayRefsUnsupported, wantMessage: "serves no bedrockagentcorecontrol.services.k8s.aws Gateway kind"},
		{name: "a reconciler without a resolver treats refs as unsupported", gateways: nil, policy: policy(nil, ref("g")),
			wantReason: v1alpha1.ReasonGatewayRefsUnsupported},
		{name: "a missing Gateway is waited for", gateways: served(), policy: policy(nil, ref("g")),
			wantReason: v1alpha1.ReasonWaitingForGatewayARN, wantMessage: "Gateway team/g does not exist"},
		{name: "a Gateway without an ARN is waited for", gateways: served(ackGateway("team", "g", "")), policy: policy(nil, ref("g")),
			wantReason: v1alpha1.ReasonWaitingForGatewayARN, wantMessage: "has no status.ackResourceMetadata.arn yet"},
		{name: "a resolved ref adds its ARN after the typed ones", gateways: served(ackGateway("team", "g", ownARN)), policy: policy([]string{typedARN}, ref("g")),
			wantReason: v1alpha1.ReasonAccepted, wantARNs: []string{typedARN, ownARN}},
		{name: "a ref in another namespace is read there", gateways: served(ackGateway("shared", "g", ownARN)),
			policy:     policy(nil, v1alpha1.ACKGatewayReference{Name: "g", Namespace: "shared"}),
			wantReason: v1alpha1.ReasonAccepted, wantARNs: []string{ownARN}},
		{name: "an ARN both typed and referenced counts once", gateways: served(ackGateway("team", "g", ownARN), ackGateway("team", "h", ownARN)),
			policy: policy([]string{ownARN}, ref("g"), ref("h")), wantReason: v1alpha1.ReasonAccepted, wantARNs: []string{ownARN}},
		{name: "a referenced ARN of another region is refused", gateways: served(ackGateway("team", "g", otherRegion)), policy: policy(nil, ref("g")),
			wantReason: v1alpha1.ReasonRegionMismatch, wantMessage: "status.ackResourceMetadata.arn of Gateway team/g"},
		{name: "a referenced ARN of another account is refused", gateways: served(ackGateway("team", "g", otherAcct)), policy: policy(nil, ref("g")),
			wantReason: v1alpha1.ReasonGatewayNotAllowed},
		{name: "a referenced gateway/* is refused even where wildcards are allowed", gateways: served(ackGateway("team", "g", wildcard)),
			endpoint: wildcardsAllowed, policy: policy(nil, ref("g")), wantReason: v1alpha1.ReasonInvalidSpec},
		{name: "a referenced ARN that is not a gateway ARN is refused", gateways: served(ackGateway("team", "g", "https://attacker.example.com")), policy: policy(nil, ref("g")),
			wantReason: v1alpha1.ReasonInvalidSpec},
		{name: "a referenced ARN longer than a typed one may be is refused", gateways: served(ackGateway("team", "g", ownARN+strings.Repeat("a", 250))), policy: policy(nil, ref("g")),
			wantReason: v1alpha1.ReasonInvalidSpec},
		{name: "a bad typed ARN is reported before a waiting ref", gateways: served(), policy: policy([]string{otherRegion}, ref("g")),
			wantReason: v1alpha1.ReasonRegionMismatch},
		{name: "a bad referenced ARN is reported before a waiting ref", gateways: served(ackGateway("team", "g", otherAcct)), policy: policy(nil, ref("missing"), ref("g")),
			wantReason: v1alpha1.ReasonGatewayNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint := tt.endpoint
			if endpoint == nil {
				endpoint = ge
			}
			a, err := tt.gateways.attach(t.Context(), tt.policy, endpoint, nil, "us-east-1", "123456789012")
			if err != nil {
				t.Fatal(err)
			}
			if a.reason != tt.wantReason || a.accepted != (tt.wantReason == v1alpha1.ReasonAccepted) {
				t.Fatalf("verdict = %t/%s (%s), want %s", a.accepted, a.reason, a.message, tt.wantReason)
			}
			if !slices.Equal(a.gatewayARNs, tt.wantARNs) {
				t.Errorf("gateway ARNs = %v, want %v", a.gatewayARNs, tt.wantARNs)
			}
			if !strings.Contains(a.message, tt.wantMessage) {
				t.Errorf("message %q does not say %q", a.message, tt.wantMessage)
			}
			if len(a.refs) != len(tt.policy.Spec.GatewayRefs) {
				t.Errorf("refs = %v, want one per spec.gatewayRefs", a.refs)
			}
		})
	}
}

func TestDiscoverACKGatewayFindsTheKindOnlyWhenServed(t *testing.T) {
	dc := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{}}
	discover := discoverACKGateway(dc)
	if gvk, err := discover(t.Context()); err != nil || !gvk.Empty() {
		t.Fatalf("without the group: %v, %v; want nothing", gvk, err)
	}
	dc.Resources = []*metav1.APIResourceList{{GroupVersion: ackGatewayGroup + "/v1alpha1",
		APIResources: []metav1.APIResource{{Name: "gatewaytargets", Kind: "GatewayTarget"}}}}
	if gvk, err := discover(t.Context()); err != nil || !gvk.Empty() {
		t.Fatalf("with the group but no gateways: %v, %v; want nothing", gvk, err)
	}
	dc.Resources[0].APIResources = append(dc.Resources[0].APIResources, metav1.APIResource{Name: "gateways", Kind: "Gateway", Namespaced: true})
	gvk, err := discover(t.Context())
	if err != nil || gvk != testGatewayKind {
		t.Fatalf("with gateways: %v, %v; want %v", gvk, err, testGatewayKind)
	}
}
