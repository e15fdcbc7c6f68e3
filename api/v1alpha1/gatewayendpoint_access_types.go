package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The access part of a GatewayEndpoint's spec: who may attach policies,
// which gateways they may name, and what the endpoint admits without any.

// AccessSpec says which GatewayAccessPolicies may attach, which gateways
// they may name, and what the endpoint admits without any.
type AccessSpec struct {
	// AllowedNamespaces are the namespaces whose GatewayAccessPolicies may
	// attach to this endpoint.
	// +optional
	// +kubebuilder:default={}
	AllowedNamespaces AllowedNamespaces `json:"allowedNamespaces,omitempty"`

	// WhenNoPolicies is what the endpoint admits while no accepted policy is
	// attached: Deny (no gateway at all) or Allow (AWS's full access).
	// Deleting the last policy never silently restores full access. It
	// governs the endpoint path only: gateways stay reachable over the public
	// endpoint unless their own resource policy requires this endpoint.
	// +optional
	// +kubebuilder:default=Deny
	WhenNoPolicies WhenNoPolicies `json:"whenNoPolicies,omitempty"`

	// AllowedGateways is the endpoint owner's limit on what policies may
	// name. A GatewayAccessPolicy naming a gateway outside it is not merged
	// (Accepted=False, reason GatewayNotAllowed). The endpoint policy applies
	// to the whole VPC (Principal "*"): a gateway admitted for one team is
	// reachable by every workload that can reach the endpoint.
	// +optional
	// +kubebuilder:default={}
	AllowedGateways AllowedGateways `json:"allowedGateways,omitempty"`
}

// AllowedGateways limits the gateways GatewayAccessPolicies may admit.
type AllowedGateways struct {
	// Accounts are the AWS accounts whose gateways policies may name. Empty
	// (the default) means only the account that owns the endpoint (the
	// operator's account); a list replaces that default, so include the
	// endpoint's own account to keep admitting its gateways.
	// +optional
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:XValidation:rule="self.all(a, a.matches('^[0-9]{12}$'))",message="allowedGateways.accounts must be 12-digit AWS account IDs"
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.exists_one(b, b == a))",message="allowedGateways.accounts must not repeat an account"
	// +kubebuilder:validation:items:MaxLength=12
	// +listType=atomic
	Accounts []string `json:"accounts,omitempty"`

	// Wildcard allows policies to name gateway/* (every gateway of an
	// allowed account in the region). Default false.
	// +optional
	Wildcard bool `json:"wildcard,omitempty"`
}

// AllowedNamespaces selects namespaces, like Gateway API's allowedRoutes.
//
// +kubebuilder:validation:XValidation:rule="(has(self.from) && self.from == 'Selector') == has(self.selector)",message="selector is required when from is Selector, and only allowed then"
type AllowedNamespaces struct {
	// From is Same (only this endpoint's namespace), All, or Selector
	// (namespaces whose labels match selector).
	// +optional
	// +kubebuilder:default=Same
	From NamespacesFrom `json:"from,omitempty"`

	// Selector matches namespace labels when from is Selector.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.matchExpressions) || self.matchExpressions.all(r, r.operator in ['In', 'NotIn'] ? (has(r.values) && size(r.values) > 0) : (r.operator in ['Exists', 'DoesNotExist'] && (!has(r.values) || size(r.values) == 0)))",message="selector.matchExpressions need an operator In or NotIn with values, or Exists or DoesNotExist without values"
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// NamespacesFrom says where attaching policies may come from.
// +kubebuilder:validation:Enum=Same;All;Selector
type NamespacesFrom string

// Namespace sources.
const (
	NamespacesFromSame     NamespacesFrom = "Same"
	NamespacesFromAll      NamespacesFrom = "All"
	NamespacesFromSelector NamespacesFrom = "Selector"
)

// WhenNoPolicies is what an endpoint admits without attached policies.
// +kubebuilder:validation:Enum=Deny;Allow
type WhenNoPolicies string

// Behaviours without policies.
const (
	WhenNoPoliciesDeny  WhenNoPolicies = "Deny"
	WhenNoPoliciesAllow WhenNoPolicies = "Allow"
)
