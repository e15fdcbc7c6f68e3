/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package manifests_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const fieldManager = "manifests-test"

// TestEveryRenderedObjectIsAcceptedByTheAPIServer applies the whole
// rendering with a server-side dry run: schema validation, defaulting and
// admission (Pod Security included) run, nothing is stored. Only the
// Namespace is created for real, because namespaced objects need it.
func TestEveryRenderedObjectIsAcceptedByTheAPIServer(t *testing.T) {
	ensureNamespace(t)

	// The Pod Security warning below is what catches a Deployment that does
	// not meet "restricted"; first make sure this API server gives it.
	privileged := rendered.find("Deployment", deployment).DeepCopy()
	containers, _, _ := unstructured.NestedSlice(privileged.Object, "spec", "template", "spec", "containers")
	container := containers[0].(map[string]any)
	container["securityContext"] = map[string]any{"privileged": true}
	if err := unstructured.SetNestedSlice(privileged.Object, containers, "spec", "template", "spec", "containers"); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := kubectl(toYAML(t, privileged), "apply", "--server-side", "--dry-run=server", "--field-manager="+fieldManager, "-f", "-")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(stderr), "would violate PodSecurity") {
		t.Fatalf("a privileged manager got no Pod Security warning from the API server (stderr: %q); the check below would prove nothing", stderr)
	}

	stdout, stderr, err := kubectl(rendered.yaml, "apply", "--server-side", "--dry-run=server", "--field-manager="+fieldManager, "-f", "-")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(stderr)), "\n") {
		if line != "" {
			t.Errorf("the API server warned: %s", line)
		}
	}
	applied := strings.Count(string(stdout), "(server dry run)")
	if applied != len(rendered.objects) {
		t.Errorf("the dry run applied %d objects, want all %d:\n%s", applied, len(rendered.objects), stdout)
	}
}

// TestServiceAccountMayDoExactlyWhatTheOperatorDoes binds the rendered RBAC
// for real and asks the API server's authorizer, as the operator's service
// account, about the calls it makes and some it must not make. It checks
// the wiring end to end: role names, binding subjects and namespaces.
func TestServiceAccountMayDoExactlyWhatTheOperatorDoes(t *testing.T) {
	ensureNamespace(t)
	var rbac []byte
	for _, o := range rendered.objects {
		switch o.GetKind() {
		case "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding":
			rbac = append(rbac, toYAML(t, o)...)
		}
	}
	if _, _, err := kubectl(rbac, "apply", "--server-side", "--field-manager="+fieldManager, "-f", "-"); err != nil {
		t.Fatal(err)
	}

	const teamNS = "team-a"
	allowed := []authorizationv1.ResourceAttributes{
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayendpoints", Verb: "watch"},
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayendpoints", Verb: "patch"},
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayendpoints", Subresource: "status", Verb: "patch"},
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayendpoints", Subresource: "finalizers", Verb: "update"},
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayaccesspolicies", Verb: "list"},
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayaccesspolicies", Subresource: "status", Verb: "patch"},
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayaccesspolicies", Subresource: "finalizers", Verb: "update"},
		// The agents' connection details, <policy>-gateways: the cache
		// watches only labelled ConfigMaps, but RBAC cannot say so.
		{Namespace: teamNS, Resource: "configmaps", Verb: "list"},
		{Namespace: teamNS, Resource: "configmaps", Verb: "create"},
		{Namespace: teamNS, Resource: "configmaps", Verb: "delete"},
		// spec.gatewayRefs: ACK Gateways, read only.
		{Namespace: teamNS, Group: "bedrockagentcorecontrol.services.k8s.aws", Resource: "gateways", Verb: "watch"},
		{Resource: "namespaces", Verb: "watch"},
		{Namespace: teamNS, Group: "events.k8s.io", Resource: "events", Verb: "create"},
		{Namespace: namespace, Group: "coordination.k8s.io", Resource: "leases", Verb: "update"},
		{Namespace: namespace, Resource: "events", Verb: "create"},
		{Group: "authentication.k8s.io", Resource: "tokenreviews", Verb: "create"},
		{Group: "authorization.k8s.io", Resource: "subjectaccessreviews", Verb: "create"},
	}
	denied := []authorizationv1.ResourceAttributes{
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayendpoints", Verb: "create"},
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayendpoints", Verb: "delete"},
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayaccesspolicies", Verb: "update"},
		{Namespace: "kube-system", Group: "coordination.k8s.io", Resource: "leases", Verb: "update"},
		{Namespace: teamNS, Resource: "secrets", Verb: "get"},
		{Namespace: teamNS, Group: "bedrockagentcorecontrol.services.k8s.aws", Resource: "gateways", Verb: "update"},
		{Namespace: teamNS, Group: "bedrockagentcorecontrol.services.k8s.aws", Resource: "gateways", Subresource: "status", Verb: "patch"},
		{Namespace: teamNS, Group: "vpce.agentcore.io", Resource: "gatewayaccesspolicies", Verb: "delete"},
		{Resource: "namespaces", Verb: "update"},
	}
	for _, attrs := range allowed {
		if ok, reason := mayServiceAccount(t, attrs); !ok {
			t.Errorf("the operator may not %s: %s", describe(attrs), reason)
		}
	}
	for _, attrs := range denied {
		if ok, _ := mayServiceAccount(t, attrs); ok {
			t.Errorf("the operator may %s, which it never needs", describe(attrs))
		}
	}
}

func mayServiceAccount(t *testing.T, attrs authorizationv1.ResourceAttributes) (bool, string) {
	t.Helper()
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               fmt.Sprintf("system:serviceaccount:%s:%s", namespace, serviceAccount),
		Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
		ResourceAttributes: &attrs,
	}}
	if err := env.Client.Create(context.Background(), review); err != nil {
		t.Fatalf("asking whether the operator may %s: %v", describe(attrs), err)
	}
	return review.Status.Allowed, review.Status.Reason + review.Status.EvaluationError
}

func describe(a authorizationv1.ResourceAttributes) string {
	resource := a.Resource
	if a.Subresource != "" {
		resource += "/" + a.Subresource
	}
	if a.Group != "" {
		resource += "." + a.Group
	}
	if a.Namespace != "" {
		return fmt.Sprintf("%s %s in %s", a.Verb, resource, a.Namespace)
	}
	return a.Verb + " " + resource
}

// ensureNamespace creates the rendered Namespace for real, once.
func ensureNamespace(t *testing.T) {
	t.Helper()
	ns := rendered.find("Namespace", namespace)
	if ns == nil {
		t.Fatalf("config/default renders no Namespace %s", namespace)
	}
	if err := env.Client.Create(context.Background(), ns.DeepCopy()); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating namespace %s: %v", namespace, err)
	}
}

func toYAML(t *testing.T, o *unstructured.Unstructured) []byte {
	t.Helper()
	out, err := yaml.Marshal(o.Object)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte("---\n"), out...)
}
