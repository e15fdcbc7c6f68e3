package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// VerifySpec asks the operator to check, from its own pod, that the
// gateways are reachable through the policy's endpoint: that their names
// resolve to the endpoint's network interfaces and that an MCP tools/list
// sent there with the gateway's own bearer token succeeds.
type VerifySpec struct {
	// Gateways are the gateways to probe, each with the bearer token meant
	// for it. They need not be in gatewayARNs: a gateway this policy does
	// not admit shows what the endpoint refuses.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=10
	// +listType=map
	// +listMapKey=gatewayARN
	Gateways []VerifiedGateway `json:"gateways"`

	// Interval between two probes of the gateways, jittered by up to 10%;
	// at least 5m. A change of the policy's spec probes at once.
	// +optional
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+(\\\\.[0-9]+)?(ns|us|ms|s|m|h))+$') && duration(self) >= duration('5m') && duration(self) <= duration('24h')",message="verify.interval must be a duration from 5m to 24h, such as 10m or 1h: every probe sends a request to each gateway"
	Interval *metav1.Duration `json:"interval,omitempty"`
}

// GatewayAuth is how a gateway authenticates its callers.
// +kubebuilder:validation:Enum=Bearer;SigV4
type GatewayAuth string

// Gateway authentication types.
const (
	// GatewayAuthBearer is an OAuth (JWT) gateway: callers send a bearer
	// token issued for it.
	GatewayAuthBearer GatewayAuth = "Bearer"
	// GatewayAuthSigV4 is an IAM gateway: callers sign with SigV4. The
	// operator does not probe these yet (NotVerifiable).
	GatewayAuthSigV4 GatewayAuth = "SigV4"
)

// VerifiedGateway is one gateway to probe.
//
// +kubebuilder:validation:XValidation:rule="(has(self.auth) && self.auth == 'SigV4') != has(self.tokenSecretRef)",message="tokenSecretRef is required for auth Bearer (the default) and not allowed for auth SigV4"
type VerifiedGateway struct {
	// GatewayARN is the gateway, e.g.
	// arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/my-gw-a1b2c3.
	// The probe goes only to
	// https://<gateway-id>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp
	// through the endpoint. gateway/*, gateways outside the endpoint's
	// access.allowedGateways, and IDs that are not a lower-case DNS label are
	// reported NotVerifiable.
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="self.matches('^arn:aws[-a-z]*:bedrock-agentcore:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:gateway/([A-Za-z0-9][A-Za-z0-9_-]*|[*])$')",message="gatewayARN must be a gateway ARN such as arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/my-gateway-a1b2c3"
	GatewayARN string `json:"gatewayARN"`

	// Auth is how the gateway authenticates callers: Bearer (an OAuth
	// gateway; the default) or SigV4 (an IAM gateway, not probed yet:
	// NotVerifiable).
	// +optional
	// +kubebuilder:default=Bearer
	Auth GatewayAuth `json:"auth,omitempty"`

	// TokenSecretRef is the key of a Secret in this policy's namespace that
	// holds a bearer token issued for this gateway (its OAuth audience). It
	// is sent to this gateway only. The operator reads it at each probe with
	// a direct API call, which needs a Role granting get on this Secret
	// bound to the operator's service account (the operator's ClusterRole
	// has no access to Secrets). Required for auth Bearer.
	// +optional
	TokenSecretRef *SecretKeyReference `json:"tokenSecretRef,omitempty"`
}

// SecretKeyReference is one key of a Secret in the referring object's
// namespace.
type SecretKeyReference struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="tokenSecretRef.name must be a lower-case DNS subdomain name"
	Name string `json:"name"`

	// Key in the Secret's data.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[-._a-zA-Z0-9]+$')",message="tokenSecretRef.key must be a Secret key: letters, digits, '-', '_' and '.'"
	Key string `json:"key"`
}

// VerificationResult is the outcome of probing one gateway.
// +kubebuilder:validation:Enum=Reachable;AwaitingPropagation;DeniedByEndpointPolicy;DeniedByGateway;Unauthorized;Unreachable;PrivateDNSNotInEffect;NotVerifiable;EndpointNotAvailable;TokenSecretForbidden;TokenSecretNotFound;ProbeFailed
type VerificationResult string

// Verification results; each is also a reason of the Verified condition.
const (
	VerificationReachable              VerificationResult = ReasonReachable
	VerificationAwaitingPropagation    VerificationResult = ReasonAwaitingPropagation
	VerificationDeniedByEndpointPolicy VerificationResult = ReasonDeniedByEndpointPolicy
	VerificationDeniedByGateway        VerificationResult = ReasonDeniedByGateway
	VerificationUnauthorized           VerificationResult = ReasonUnauthorized
	VerificationUnreachable            VerificationResult = ReasonUnreachable
	VerificationPrivateDNSNotInEffect  VerificationResult = ReasonPrivateDNSNotInEffect
	VerificationNotVerifiable          VerificationResult = ReasonNotVerifiable
	VerificationEndpointNotAvailable   VerificationResult = ReasonEndpointNotAvailable
	VerificationTokenSecretForbidden   VerificationResult = ReasonTokenSecretForbidden
	VerificationTokenSecretNotFound    VerificationResult = ReasonTokenSecretNotFound
	VerificationProbeFailed            VerificationResult = ReasonProbeFailed
)

// VerificationStatus is the latest probe of spec.verify's gateways.
type VerificationStatus struct {
	// ObservedGeneration is the spec generation the probe was made for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// EndpointID is the VPC endpoint probed through, as EC2 reports it for
	// the GatewayEndpoint (found by its ownership tag, never by status).
	// +optional
	EndpointID string `json:"endpointID,omitempty"`

	// LastProbeTime is when the gateways were last probed.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`

	// NextProbeTime is when they will be probed next, unless the spec
	// changes first.
	// +optional
	NextProbeTime *metav1.Time `json:"nextProbeTime,omitempty"`

	// Gateways are the results, in the order of spec.verify.gateways.
	// +optional
	// +listType=atomic
	Gateways []GatewayVerification `json:"gateways,omitempty"`
}

// GatewayVerification is the latest result for one gateway.
type GatewayVerification struct {
	// GatewayARN is the gateway probed.
	GatewayARN string `json:"gatewayARN"`

	// Result is what the probe found.
	Result VerificationResult `json:"result"`

	// ToolCount is the number of tools tools/list returned (Reachable).
	// +optional
	ToolCount *int32 `json:"toolCount,omitempty"`

	// Address is the endpoint network interface address the probe
	// connected to, when it connected.
	// +optional
	Address string `json:"address,omitempty"`

	// Message says what was found and what to do about it.
	// +optional
	Message string `json:"message,omitempty"`

	// LastTransitionTime is when Result last changed.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}
