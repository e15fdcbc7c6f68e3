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
	"helm.sh/helm/v3/pkg/chart"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// The annotations that keep a CRD, and with it every object of its kind and
// their VPC endpoints in AWS, when the installation is removed: Helm's, for
// helm uninstall, and Argo CD's, for deleting or pruning the Application.
var keepAnnotations = map[string]string{
	"helm.sh/resource-policy":         "keep",
	"argocd.argoproj.io/sync-options": "Delete=false,Prune=false",
}

// TestTheChartsCRDsAreTheGeneratedOnesAndAreKept renders the chart's CRDs
// and compares each with its file in config/crd/bases, field for field,
// once the keep annotations and the chart's labels are taken off: the chart
// adds those and nothing else.
func TestTheChartsCRDsAreTheGeneratedOnesAndAreKept(t *testing.T) {
	bases, err := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(bases) == 0 {
		t.Fatalf("no CRDs in config/crd/bases (%v)", err)
	}
	fromChart := mustRender(t, loadChart(t), baseValues()).ofKind("CustomResourceDefinition")
	if len(fromChart) != len(bases) {
		t.Errorf("the chart renders %d CRDs (%v), config/crd/bases holds %d", len(fromChart), fromChart.ids(), len(bases))
	}
	for _, path := range bases {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var base map[string]any
		if err := yaml.Unmarshal(raw, &base); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		want := &unstructured.Unstructured{Object: base}
		got := fromChart.find("CustomResourceDefinition", want.GetName())
		if got == nil {
			t.Errorf("the chart renders no CRD %s (from %s)", want.GetName(), filepath.Base(path))
			continue
		}
		for k, v := range keepAnnotations {
			if got.GetAnnotations()[k] != v {
				t.Errorf("the chart's CRD %s has annotation %s=%q, want %q", got.GetName(), k, got.GetAnnotations()[k], v)
			}
		}
		stripped := got.DeepCopy()
		annotations := stripped.GetAnnotations()
		for k := range keepAnnotations {
			delete(annotations, k)
		}
		stripped.SetAnnotations(annotations)
		stripped.SetLabels(nil)
		if diff := cmp.Diff(want.Object, stripped.Object); diff != "" {
			t.Errorf("CRD %s: config/crd/bases (-) and the chart (+) differ beyond the keep annotations and labels; run make generate:\n%s", got.GetName(), diff)
		}
	}
}

// TestConfigDefaultsCRDsAreKeptToo: the same annotations through
// config/crd/kustomization.yaml, for kubectl apply -k and Argo CD.
func TestConfigDefaultsCRDsAreKeptToo(t *testing.T) {
	crds := kustomized.ofKind("CustomResourceDefinition")
	if len(crds) == 0 {
		t.Fatal("config/default renders no CRD")
	}
	for _, crd := range crds {
		for k, v := range keepAnnotations {
			if crd.GetAnnotations()[k] != v {
				t.Errorf("config/default's CRD %s has annotation %s=%q, want %q", crd.GetName(), k, crd.GetAnnotations()[k], v)
			}
		}
	}
}

// TestCRDsAreTemplatesNotHelmsCRDsDirectory: Helm installs crds/ once and
// never upgrades it, so a new field of the API would never reach a cluster
// installed with the chart. The CRDs are templates, behind crds.install.
func TestCRDsAreTemplatesNotHelmsCRDsDirectory(t *testing.T) {
	ch := loadChart(t)
	if len(ch.CRDObjects()) > 0 {
		t.Errorf("the chart has files in crds/, which helm upgrade never updates: %v", ch.CRDObjects())
	}
	var crdTemplates []string
	for _, f := range ch.Templates {
		if strings.HasPrefix(f.Name, "templates/crds/") {
			crdTemplates = append(crdTemplates, f.Name)
		}
	}
	if len(crdTemplates) == 0 {
		t.Fatalf("no CRD templates under templates/crds/; templates: %v", templateNames(ch.Templates))
	}
	without := mustRender(t, ch, with(baseValues(), map[string]any{"crds.install": false}))
	if crds := without.ofKind("CustomResourceDefinition"); len(crds) > 0 {
		t.Errorf("crds.install=false still renders %v", crds.ids())
	}
	if without.find("Deployment", deployment) == nil {
		t.Error("crds.install=false renders no Deployment")
	}
}

func templateNames(files []*chart.File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}
