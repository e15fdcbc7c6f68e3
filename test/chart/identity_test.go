/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package chart_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

const roleARN = "arn:aws:iam::123456789012:role/agentcore-vpce-operator"

// TestIRSAPutsTheRoleOnTheServiceAccountTheOperatorRunsAs: the annotation
// lands on the ServiceAccount the Deployment names and the bindings bind,
// and the notes tell what the role must trust.
func TestIRSAPutsTheRoleOnTheServiceAccountTheOperatorRunsAs(t *testing.T) {
	out, notes, err := render(loadChart(t), with(baseValues(), map[string]any{
		"serviceAccount.annotations": map[string]any{"eks.amazonaws.com/role-arn": roleARN},
	}))
	if err != nil {
		t.Fatal(err)
	}
	const sa = namePrefix + "controller-manager"
	account := mustFind[corev1.ServiceAccount](t, out, "the chart", "ServiceAccount", sa)
	if account.Annotations["eks.amazonaws.com/role-arn"] != roleARN {
		t.Errorf("ServiceAccount annotations %v, want the role ARN", account.Annotations)
	}
	d := mustFind[appsv1.Deployment](t, out, "the chart", "Deployment", deployment)
	if d.Spec.Template.Spec.ServiceAccountName != sa {
		t.Errorf("the Deployment runs as %q, the chart's ServiceAccount is %s", d.Spec.Template.Spec.ServiceAccountName, sa)
	}
	binding := mustFind[rbacv1.ClusterRoleBinding](t, out, "the chart", "ClusterRoleBinding", namePrefix+"manager-rolebinding")
	if len(binding.Subjects) != 1 || binding.Subjects[0].Name != sa || binding.Subjects[0].Namespace != namespace {
		t.Errorf("the operator's binding binds %v, want %s/%s", binding.Subjects, namespace, sa)
	}
	for _, want := range []string{"IRSA", roleARN, "system:serviceaccount:" + namespace + ":" + sa} {
		if !strings.Contains(notes, want) {
			t.Errorf("NOTES.txt lacks %q:\n%s", want, notes)
		}
	}
}

// TestPodIdentityNeedsNoAnnotationAndTheNotesSaySo: by default the
// ServiceAccount has no role-arn (a leftover one makes the SDK try IRSA
// first), and the notes give the association command with placeholders.
func TestPodIdentityNeedsNoAnnotationAndTheNotesSaySo(t *testing.T) {
	out, notes, err := render(loadChart(t), baseValues())
	if err != nil {
		t.Fatal(err)
	}
	account := mustFind[corev1.ServiceAccount](t, out, "the chart", "ServiceAccount", namePrefix+"controller-manager")
	if _, ok := account.Annotations["eks.amazonaws.com/role-arn"]; ok {
		t.Errorf("the default ServiceAccount carries a role-arn annotation: %v", account.Annotations)
	}
	for _, want := range []string{"EKS Pod Identity", "aws eks create-pod-identity-association --cluster-name " + placeholderCluster,
		"--service-account " + namePrefix + "controller-manager", "<ACCOUNT_ID>"} {
		if !strings.Contains(notes, want) {
			t.Errorf("NOTES.txt lacks %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "region is not set") {
		t.Errorf("NOTES.txt warns about the region although it is set:\n%s", notes)
	}
	_, notes, err = render(loadChart(t), map[string]any{"clusterName": placeholderCluster})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notes, "region is not set") {
		t.Errorf("NOTES.txt does not warn that the region is unset:\n%s", notes)
	}
}

// TestAnExistingServiceAccountCanBeUsed: with serviceAccount.create=false
// the chart makes none and runs as, and binds, the one named.
func TestAnExistingServiceAccountCanBeUsed(t *testing.T) {
	out := mustRender(t, loadChart(t), with(baseValues(), map[string]any{"serviceAccount.create": false, "serviceAccount.name": "vpce-operator"}))
	if sas := out.ofKind("ServiceAccount"); len(sas) > 0 {
		t.Errorf("serviceAccount.create=false still renders %v", sas.ids())
	}
	d := mustFind[appsv1.Deployment](t, out, "the chart", "Deployment", deployment)
	if d.Spec.Template.Spec.ServiceAccountName != "vpce-operator" {
		t.Errorf("the Deployment runs as %q, want vpce-operator", d.Spec.Template.Spec.ServiceAccountName)
	}
	for _, b := range out.ofKind("RoleBinding", "ClusterRoleBinding") {
		binding := convert[rbacv1.ClusterRoleBinding](t, b)
		if len(binding.Subjects) != 1 || binding.Subjects[0].Name != "vpce-operator" {
			t.Errorf("%s %s binds %v, want vpce-operator", b.GetKind(), b.GetName(), binding.Subjects)
		}
	}
}
