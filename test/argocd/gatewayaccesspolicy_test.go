/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package argocd_test

import "testing"

// TestGatewayAccessPolicyHealth covers what the operator's own objects in
// health_test.yaml do not: objects before the operator wrote anything, and
// conditions without a message.
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
			name: "a stalled policy is degraded with the stall message",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Accepted, status: "False", reason: NamespaceNotAllowed, message: "GatewayEndpoint net/egress admits policies from namespace net only"}
  - {type: Stalled, status: "True", reason: NamespaceNotAllowed, message: "GatewayEndpoint net/egress admits policies from namespace net only"}
  - {type: Reconciling, status: "False", reason: NamespaceNotAllowed}`,
			want: health{Status: "Degraded", Message: "GatewayEndpoint net/egress admits policies from namespace net only"},
		},
		{
			name: "a stalled policy without a message still says why",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Stalled, status: "True", reason: EndpointMissing}`,
			want: health{Status: "Degraded", Message: "EndpointMissing"},
		},
		{
			name: "a Stalled condition that is false does not degrade",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Stalled, status: "False", reason: ConfigMapNameTaken}
  - {type: Ready, status: "True", reason: Effective, message: Enforced}`,
			want: health{Status: "Healthy", Message: "Enforced"},
		},
		{
			name: "a ready policy with work under way is progressing, as kstatus says",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Ready, status: "True", reason: Effective, message: Enforced}
  - {type: Reconciling, status: "True", reason: WaitingForEndpoint, message: Waiting for GatewayEndpoint net/egress}`,
			want: health{Status: "Progressing", Message: "Waiting for GatewayEndpoint net/egress"},
		},
		{
			name: "awaiting propagation without a message falls back to effectiveAt",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  effectiveAt: "2026-03-01T10:15:00Z"
  conditions:
  - {type: Ready, status: "False", reason: AwaitingPropagation}
  - {type: Reconciling, status: "True", reason: AwaitingPropagation}`,
			want: health{Status: "Progressing", Message: "Awaiting propagation to the gateway's policy cache until 2026-03-01T10:15:00Z"},
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
