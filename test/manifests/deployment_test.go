/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package manifests_test

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

func TestEveryObjectLandsInTheOperatorNamespaceWithThePrefix(t *testing.T) {
	if len(rendered.objects) == 0 {
		t.Fatal("config/default renders nothing")
	}
	ns := mustFind[corev1.Namespace](t, "Namespace", namespace)
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %s enforces Pod Security %q, want restricted", namespace, ns.Labels["pod-security.kubernetes.io/enforce"])
	}
	for _, o := range rendered.objects {
		switch o.GetKind() {
		case "CustomResourceDefinition":
			// CRD names are fixed by their group; kustomize leaves them be.
			if !strings.HasSuffix(o.GetName(), ".vpce.agentcore.io") {
				t.Errorf("CRD %s is not of the group vpce.agentcore.io", o.GetName())
			}
			continue
		case "Namespace", "ClusterRole", "ClusterRoleBinding":
			if o.GetNamespace() != "" {
				t.Errorf("cluster-scoped %s %s has namespace %q", o.GetKind(), o.GetName(), o.GetNamespace())
			}
		default:
			if o.GetNamespace() != namespace {
				t.Errorf("%s %s is in namespace %q, want %s", o.GetKind(), o.GetName(), o.GetNamespace(), namespace)
			}
		}
		if !strings.HasPrefix(o.GetName(), namePrefix) {
			t.Errorf("%s %s lacks the name prefix %s", o.GetKind(), o.GetName(), namePrefix)
		}
	}
}

func TestManagerRunsTwoLeaderElectedReplicas(t *testing.T) {
	d := mustFind[appsv1.Deployment](t, "Deployment", deployment)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas = %v, want 2", d.Spec.Replicas)
	}
	c := managerContainer(t, d)
	if !slices.Contains(c.Args, "--leader-elect") && !slices.Contains(c.Args, "--leader-elect=true") {
		t.Errorf("manager args %v lack --leader-elect: two replicas would both reconcile", c.Args)
	}
	if c.Image != "ghcr.io/agentcore-io/vpce-operator:dev" {
		t.Errorf("image = %q, want ghcr.io/agentcore-io/vpce-operator:dev (set by config/manager's images:)", c.Image)
	}
	if d.Spec.Template.Spec.ServiceAccountName != serviceAccount {
		t.Errorf("serviceAccountName = %q, want %s, the account the RBAC binds", d.Spec.Template.Spec.ServiceAccountName, serviceAccount)
	}
	if rendered.find("ServiceAccount", serviceAccount) == nil {
		t.Errorf("config/default renders no ServiceAccount %s for the Deployment", serviceAccount)
	}
}

// TestManagerArgsAreFlagsTheManagerDefines reads cmd/manager/main.go, so a
// renamed flag fails here instead of in a crash-looping pod.
func TestManagerArgsAreFlagsTheManagerDefines(t *testing.T) {
	names, err := testenv.ManagerFlags()
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	for _, name := range names {
		defined[name] = true
	}
	c := managerContainer(t, mustFind[appsv1.Deployment](t, "Deployment", deployment))
	args := map[string]string{}
	for _, arg := range c.Args {
		name, value, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") || !defined[name] {
			t.Errorf("manager arg %q is not a flag cmd/manager defines", arg)
		}
		args[name] = value
	}
	for _, want := range []string{"leader-elect", "metrics-bind-address", "health-probe-bind-address", "region", "cluster-name"} {
		if _, ok := args[want]; !ok {
			t.Errorf("manager args lack --%s", want)
		}
	}
	// Kubernetes leaves $(VAR) as it is when VAR is not in the container's
	// env: the flag would get the literal text.
	env := map[string]bool{}
	for _, e := range c.Env {
		env[e.Name] = true
	}
	for _, arg := range c.Args {
		for _, m := range regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`).FindAllStringSubmatch(arg, -1) {
			if !env[m[1]] {
				t.Errorf("manager arg %q refers to $(%s), which the container's env does not define", arg, m[1])
			}
		}
	}
	if port := portOf(args["metrics-bind-address"]); !hasContainerPort(c, port) {
		t.Errorf("--metrics-bind-address=%s, but the container declares no port %d", args["metrics-bind-address"], port)
	}
	if port := portOf(args["health-probe-bind-address"]); !hasContainerPort(c, port) {
		t.Errorf("--health-probe-bind-address=%s, but the container declares no port %d", args["health-probe-bind-address"], port)
	}
}

func TestManagerMeetsTheRestrictedPodSecurityStandard(t *testing.T) {
	d := mustFind[appsv1.Deployment](t, "Deployment", deployment)
	pod := d.Spec.Template.Spec
	c := managerContainer(t, d)
	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil || sc == nil {
		t.Fatalf("pod securityContext %v, container securityContext %v: both are needed", psc, sc)
	}
	nonRoot := func(p *bool) bool { return p != nil && *p }
	if !nonRoot(psc.RunAsNonRoot) && !nonRoot(sc.RunAsNonRoot) {
		t.Error("runAsNonRoot is not set")
	}
	for _, uid := range []*int64{psc.RunAsUser, sc.RunAsUser} {
		if uid != nil && *uid != 65532 {
			t.Errorf("runAsUser = %d, want 65532, distroless' nonroot user", *uid)
		}
	}
	if psc.RunAsUser == nil && sc.RunAsUser == nil {
		t.Error("runAsUser is not set; want 65532")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem is not true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Error("the container is privileged")
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		t.Errorf("capabilities = %+v, want drop [ALL] and nothing added", sc.Capabilities)
	}
	seccomp := psc.SeccompProfile
	if sc.SeccompProfile != nil {
		seccomp = sc.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("seccompProfile = %+v, want RuntimeDefault", seccomp)
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Error("the pod shares a host namespace")
	}
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			t.Errorf("volume %s is a hostPath", v.Name)
		}
	}
}

func TestManagerHasProbesAndResources(t *testing.T) {
	c := managerContainer(t, mustFind[appsv1.Deployment](t, "Deployment", deployment))
	for _, p := range []struct {
		name, path string
		probe      *corev1.Probe
	}{{"liveness", "/healthz", c.LivenessProbe}, {"readiness", "/readyz", c.ReadinessProbe}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s probe path = %s, want %s", p.name, p.probe.HTTPGet.Path, p.path)
		}
		if port := resolvePort(c, p.probe.HTTPGet.Port); port != 8081 {
			t.Errorf("%s probe port %s is %d, want 8081 (--health-probe-bind-address)", p.name, p.probe.HTTPGet.Port.String(), port)
		}
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := c.Resources.Requests[r]
		lim, hasLim := c.Resources.Limits[r]
		if !hasReq || !hasLim {
			t.Errorf("%s: request set %t, limit set %t; want both", r, hasReq, hasLim)
			continue
		}
		if req.Cmp(lim) > 0 {
			t.Errorf("%s request %s exceeds its limit %s", r, req.String(), lim.String())
		}
	}
}

func TestReplicasSpreadAcrossNodesAndSurviveDrains(t *testing.T) {
	d := mustFind[appsv1.Deployment](t, "Deployment", deployment)
	pod := d.Spec.Template
	spread := false
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.TopologyKey == corev1.LabelHostname && selects(t, c.LabelSelector, pod.Labels) {
			spread = true
		}
	}
	if a := pod.Spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		for _, term := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			if term.PodAffinityTerm.TopologyKey == corev1.LabelHostname && selects(t, term.PodAffinityTerm.LabelSelector, pod.Labels) {
				spread = true
			}
		}
	}
	if !spread {
		t.Error("nothing spreads the replicas across nodes (topologySpreadConstraints or podAntiAffinity on kubernetes.io/hostname selecting the pods)")
	}

	pdbs := rendered.ofKind("PodDisruptionBudget")
	if len(pdbs) != 1 {
		t.Fatalf("config/default renders %d PodDisruptionBudgets, want 1", len(pdbs))
	}
	pdb := convert[policyv1.PodDisruptionBudget](t, pdbs[0])
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 {
		t.Errorf("PodDisruptionBudget minAvailable = %v, want 1", pdb.Spec.MinAvailable)
	}
	if !selects(t, pdb.Spec.Selector, pod.Labels) {
		t.Errorf("PodDisruptionBudget selector %v does not select the manager's pods %v", pdb.Spec.Selector, pod.Labels)
	}
	if !selects(t, d.Spec.Selector, pod.Labels) {
		t.Errorf("Deployment selector %v does not select its own pods %v", d.Spec.Selector, pod.Labels)
	}
}

func TestMetricsServiceServesTheManagersHTTPSPort(t *testing.T) {
	d := mustFind[appsv1.Deployment](t, "Deployment", deployment)
	svc := mustFind[corev1.Service](t, "Service", namePrefix+"controller-manager-metrics-service")
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) || len(svc.Spec.Selector) == 0 {
		t.Errorf("metrics Service selector %v does not select the manager's pods %v", svc.Spec.Selector, d.Spec.Template.Labels)
	}
	if len(svc.Spec.Ports) != 1 {
		t.Fatalf("metrics Service has %d ports, want 1", len(svc.Spec.Ports))
	}
	p := svc.Spec.Ports[0]
	if p.Name != "https" || p.Port != 8443 {
		t.Errorf("metrics Service port = %s/%d, want https/8443", p.Name, p.Port)
	}
	if got := resolvePort(managerContainer(t, d), p.TargetPort); got != 8443 {
		t.Errorf("metrics Service targetPort %s is container port %d, want 8443 (--metrics-bind-address)", p.TargetPort.String(), got)
	}
}

func TestServiceAccountCarriesTheIRSAAnnotation(t *testing.T) {
	sa := mustFind[corev1.ServiceAccount](t, "ServiceAccount", serviceAccount)
	arn, ok := sa.Annotations["eks.amazonaws.com/role-arn"]
	if !ok {
		t.Fatal("the ServiceAccount lacks the eks.amazonaws.com/role-arn annotation that IRSA users fill in")
	}
	if !regexp.MustCompile(`^arn:aws[-a-z]*:iam::[0-9]{12}:role/.+$`).MatchString(arn) {
		t.Errorf("eks.amazonaws.com/role-arn = %q is not an IAM role ARN", arn)
	}
}

func managerContainer(t *testing.T, d *appsv1.Deployment) *corev1.Container {
	t.Helper()
	for i := range d.Spec.Template.Spec.Containers {
		if c := &d.Spec.Template.Spec.Containers[i]; c.Name == "manager" {
			return c
		}
	}
	t.Fatalf("Deployment %s has no container named manager", d.Name)
	return nil
}

func selects(t *testing.T, sel *metav1.LabelSelector, podLabels map[string]string) bool {
	t.Helper()
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("invalid selector %v: %v", sel, err)
		return false
	}
	return !s.Empty() && s.Matches(labels.Set(podLabels))
}

// resolvePort turns a named or numbered port into the container port number
// (0 when the name is unknown).
func resolvePort(c *corev1.Container, port intstr.IntOrString) int32 {
	if port.Type == intstr.Int {
		return port.IntVal
	}
	for _, p := range c.Ports {
		if p.Name == port.StrVal {
			return p.ContainerPort
		}
	}
	return 0
}

func hasContainerPort(c *corev1.Container, port int32) bool {
	return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.ContainerPort == port })
}

// portOf is the port of a bind address such as :8443 (0 when there is none).
func portOf(addr string) int32 {
	_, port, _ := strings.Cut(addr, ":")
	n, _ := strconv.Atoi(port)
	return int32(n)
}
