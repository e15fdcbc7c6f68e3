package v1alpha1_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

var samplesDir = filepath.Join(testenv.RepoRoot(), "config", "samples")

// sampleFiles lists the YAML files of config/samples other than the
// kustomization itself.
func sampleFiles(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(samplesDir, "*.yaml"))
	if err != nil {
		t.Fatalf("listing samples: %v", err)
	}
	var files []string
	for _, p := range paths {
		if name := filepath.Base(p); name != "kustomization.yaml" {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		t.Fatalf("no samples found in %s", samplesDir)
	}
	return files
}

// readObjects decodes every document of a multi-document YAML file.
func readObjects(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objects []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		err := decoder.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			return objects
		}
		if err != nil {
			t.Fatalf("decoding %s: %v", path, err)
		}
		if len(obj.Object) == 0 {
			continue // an empty document, e.g. after a trailing ---
		}
		objects = append(objects, obj)
	}
}

func TestSamples(t *testing.T) {
	t.Run("the kustomization lists every sample file, and only those", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(samplesDir, "kustomization.yaml"))
		if err != nil {
			t.Fatalf("reading the kustomization: %v", err)
		}
		var kustomization struct {
			Resources []string `json:"resources"`
		}
		if err := yaml.UnmarshalStrict(data, &kustomization); err != nil {
			t.Fatalf("parsing the kustomization: %v", err)
		}
		listed := slices.Sorted(slices.Values(kustomization.Resources))
		onDisk := sampleFiles(t)
		if !slices.Equal(listed, onDisk) {
			t.Errorf("kustomization resources = %v, files in %s = %v", listed, samplesDir, onDisk)
		}
		if len(kustomization.Resources) > 0 && kustomization.Resources[0] != "namespaces.yaml" {
			t.Errorf("the kustomization lists %s first; want namespaces.yaml, so the namespaces exist before the objects in them", kustomization.Resources[0])
		}
	})

	t.Run("the API server accepts every sample object without dropping a field", func(t *testing.T) {
		var namespaces, others []*unstructured.Unstructured
		for _, file := range sampleFiles(t) {
			for _, obj := range readObjects(t, filepath.Join(samplesDir, file)) {
				if obj.GetKind() == "Namespace" {
					namespaces = append(namespaces, obj)
				} else {
					others = append(others, obj)
				}
			}
		}
		if len(namespaces) == 0 || len(others) == 0 {
			t.Fatalf("found %d namespaces and %d other objects in the samples; want both", len(namespaces), len(others))
		}
		ctx := context.Background()
		// Strict field validation: a misspelled field would otherwise be
		// pruned silently and the sample would not mean what it says.
		for _, obj := range append(namespaces, others...) {
			if err := env.Client.Create(ctx, obj, client.FieldValidation("Strict")); err != nil {
				t.Errorf("the API server rejected %s %s/%s: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
			}
		}
	})
}
