/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package argocd_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const healthKeyPrefix = "resource.customizations.health."

// TestArgoCDConfigMapCarriesExactlyTheTestedHealthChecks keeps the argocd-cm
// snippet, which is what users install, from drifting from the health.lua
// files, which are what the other tests run.
func TestArgoCDConfigMapCarriesExactlyTheTestedHealthChecks(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(configDir, "argocd-cm.yaml"))
	if err != nil {
		t.Fatalf("reading argocd-cm.yaml: %v", err)
	}
	var configMap struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Data map[string]string `json:"data"`
	}
	// Strict, because YAML would otherwise settle a key written twice
	// silently on the last one, and only one of them is tested.
	if err := yaml.UnmarshalStrict(raw, &configMap); err != nil {
		t.Fatalf("parsing argocd-cm.yaml: %v", err)
	}
	if configMap.Kind != "ConfigMap" || configMap.Metadata.Name != "argocd-cm" {
		t.Fatalf("argocd-cm.yaml is a %s named %q, want the ConfigMap argocd-cm", configMap.Kind, configMap.Metadata.Name)
	}

	scripts := map[string]string{}
	healthRoot := filepath.Join(configDir, "health")
	err = filepath.WalkDir(healthRoot, func(path string, entry fs.DirEntry, err error) error {
		if err != nil || entry.IsDir() || entry.Name() != "health.lua" {
			return err
		}
		groupAndKind, err := filepath.Rel(healthRoot, filepath.Dir(path))
		if err != nil {
			return err
		}
		// health/<group>/<Kind>/health.lua is keyed <group>_<Kind> in argocd-cm.
		key := healthKeyPrefix + strings.Replace(filepath.ToSlash(groupAndKind), "/", "_", 1)
		content, err := os.ReadFile(path)
		scripts[key] = string(content)
		return err
	})
	if err != nil {
		t.Fatalf("reading the health checks: %v", err)
	}
	if len(scripts) != 2 {
		t.Errorf("found %d health.lua files under %s, want one per kind (2)", len(scripts), healthRoot)
	}

	for key, script := range scripts {
		inConfigMap, ok := configMap.Data[key]
		if !ok {
			t.Errorf("argocd-cm.yaml has no %s; add the matching health.lua under it", key)
			continue
		}
		if inConfigMap != script {
			t.Errorf("argocd-cm.yaml's %s differs from its health.lua (first difference at byte %d); "+
				"copy the file into the ConfigMap, indented four spaces", key, firstDifference(inConfigMap, script))
		}
	}
	for key := range configMap.Data {
		if _, ok := scripts[key]; strings.HasPrefix(key, healthKeyPrefix) && !ok {
			t.Errorf("argocd-cm.yaml has %s with no health.lua file behind it, so it is untested", key)
		}
	}
}

func firstDifference(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
