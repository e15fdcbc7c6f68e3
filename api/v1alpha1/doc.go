// Package v1alpha1 holds the vpce.agentcore.io/v1alpha1 API: GatewayEndpoint,
// an interface VPC endpoint for the Amazon Bedrock AgentCore Gateway with its
// security group, and GatewayAccessPolicy, the gateways one team may reach
// through such an endpoint.
//
// +kubebuilder:object:generate=true
// +groupName=vpce.agentcore.io
package v1alpha1
