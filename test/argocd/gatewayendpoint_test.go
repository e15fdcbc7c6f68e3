/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package argocd_test

import "testing"

func TestGatewayEndpointHealth(t *testing.T) {
	runHealthCases(t, "GatewayEndpoint", []healthCase{
		{
			name:   "a new endpoint without status waits for the controller",
			object: "metadata: {name: egress, generation: 1}\nspec: {vpcID: vpc-1}",
			want:   health{Status: "Progressing", Message: "Waiting for the controller to observe generation 1"},
		},
		{
			name:   "an endpoint with an empty status waits for the controller",
			object: "metadata: {generation: 2}\nstatus: {}",
			want:   health{Status: "Progressing", Message: "Waiting for the controller to observe generation 2"},
		},
		{
			name: "an edited endpoint whose new generation is not observed yet is progressing, even if it was ready",
			object: `
metadata: {generation: 3}
status:
  observedGeneration: 2
  state: available
  conditions:
  - {type: Ready, status: "True", reason: Ready, message: Endpoint is ready, observedGeneration: 2}`,
			want: health{Status: "Progressing", Message: "Waiting for the controller to observe generation 3"},
		},
		{
			name: "an available endpoint with every condition true is healthy",
			object: `
metadata: {generation: 3}
status:
  observedGeneration: 3
  state: available
  endpointID: vpce-0123456789abcdef0
  conditions:
  - {type: SecurityGroupReady, status: "True", reason: RulesInSync}
  - {type: EndpointAvailable, status: "True", reason: Available}
  - {type: PolicyApplied, status: "True", reason: PolicyInSync}
  - {type: Ready, status: "True", reason: Ready, message: "VPC endpoint vpce-0123456789abcdef0 is available with 2 access policies"}
  - {type: Reconciling, status: "False", reason: Ready}
  - {type: Stalled, status: "False", reason: Ready}`,
			want: health{Status: "Healthy", Message: "VPC endpoint vpce-0123456789abcdef0 is available with 2 access policies"},
		},
		{
			name: "a condition list without observedGeneration in status uses Ready's",
			object: `
metadata: {generation: 4}
status:
  state: available
  conditions:
  - {type: Ready, status: "True", reason: Ready, observedGeneration: 4}`,
			want: health{Status: "Healthy", Message: "Ready"},
		},
		{
			name: "a stalled endpoint is degraded with the stall message",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  state: pending
  conditions:
  - {type: Ready, status: "False", reason: AccessDenied, message: Waiting for access}
  - {type: Stalled, status: "True", reason: AccessDenied, message: "ec2:CreateVpcEndpoint is not allowed for the operator's role"}`,
			want: health{Status: "Degraded", Message: "ec2:CreateVpcEndpoint is not allowed for the operator's role"},
		},
		{
			name: "a Stalled condition that is false does not degrade",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  state: available
  conditions:
  - {type: Stalled, status: "False", reason: PolicyTooLarge, message: resolved}
  - {type: Ready, status: "True", reason: Ready, message: Endpoint is ready}`,
			want: health{Status: "Healthy", Message: "Endpoint is ready"},
		},
		{
			name: "a ready endpoint with work under way (a queued policy write) is progressing, as kstatus says",
			object: `
metadata: {generation: 2}
status:
  observedGeneration: 2
  state: available
  conditions:
  - {type: PolicyApplied, status: "True", reason: PolicyWriteQueued}
  - {type: Ready, status: "True", reason: Ready, message: Endpoint vpce-1 is available}
  - {type: Reconciling, status: "True", reason: Reconciling, message: "A policy change is queued and is written at 2026-03-01T10:00:30Z"}`,
			want: health{Status: "Progressing", Message: "A policy change is queued and is written at 2026-03-01T10:00:30Z"},
		},
		{
			name: "a ready endpoint whose Reconciling is False is healthy",
			object: `
metadata: {generation: 2}
status:
  observedGeneration: 2
  state: available
  conditions:
  - {type: Ready, status: "True", reason: Ready, message: Endpoint vpce-1 is available}
  - {type: Reconciling, status: "False", reason: Ready, message: "Nothing to do: AWS matches the spec."}`,
			want: health{Status: "Healthy", Message: "Endpoint vpce-1 is available"},
		},
		{
			name: "a failed endpoint is degraded and says why",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  state: failed
  endpointID: vpce-0123456789abcdef0
  conditions:
  - {type: EndpointAvailable, status: "False", reason: EndpointFailed, message: "insufficient free addresses in subnet-1"}
  - {type: Ready, status: "False", reason: NotReady}`,
			want: health{Status: "Degraded", Message: "VPC endpoint vpce-0123456789abcdef0 is failed: insufficient free addresses in subnet-1"},
		},
		{
			name: "a rejected endpoint is degraded",
			object: `
metadata: {generation: 1}
status: {observedGeneration: 1, state: rejected}`,
			want: health{Status: "Degraded", Message: "VPC endpoint is rejected"},
		},
		{
			name: "a failed endpoint is degraded even if a stale Ready says true",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  state: failed
  endpointID: vpce-1
  conditions:
  - {type: Ready, status: "True", reason: Ready}`,
			want: health{Status: "Degraded", Message: "VPC endpoint vpce-1 is failed"},
		},
		{
			name: "a pending endpoint is progressing with the Ready message",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  state: pending
  conditions:
  - {type: EndpointAvailable, status: "False", reason: Pending}
  - {type: Ready, status: "False", reason: WaitingForEndpoint, message: "VPC endpoint vpce-1 is pending; AWS takes 2 to 5 minutes"}
  - {type: Reconciling, status: "True", reason: Pending}`,
			want: health{Status: "Progressing", Message: "VPC endpoint vpce-1 is pending; AWS takes 2 to 5 minutes"},
		},
		{
			name:   "a pending endpoint without a Ready message says it is pending",
			object: "metadata: {generation: 1}\nstatus: {observedGeneration: 1, state: pending}",
			want:   health{Status: "Progressing", Message: "VPC endpoint is pending"},
		},
		{
			name: "an endpoint awaiting policy propagation is progressing and says until when",
			object: `
metadata: {generation: 2}
status:
  observedGeneration: 2
  state: available
  conditions:
  - {type: Ready, status: "False", reason: AwaitingPropagation, message: "The gateway may serve the previous policy until 2026-03-01T10:15:00Z"}`,
			want: health{Status: "Progressing", Message: "The gateway may serve the previous policy until 2026-03-01T10:15:00Z"},
		},
		{
			name: "awaiting propagation without a message falls back to the policy's effectiveAt",
			object: `
metadata: {generation: 2}
status:
  observedGeneration: 2
  state: available
  policy: {hash: abc, effectiveAt: "2026-03-01T10:15:00Z"}
  conditions:
  - {type: Ready, status: "False", reason: AwaitingPropagation}`,
			want: health{Status: "Progressing", Message: "Awaiting propagation of the endpoint policy to the gateway until 2026-03-01T10:15:00Z"},
		},
		{
			name: "an available endpoint being modified is progressing with the Ready message",
			object: `
metadata: {generation: 5}
status:
  observedGeneration: 5
  state: available
  conditions:
  - {type: Ready, status: "False", reason: Updating, message: Adding subnet subnet-2}`,
			want: health{Status: "Progressing", Message: "Adding subnet subnet-2"},
		},
		{
			name: "an endpoint without a Ready condition is progressing with what Reconciling says",
			object: `
metadata: {generation: 1}
status:
  observedGeneration: 1
  conditions:
  - {type: Reconciling, status: "True", reason: Creating, message: Creating the security group}`,
			want: health{Status: "Progressing", Message: "Creating the security group"},
		},
		{
			name:   "an object without metadata does not break the check",
			object: "status: {state: deleting}",
			want:   health{Status: "Progressing", Message: "Waiting for the Ready condition"},
		},
	})
}
