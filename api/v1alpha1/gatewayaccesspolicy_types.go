package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GatewayAccessPolicySpec names gateways a team wants admitted through a
// GatewayEndpoint. The endpoint policy applies to the whole VPC: once
// admitted, a gateway is reachable through the endpoint by every workload
// that can reach the endpoint, not only by this team's agents.
//
// +kubebuilder:validation:XValidation:rule="has(self.gatewayARNs) || has(self.gatewayRefs)",message="a GatewayAccessPolicy needs gatewayARNs, gatewayRefs or both: name at least one gateway"
type GatewayAccessPolicySpec struct {
	// EndpointRef is the GatewayEndpoint whose endpoint policy gets these
	// gateways. The endpoint's access.allowedNamespaces must admit this
	// policy's namespace.
	EndpointRef EndpointReference `json:"endpointRef"`

	// GatewayARNs are the AgentCore gateways admitted through the endpoint,
	// e.g. arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/my-gw-a1b2c3
	// (gateway/* admits every gateway of that account and region). They must
	// be in the endpoint's region, and within the endpoint's
	// access.allowedGateways: by default gateways of the endpoint's own
	// account, and no gateway/*. Optional when gatewayRefs names gateways.
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="self.all(a, a.matches('^arn:aws[-a-z]*:bedrock-agentcore:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:gateway/([A-Za-z0-9][A-Za-z0-9_-]*|[*])$'))",message="gatewayARNs must be gateway ARNs such as arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/my-gateway-a1b2c3 (or gateway/* for every gateway of the account)"
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.exists_one(b, b == a))",message="gatewayARNs must not repeat a gateway"
	// +kubebuilder:validation:XValidation:rule="self.map(a, size(a) + 3).sum() <= 20000",message="gatewayARNs are too long together: one policy's statement must fit EC2's 20,480-character endpoint policy; split the gateways over several GatewayAccessPolicies"
	// +listType=atomic
	GatewayARNs []string `json:"gatewayARNs,omitempty"`

	// GatewayRefs names gateways managed by AWS Controllers for Kubernetes
	// (bedrockagentcorecontrol.services.k8s.aws Gateway objects) instead of
	// typing their ARNs. The operator reads each one's ARN from its
	// status.ackResourceMetadata.arn and checks it like a typed ARN (region,
	// access.allowedGateways); the policy is not accepted while a referenced
	// Gateway has no ARN yet (WaitingForGatewayARN), or while the cluster
	// has no such kind (GatewayRefsUnsupported). A Gateway named twice, or
	// whose ARN is also in gatewayARNs, counts once.
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +listType=atomic
	GatewayRefs []ACKGatewayReference `json:"gatewayRefs,omitempty"`

	// Verify, when set, makes the operator probe these gateways through the
	// endpoint from its own pod and report the results in
	// status.verification and the Verified condition.
	// +optional
	Verify *VerifySpec `json:"verify,omitempty"`
}

// ACKGatewayReference points at an AWS Controllers for Kubernetes Gateway
// (bedrockagentcorecontrol.services.k8s.aws).
type ACKGatewayReference struct {
	// Name of the Gateway object.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="gatewayRefs.name must be a lower-case DNS subdomain name"
	Name string `json:"name"`

	// Namespace of the Gateway object. Defaults to this policy's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="gatewayRefs.namespace must be a namespace name (lower-case DNS label)"
	Namespace string `json:"namespace,omitempty"`
}

// EndpointReference points at a GatewayEndpoint.
type EndpointReference struct {
	// Name of the GatewayEndpoint.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="endpointRef.name must be a lower-case DNS subdomain name"
	Name string `json:"name"`

	// Namespace of the GatewayEndpoint. Defaults to this policy's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="endpointRef.namespace must be a namespace name (lower-case DNS label)"
	Namespace string `json:"namespace,omitempty"`
}

// GatewayAccessPolicyStatus says whether the policy is part of the endpoint's
// policy document and since when the gateway enforces it.
type GatewayAccessPolicyStatus struct {
	// ObservedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// EndpointID is the VPC endpoint whose policy holds this policy's
	// statement.
	// +optional
	EndpointID string `json:"endpointID,omitempty"`

	// GatewayCount is the number of gateway ARNs this policy admits: its
	// gatewayARNs plus the ARNs its gatewayRefs resolved to.
	// +optional
	GatewayCount int32 `json:"gatewayCount,omitempty"`

	// GatewayRefs is what each of spec.gatewayRefs resolved to, in the order
	// of the spec.
	// +optional
	// +listType=atomic
	GatewayRefs []ResolvedGatewayRef `json:"gatewayRefs,omitempty"`

	// ConfigMapName is the ConfigMap in this namespace holding the agents'
	// connection details (<name>-gateways), set while the operator keeps it.
	// +optional
	ConfigMapName string `json:"configMapName,omitempty"`

	// AppliedAt is when the endpoint policy holding this policy's current
	// statement was written to AWS.
	// +optional
	AppliedAt *metav1.Time `json:"appliedAt,omitempty"`

	// EffectiveAt is AppliedAt plus the gateway's policy propagation delay
	// (the gateway caches access policies for up to 15 minutes); from then on
	// the statement is certain to be enforced.
	// +optional
	EffectiveAt *metav1.Time `json:"effectiveAt,omitempty"`

	// Verification is the latest probe of spec.verify's gateways.
	// +optional
	Verification *VerificationStatus `json:"verification,omitempty"`

	// Conditions: Accepted, Applied and Ready; Stalled while the connection
	// details cannot be written (ConfigMapNameTaken).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ResolvedGatewayRef is the ARN one ACK Gateway reference resolved to.
type ResolvedGatewayRef struct {
	// Name of the Gateway object.
	Name string `json:"name"`
	// Namespace of the Gateway object.
	Namespace string `json:"namespace"`
	// ARN read from the Gateway's status.ackResourceMetadata.arn; empty
	// while it has none.
	// +optional
	ARN string `json:"arn,omitempty"`
}

// GatewayAccessPolicy admits a set of AgentCore gateways through a
// GatewayEndpoint. The operator merges every accepted policy of an endpoint
// into the endpoint's single policy document.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gwap,categories=agentcore
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 244",message="a GatewayAccessPolicy's name must be at most 244 characters: the operator writes the agents' connection details into the ConfigMap <name>-gateways"
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.spec.endpointRef.name`
// +kubebuilder:printcolumn:name="Gateways",type=integer,JSONPath=`.status.gatewayCount`
// +kubebuilder:printcolumn:name="Accepted",type=string,JSONPath=`.status.conditions[?(@.type=="Accepted")].status`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Effective-At",type=string,JSONPath=`.status.effectiveAt`
// +kubebuilder:printcolumn:name="Verified",type=string,JSONPath=`.status.conditions[?(@.type=="Verified")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type GatewayAccessPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired access.
	Spec GatewayAccessPolicySpec `json:"spec"`
	// Status is what the operator applied.
	// +optional
	Status GatewayAccessPolicyStatus `json:"status,omitempty"`
}

// GatewayAccessPolicyList is a list of GatewayAccessPolicies.
//
// +kubebuilder:object:root=true
type GatewayAccessPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GatewayAccessPolicy `json:"items"`
}
