package v1alpha1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	vpcev1alpha1 "github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

func TestGatewayEndpointValidationAcceptsValidSpecs(t *testing.T) {
	const namespace = "gwe-valid"
	createNamespace(t, namespace)

	cases := []struct {
		name   string
		mutate endpointMutation
	}{
		{name: "accepts the base endpoint with a managed security group", mutate: func(*vpcev1alpha1.GatewayEndpoint) {}},
		{
			name:   "accepts 16 subnets",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SubnetIDs = hexIDs("subnet-", 16) },
		},
		{
			name: "accepts IDs of 8 and of 17 hex digits",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.VPCID = "vpc-0a1b2c3d"
				e.Spec.SubnetIDs = []string{"subnet-0a1b2c3d", "subnet-0a1b2c3d4e5f60711"}
				e.Spec.AdoptEndpointID = "vpce-0a1b2c3d4e5f60799"
			},
		},
		{
			name: "accepts IPv4 and IPv6 CIDRs in canonical form",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.Managed = managedFromCIDRs("10.0.0.0/16", "192.168.1.7/32", "2001:db8::/32", "2600:1f18:abcd:1200::/56")
			},
		},
		{
			name: "accepts security groups, CIDRs and prefix lists together",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.Managed.AllowedSources.CIDRs = []string{"10.0.0.0/8"}
				e.Spec.SecurityGroup.Managed.AllowedSources.PrefixListIDs = []string{"pl-0a1b2c3d"}
			},
		},
		{
			name: "accepts 5 existing security groups instead of a managed one",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup = vpcev1alpha1.SecurityGroupSpec{IDs: hexIDs("sg-", 5)}
			},
		},
		{
			name: "accepts from: Selector with a label selector",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Access.AllowedNamespaces = vpcev1alpha1.AllowedNamespaces{From: vpcev1alpha1.NamespacesFromSelector, Selector: teamSelector()}
			},
		},
		{
			name: "accepts from: Selector with match expressions",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Access.AllowedNamespaces = vpcev1alpha1.AllowedNamespaces{
					From: vpcev1alpha1.NamespacesFromSelector,
					Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
						{Key: "team", Operator: metav1.LabelSelectorOpIn, Values: []string{"research", "support"}},
					}},
				}
			},
		},
		{
			name: "accepts from: All with whenNoPolicies Allow",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Access = vpcev1alpha1.AccessSpec{
					AllowedNamespaces: vpcev1alpha1.AllowedNamespaces{From: vpcev1alpha1.NamespacesFromAll},
					WhenNoPolicies:    vpcev1alpha1.WhenNoPoliciesAllow,
				}
			},
		},
		{
			name: "accepts private DNS disabled",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.PrivateDNS = vpcev1alpha1.PrivateDNSSpec{Enabled: ptr.To(false), OnlyForInboundResolverEndpoint: ptr.To(false)}
			},
		},
		{
			name:   "accepts a GovCloud region",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Region = "us-gov-west-1" },
		},
		{
			name:   "accepts no region, leaving it to the operator",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Region = "" },
		},
		{
			name: "accepts an explicit service name",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.ServiceName = "com.amazonaws.us-east-1.bedrock-agentcore.gateway"
			},
		},
		{
			// The region is checked by the operator (RegionMismatch).
			name: "accepts a gateway service name without spec.region",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Region = ""
				e.Spec.ServiceName = "com.amazonaws.eu-west-1.bedrock-agentcore.gateway"
			},
		},
		{
			name: "accepts an allow-list of gateway accounts with wildcards",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Access.AllowedGateways = vpcev1alpha1.AllowedGateways{Accounts: []string{"123456789012", "210987654321"}, Wildcard: true}
			},
		},
		{
			name:   "accepts the dualstack IP address type",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.IPAddressType = vpcev1alpha1.IPAddressTypeDualstack },
		},
		{
			name:   "accepts the ipv6 IP address type",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.IPAddressType = vpcev1alpha1.IPAddressTypeIPv6 },
		},
		{
			name:   "accepts the Retain deletion policy",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.DeletionPolicy = vpcev1alpha1.DeletionPolicyRetain },
		},
		{
			name: "accepts 40 tags with 128-character keys and 256-character values",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Tags = map[string]string{}
				for i := range 40 {
					key := fmt.Sprintf("%03d", i) + strings.Repeat("k", 125)
					e.Spec.Tags[key] = strings.Repeat("v", 256)
				}
			},
		},
		{
			name: "accepts tag keys that merely contain aws or the operator's domain",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Tags = map[string]string{"team-aws:owner": "x", "example.com/vpce.agentcore.io": "y", "Name": "agents"}
			},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			endpoint := validEndpoint(namespace, nameFor("valid", i))
			tc.mutate(endpoint)
			if err := env.Client.Create(context.Background(), endpoint); err != nil {
				t.Fatalf("the API server rejected a valid endpoint: %v", err)
			}
		})
	}
}
