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

// validEndpoint is the base every case mutates: a GatewayEndpoint the API
// server accepts, so a rejection is caused by the one thing a case changes.
func validEndpoint(namespace, name string) *vpcev1alpha1.GatewayEndpoint {
	return &vpcev1alpha1.GatewayEndpoint{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: vpcev1alpha1.GatewayEndpointSpec{
			Region:    "us-east-1",
			VPCID:     "vpc-0a1b2c3d4e5f60718",
			SubnetIDs: []string{"subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60712"},
			SecurityGroup: vpcev1alpha1.SecurityGroupSpec{
				Managed: managedFromSecurityGroups("sg-0a1b2c3d4e5f6a9b8"),
			},
		},
	}
}

func managedFromSecurityGroups(ids ...string) *vpcev1alpha1.ManagedSecurityGroup {
	return &vpcev1alpha1.ManagedSecurityGroup{
		AllowedSources: vpcev1alpha1.AllowedSources{SecurityGroupIDs: ids},
	}
}

func managedFromCIDRs(cidrs ...string) *vpcev1alpha1.ManagedSecurityGroup {
	return &vpcev1alpha1.ManagedSecurityGroup{
		AllowedSources: vpcev1alpha1.AllowedSources{CIDRs: cidrs},
	}
}

// hexIDs returns n distinct AWS-style IDs with the given prefix and 17 hex
// digits.
func hexIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s0a1b2c3d4e5f6%04x", prefix, i)
	}
	return ids
}

func teamSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"vpce.agentcore.io/gateway-access": "true"}}
}

type endpointMutation func(*vpcev1alpha1.GatewayEndpoint)

func TestGatewayEndpointValidationRejectsInvalidSpecs(t *testing.T) {
	const namespace = "gwe-invalid"
	createNamespace(t, namespace)

	cases := []struct {
		name   string
		mutate endpointMutation
		field  string
		want   string
	}{
		{
			name:   "rejects a VPC ID without the vpc- prefix",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.VPCID = "0a1b2c3d4e5f60718" },
			field:  "spec.vpcID",
			want:   "vpcID must look like vpc-0a1b2c3d (vpc- followed by 8 or 17 hex digits)",
		},
		{
			name:   "rejects a VPC ID with upper-case hex digits",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.VPCID = "vpc-0A1B2C3D" },
			field:  "spec.vpcID",
			want:   "vpcID must look like vpc-0a1b2c3d",
		},
		{
			name:   "rejects a VPC ID with fewer than 8 hex digits",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.VPCID = "vpc-0a1b2c3" },
			field:  "spec.vpcID",
			want:   "vpcID must look like vpc-0a1b2c3d",
		},
		{
			name:   "rejects a VPC ID longer than 21 characters",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.VPCID = "vpc-0a1b2c3d4e5f607189" },
			field:  "spec.vpcID",
			want:   "may not be more than 21",
		},
		{
			name:   "rejects a subnet ID without the subnet- prefix",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SubnetIDs[1] = "sn-0a1b2c3d4e5f60712" },
			field:  "spec.subnetIDs",
			want:   "subnetIDs must look like subnet-0a1b2c3d (subnet- followed by 8 or 17 hex digits)",
		},
		{
			name:   "rejects a subnet ID with a character that is not a hex digit",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SubnetIDs[0] = "subnet-0a1b2c3g" },
			field:  "spec.subnetIDs",
			want:   "subnetIDs must look like subnet-0a1b2c3d",
		},
		{
			name:   "rejects an empty list of subnets",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SubnetIDs = []string{} },
			field:  "spec.subnetIDs",
			want:   "should have at least 1 items",
		},
		{
			name:   "rejects an endpoint without subnetIDs",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SubnetIDs = nil },
			field:  "spec.subnetIDs",
			want:   "Required value",
		},
		{
			name:   "rejects 17 subnets",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SubnetIDs = hexIDs("subnet-", 17) },
			field:  "spec.subnetIDs",
			want:   "must have at most 16 items",
		},
		{
			name: "rejects a subnet listed twice",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SubnetIDs = []string{"subnet-0a1b2c3d", "subnet-0a1b2c3e", "subnet-0a1b2c3d"}
			},
			field: "spec.subnetIDs",
			want:  "subnetIDs must not repeat a subnet",
		},
		{
			name: "rejects a security group that is both managed and given by ids",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.IDs = []string{"sg-0a1b2c3d"}
			},
			field: "spec.securityGroup",
			want:  "securityGroup needs exactly one of managed or ids",
		},
		{
			name:   "rejects a security group that is neither managed nor given by ids",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SecurityGroup = vpcev1alpha1.SecurityGroupSpec{} },
			field:  "spec.securityGroup",
			want:   "securityGroup needs exactly one of managed or ids",
		},
		{
			name: "rejects a managed security group without any allowed source",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.Managed = &vpcev1alpha1.ManagedSecurityGroup{}
			},
			field: "spec.securityGroup.managed.allowedSources",
			want:  "allowedSources needs at least one of securityGroupIDs, cidrs or prefixListIDs",
		},
		{
			name: "rejects an allowed source security group without the sg- prefix",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.Managed = managedFromSecurityGroups("0a1b2c3d")
			},
			field: "spec.securityGroup.managed.allowedSources.securityGroupIDs",
			want:  "securityGroupIDs must look like sg-0a1b2c3d (sg- followed by 8 or 17 hex digits)",
		},
		{
			name: "rejects an allowed source security group listed twice",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.Managed = managedFromSecurityGroups("sg-0a1b2c3d", "sg-0a1b2c3d")
			},
			field: "spec.securityGroup.managed.allowedSources.securityGroupIDs",
			want:  "securityGroupIDs must not repeat a security group",
		},
		{
			name: "rejects an existing security group ID without the sg- prefix",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup = vpcev1alpha1.SecurityGroupSpec{IDs: []string{"sgr-0a1b2c3d"}}
			},
			field: "spec.securityGroup.ids",
			want:  "ids must look like sg-0a1b2c3d (sg- followed by 8 or 17 hex digits)",
		},
		{
			name: "rejects an existing security group listed twice",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup = vpcev1alpha1.SecurityGroupSpec{IDs: []string{"sg-0a1b2c3d", "sg-0a1b2c3d"}}
			},
			field: "spec.securityGroup.ids",
			want:  "ids must not repeat a security group",
		},
		{
			name: "rejects more than 5 existing security groups",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup = vpcev1alpha1.SecurityGroupSpec{IDs: hexIDs("sg-", 6)}
			},
			field: "spec.securityGroup.ids",
			want:  "must have at most 5 items",
		},
		{
			name: "rejects a prefix list ID without the pl- prefix",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.Managed = &vpcev1alpha1.ManagedSecurityGroup{
					AllowedSources: vpcev1alpha1.AllowedSources{PrefixListIDs: []string{"prefix-0a1b2c3d"}},
				}
			},
			field: "spec.securityGroup.managed.allowedSources.prefixListIDs",
			want:  "prefixListIDs must look like pl-0a1b2c3d (pl- followed by 8 or 17 hex digits)",
		},
		{
			name: "rejects a prefix list listed twice",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.Managed = &vpcev1alpha1.ManagedSecurityGroup{
					AllowedSources: vpcev1alpha1.AllowedSources{PrefixListIDs: []string{"pl-0a1b2c3d", "pl-0a1b2c3d"}},
				}
			},
			field: "spec.securityGroup.managed.allowedSources.prefixListIDs",
			want:  "prefixListIDs must not repeat a prefix list",
		},
		{
			name:   "rejects a CIDR that is not a range at all",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SecurityGroup.Managed = managedFromCIDRs("agents") },
			field:  "spec.securityGroup.managed.allowedSources.cidrs",
			want:   "cidrs must be CIDR ranges in canonical form, e.g. 10.0.0.0/16 (not 10.0.0.1/16)",
		},
		{
			name:   "rejects an address without a prefix length",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SecurityGroup.Managed = managedFromCIDRs("10.0.0.1") },
			field:  "spec.securityGroup.managed.allowedSources.cidrs",
			want:   "cidrs must be CIDR ranges in canonical form",
		},
		{
			name:   "rejects an IPv4 prefix length over 32",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SecurityGroup.Managed = managedFromCIDRs("10.0.0.0/33") },
			field:  "spec.securityGroup.managed.allowedSources.cidrs",
			want:   "cidrs must be CIDR ranges in canonical form",
		},
		{
			name:   "rejects an IPv4 CIDR with host bits set (10.0.0.1/16)",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SecurityGroup.Managed = managedFromCIDRs("10.0.0.1/16") },
			field:  "spec.securityGroup.managed.allowedSources.cidrs",
			want:   "cidrs must be CIDR ranges in canonical form, e.g. 10.0.0.0/16 (not 10.0.0.1/16)",
		},
		{
			name: "rejects an IPv6 CIDR with host bits set",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.Managed = managedFromCIDRs("2001:db8::1/32")
			},
			field: "spec.securityGroup.managed.allowedSources.cidrs",
			want:  "cidrs must be CIDR ranges in canonical form",
		},
		{
			name: "rejects a CIDR listed twice",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.Managed = managedFromCIDRs("10.0.0.0/16", "10.0.0.0/16")
			},
			field: "spec.securityGroup.managed.allowedSources.cidrs",
			want:  "cidrs must not repeat a range",
		},
		{
			name: "rejects a tag key with the aws: prefix",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Tags = map[string]string{"team": "platform", "aws:foo": "bar"}
			},
			field: "spec.tags",
			want:  "tag keys must not start with 'aws:': that prefix is reserved by AWS",
		},
		{
			name:   "rejects a tag key with the operator's vpce.agentcore.io/ prefix",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Tags = map[string]string{"vpce.agentcore.io/x": "y"} },
			field:  "spec.tags",
			want:   "tag keys must not start with 'vpce.agentcore.io/': the operator uses those to track what it owns",
		},
		{
			name: "rejects a tag value longer than 256 characters",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Tags = map[string]string{"team": strings.Repeat("v", 257)}
			},
			field: "spec.tags",
			want:  "tag keys must be 1 to 128 characters and values at most 256",
		},
		{
			name:   "rejects a tag key longer than 128 characters",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Tags = map[string]string{strings.Repeat("k", 129): "v"} },
			field:  "spec.tags",
			want:   "tag keys must be 1 to 128 characters and values at most 256",
		},
		{
			name:   "rejects an empty tag key",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Tags = map[string]string{"": "v"} },
			field:  "spec.tags",
			want:   "tag keys must be 1 to 128 characters and values at most 256",
		},
		{
			name: "rejects more than 40 tags",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Tags = map[string]string{}
				for i := range 41 {
					e.Spec.Tags[fmt.Sprintf("tag-%02d", i)] = "v"
				}
			},
			field: "spec.tags",
			want:  "must have at most 40 items",
		},
		{
			name:   "rejects a deletionPolicy other than Delete or Retain",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.DeletionPolicy = "Orphan" },
			field:  "spec.deletionPolicy",
			want:   `supported values: "Delete", "Retain"`,
		},
		{
			name:   "rejects a whenNoPolicies other than Deny or Allow",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Access.WhenNoPolicies = "Ignore" },
			field:  "spec.access.whenNoPolicies",
			want:   `supported values: "Deny", "Allow"`,
		},
		{
			name:   "rejects an ipAddressType other than ipv4, dualstack or ipv6",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.IPAddressType = "IPv4" },
			field:  "spec.ipAddressType",
			want:   `supported values: "ipv4", "dualstack", "ipv6"`,
		},
		{
			name:   "rejects an allowedNamespaces.from other than Same, All or Selector",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Access.AllowedNamespaces.From = "None" },
			field:  "spec.access.allowedNamespaces.from",
			want:   `supported values: "Same", "All", "Selector"`,
		},
		{
			name: "rejects a selector with from: All",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Access.AllowedNamespaces = vpcev1alpha1.AllowedNamespaces{From: vpcev1alpha1.NamespacesFromAll, Selector: teamSelector()}
			},
			field: "spec.access.allowedNamespaces",
			want:  "selector is required when from is Selector, and only allowed then",
		},
		{
			name: "rejects a selector when from is left to default to Same",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Access.AllowedNamespaces = vpcev1alpha1.AllowedNamespaces{Selector: teamSelector()}
			},
			field: "spec.access.allowedNamespaces",
			want:  "selector is required when from is Selector, and only allowed then",
		},
		{
			name: "rejects from: Selector without a selector",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Access.AllowedNamespaces = vpcev1alpha1.AllowedNamespaces{From: vpcev1alpha1.NamespacesFromSelector}
			},
			field: "spec.access.allowedNamespaces",
			want:  "selector is required when from is Selector, and only allowed then",
		},
		{
			name: "rejects onlyForInboundResolverEndpoint, which EC2 refuses for this service",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.PrivateDNS = vpcev1alpha1.PrivateDNSSpec{Enabled: ptr.To(true), OnlyForInboundResolverEndpoint: ptr.To(true)}
			},
			field: "spec.privateDNS.onlyForInboundResolverEndpoint",
			want:  "onlyForInboundResolverEndpoint cannot be true for the AgentCore Gateway",
		},
		{
			name:   "rejects a region in upper case",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Region = "US-EAST-1" },
			field:  "spec.region",
			want:   "region must be an AWS region such as us-east-1",
		},
		{
			name:   "rejects a region without its number",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Region = "us-east" },
			field:  "spec.region",
			want:   "region must be an AWS region such as us-east-1",
		},
		{
			name:   "rejects an Availability Zone given as the region",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Region = "us-east-1a" },
			field:  "spec.region",
			want:   "region must be an AWS region such as us-east-1",
		},
		{
			name: "rejects a service name with upper-case letters",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.ServiceName = "com.amazonaws.us-east-1.Bedrock-AgentCore.gateway"
			},
			field: "spec.serviceName",
			want:  "serviceName must be the AgentCore Gateway service, com.amazonaws.<region>.bedrock-agentcore.gateway",
		},
		{
			// With private DNS, an STS endpoint would capture sts.<region>.amazonaws.com
			// for the whole VPC.
			name:   "rejects an endpoint for another AWS service such as STS",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.ServiceName = "com.amazonaws.us-east-1.sts" },
			field:  "spec.serviceName",
			want:   "serviceName must be the AgentCore Gateway service, com.amazonaws.<region>.bedrock-agentcore.gateway; other services are not allowed",
		},
		{
			name: "rejects the AgentCore data-plane service",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.ServiceName = "com.amazonaws.us-east-1.bedrock-agentcore"
			},
			field: "spec.serviceName",
			want:  "other services are not allowed",
		},
		{
			name: "rejects the gateway service of another region than spec.region",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.ServiceName = "com.amazonaws.eu-west-1.bedrock-agentcore.gateway"
			},
			field: "spec.serviceName",
			want:  "serviceName must be the AgentCore Gateway service of spec.region",
		},
		{
			name: "rejects an allowed account that is not 12 digits",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Access.AllowedGateways.Accounts = []string{"12345678901"}
			},
			field: "spec.access.allowedGateways.accounts",
			want:  "allowedGateways.accounts must be 12-digit AWS account IDs",
		},
		{
			name: "rejects an allowed account listed twice",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Access.AllowedGateways.Accounts = []string{"123456789012", "123456789012"}
			},
			field: "spec.access.allowedGateways.accounts",
			want:  "allowedGateways.accounts must not repeat an account",
		},
		{
			name:   "rejects an adoptEndpointID that is not a VPC endpoint ID",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.AdoptEndpointID = "vpc-0a1b2c3d4e5f60718" },
			field:  "spec.adoptEndpointID",
			want:   "adoptEndpointID must look like vpce-0a1b2c3d (vpce- followed by 8 or 17 hex digits)",
		},
		{
			name:   "rejects an adoptEndpointID with a character that is not a hex digit",
			mutate: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.AdoptEndpointID = "vpce-0a1b2c3z" },
			field:  "spec.adoptEndpointID",
			want:   "adoptEndpointID must look like vpce-0a1b2c3d",
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			endpoint := validEndpoint(namespace, nameFor("invalid", i))
			tc.mutate(endpoint)
			err := env.Client.Create(context.Background(), endpoint)
			assertRejected(t, err, tc.field, tc.want)
		})
	}
}
