/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package chart_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/internal/release"
	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// What config/default and the chart's defaults both promise.
const (
	namespace   = "agentcore-vpce-system"
	namePrefix  = "agentcore-vpce-"
	deployment  = namePrefix + "controller-manager"
	releaseName = "agentcore-vpce-operator"
	// The placeholders config/manager carries; the chart is rendered with
	// the same values so that the two can be compared field by field.
	placeholderRegion  = "us-east-1"
	placeholderCluster = "my-eks-cluster"
)

var (
	root     = testenv.RepoRoot()
	chartDir = filepath.Join(root, filepath.FromSlash(release.ChartDir))
	// kustomized is config/default as kustomize's Go packages build it.
	kustomized objects
	// env is an API server without the CRDs, started on first use.
	env     *envtest.Environment
	envCfg  *rest.Config
	envErr  error
	envOnce sync.Once
)

func TestMain(m *testing.M) {
	code := run(m)
	if env != nil {
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping the API server: %v\n", err)
		}
	}
	os.Exit(code)
}

func run(m *testing.M) int {
	built, err := release.Kustomize(filepath.Join(root, filepath.FromSlash(release.InstallKustomization)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out, err := built.AsYaml()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if kustomized, err = decode(out); err != nil {
		fmt.Fprintf(os.Stderr, "decoding config/default: %v\n", err)
		return 1
	}
	return m.Run()
}

// apiServer starts kube-apiserver and etcd once, with no CRDs installed:
// the tests install the ones they render.
func apiServer(t *testing.T) *rest.Config {
	t.Helper()
	envOnce.Do(func() {
		assets, err := testenv.AssetsDir()
		if err != nil {
			envErr = err
			return
		}
		env = &envtest.Environment{BinaryAssetsDirectory: assets}
		envCfg, envErr = env.Start()
		if envErr != nil {
			env = nil
		}
	})
	if envErr != nil {
		t.Fatalf("starting the API server: %v", envErr)
	}
	return envCfg
}

// objects are rendered Kubernetes objects, in their order.
type objects []*unstructured.Unstructured

// find returns the object of that kind and name, or nil.
func (o objects) find(kind, name string) *unstructured.Unstructured {
	for _, obj := range o {
		if obj.GetKind() == kind && obj.GetName() == name {
			return obj
		}
	}
	return nil
}

// ofKind returns the objects of the given kinds.
func (o objects) ofKind(kinds ...string) objects {
	var out objects
	for _, obj := range o {
		if slices.Contains(kinds, obj.GetKind()) {
			out = append(out, obj)
		}
	}
	return out
}

// ids names every object as kind/name, sorted.
func (o objects) ids() []string {
	var out []string
	for _, obj := range o {
		out = append(out, obj.GetKind()+"/"+obj.GetName())
	}
	slices.Sort(out)
	return out
}

// decode reads a stream of YAML documents.
func decode(stream []byte) (objects, error) {
	var out objects
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(obj) > 0 {
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
}

// loadChart loads the chart directory as helm does.
func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	ch, err := loader.LoadDir(chartDir)
	if err != nil {
		t.Fatalf("loading %s: %v", release.ChartDir, err)
	}
	return ch
}

// baseValues are the values that make the chart comparable with
// config/default: its placeholders for the region and the cluster name.
func baseValues() map[string]any {
	return map[string]any{"clusterName": placeholderCluster, "region": placeholderRegion}
}

// with returns values with more settings; a dotted key sets a nested value.
func with(values map[string]any, settings map[string]any) map[string]any {
	out := deepCopy(values)
	for key, v := range settings {
		path := strings.Split(key, ".")
		m := out
		for _, p := range path[:len(path)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[path[len(path)-1]] = v
	}
	return out
}

func deepCopy(m map[string]any) map[string]any {
	out := maps.Clone(m)
	for k, v := range out {
		if sub, ok := v.(map[string]any); ok {
			out[k] = deepCopy(sub)
		}
	}
	return out
}

// render is `helm template --namespace agentcore-vpce-system
// agentcore-vpce-operator <chart>` with the values given: the values are
// checked against values.schema.json, every template runs, and NOTES.txt
// comes back apart from the objects.
func render(ch *chart.Chart, values map[string]any) (objects, string, error) {
	return renderIn(ch, values, namespace)
}

func renderIn(ch *chart.Chart, values map[string]any, ns string) (objects, string, error) {
	top, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{
		Name: releaseName, Namespace: ns, Revision: 1, IsInstall: true,
	}, nil)
	if err != nil {
		return nil, "", err
	}
	files, err := engine.Render(ch, top)
	if err != nil {
		return nil, "", err
	}
	var out objects
	var notes string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if strings.HasSuffix(name, "NOTES.txt") {
			notes = files[name]
			continue
		}
		manifests := releaseutil.SplitManifests(files[name])
		keys := slices.Collect(maps.Keys(manifests))
		sort.Sort(releaseutil.BySplitManifestsOrder(keys))
		for _, key := range keys {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(manifests[key]), &obj); err != nil {
				return nil, "", fmt.Errorf("%s does not render YAML: %w\n%s", name, err, manifests[key])
			}
			if len(obj) > 0 {
				out = append(out, &unstructured.Unstructured{Object: obj})
			}
		}
	}
	return out, notes, nil
}

// mustRender renders or fails the test.
func mustRender(t *testing.T, ch *chart.Chart, values map[string]any) objects {
	t.Helper()
	out, _, err := render(ch, values)
	if err != nil {
		t.Fatalf("rendering the chart: %v", err)
	}
	return out
}

// convert turns an unstructured object into its typed form, refusing
// unknown fields.
func convert[T any](t *testing.T, o *unstructured.Unstructured) *T {
	t.Helper()
	var typed T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, &typed, true); err != nil {
		t.Fatalf("%s %s does not fit its Go type (a misspelt field?): %v", o.GetKind(), o.GetName(), err)
	}
	return &typed
}

// mustFind finds an object of a rendering or fails the test.
func mustFind[T any](t *testing.T, in objects, what, kind, name string) *T {
	t.Helper()
	o := in.find(kind, name)
	if o == nil {
		t.Fatalf("%s renders no %s %s; it renders %v", what, kind, name, in.ids())
	}
	return convert[T](t, o)
}
