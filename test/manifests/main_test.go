/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package manifests_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// What config/default promises.
const (
	namespace      = "agentcore-vpce-system"
	namePrefix     = "agentcore-vpce-"
	serviceAccount = namePrefix + "controller-manager"
	deployment     = namePrefix + "controller-manager"
	managerRole    = namePrefix + "manager-role"
)

var (
	// env is the API server the dry runs go to, one per package run.
	env *testenv.Env
	// kubeconfig lets the envtest kubectl talk to env as its admin.
	kubeconfig string
	// rendered is config/default as kubectl kustomize renders it.
	rendered renderedObjects
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	env, err = testenv.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting the API server: %v\n", err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping the API server: %v\n", err)
		}
	}()
	dir, err := os.MkdirTemp("", "manifests-test-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "creating a temporary directory: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(kubeconfig); err != nil {
		fmt.Fprintf(os.Stderr, "writing the kubeconfig: %v\n", err)
		return 1
	}
	out, err := kustomize(filepath.Join(testenv.RepoRoot(), "config", "default"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "rendering config/default: %v\n", err)
		return 1
	}
	if rendered, err = parseObjects(out); err != nil {
		fmt.Fprintf(os.Stderr, "parsing the rendered config/default: %v\n", err)
		return 1
	}
	return m.Run()
}

// renderedObjects is a kustomize build, in its order.
type renderedObjects struct {
	yaml    []byte
	objects []*unstructured.Unstructured
}

// find returns the object of that kind and name, or nil.
func (r renderedObjects) find(kind, name string) *unstructured.Unstructured {
	for _, o := range r.objects {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// ofKind returns the objects of a kind.
func (r renderedObjects) ofKind(kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range r.objects {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// mustFind is find for objects a test cannot do without.
func mustFind[T any](t *testing.T, kind, name string) *T {
	t.Helper()
	o := rendered.find(kind, name)
	if o == nil {
		t.Fatalf("config/default renders no %s %s", kind, name)
	}
	return convert[T](t, o)
}

// convert turns an unstructured object into its typed form.
func convert[T any](t *testing.T, o *unstructured.Unstructured) *T {
	t.Helper()
	var typed T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, &typed, true); err != nil {
		t.Fatalf("%s %s does not fit its Go type (a misspelt field?): %v", o.GetKind(), o.GetName(), err)
	}
	return &typed
}

func parseObjects(out []byte) (renderedObjects, error) {
	r := renderedObjects{yaml: out}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return r, nil
			}
			return r, err
		}
		if len(obj) > 0 {
			r.objects = append(r.objects, &unstructured.Unstructured{Object: obj})
		}
	}
}

// kubectl runs the envtest kubectl against env.
func kubectl(stdin []byte, args ...string) (stdout, stderr []byte, err error) {
	cmd := exec.Command(filepath.Join(env.AssetsDir, "kubectl"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stdin), &out, &errOut
	err = cmd.Run()
	if err != nil {
		err = fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.Bytes(), errOut.Bytes(), err
}

// kustomize renders dir the way users do (kubectl apply -k uses the same
// kustomize).
func kustomize(dir string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(env.AssetsDir, "kubectl"), "kustomize", dir)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("kubectl kustomize %s: %w: %s", dir, err, errOut.String())
	}
	return out.Bytes(), nil
}

// writeKubeconfig writes env.Config, envtest's admin identity, as a
// kubeconfig file.
func writeKubeconfig(path string) error {
	cfg := env.Config
	server := cfg.Host
	if !strings.Contains(server, "://") {
		server = "https://" + server
	}
	b64 := base64.StdEncoding.EncodeToString
	cluster := map[string]any{"server": server}
	if len(cfg.CAData) > 0 {
		cluster["certificate-authority-data"] = b64(cfg.CAData)
	}
	user := map[string]any{}
	if len(cfg.CertData) > 0 {
		user["client-certificate-data"] = b64(cfg.CertData)
		user["client-key-data"] = b64(cfg.KeyData)
	}
	if cfg.BearerToken != "" {
		user["token"] = cfg.BearerToken
	}
	out, err := yaml.Marshal(map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"clusters":        []any{map[string]any{"name": "envtest", "cluster": cluster}},
		"users":           []any{map[string]any{"name": "envtest", "user": user}},
		"contexts":        []any{map[string]any{"name": "envtest", "context": map[string]any{"cluster": "envtest", "user": "envtest"}}},
		"current-context": "envtest",
	})
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}
