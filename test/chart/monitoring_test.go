/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package chart_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// TestTheChartsServiceMonitorIsConfigPrometheus turns on the Prometheus
// component of config/default (as its [PROMETHEUS] lines say) and the
// chart's metrics.serviceMonitor.enabled, and compares the two
// ServiceMonitors' specs.
func TestTheChartsServiceMonitorIsConfigPrometheus(t *testing.T) {
	const monitor = namePrefix + "controller-manager-metrics-monitor"
	withPrometheus := kustomizeWithPrometheus(t)
	want := withPrometheus.find("ServiceMonitor", monitor)
	if want == nil {
		t.Fatalf("config/default with config/prometheus renders no ServiceMonitor %s: %v", monitor, withPrometheus.ids())
	}
	ch := loadChart(t)
	if out := mustRender(t, ch, baseValues()); out.find("ServiceMonitor", monitor) != nil {
		t.Error("the chart renders a ServiceMonitor by default; clusters without the Prometheus Operator would refuse it")
	}
	got := mustRender(t, ch, with(baseValues(), map[string]any{"metrics.serviceMonitor.enabled": true})).find("ServiceMonitor", monitor)
	if got == nil {
		t.Fatal("metrics.serviceMonitor.enabled renders no ServiceMonitor")
	}
	if diff := cmp.Diff(want.Object["spec"], got.Object["spec"]); diff != "" {
		t.Errorf("ServiceMonitor spec of config/prometheus (-) and of the chart (+) differ:\n%s", diff)
	}
	if got.GetNamespace() != want.GetNamespace() {
		t.Errorf("ServiceMonitor in namespace %q, config/prometheus puts it in %q", got.GetNamespace(), want.GetNamespace())
	}
}

// kustomizeWithPrometheus builds config/default with its [PROMETHEUS] lines
// uncommented, as the install guide says, in a copy of config/ in memory.
func kustomizeWithPrometheus(t *testing.T) objects {
	t.Helper()
	fs := filesys.MakeFsInMemory()
	src := filepath.Join(root, "config")
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return fs.WriteFile(filepath.Join("/config", rel), data)
	})
	if err != nil {
		t.Fatalf("copying config/: %v", err)
	}
	const commented, uncommented = "#components:\n#  - ../prometheus\n", "components:\n  - ../prometheus\n"
	kustomization, err := fs.ReadFile("/config/default/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(kustomization), commented) {
		t.Fatalf("config/default/kustomization.yaml has no %q lines to uncomment", commented)
	}
	kustomization = []byte(strings.Replace(string(kustomization), commented, uncommented, 1))
	if err := fs.WriteFile("/config/default/kustomization.yaml", kustomization); err != nil {
		t.Fatal(err)
	}
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	m, err := krusty.MakeKustomizer(opts).Run(fs, "/config/default")
	if err != nil {
		t.Fatalf("kustomize build of config/default with config/prometheus: %v", err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decode(out)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}
