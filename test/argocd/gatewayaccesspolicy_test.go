/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package argocd_test

import "testing"

func TestGatewayAccessPolicyHealth(t *testing.T) {
	runHealthCases(t, "GatewayAccessPolicy", []healthCase{
		{
			name:   "a new policy without status waits for the controller",
			object: "metadata: {name: read, generation: 1}\nspec: {endpointRef: {name: egress}}",
			want:   health{Status: "Progressing", Message: "Waiting for the controller to observe generation 1"},
		},
		{
			name: "an edited policy whose new generation is not observed yet is progressing",
			object: `
metadata: {generation: 2}
status:
  observedGeneration: 1
  conditions:
  - {type: Ready, status: "True", reason: Effective, observedGeneration: 1}`,
			want: health{Status: "Progressing", Message: "Waiting for the controller to observe generation 2"},
		},
		{
			name: "a policy from a namespace the endpoint does not admit is degraded with reason and message",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Accepted, status: "False", reason: NamespaceNotAllowed, message: "GatewayEndpoint net/egress admits policies from namespace net only"}
  - {type: Ready, status: "False", reason: NotAccepted}`,
			want: health{Status: "Degraded", Message: "NamespaceNotAllowed: GatewayEndpoint net/egress admits policies from namespace net only"},
		},
		{
			name: "a policy naming a gateway in another region is degraded",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Accepted, status: "False", reason: RegionMismatch, message: "gateway ARN is in eu-west-1, the endpoint in us-east-1"}`,
			want: health{Status: "Degraded", Message: "RegionMismatch: gateway ARN is in eu-west-1, the endpoint in us-east-1"},
		},
		{
			name: "a rejected policy without a message still says why",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Accepted, status: "False", reason: EndpointMissing}`,
			want: health{Status: "Degraded", Message: "EndpointMissing"},
		},
		{
			name: "a policy that would make its endpoint's policy too large is degraded",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Accepted, status: "True", reason: Accepted}
  - {type: Applied, status: "False", reason: PolicyTooLarge, message: "merged endpoint policy would be 20600 characters, 120 over EC2's limit of 20480"}
  - {type: Ready, status: "False", reason: NotReady}`,
			want: health{Status: "Degraded", Message: "merged endpoint policy would be 20600 characters, 120 over EC2's limit of 20480"},
		},
		{
			name: "a policy waiting for an ACK Gateway's ARN is progressing, not degraded",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Accepted, status: "False", reason: WaitingForGatewayARN, message: "Waiting for the ARN of 1 of 1 gatewayRefs: Gateway team/tools has no status.ackResourceMetadata.arn yet"}
  - {type: Ready, status: "False", reason: NotAccepted}`,
			want: health{Status: "Progressing", Message: "Waiting for the ARN of 1 of 1 gatewayRefs: Gateway team/tools has no status.ackResourceMetadata.arn yet"},
		},
		{
			name: "a policy whose ConfigMap name is taken is degraded",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Accepted, status: "True", reason: Accepted}
  - {type: Ready, status: "True", reason: Effective}
  - {type: Stalled, status: "True", reason: ConfigMapNameTaken, message: "ConfigMap team/tools-gateways exists and this GatewayAccessPolicy does not own it"}`,
			want: health{Status: "Degraded", Message: "ConfigMap team/tools-gateways exists and this GatewayAccessPolicy does not own it"},
		},
		{
			name: "a stalled policy is degraded",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Stalled, status: "True", reason: AccessDenied, message: "ec2:ModifyVpcEndpoint denied"}`,
			want: health{Status: "Degraded", Message: "ec2:ModifyVpcEndpoint denied"},
		},
		{
			name: "an applied policy past the propagation window is healthy",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  effectiveAt: "2026-03-01T10:15:00Z"
  conditions:
  - {type: Accepted, status: "True", reason: Accepted}
  - {type: Applied, status: "True", reason: Applied}
  - {type: Ready, status: "True", reason: Effective, message: "Effective since 2026-03-01T10:15:00Z"}`,
			want: health{Status: "Healthy", Message: "Effective since 2026-03-01T10:15:00Z"},
		},
		{
			name: "an applied policy inside the propagation window is progressing and says until when",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  effectiveAt: "2026-03-01T10:15:00Z"
  conditions:
  - {type: Accepted, status: "True", reason: Accepted}
  - {type: Applied, status: "True", reason: Applied}
  - {type: Ready, status: "False", reason: AwaitingPropagation, message: "Applied at 2026-03-01T10:00:00Z; the gateway caches access policies for up to 15m, effective at 2026-03-01T10:15:00Z"}`,
			want: health{Status: "Progressing", Message: "Applied at 2026-03-01T10:00:00Z; the gateway caches access policies for up to 15m, effective at 2026-03-01T10:15:00Z"},
		},
		{
			name: "awaiting propagation without a message falls back to effectiveAt",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  effectiveAt: "2026-03-01T10:15:00Z"
  conditions:
  - {type: Ready, status: "False", reason: AwaitingPropagation}`,
			want: health{Status: "Progressing", Message: "Awaiting propagation to the gateway's policy cache until 2026-03-01T10:15:00Z"},
		},
		{
			name: "an accepted policy waiting for its endpoint is progressing with the Ready message",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Accepted, status: "True", reason: Accepted}
  - {type: Applied, status: "False", reason: WaitingForEndpoint, message: "GatewayEndpoint net/egress is not available yet"}
  - {type: Ready, status: "False", reason: WaitingForEndpoint, message: "Waiting for GatewayEndpoint net/egress"}`,
			want: health{Status: "Progressing", Message: "Waiting for GatewayEndpoint net/egress"},
		},
		{
			name: "a policy not yet judged is progressing, not degraded",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Accepted, status: "Unknown", reason: Reconciling}
  - {type: Applied, status: "Unknown", reason: Reconciling, message: Checking the endpoint}`,
			want: health{Status: "Progressing", Message: "Checking the endpoint"},
		},
		{
			name: "a status without observedGeneration uses Ready's",
			object: `
metadata: {generation: 7}
status:
  conditions:
  - {type: Ready, status: "True", reason: Effective, observedGeneration: 7}`,
			want: health{Status: "Healthy", Message: "Effective"},
		},
	})
}
