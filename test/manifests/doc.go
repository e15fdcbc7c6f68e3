/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

// Package manifests tests what users install: it renders config/default with
// the kubectl built for envtest, checks the rendered Deployment, RBAC,
// Service and PodDisruptionBudget against what the manager and the restricted
// Pod Security Standard need, applies every object to a real API server with
// a server-side dry run, asks that API server what the operator's service
// account may do once bound, does the same for users bound to the
// ClusterRoles shipped for agent teams, readers and the platform team
// (docs/tenancy.md), and checks that the Dockerfile builds the manager the
// Deployment runs.
package manifests
