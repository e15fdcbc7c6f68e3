/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

// Package chart tests the two ways the operator is installed against each
// other: the Helm chart in charts/agentcore-vpce-operator, rendered and
// linted with Helm's own Go packages, and config/default, built with
// kustomize's. Both must give the operator the same RBAC, flags,
// environment and security settings, and the chart's CRDs must be the
// generated ones. It also builds a release through the code `make release`
// runs (internal/release) and installs what it renders into a real API
// server.
//
// Helm and kustomize take long to compile with the race detector, so `make
// test` runs this package in a second go test without -race.
package chart
