package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GatewayAccessPolicySpec names gateways a team wants admitted through a
// GatewayEndpoint. The endpoint policy applies to the whole VPC: once
// admitted, a gateway is reachable through the endpoint by every workload
// that can reach the endpoint, not only by this team's agents.
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
	// account, and no gateway/*.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="self.all(a, a.matches('^arn:aws[-a-z]*:bedrock-agentcore:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:gateway/([A-Za-z0-9][A-Za-z0-9_-]*|[*])$'))",message="gatewayARNs must be gateway ARNs such as arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/my-gateway-a1b2c3 (or gateway/* for every gateway of the account)"
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.exists_one(b, b == a))",message="gatewayARNs must not repeat a gateway"
	// +kubebuilder:validation:XValidation:rule="self.map(a, size(a) + 3).sum() <= 20000",message="gatewayARNs are too long together: one policy's statement must fit EC2's 20,480-character endpoint policy; split the gateways over several GatewayAccessPolicies"
	// +listType=atomic
	GatewayARNs []string `json:"gatewayARNs"`
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

	// GatewayCount is the number of gateway ARNs this policy admits.
	// +optional
	GatewayCount int32 `json:"gatewayCount,omitempty"`

	// AppliedAt is when the endpoint policy holding this policy's current
	// statement was written to AWS.
	// +optional
	AppliedAt *metav1.Time `json:"appliedAt,omitempty"`

	// EffectiveAt is AppliedAt plus the gateway's policy propagation delay
	// (the gateway caches access policies for up to 15 minutes); from then on
	// the statement is certain to be enforced.
	// +optional
	EffectiveAt *metav1.Time `json:"effectiveAt,omitempty"`

	// Conditions: Accepted, Applied and Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// GatewayAccessPolicy admits a set of AgentCore gateways through a
// GatewayEndpoint. The operator merges every accepted policy of an endpoint
// into the endpoint's single policy document.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gwap,categories=agentcore
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.spec.endpointRef.name`
// +kubebuilder:printcolumn:name="Gateways",type=integer,JSONPath=`.status.gatewayCount`
// +kubebuilder:printcolumn:name="Accepted",type=string,JSONPath=`.status.conditions[?(@.type=="Accepted")].status`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Effective-At",type=string,JSONPath=`.status.effectiveAt`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
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
