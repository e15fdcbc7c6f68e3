package controllers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

func TestEvaluateAttachment(t *testing.T) {
	arn := func(region string) string {
		return "arn:aws:bedrock-agentcore:" + region + ":123456789012:gateway/tools-a1"
	}
	endpoint := func(from v1alpha1.NamespacesFrom, sel *metav1.LabelSelector) *v1alpha1.GatewayEndpoint {
		ge := &v1alpha1.GatewayEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "gw", Namespace: "platform"}}
		ge.Spec.Access.AllowedNamespaces = v1alpha1.AllowedNamespaces{From: from, Selector: sel}
		return ge
	}
	deleting := endpoint(v1alpha1.NamespacesFromAll, nil)
	deleting.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	policyIn := func(ns, region string) *v1alpha1.GatewayAccessPolicy {
		return &v1alpha1.GatewayAccessPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns},
			Spec: v1alpha1.GatewayAccessPolicySpec{
				EndpointRef: v1alpha1.EndpointReference{Name: "gw", Namespace: "platform"},
				GatewayARNs: []string{arn(region)},
			},
		}
	}
	labelled := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team", Labels: map[string]string{"access": "yes"}}}
	plain := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{"access": "yes"}}
	const (
		otherAccountARN = "arn:aws:bedrock-agentcore:us-east-1:210987654321:gateway/theirs-a1"
		wildcardARN     = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/*"
	)
	withARN := func(p *v1alpha1.GatewayAccessPolicy, arn string) *v1alpha1.GatewayAccessPolicy {
		p.Spec.GatewayARNs = []string{arn}
		return p
	}
	allowing := func(ge *v1alpha1.GatewayEndpoint, accounts []string, wildcard bool) *v1alpha1.GatewayEndpoint {
		ge.Spec.Access.AllowedGateways = v1alpha1.AllowedGateways{Accounts: accounts, Wildcard: wildcard}
		return ge
	}

	tests := []struct {
		name       string
		policy     *v1alpha1.GatewayAccessPolicy
		endpoint   *v1alpha1.GatewayEndpoint
		namespace  *corev1.Namespace
		wantReason string
	}{
		{"a missing endpoint is refused", policyIn("team", "us-east-1"), nil, plain, v1alpha1.ReasonEndpointMissing},
		{"an endpoint being deleted is refused", policyIn("team", "us-east-1"), deleting, plain, v1alpha1.ReasonEndpointMissing},
		{"Same admits the endpoint's own namespace", policyIn("platform", "us-east-1"), endpoint(v1alpha1.NamespacesFromSame, nil), plain, v1alpha1.ReasonAccepted},
		{"Same refuses another namespace", policyIn("team", "us-east-1"), endpoint(v1alpha1.NamespacesFromSame, nil), plain, v1alpha1.ReasonNamespaceNotAllowed},
		{"an empty from means Same", policyIn("team", "us-east-1"), endpoint("", nil), plain, v1alpha1.ReasonNamespaceNotAllowed},
		{"All admits any namespace", policyIn("team", "us-east-1"), endpoint(v1alpha1.NamespacesFromAll, nil), plain, v1alpha1.ReasonAccepted},
		{"Selector admits a matching namespace", policyIn("team", "us-east-1"), endpoint(v1alpha1.NamespacesFromSelector, selector), labelled, v1alpha1.ReasonAccepted},
		{"Selector refuses a namespace without the label", policyIn("team", "us-east-1"), endpoint(v1alpha1.NamespacesFromSelector, selector), plain, v1alpha1.ReasonNamespaceNotAllowed},
		{"Selector refuses a namespace that cannot be read", policyIn("team", "us-east-1"), endpoint(v1alpha1.NamespacesFromSelector, selector), nil, v1alpha1.ReasonNamespaceNotAllowed},
		{"a gateway of another region is refused", policyIn("platform", "eu-west-1"), endpoint(v1alpha1.NamespacesFromSame, nil), plain, v1alpha1.ReasonRegionMismatch},
		{"a gateway of another account is refused by default", withARN(policyIn("platform", "us-east-1"), otherAccountARN), endpoint(v1alpha1.NamespacesFromSame, nil), plain, v1alpha1.ReasonGatewayNotAllowed},
		{"gateway/* is refused by default", withARN(policyIn("platform", "us-east-1"), wildcardARN), endpoint(v1alpha1.NamespacesFromSame, nil), plain, v1alpha1.ReasonGatewayNotAllowed},
		{"gateway/* is admitted when the owner allows wildcards", withARN(policyIn("platform", "us-east-1"), wildcardARN), allowing(endpoint(v1alpha1.NamespacesFromSame, nil), nil, true), plain, v1alpha1.ReasonAccepted},
		{"another account is admitted when the owner lists it", withARN(policyIn("platform", "us-east-1"), otherAccountARN), allowing(endpoint(v1alpha1.NamespacesFromSame, nil), []string{"210987654321"}, false), plain, v1alpha1.ReasonAccepted},
		{"a listed account replaces the endpoint's own", policyIn("platform", "us-east-1"), allowing(endpoint(v1alpha1.NamespacesFromSame, nil), []string{"210987654321"}, false), plain, v1alpha1.ReasonGatewayNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := evaluateAttachment(tt.policy, tt.endpoint, tt.namespace, "us-east-1", "123456789012")
			if got.reason != tt.wantReason {
				t.Fatalf("reason = %s (%s), want %s", got.reason, got.message, tt.wantReason)
			}
			if got.accepted != (tt.wantReason == v1alpha1.ReasonAccepted) {
				t.Fatalf("accepted = %t with reason %s", got.accepted, got.reason)
			}
			if got.message == "" {
				t.Fatal("every verdict explains itself")
			}
		})
	}
}

func TestAnEndpointKeepsTheRegionItWasFirstReconciledIn(t *testing.T) {
	withRegions := func(spec, status string) *v1alpha1.GatewayEndpoint {
		ge := &v1alpha1.GatewayEndpoint{}
		ge.Spec.Region, ge.Status.Region = spec, status
		return ge
	}
	cases := []struct {
		name string
		ge   *v1alpha1.GatewayEndpoint
		want string
	}{
		{"no endpoint: the operator's region", nil, "us-east-1"},
		{"a new object without spec.region: the operator's region", withRegions("", ""), "us-east-1"},
		{"spec.region wins", withRegions("eu-west-1", ""), "eu-west-1"},
		{"the region in status outlives a change of the operator's region", withRegions("", "ap-south-1"), "ap-south-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := endpointRegion(c.ge, "us-east-1"); got != c.want {
				t.Fatalf("endpointRegion = %q, want %q", got, c.want)
			}
		})
	}
}
