package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GatewayEndpointSpec is the interface VPC endpoint a team wants for the
// AgentCore Gateway data plane, and who may reach it.
//
// +kubebuilder:validation:XValidation:rule="has(self.region) == has(oldSelf.region) && (!has(self.region) || self.region == oldSelf.region)",fieldPath=".region",message="region is immutable: create a new GatewayEndpoint to move to another region"
// +kubebuilder:validation:XValidation:rule="has(self.serviceName) == has(oldSelf.serviceName) && (!has(self.serviceName) || self.serviceName == oldSelf.serviceName)",fieldPath=".serviceName",message="serviceName is immutable: create a new GatewayEndpoint for another service"
// +kubebuilder:validation:XValidation:rule="has(self.adoptEndpointID) == has(oldSelf.adoptEndpointID) && (!has(self.adoptEndpointID) || self.adoptEndpointID == oldSelf.adoptEndpointID)",fieldPath=".adoptEndpointID",message="adoptEndpointID is immutable: it can only be set when the GatewayEndpoint is created"
// +kubebuilder:validation:XValidation:rule="!has(self.serviceName) || !has(self.region) || self.serviceName == 'com.amazonaws.' + self.region + '.bedrock-agentcore.gateway'",fieldPath=".serviceName",message="serviceName must be the AgentCore Gateway service of spec.region, com.amazonaws.<region>.bedrock-agentcore.gateway: an endpoint of another service with private DNS would capture that service's name for the whole VPC"
type GatewayEndpointSpec struct {
	// Region is the AWS region of the VPC, e.g. us-east-1. Defaults to the
	// operator's region (its --region flag or the AWS SDK's default chain).
	// Immutable.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z]{2}(-[a-z]+)+-[0-9]$')",message="region must be an AWS region such as us-east-1"
	Region string `json:"region,omitempty"`

	// VPCID is the VPC the endpoint is created in, e.g. vpc-0a1b2c3d4e5f60718.
	// Immutable.
	// +kubebuilder:validation:XValidation:rule="self.matches('^vpc-([0-9a-f]{8}|[0-9a-f]{17})$')",message="vpcID must look like vpc-0a1b2c3d (vpc- followed by 8 or 17 hex digits)"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="vpcID is immutable: create a new GatewayEndpoint for another VPC"
	// +kubebuilder:validation:MaxLength=21
	VPCID string `json:"vpcID"`

	// ServiceName is the VPC endpoint service to connect to: the AgentCore
	// Gateway service of the endpoint's region,
	// com.amazonaws.<region>.bedrock-agentcore.gateway, which is also the
	// default and the only value allowed. (An endpoint of any other service
	// with private DNS would take over that service's name for the whole
	// VPC.) Immutable.
	// +optional
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:XValidation:rule="self.matches('^com\\\\.amazonaws\\\\.[a-z0-9-]+\\\\.bedrock-agentcore\\\\.gateway$')",message="serviceName must be the AgentCore Gateway service, com.amazonaws.<region>.bedrock-agentcore.gateway; other services are not allowed"
	ServiceName string `json:"serviceName,omitempty"`

	// SubnetIDs are the subnets that get one endpoint network interface each,
	// normally the subnets the agents run in. EC2 allows at most one subnet per
	// Availability Zone.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:XValidation:rule="self.all(s, s.matches('^subnet-([0-9a-f]{8}|[0-9a-f]{17})$'))",message="subnetIDs must look like subnet-0a1b2c3d (subnet- followed by 8 or 17 hex digits)"
	// +kubebuilder:validation:XValidation:rule="self.all(s, self.exists_one(t, t == s))",message="subnetIDs must not repeat a subnet"
	// +kubebuilder:validation:items:MaxLength=24
	// +listType=atomic
	SubnetIDs []string `json:"subnetIDs"`

	// SecurityGroup says which security group guards the endpoint: one the
	// operator manages (HTTPS from the agents only) or existing ones.
	SecurityGroup SecurityGroupSpec `json:"securityGroup"`

	// PrivateDNS controls the endpoint's private DNS names. With it enabled,
	// https://<gateway-id>.gateway.bedrock-agentcore.<region>.amazonaws.com
	// resolves to the endpoint's private IPs inside the VPC.
	// +optional
	// +kubebuilder:default={}
	PrivateDNS PrivateDNSSpec `json:"privateDNS,omitempty"`

	// IPAddressType is the endpoint's IP address type: ipv4, dualstack or ipv6.
	// +optional
	// +kubebuilder:default=ipv4
	IPAddressType IPAddressType `json:"ipAddressType,omitempty"`

	// Access says which GatewayAccessPolicies may attach to this endpoint and
	// what the endpoint admits when none is attached.
	// +optional
	// +kubebuilder:default={}
	Access AccessSpec `json:"access,omitempty"`

	// Tags are added to every AWS resource the operator creates for this
	// endpoint, besides its own ownership tags and Name.
	// +optional
	// +kubebuilder:validation:MaxProperties=40
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.lowerAscii().startsWith('aws:'))",message="tag keys must not start with 'aws:': that prefix is reserved by AWS"
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('vpce.agentcore.io/'))",message="tag keys must not start with 'vpce.agentcore.io/': the operator uses those to track what it owns"
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) >= 1 && size(k) <= 128 && size(self[k]) <= 256)",message="tag keys must be 1 to 128 characters and values at most 256"
	Tags map[string]string `json:"tags,omitempty"`

	// DeletionPolicy says what happens in AWS when this object is deleted:
	// Delete removes the endpoint and then the managed security group; Retain
	// leaves both as they are.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// AdoptEndpointID takes over an existing interface endpoint instead of
	// creating one. It must be in vpcID and connect to serviceName, and a
	// person must first tag it with this cluster's vpce.agentcore.io/cluster
	// value; an endpoint without that tag (made by Terraform or the console),
	// of another cluster, or already owned by another object (its
	// vpce.agentcore.io/uid tag) is refused (AdoptionRefused), and so is every
	// GatewayEndpoint but the oldest naming the same endpoint. The operator
	// then tags it as its own and converges its subnets, security groups, DNS
	// and policy; deleting this object deletes it (deletionPolicy Delete).
	// Immutable.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^vpce-([0-9a-f]{8}|[0-9a-f]{17})$')",message="adoptEndpointID must look like vpce-0a1b2c3d (vpce- followed by 8 or 17 hex digits)"
	// +kubebuilder:validation:MaxLength=22
	AdoptEndpointID string `json:"adoptEndpointID,omitempty"`
}

// SecurityGroupSpec holds exactly one of Managed or IDs.
//
// +kubebuilder:validation:XValidation:rule="has(self.managed) != has(self.ids)",message="securityGroup needs exactly one of managed or ids"
type SecurityGroupSpec struct {
	// Managed makes the operator create and own a security group whose only
	// inbound rules are HTTPS (443/tcp) from AllowedSources.
	// +optional
	Managed *ManagedSecurityGroup `json:"managed,omitempty"`

	// IDs are existing security groups attached to the endpoint as they are;
	// the operator never modifies them.
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=5
	// +kubebuilder:validation:XValidation:rule="self.all(g, g.matches('^sg-([0-9a-f]{8}|[0-9a-f]{17})$'))",message="ids must look like sg-0a1b2c3d (sg- followed by 8 or 17 hex digits)"
	// +kubebuilder:validation:XValidation:rule="self.all(g, self.exists_one(h, h == g))",message="ids must not repeat a security group"
	// +kubebuilder:validation:items:MaxLength=20
	// +listType=atomic
	IDs []string `json:"ids,omitempty"`
}

// ManagedSecurityGroup is a security group the operator creates and owns.
type ManagedSecurityGroup struct {
	// AllowedSources may reach the endpoint on HTTPS (443/tcp); nothing else
	// may reach it.
	AllowedSources AllowedSources `json:"allowedSources"`
}

// AllowedSources are where the agents' traffic comes from. At least one
// source is required.
//
// +kubebuilder:validation:XValidation:rule="has(self.securityGroupIDs) || has(self.cidrs) || has(self.prefixListIDs)",message="allowedSources needs at least one of securityGroupIDs, cidrs or prefixListIDs"
type AllowedSources struct {
	// SecurityGroupIDs are the agents' security groups (for example the EKS
	// node or pod security group).
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:XValidation:rule="self.all(g, g.matches('^sg-([0-9a-f]{8}|[0-9a-f]{17})$'))",message="securityGroupIDs must look like sg-0a1b2c3d (sg- followed by 8 or 17 hex digits)"
	// +kubebuilder:validation:XValidation:rule="self.all(g, self.exists_one(h, h == g))",message="securityGroupIDs must not repeat a security group"
	// +kubebuilder:validation:items:MaxLength=20
	// +listType=atomic
	SecurityGroupIDs []string `json:"securityGroupIDs,omitempty"`

	// CIDRs are IPv4 or IPv6 ranges in canonical form, e.g. 10.0.0.0/16.
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:XValidation:rule="self.all(c, isCIDR(c) && string(cidr(c).masked()) == c)",message="cidrs must be CIDR ranges in canonical form, e.g. 10.0.0.0/16 (not 10.0.0.1/16), IPv6 in lower case and shortest form"
	// +kubebuilder:validation:XValidation:rule="self.all(c, self.exists_one(d, d == c))",message="cidrs must not repeat a range"
	// +kubebuilder:validation:items:MaxLength=43
	// +listType=atomic
	CIDRs []string `json:"cidrs,omitempty"`

	// PrefixListIDs are managed prefix lists, e.g. pl-0a1b2c3d.
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:XValidation:rule="self.all(p, p.matches('^pl-([0-9a-f]{8}|[0-9a-f]{17})$'))",message="prefixListIDs must look like pl-0a1b2c3d (pl- followed by 8 or 17 hex digits)"
	// +kubebuilder:validation:XValidation:rule="self.all(p, self.exists_one(q, q == p))",message="prefixListIDs must not repeat a prefix list"
	// +kubebuilder:validation:items:MaxLength=20
	// +listType=atomic
	PrefixListIDs []string `json:"prefixListIDs,omitempty"`
}

// PrivateDNSSpec controls the endpoint's private DNS.
//
// +kubebuilder:validation:XValidation:rule="!has(self.onlyForInboundResolverEndpoint) || !self.onlyForInboundResolverEndpoint",fieldPath=".onlyForInboundResolverEndpoint",message="onlyForInboundResolverEndpoint cannot be true for the AgentCore Gateway: EC2 allows it only for services that also have gateway endpoints (S3, DynamoDB)"
type PrivateDNSSpec struct {
	// Enabled associates the service's private hosted zone with the VPC, so
	// the gateway's public name resolves to the endpoint's private IPs.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// OnlyForInboundResolverEndpoint would enable private DNS only for
	// Route 53 Resolver inbound endpoints. EC2 allows that only for services
	// that also have gateway endpoints (S3, DynamoDB), which the AgentCore
	// Gateway has not, so only false is accepted.
	// +optional
	OnlyForInboundResolverEndpoint *bool `json:"onlyForInboundResolverEndpoint,omitempty"`
}

// IPAddressType is the IP address type of an endpoint.
// +kubebuilder:validation:Enum=ipv4;dualstack;ipv6
type IPAddressType string

// IP address types.
const (
	IPAddressTypeIPv4      IPAddressType = "ipv4"
	IPAddressTypeDualstack IPAddressType = "dualstack"
	IPAddressTypeIPv6      IPAddressType = "ipv6"
)

// DeletionPolicy says what happens to AWS resources on deletion.
// +kubebuilder:validation:Enum=Delete;Retain
type DeletionPolicy string

// Deletion policies.
const (
	DeletionPolicyDelete DeletionPolicy = "Delete"
	DeletionPolicyRetain DeletionPolicy = "Retain"
)

// GatewayEndpointStatus is what the operator observed in AWS.
type GatewayEndpointStatus struct {
	// ObservedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Region is the AWS region the endpoint and its security group live in:
	// spec.region, or the operator's region when the object was first
	// reconciled. It stays fixed, so that a later change of the operator's
	// region never makes it look for (or create) them elsewhere.
	// +optional
	Region string `json:"region,omitempty"`

	// EndpointID is the interface VPC endpoint, e.g. vpce-0a1b2c3d4e5f60718.
	// +optional
	EndpointID string `json:"endpointID,omitempty"`

	// State is the endpoint's state as AWS reports it, in lower case
	// (pending, available, deleting, failed, ...).
	// +optional
	State string `json:"state,omitempty"`

	// DNSEntries are the endpoint's DNS names: the regional one first, then
	// one per Availability Zone.
	// +optional
	// +listType=atomic
	DNSEntries []DNSEntry `json:"dnsEntries,omitempty"`

	// NetworkInterfaceIDs are the endpoint's network interfaces, one per subnet.
	// +optional
	// +listType=atomic
	NetworkInterfaceIDs []string `json:"networkInterfaceIDs,omitempty"`

	// SecurityGroupIDs are the security groups attached to the endpoint.
	// +optional
	// +listType=atomic
	SecurityGroupIDs []string `json:"securityGroupIDs,omitempty"`

	// SubnetIDs are the subnets the endpoint is in.
	// +optional
	// +listType=atomic
	SubnetIDs []string `json:"subnetIDs,omitempty"`

	// Policy describes the endpoint policy document the operator applied.
	// +optional
	Policy *EndpointPolicyStatus `json:"policy,omitempty"`

	// Conditions: SecurityGroupReady, EndpointAvailable, PolicyApplied,
	// Ready, Reconciling and Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// DNSEntry is one DNS name of the endpoint.
type DNSEntry struct {
	// DNSName is the DNS name.
	DNSName string `json:"dnsName"`
	// HostedZoneID is the Route 53 hosted zone of the name.
	// +optional
	HostedZoneID string `json:"hostedZoneID,omitempty"`
}

// EndpointPolicyStatus describes the applied endpoint policy document.
type EndpointPolicyStatus struct {
	// Hash identifies the applied canonical policy document (SHA-256 prefix).
	// +optional
	Hash string `json:"hash,omitempty"`

	// AppliedAt is when the document was written to the endpoint.
	// +optional
	AppliedAt *metav1.Time `json:"appliedAt,omitempty"`

	// EffectiveAt is AppliedAt plus the gateway's policy propagation delay:
	// the gateway caches access policies for up to 15 minutes, so the new
	// document is certain to be enforced only from then on.
	// +optional
	EffectiveAt *metav1.Time `json:"effectiveAt,omitempty"`

	// AttachedPolicies counts the accepted GatewayAccessPolicies merged into
	// the document.
	// +optional
	AttachedPolicies int32 `json:"attachedPolicies"`

	// RefusedPolicies counts the accepted GatewayAccessPolicies left out of
	// the document, or kept at their last applied statement, because the
	// document would exceed EC2's limit of 20,480 characters (each reports
	// PolicyTooLarge). They do not make the endpoint Stalled or not Ready.
	// +optional
	RefusedPolicies int32 `json:"refusedPolicies,omitempty"`

	// Refused names those policies and says why.
	// +optional
	// +listType=atomic
	Refused []RefusedPolicy `json:"refused,omitempty"`

	// Statements are the GatewayAccessPolicies whose statements the applied
	// document holds, each with when its current statement was first
	// applied. A policy that did not change keeps its time when others do.
	// +optional
	// +listType=atomic
	Statements []AppliedStatement `json:"statements,omitempty"`
}

// RefusedPolicy is an accepted GatewayAccessPolicy whose statement is not in
// the endpoint's document as asked.
type RefusedPolicy struct {
	// Namespace of the GatewayAccessPolicy.
	Namespace string `json:"namespace"`
	// Name of the GatewayAccessPolicy.
	Name string `json:"name"`
	// Reason is a CamelCase reason, e.g. PolicyTooLarge.
	Reason string `json:"reason"`
	// Message says why, for a person.
	Message string `json:"message"`
}

// AppliedStatement is one GatewayAccessPolicy's statement in the applied
// endpoint policy document.
type AppliedStatement struct {
	// Namespace of the GatewayAccessPolicy.
	Namespace string `json:"namespace"`
	// Name of the GatewayAccessPolicy.
	Name string `json:"name"`
	// Hash identifies the statement's content (its sorted gateway ARNs).
	Hash string `json:"hash"`
	// AppliedAt is when a document holding this statement was first written.
	AppliedAt metav1.Time `json:"appliedAt"`
}

// GatewayEndpoint is an interface VPC endpoint for the Amazon Bedrock
// AgentCore Gateway, with its security group and endpoint policy.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gwe,categories=agentcore
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Endpoint-ID",type=string,JSONPath=`.status.endpointID`
// +kubebuilder:printcolumn:name="VPC",type=string,JSONPath=`.spec.vpcID`
// +kubebuilder:printcolumn:name="Policies",type=integer,JSONPath=`.status.policy.attachedPolicies`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="DNS",type=string,JSONPath=`.status.dnsEntries[0].dnsName`,priority=1
// +kubebuilder:printcolumn:name="Security-Groups",type=string,JSONPath=`.status.securityGroupIDs`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type GatewayEndpoint struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired endpoint.
	Spec GatewayEndpointSpec `json:"spec"`
	// Status is what the operator observed.
	// +optional
	Status GatewayEndpointStatus `json:"status,omitempty"`
}

// GatewayEndpointList is a list of GatewayEndpoints.
//
// +kubebuilder:object:root=true
type GatewayEndpointList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GatewayEndpoint `json:"items"`
}
