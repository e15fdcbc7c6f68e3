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

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// kubebuilderProject is what the tests need of kubebuilder's PROJECT file.
type kubebuilderProject struct {
	Domain      string   `json:"domain"`
	Layout      []string `json:"layout"`
	ProjectName string   `json:"projectName"`
	Repo        string   `json:"repo"`
	Resources   []struct {
		Controller bool   `json:"controller"`
		Domain     string `json:"domain"`
		Group      string `json:"group"`
		Kind       string `json:"kind"`
		Path       string `json:"path"`
		Version    string `json:"version"`
	} `json:"resources"`
}

// TestPROJECTDescribesThisRepository holds kubebuilder's PROJECT file to
// what is here: kubebuilder derives the namespace (<projectName>-system)
// and the name prefix (<projectName>-) of config/default, which the chart
// keeps, from projectName; each resource's kind is a CRD of its group, its
// package is where the types are, and each resource with a controller has
// its reconciler in controllers/ (this repository's place for them, where
// go/v4 would scaffold internal/controller).
func TestPROJECTDescribesThisRepository(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "PROJECT"))
	if err != nil {
		t.Fatal(err)
	}
	var p kubebuilderProject
	if err := yaml.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if p.ProjectName+"-system" != namespace || p.ProjectName+"-" != namePrefix {
		t.Errorf("projectName %q gives namespace %s-system and prefix %s-, config/default uses %s and %s", p.ProjectName, p.ProjectName, p.ProjectName, namespace, namePrefix)
	}
	module := readModulePath(t)
	if p.Repo != module {
		t.Errorf("repo %q, go.mod says %q", p.Repo, module)
	}
	if len(p.Layout) != 1 || p.Layout[0] != "go.kubebuilder.io/v4" {
		t.Errorf("layout %v, want [go.kubebuilder.io/v4]: config/ is go/v4's", p.Layout)
	}
	crds := map[string]bool{}
	for _, crd := range kustomized.ofKind("CustomResourceDefinition") {
		kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		crds[kind+"."+group] = true
	}
	if len(p.Resources) != len(crds) {
		t.Errorf("PROJECT lists %d resources, config/default has %d CRDs", len(p.Resources), len(crds))
	}
	for _, r := range p.Resources {
		group := r.Group + "." + r.Domain
		if r.Domain != p.Domain || !crds[r.Kind+"."+group] {
			t.Errorf("resource %s of group %s is not a CRD of config/default (%v)", r.Kind, group, crds)
		}
		dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(r.Path, module+"/")))
		if _, err := os.Stat(filepath.Join(dir, strings.ToLower(r.Kind)+"_types.go")); err != nil || !strings.HasSuffix(r.Path, "/"+r.Version) {
			t.Errorf("resource %s: path %s does not hold %s_types.go of version %s", r.Kind, r.Path, strings.ToLower(r.Kind), r.Version)
		}
		if r.Controller {
			if _, err := os.Stat(filepath.Join(root, "controllers", strings.ToLower(r.Kind)+"_controller.go")); err != nil {
				t.Errorf("resource %s has controller: true, but controllers/%s_controller.go does not exist", r.Kind, strings.ToLower(r.Kind))
			}
		}
	}
}

func readModulePath(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "module "); ok {
			return strings.TrimSpace(rest)
		}
	}
	t.Fatal("go.mod has no module line")
	return ""
}
