/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

// Package observability keeps the Grafana dashboard (config/grafana) and the
// alerting rules (config/prometheus/prometheusrule.yaml) honest about the
// metrics the manager serves: every metric their PromQL names must be one the
// operator or controller-runtime registers, every metric of the operator's
// own must be on the dashboard and in docs/install.md, and every alert's
// runbook must be a section of docs/troubleshooting.md. It needs no API
// server.
package observability
