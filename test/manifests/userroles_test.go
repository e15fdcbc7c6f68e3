/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package manifests_test

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// The ClusterRoles config/default ships for people (docs/tenancy.md):
// nothing in config/ binds them.
const (
	editorRole        = namePrefix + "gatewayaccesspolicy-editor-role"
	viewerRole        = namePrefix + "gatewayaccesspolicy-viewer-role"
	endpointAdminRole = namePrefix + "gatewayendpoint-admin-role"
)

const (
	vpceGroup = "vpce.agentcore.io"
	policies  = "gatewayaccesspolicies"
	endpoints = "gatewayendpoints"
	// aggregateToPrefix starts the labels the built-in admin, edit and view
	// ClusterRoles select their aggregated rules by.
	aggregateToPrefix = "rbac.authorization.k8s.io/aggregate-to-"
)

var (
	readVerbs = []string{"get", "list", "watch"}
	// writeVerbs with readVerbs are every verb a resource has.
	writeVerbs = []string{"create", "update", "patch", "delete", "deletecollection"}
	allVerbs   = append(slices.Clone(readVerbs), writeVerbs...)
)

// userRoles is, for each ClusterRole for people, the built-in ClusterRoles
// it aggregates into and every grant it must have, no more, no fewer.
var userRoles = []struct {
	name        string
	aggregateTo []string
	grants      []grant
}{
	{
		name:        editorRole,
		aggregateTo: []string{"admin", "edit"},
		grants:      slices.Concat(grants(policies, allVerbs...), grants(endpoints, readVerbs...)),
	},
	{
		name:        viewerRole,
		aggregateTo: []string{"view"},
		grants:      slices.Concat(grants(policies, readVerbs...), grants(endpoints, readVerbs...)),
	},
	{
		// Not aggregated: the built-in admin and edit roles are every
		// namespace owner's, and endpoints create AWS resources.
		name:        endpointAdminRole,
		aggregateTo: nil,
		grants:      slices.Concat(grants(policies, allVerbs...), grants(endpoints, allVerbs...)),
	},
}

func grants(resource string, verbs ...string) []grant {
	var out []grant
	for _, v := range verbs {
		out = append(out, grant{vpceGroup, resource, v})
	}
	return out
}

// TestUserRolesCarryExactlyTheirAggregationLabels reads the
// rbac.authorization.k8s.io/aggregate-to-* labels of the rendered roles: the
// editor role joins admin and edit, the viewer role joins view, and the
// endpoint admin role joins nothing, so that no namespace owner can create
// VPC endpoints.
func TestUserRolesCarryExactlyTheirAggregationLabels(t *testing.T) {
	for _, want := range userRoles {
		role := mustFind[rbacv1.ClusterRole](t, "ClusterRole", want.name)
		var got []string
		for key, value := range role.Labels {
			if name, ok := strings.CutPrefix(key, aggregateToPrefix); ok {
				if value != "true" {
					t.Errorf("%s has %s=%q; the built-in roles select \"true\" only", want.name, key, value)
				}
				got = append(got, name)
			}
		}
		sort.Strings(got)
		if !slices.Equal(got, want.aggregateTo) {
			t.Errorf("%s aggregates into %v (its %s* labels), want %v", want.name, got, aggregateToPrefix, want.aggregateTo)
		}
		if role.AggregationRule != nil {
			t.Errorf("%s has an aggregationRule; its rules are its own", want.name)
		}
	}
}

// TestUserRolesGrantExactlyTheirVerbsAndNoSubresource compares each rendered
// role's rules with its list of grants: nothing missing, nothing extra, and in
// particular no /status or /finalizers, which are the operator's.
func TestUserRolesGrantExactlyTheirVerbsAndNoSubresource(t *testing.T) {
	for _, want := range userRoles {
		role := mustFind[rbacv1.ClusterRole](t, "ClusterRole", want.name)
		got := map[grant]bool{}
		for i, rule := range role.Rules {
			if len(rule.NonResourceURLs) > 0 || len(rule.ResourceNames) > 0 {
				t.Errorf("rule %d of %s has nonResourceURLs or resourceNames", i, want.name)
			}
			for _, g := range expand(rule) {
				if strings.Contains(g.resource, "/") {
					t.Errorf("%s grants %s: status and finalizers are the operator's", want.name, g)
				}
				got[g] = true
			}
		}
		for _, g := range want.grants {
			if !got[g] {
				t.Errorf("%s lacks %s", want.name, g)
			}
			delete(got, g)
		}
		for _, g := range slices.SortedFunc(maps.Keys(got), func(a, b grant) int { return strings.Compare(a.String(), b.String()) }) {
			t.Errorf("%s grants %s, beyond what it is for", want.name, g)
		}
	}
}

// TestBuiltInRolesSelectTheUserRolesByTheirLabels asks the API server for
// the built-in admin, edit and view ClusterRoles and matches their
// aggregationRule selectors against the rendered roles' labels: those
// selectors are what the aggregation controller of a real cluster copies
// rules by. envtest runs no controller, so the rules are not copied here.
func TestBuiltInRolesSelectTheUserRolesByTheirLabels(t *testing.T) {
	builtIn := map[string][]labels.Selector{}
	for _, name := range []string{"admin", "edit", "view"} {
		var role rbacv1.ClusterRole
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: name}, &role); err != nil {
			t.Fatalf("getting the built-in ClusterRole %s: %v", name, err)
		}
		if role.AggregationRule == nil || len(role.AggregationRule.ClusterRoleSelectors) == 0 {
			t.Fatalf("the built-in ClusterRole %s aggregates nothing", name)
		}
		for _, s := range role.AggregationRule.ClusterRoleSelectors {
			selector, err := metav1.LabelSelectorAsSelector(&s)
			if err != nil {
				t.Fatalf("selector of %s: %v", name, err)
			}
			builtIn[name] = append(builtIn[name], selector)
		}
	}
	for _, want := range userRoles {
		role := mustFind[rbacv1.ClusterRole](t, "ClusterRole", want.name)
		var got []string
		for name, selectors := range builtIn {
			if slices.ContainsFunc(selectors, func(s labels.Selector) bool { return s.Matches(labels.Set(role.Labels)) }) {
				got = append(got, name)
			}
		}
		sort.Strings(got)
		if !slices.Equal(got, want.aggregateTo) {
			t.Errorf("the built-in ClusterRoles %v select %s, want %v", got, want.name, want.aggregateTo)
		}
	}
}

// The namespaces and users of the access checks below.
const (
	teamA       = "rbac-team-a"
	teamB       = "rbac-team-b"
	platformNS  = "rbac-platform"
	teamDev     = "team-a-dev"
	teamAuditor = "team-a-auditor"
	platformOps = "platform-ops"
	unbound     = "nobody-bound"
)

// TestTeamBoundToTheEditorRoleManagesPoliciesInItsNamespaceOnly binds the
// rendered editor role to a user in one namespace, as docs/tenancy.md tells
// a cluster admin to, and asks the API server's RBAC authorizer what the
// user may do.
func TestTeamBoundToTheEditorRoleManagesPoliciesInItsNamespaceOnly(t *testing.T) {
	setUpUserRoles(t)
	bind(t, teamA, teamDev, editorRole)
	checkAccess(t, teamDev, editorRole,
		slices.Concat(
			requests(policies, []string{teamA}, allVerbs...),
			requests(endpoints, []string{teamA}, readVerbs...),
		),
		slices.Concat(
			// Another team's namespace, and every namespace at once.
			requests(policies, []string{teamB}, allVerbs...),
			requests(policies, []string{""}, "create", "list", "deletecollection"),
			// Endpoints are the platform team's.
			requests(endpoints, []string{teamA, teamB, ""}, writeVerbs...),
			// Status and finalizers are the operator's.
			requests(policies+"/status", []string{teamA}, "update", "patch"),
			requests(endpoints+"/status", []string{teamA, teamB}, "update", "patch"),
			requests(policies+"/finalizers", []string{teamA}, "update"),
			requests(endpoints+"/finalizers", []string{teamA}, "update"),
			// Nothing else.
			coreRequests("secrets", []string{teamA}, "get", "list", "watch", "create", "update", "delete"),
			[]authorizationv1.ResourceAttributes{
				{Namespace: teamA, Group: rbacv1.GroupName, Resource: "rolebindings", Verb: "create"},
			},
		))
}

// TestTeamBoundToTheViewerRoleReadsButNeverWrites binds the rendered viewer
// role to a user in one namespace.
func TestTeamBoundToTheViewerRoleReadsButNeverWrites(t *testing.T) {
	setUpUserRoles(t)
	bind(t, teamA, teamAuditor, viewerRole)
	checkAccess(t, teamAuditor, viewerRole,
		slices.Concat(
			requests(policies, []string{teamA}, readVerbs...),
			requests(endpoints, []string{teamA}, readVerbs...),
		),
		slices.Concat(
			requests(policies, []string{teamA}, writeVerbs...),
			requests(endpoints, []string{teamA}, writeVerbs...),
			requests(policies, []string{teamB, ""}, "get", "list"),
			requests(policies+"/status", []string{teamA}, "update", "patch"),
			requests(endpoints+"/status", []string{teamA}, "update", "patch"),
			coreRequests("secrets", []string{teamA}, "get", "list"),
		))
}

// TestPlatformBoundToTheEndpointAdminRoleManagesBothKindsButNeverStatus
// binds the rendered endpoint admin role with a RoleBinding in the platform
// team's namespace.
func TestPlatformBoundToTheEndpointAdminRoleManagesBothKindsButNeverStatus(t *testing.T) {
	setUpUserRoles(t)
	bind(t, platformNS, platformOps, endpointAdminRole)
	checkAccess(t, platformOps, endpointAdminRole,
		slices.Concat(
			requests(endpoints, []string{platformNS}, allVerbs...),
			requests(policies, []string{platformNS}, allVerbs...),
		),
		slices.Concat(
			// A RoleBinding reaches its own namespace only.
			requests(endpoints, []string{teamA, ""}, "create", "delete"),
			// Not even the platform team writes status.
			requests(endpoints+"/status", []string{platformNS}, "update", "patch"),
			requests(policies+"/status", []string{platformNS}, "update", "patch"),
			requests(endpoints+"/finalizers", []string{platformNS}, "update"),
			coreRequests("secrets", []string{platformNS}, "get", "list"),
		))
}

// TestTeamCannotForgeStatusThroughThePolicyItself sends real requests as a
// user bound to the editor role: a status sent with a create or an update of
// the policy itself is dropped by the API server (the CRD's status
// subresource), and a write to the status subresource is forbidden. Without
// the first, keeping /status out of the role would protect nothing.
func TestTeamCannotForgeStatusThroughThePolicyItself(t *testing.T) {
	setUpUserRoles(t)
	bind(t, teamA, teamDev, editorRole)
	waitForBinding(t, teamDev, requests(policies, []string{teamA}, "create")[0])
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: teamDev}
	asTeam, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	forged := map[string]any{"endpointID": "vpce-0f0f0f0f0f0f0f0f0", "gatewayCount": int64(99)}
	policy := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": vpceGroup + "/v1alpha1",
		"kind":       "GatewayAccessPolicy",
		"metadata":   map[string]any{"namespace": teamA, "name": "forged-status"},
		"spec": map[string]any{
			"endpointRef": map[string]any{"namespace": platformNS, "name": "agentcore-gateway"},
			"gatewayARNs": []any{"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/research-tools-a1b2c3d4e5"},
		},
		"status": forged,
	}}
	key := client.ObjectKeyFromObject(policy)
	if err := asTeam.Create(ctx, policy); err != nil {
		t.Fatalf("%s, bound to %s, may not create a GatewayAccessPolicy: %v", teamDev, editorRole, err)
	}
	t.Cleanup(func() {
		if err := env.Client.Delete(ctx, policy); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("deleting %s: %v", key, err)
		}
	})
	storedStatus := func(after string) {
		t.Helper()
		stored := &unstructured.Unstructured{}
		stored.SetGroupVersionKind(policy.GroupVersionKind())
		if err := env.Client.Get(ctx, key, stored); err != nil {
			t.Fatal(err)
		}
		if status, ok := stored.Object["status"]; ok {
			t.Errorf("after %s, the stored policy has the status %v the team sent", after, status)
		}
	}
	storedStatus("a create with a status")

	policy.Object["status"] = forged
	if err := asTeam.Update(ctx, policy); err != nil {
		t.Fatalf("%s may not update its GatewayAccessPolicy: %v", teamDev, err)
	}
	storedStatus("an update with a status")

	policy.Object["status"] = forged
	if err := asTeam.Status().Update(ctx, policy); !apierrors.IsForbidden(err) {
		t.Errorf("%s wrote the status subresource: got %v, want Forbidden", teamDev, err)
	}
	storedStatus("a write to the status subresource")
}

// setUpUserRoles installs the three rendered ClusterRoles for real, creates
// the namespaces, and makes sure the API server authorizes with RBAC: a user
// bound to nothing must be denied, or every denial below would prove nothing.
func setUpUserRoles(t *testing.T) {
	t.Helper()
	var roles []byte
	for _, r := range userRoles {
		o := rendered.find("ClusterRole", r.name)
		if o == nil {
			t.Fatalf("config/default renders no ClusterRole %s", r.name)
		}
		roles = append(roles, toYAML(t, o)...)
	}
	if _, _, err := kubectl(roles, "apply", "--server-side", "--field-manager="+fieldManager, "-f", "-"); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{teamA, teamB, platformNS} {
		if err := env.Client.Create(context.Background(), testenv.Namespace(ns, nil)); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("creating namespace %s: %v", ns, err)
		}
	}
	for _, attrs := range slices.Concat(requests(policies, []string{teamA}, "get", "create"), requests(endpoints, []string{""}, "list")) {
		if ok, reason := mayUser(t, unbound, attrs); ok {
			t.Fatalf("a user bound to nothing may %s (%s): the API server does not authorize with RBAC, so no check here can fail", describe(attrs), reason)
		}
	}
}

// bind gives user the ClusterRole role in namespace, with a RoleBinding.
func bind(t *testing.T, namespace, user, role string) {
	t.Helper()
	b := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	if err := env.Client.Create(context.Background(), b); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("binding %s to %s in %s: %v", user, role, namespace, err)
	}
}

// checkAccess asks whether user may do each of allowed and denied. Each
// allowed answer must name role, so that the grant comes from the binding
// under test. The authorizer learns of a new binding from a watch, so the
// first allowed request is retried for a while; the denials are asked only
// once an allowance has shown that the binding is in effect.
func checkAccess(t *testing.T, user, role string, allowed, denied []authorizationv1.ResourceAttributes) {
	t.Helper()
	if len(allowed) == 0 {
		t.Fatal("no allowed requests: the denials could pass before the binding takes effect")
	}
	waitForBinding(t, user, allowed[0])
	for _, attrs := range allowed {
		ok, reason := mayUser(t, user, attrs)
		switch {
		case !ok:
			t.Errorf("%s (bound to %s) may not %s: %s", user, role, describe(attrs), reason)
		case !strings.Contains(reason, `"`+role+`"`):
			t.Errorf("%s may %s, but not through %s: %s", user, describe(attrs), role, reason)
		}
	}
	for _, attrs := range denied {
		if ok, reason := mayUser(t, user, attrs); ok {
			t.Errorf("%s (bound to %s) may %s: %s", user, role, describe(attrs), reason)
		}
	}
}

// waitForBinding waits, for up to 30 seconds, until user may do attrs: the
// authorizer learns of a new binding from a watch. The caller checks the
// answer itself.
func waitForBinding(t *testing.T, user string, attrs authorizationv1.ResourceAttributes) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if ok, _ := mayUser(t, user, attrs); ok || time.Now().After(deadline) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mayUser asks the API server, with a SubjectAccessReview, whether an
// authenticated user may do something.
func mayUser(t *testing.T, user string, attrs authorizationv1.ResourceAttributes) (bool, string) {
	t.Helper()
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               user,
		Groups:             []string{"system:authenticated"},
		ResourceAttributes: &attrs,
	}}
	if err := env.Client.Create(context.Background(), review); err != nil {
		t.Fatalf("asking whether %s may %s: %v", user, describe(attrs), err)
	}
	return review.Status.Allowed, review.Status.Reason + review.Status.EvaluationError
}

// requests lists one request per namespace and verb on a resource of
// vpce.agentcore.io, which may name a subresource ("gatewayendpoints/status").
// The namespace "" asks about every namespace at once.
func requests(resource string, namespaces []string, verbs ...string) []authorizationv1.ResourceAttributes {
	return resourceRequests(vpceGroup, resource, namespaces, verbs)
}

// coreRequests is requests for a resource of the core group.
func coreRequests(resource string, namespaces []string, verbs ...string) []authorizationv1.ResourceAttributes {
	return resourceRequests("", resource, namespaces, verbs)
}

func resourceRequests(group, resource string, namespaces, verbs []string) []authorizationv1.ResourceAttributes {
	resource, subresource, _ := strings.Cut(resource, "/")
	var out []authorizationv1.ResourceAttributes
	for _, ns := range namespaces {
		for _, v := range verbs {
			out = append(out, authorizationv1.ResourceAttributes{
				Namespace: ns, Group: group, Resource: resource, Subresource: subresource, Verb: v,
			})
		}
	}
	return out
}
