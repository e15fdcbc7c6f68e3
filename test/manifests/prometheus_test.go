/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package manifests_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// jobMatcher is a PromQL matcher of the job label; group 1 is its value.
var jobMatcher = regexp.MustCompile(`\bjob\s*=~?\s*"([^"]*)"`)

// TestServiceMonitorScrapesTheMetricsServiceWhenEnabled does what the
// [PROMETHEUS] comment in config/default tells users to do, on a copy of
// config/, and checks the ServiceMonitor and PrometheusRule that result. The
// API server has no monitoring.coreos.com CRDs, so they are checked as
// rendered only (test/observability checks the rules' PromQL).
func TestServiceMonitorScrapesTheMetricsServiceWhenEnabled(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"default", "crd", "rbac", "manager", "prometheus"} {
		if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(testenv.RepoRoot(), "config", dir))); err != nil {
			t.Fatalf("copying config/%s: %v", dir, err)
		}
	}
	kustomization := filepath.Join(root, "default", "kustomization.yaml")
	raw, err := os.ReadFile(kustomization)
	if err != nil {
		t.Fatal(err)
	}
	enabled := strings.Replace(strings.Replace(string(raw), "\n#components:\n", "\ncomponents:\n", 1), "\n#  - ../prometheus\n", "\n  - ../prometheus\n", 1)
	if enabled == string(raw) || !strings.Contains(enabled, "\ncomponents:\n  - ../prometheus\n") {
		t.Fatal("config/default/kustomization.yaml has no commented-out '#components:' / '#  - ../prometheus' lines to enable")
	}
	if err := os.WriteFile(kustomization, []byte(enabled), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := kustomize(filepath.Join(root, "default"))
	if err != nil {
		t.Fatal(err)
	}
	withMonitor, err := parseObjects(out)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(withMonitor.objects), len(rendered.objects)+2; got != want {
		t.Errorf("enabling Prometheus renders %d objects, want %d (config/default plus the ServiceMonitor and the PrometheusRule)", got, want)
	}
	ruleSets := withMonitor.ofKind("PrometheusRule")
	if len(ruleSets) != 1 {
		t.Fatalf("enabling Prometheus renders %d PrometheusRules, want 1", len(ruleSets))
	}
	if r := ruleSets[0]; r.GetAPIVersion() != "monitoring.coreos.com/v1" || r.GetNamespace() != namespace || !strings.HasPrefix(r.GetName(), namePrefix) {
		t.Errorf("PrometheusRule %s %s/%s did not get config/default's namespace and prefix", r.GetAPIVersion(), r.GetNamespace(), r.GetName())
	}
	// The rules' job matchers name the Service as config/default names it:
	// kustomize does not rewrite PromQL, so a renamed Service breaks them.
	metricsService := namePrefix + "controller-manager-metrics-service"
	groups, _, _ := unstructured.NestedSlice(ruleSets[0].Object, "spec", "groups")
	jobs := 0
	for _, g := range groups {
		rules, _, _ := unstructured.NestedSlice(g.(map[string]any), "rules")
		for _, r := range rules {
			expr, _, _ := unstructured.NestedString(r.(map[string]any), "expr")
			for _, job := range jobMatcher.FindAllStringSubmatch(expr, -1) {
				jobs++
				if job[1] != metricsService {
					t.Errorf("a PrometheusRule expression selects job %q, but the ServiceMonitor's scrapes get job %q: %s", job[1], metricsService, expr)
				}
			}
		}
	}
	if jobs == 0 {
		t.Errorf("no expression of the PrometheusRule selects the operator's job %q (the OperatorDown alert does)", metricsService)
	}
	monitors := withMonitor.ofKind("ServiceMonitor")
	if len(monitors) != 1 {
		t.Fatalf("enabling Prometheus renders %d ServiceMonitors, want 1", len(monitors))
	}
	m := monitors[0]
	if m.GetNamespace() != namespace || !strings.HasPrefix(m.GetName(), namePrefix) {
		t.Errorf("ServiceMonitor %s/%s did not get config/default's namespace and prefix", m.GetNamespace(), m.GetName())
	}

	svc := mustFind[corev1.Service](t, "Service", namePrefix+"controller-manager-metrics-service")
	selector, _, _ := unstructured.NestedStringMap(m.Object, "spec", "selector", "matchLabels")
	if len(selector) == 0 || !labels.SelectorFromSet(selector).Matches(labels.Set(svc.Labels)) {
		t.Errorf("ServiceMonitor selector %v does not select the metrics Service (labels %v)", selector, svc.Labels)
	}
	for _, other := range rendered.ofKind("Service") {
		if other.GetName() != svc.Name && labels.SelectorFromSet(selector).Matches(labels.Set(other.GetLabels())) {
			t.Errorf("ServiceMonitor selector %v also selects Service %s", selector, other.GetName())
		}
	}
	endpoints, _, _ := unstructured.NestedSlice(m.Object, "spec", "endpoints")
	if len(endpoints) != 1 {
		t.Fatalf("ServiceMonitor has %d endpoints, want 1", len(endpoints))
	}
	ep := endpoints[0].(map[string]any)
	str := func(fields ...string) string { s, _, _ := unstructured.NestedString(ep, fields...); return s }
	if str("port") != svc.Spec.Ports[0].Name || str("scheme") != "https" || str("path") != "/metrics" {
		t.Errorf("ServiceMonitor endpoint scrapes %s://<%s>%s, want https://<%s>/metrics", str("scheme"), str("port"), str("path"), svc.Spec.Ports[0].Name)
	}
	if str("bearerTokenFile") == "" {
		if _, ok := ep["authorization"]; !ok {
			t.Error("ServiceMonitor endpoint sends no bearer token; the metrics endpoint refuses anonymous scrapes")
		}
	}
	if honor, _, _ := unstructured.NestedBool(ep, "honorLabels"); !honor {
		t.Error("ServiceMonitor endpoint does not honor labels: Prometheus would replace the namespace of the objects the operator's gauges count with its own")
	}
	if skip, _, _ := unstructured.NestedBool(ep, "tlsConfig", "insecureSkipVerify"); !skip {
		if str("tlsConfig", "ca", "secret", "name") == "" {
			t.Error("ServiceMonitor neither trusts a CA nor skips verification; the self-signed metrics certificate would fail every scrape")
		}
	}
}
