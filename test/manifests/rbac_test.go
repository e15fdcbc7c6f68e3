/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package manifests_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// grant is one (API group, resource, verb) a rule allows.
type grant struct{ group, resource, verb string }

func (g grant) String() string {
	group := g.group
	if group == "" {
		group = "core"
	}
	return fmt.Sprintf("%s %s/%s", g.verb, group, g.resource)
}

// managerMayHave is everything the operator's ClusterRole may grant. The
// operator never creates or deletes its own kinds (users do), writes status
// only through the status subresource, reads namespaces for
// access.allowedNamespaces selectors, writes its policies' connection
// details ConfigMaps and reads ACK Gateways.
var managerMayHave = func() map[grant]bool {
	allowed := map[grant]bool{}
	add := func(groups, resources, verbs []string) {
		for _, g := range groups {
			for _, r := range resources {
				for _, v := range verbs {
					allowed[grant{g, r, v}] = true
				}
			}
		}
	}
	ours := []string{"vpce.agentcore.io"}
	kinds := []string{"gatewayendpoints", "gatewayaccesspolicies"}
	add(ours, kinds, []string{"get", "list", "watch", "update", "patch"})
	for _, k := range kinds {
		add(ours, []string{k + "/status"}, []string{"get", "update", "patch"})
		add(ours, []string{k + "/finalizers"}, []string{"update", "patch"})
	}
	add([]string{""}, []string{"namespaces"}, []string{"get", "list", "watch"})
	add([]string{"", "events.k8s.io"}, []string{"events"}, []string{"create", "patch"})
	// The agents' connection details: the operator writes one ConfigMap per
	// GatewayAccessPolicy, <policy>-gateways, in the policy's namespace, and
	// deletes it when the policy is no longer accepted. Its cache holds
	// only ConfigMaps with its managed-by label, and it never changes one
	// the policy does not own; Kubernetes RBAC cannot narrow a ClusterRole
	// to those, so the code does.
	add([]string{""}, []string{"configmaps"}, []string{"get", "list", "watch", "create", "update", "patch", "delete"})
	// spec.gatewayRefs: the ARN of AWS Controllers for Kubernetes Gateways,
	// read only, never written.
	add([]string{"bedrockagentcorecontrol.services.k8s.aws"}, []string{"gateways"}, []string{"get", "list", "watch"})
	return allowed
}()

// managerNeeds is what the controllers call; without any of it the manager
// fails at run time.
var managerNeeds = []grant{
	{"vpce.agentcore.io", "gatewayendpoints", "get"},
	{"vpce.agentcore.io", "gatewayendpoints", "list"},
	{"vpce.agentcore.io", "gatewayendpoints", "watch"},
	{"vpce.agentcore.io", "gatewayendpoints", "patch"}, // finalizer
	{"vpce.agentcore.io", "gatewayendpoints/status", "patch"},
	{"vpce.agentcore.io", "gatewayendpoints/finalizers", "update"},
	{"vpce.agentcore.io", "gatewayaccesspolicies", "get"},
	{"vpce.agentcore.io", "gatewayaccesspolicies", "list"},
	{"vpce.agentcore.io", "gatewayaccesspolicies", "watch"},
	{"vpce.agentcore.io", "gatewayaccesspolicies/status", "patch"},
	{"", "namespaces", "get"},
	{"", "namespaces", "list"},
	{"", "namespaces", "watch"},
	// The connection details ConfigMaps: watched, created, kept up to date,
	// deleted when the policy stops being accepted.
	{"", "configmaps", "get"},
	{"", "configmaps", "list"},
	{"", "configmaps", "watch"},
	{"", "configmaps", "create"},
	{"", "configmaps", "update"},
	{"", "configmaps", "delete"},
	// The ConfigMap's ownerReference has blockOwnerDeletion, which API
	// servers with the OwnerReferencesPermissionEnforcement admission
	// plugin allow only to who may update the owner's finalizers.
	{"vpce.agentcore.io", "gatewayaccesspolicies/finalizers", "update"},
	// spec.gatewayRefs: ACK Gateways' ARNs.
	{"bedrockagentcorecontrol.services.k8s.aws", "gateways", "get"},
	{"bedrockagentcorecontrol.services.k8s.aws", "gateways", "list"},
	{"bedrockagentcorecontrol.services.k8s.aws", "gateways", "watch"},
	{"events.k8s.io", "events", "create"},
	{"events.k8s.io", "events", "patch"},
}

func TestManagerRoleGrantsWhatTheControllersNeedAndNothingMore(t *testing.T) {
	role := mustFind[rbacv1.ClusterRole](t, "ClusterRole", managerRole)
	got := map[grant]bool{}
	for i, rule := range role.Rules {
		if len(rule.NonResourceURLs) > 0 || len(rule.ResourceNames) > 0 {
			t.Errorf("rule %d of %s has nonResourceURLs or resourceNames; the generated role should have neither", i, managerRole)
		}
		for _, g := range expand(rule) {
			if strings.Contains(g.group+g.resource+g.verb, "*") {
				t.Errorf("%s grants %s: no wildcards", managerRole, g)
				continue
			}
			if !managerMayHave[g] {
				t.Errorf("%s grants %s, beyond what the operator may have; remove the +kubebuilder:rbac marker that adds it and run make generate", managerRole, g)
			}
			got[g] = true
		}
	}
	for _, g := range managerNeeds {
		if !got[g] {
			t.Errorf("%s lacks %s, which the controllers call; add a +kubebuilder:rbac marker and run make generate", managerRole, g)
		}
	}
}

func TestNoRoleGrantsWildcardsOrSecrets(t *testing.T) {
	for _, kind := range []string{"ClusterRole", "Role"} {
		for _, o := range rendered.ofKind(kind) {
			role := convert[rbacv1.ClusterRole](t, o) // Role has the same rules shape
			for _, rule := range role.Rules {
				for _, g := range expand(rule) {
					if strings.Contains(g.group+g.resource+g.verb, "*") {
						t.Errorf("%s %s grants %s", kind, o.GetName(), g)
					}
					if g.resource == "secrets" || slices.Contains([]string{"escalate", "bind", "impersonate"}, g.verb) {
						t.Errorf("%s %s grants %s, which the operator never needs", kind, o.GetName(), g)
					}
				}
				if slices.Contains(rule.Verbs, "*") || slices.Contains(rule.NonResourceURLs, "*") {
					t.Errorf("%s %s has a wildcard rule %+v", kind, o.GetName(), rule)
				}
			}
		}
	}
}

func TestBindingsGiveTheRolesToTheOperatorsServiceAccount(t *testing.T) {
	wantBound := map[string]string{
		"ClusterRole/" + managerRole:                      "ClusterRoleBinding",
		"ClusterRole/" + namePrefix + "metrics-auth-role": "ClusterRoleBinding",
		"Role/" + namePrefix + "leader-election-role":     "RoleBinding",
	}
	bound := map[string]bool{}
	for _, kind := range []string{"ClusterRoleBinding", "RoleBinding"} {
		for _, o := range rendered.ofKind(kind) {
			b := convert[rbacv1.RoleBinding](t, o) // ClusterRoleBinding has the same shape
			ref := b.RoleRef.Kind + "/" + b.RoleRef.Name
			if rendered.find(b.RoleRef.Kind, b.RoleRef.Name) == nil {
				t.Errorf("%s %s refers to %s, which config/default does not render (a name without the prefix?)", kind, b.Name, ref)
			}
			if len(b.Subjects) != 1 {
				t.Errorf("%s %s has %d subjects, want the operator's service account only", kind, b.Name, len(b.Subjects))
				continue
			}
			s := b.Subjects[0]
			if s.Kind != "ServiceAccount" || s.Name != serviceAccount || s.Namespace != namespace {
				t.Errorf("%s %s binds %s %s/%s, want ServiceAccount %s/%s", kind, b.Name, s.Kind, s.Namespace, s.Name, namespace, serviceAccount)
			}
			if want, ok := wantBound[ref]; ok && want == kind {
				bound[ref] = true
			}
		}
	}
	for ref, kind := range wantBound {
		if !bound[ref] {
			t.Errorf("no %s gives %s to the operator", kind, ref)
		}
	}
	leader := mustFind[rbacv1.Role](t, "Role", namePrefix+"leader-election-role")
	if leader.Namespace != namespace {
		t.Errorf("the leader election Role is in %q, want %s: the manager elects in its own namespace", leader.Namespace, namespace)
	}
}

// expand lists the grants of a rule.
func expand(rule rbacv1.PolicyRule) []grant {
	var out []grant
	for _, g := range rule.APIGroups {
		for _, r := range rule.Resources {
			for _, v := range rule.Verbs {
				out = append(out, grant{g, r, v})
			}
		}
	}
	return out
}
