/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package chart_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

const fieldOwner = "chart-test"

// warnings collects what the API server answers in Warning headers: Pod
// Security violations under a namespace's warn label, unknown fields.
type warnings struct {
	mu   sync.Mutex
	seen []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.seen
	w.seen = nil
	return out
}

// apiClient is a client of the test API server that records warnings.
func apiClient(t *testing.T) (client.Client, *warnings) {
	t.Helper()
	cfg := rest.CopyConfig(apiServer(t))
	w := &warnings{}
	cfg.WarningHandler = w
	c, err := client.New(cfg, client.Options{Scheme: testenv.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}

// install applies objects the way `kubectl apply --server-side` does:
// the Namespaces, then the CRDs (waiting until they are served), then the
// rest. Every object must be accepted, and the API server must warn about
// nothing.
func install(t *testing.T, c client.Client, w *warnings, objs objects) {
	t.Helper()
	ctx := context.Background()
	apply := func(o *unstructured.Unstructured) {
		t.Helper()
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()), client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
			t.Errorf("the API server refused %s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}
	for _, o := range objs.ofKind("Namespace") {
		apply(o)
	}
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, o := range objs.ofKind("CustomResourceDefinition") {
		apply(o)
		crds = append(crds, convert[apiextensionsv1.CustomResourceDefinition](t, o))
	}
	if len(crds) > 0 {
		if err := envtest.WaitForCRDs(apiServer(t), crds, envtest.CRDInstallOptions{PollInterval: 50 * time.Millisecond, MaxTime: 30 * time.Second}); err != nil {
			t.Fatalf("the CRDs were not served: %v", err)
		}
	}
	for _, o := range objs {
		if o.GetKind() != "Namespace" && o.GetKind() != "CustomResourceDefinition" {
			apply(o)
		}
	}
	for _, warning := range w.take() {
		t.Errorf("the API server warned: %s", warning)
	}
}

// TestInstallYAMLIsAcceptedByARealAPIServer installs what `make release`
// renders into an API server that has no CRDs yet, as a new cluster, and
// then asks it what the operator's service account may do, and whether
// the CRDs it installed serve (and validate) GatewayEndpoints.
func TestInstallYAMLIsAcceptedByARealAPIServer(t *testing.T) {
	_, installed := buildRelease(t)
	c, w := apiClient(t)
	install(t, c, w, installed)
	if t.Failed() {
		t.FailNow()
	}

	sa := "system:serviceaccount:" + namespace + ":" + namePrefix + "controller-manager"
	for _, tc := range []struct {
		attrs authorizationv1.ResourceAttributes
		want  bool
	}{
		{authorizationv1.ResourceAttributes{Namespace: "team-a", Group: "vpce.agentcore.io", Resource: "gatewayendpoints", Subresource: "status", Verb: "patch"}, true},
		{authorizationv1.ResourceAttributes{Namespace: "team-a", Group: "vpce.agentcore.io", Resource: "gatewayaccesspolicies", Verb: "watch"}, true},
		{authorizationv1.ResourceAttributes{Namespace: namespace, Group: "coordination.k8s.io", Resource: "leases", Verb: "update"}, true},
		{authorizationv1.ResourceAttributes{Group: "authentication.k8s.io", Resource: "tokenreviews", Verb: "create"}, true},
		{authorizationv1.ResourceAttributes{Namespace: "team-a", Group: "vpce.agentcore.io", Resource: "gatewayendpoints", Verb: "create"}, false},
		{authorizationv1.ResourceAttributes{Namespace: "team-a", Resource: "secrets", Verb: "get"}, false},
		{authorizationv1.ResourceAttributes{Namespace: "kube-system", Group: "coordination.k8s.io", Resource: "leases", Verb: "update"}, false},
	} {
		if got := may(t, c, sa, namespace, tc.attrs); got != tc.want {
			t.Errorf("the operator may %s %s/%s in %q: %v, want %v", tc.attrs.Verb, tc.attrs.Resource, tc.attrs.Subresource, tc.attrs.Namespace, got, tc.want)
		}
	}

	sample := readSample(t)
	ctx := context.Background()
	if err := c.Create(ctx, testenv.Namespace(sample.GetNamespace(), nil)); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, sample.DeepCopy()); err != nil {
		t.Errorf("the installed CRD refuses config/samples' GatewayEndpoint: %v", err)
	}
	bad := sample.DeepCopy()
	bad.SetName("not-canonical")
	if err := unstructured.SetNestedStringSlice(bad.Object, []string{"10.0.0.1/16"}, "spec", "securityGroup", "managed", "allowedSources", "cidrs"); err != nil {
		t.Fatal(err)
	}
	err := c.Create(ctx, bad)
	if err == nil || !strings.Contains(err.Error(), "canonical form") {
		t.Errorf("the installed CRD's CIDR rule did not refuse 10.0.0.1/16: %v", err)
	}
}

// TestTheChartIsAcceptedByARealAPIServer installs the chart, rendered for
// another release name and namespace, into a namespace that enforces the
// restricted Pod Security Standard and warns on it; first it checks that
// the API server does warn there, so that no warning means something.
func TestTheChartIsAcceptedByARealAPIServer(t *testing.T) {
	const ns = "helm-vpce-system"
	out, _, err := renderIn(loadChart(t), with(baseValues(), map[string]any{"fullnameOverride": "helm-vpce"}), ns)
	if err != nil {
		t.Fatal(err)
	}
	c, w := apiClient(t)
	restricted := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": ns, "labels": map[string]any{
			"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted",
		}},
	}}
	install(t, c, w, objects{restricted})

	privileged := out.find("Deployment", "helm-vpce-controller-manager").DeepCopy()
	privileged.SetName("privileged")
	containers, _, _ := unstructured.NestedSlice(privileged.Object, "spec", "template", "spec", "containers")
	containers[0].(map[string]any)["securityContext"] = map[string]any{"privileged": true}
	if err := unstructured.SetNestedSlice(privileged.Object, containers, "spec", "template", "spec", "containers"); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(context.Background(), privileged, client.DryRunAll); err != nil {
		t.Fatal(err)
	}
	if seen := w.take(); len(seen) == 0 || !strings.Contains(strings.Join(seen, "\n"), "violate PodSecurity") {
		t.Fatalf("a privileged manager got no Pod Security warning (%v); no warning below would prove nothing", seen)
	}

	install(t, c, w, out)
	sa := fmt.Sprintf("system:serviceaccount:%s:helm-vpce-controller-manager", ns)
	if !may(t, c, sa, ns, authorizationv1.ResourceAttributes{Namespace: "team-a", Group: "vpce.agentcore.io", Resource: "gatewayendpoints", Subresource: "status", Verb: "patch"}) {
		t.Error("the chart's operator may not patch gatewayendpoints/status")
	}
	if !may(t, c, sa, ns, authorizationv1.ResourceAttributes{Namespace: ns, Group: "coordination.k8s.io", Resource: "leases", Verb: "update"}) {
		t.Error("the chart's operator may not update its lease")
	}
}

// may asks the API server's authorizer whether a service account may do
// something.
func may(t *testing.T, c client.Client, user, saNamespace string, attrs authorizationv1.ResourceAttributes) bool {
	t.Helper()
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               user,
		Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + saNamespace, "system:authenticated"},
		ResourceAttributes: &attrs,
	}}
	if err := c.Create(context.Background(), review); err != nil {
		t.Fatalf("SubjectAccessReview: %v", err)
	}
	return review.Status.Allowed
}

func readSample(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "config", "samples", "vpce_v1alpha1_gatewayendpoint.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: obj}
}
