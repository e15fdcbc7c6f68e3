/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

// Package policy builds and compares the endpoint policy document of an
// AgentCore Gateway interface VPC endpoint.
//
// Every accepted GatewayAccessPolicy attached to an endpoint becomes one
// Allow statement of that endpoint's single document. The document is
// canonical: the same set of grants gives the same bytes and the same hash
// whatever order they were listed in, so the operator can record what it
// applied and never rewrites a policy because of ordering alone.
//
// AWS does not promise to return a document the way it was sent, so the
// operator compares what it wants with what EC2 reports through Equivalent,
// which parses both and ignores what IAM itself ignores (whitespace, key
// order, statement order, a string versus a one-element list). A write loop
// over formatting is what that avoids.
//
// The package is pure: no AWS or Kubernetes calls, no clock.
package policy
