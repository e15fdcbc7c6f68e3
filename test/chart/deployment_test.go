/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package chart_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
)

// TestTheChartRunsTheManagerAsConfigDefaultDoes compares the Deployments:
// the manager's arguments, its environment, both security contexts, and
// then the whole spec (replicas, selector, probes, resources, spreading,
// image), with the chart's defaults and config/default's placeholders.
func TestTheChartRunsTheManagerAsConfigDefaultDoes(t *testing.T) {
	fromChart := mustRender(t, loadChart(t), baseValues())
	want := mustFind[appsv1.Deployment](t, kustomized, "config/default", "Deployment", deployment)
	got := mustFind[appsv1.Deployment](t, fromChart, "the chart", "Deployment", deployment)
	wc, gc := managerContainer(t, want), managerContainer(t, got)

	if diff := cmp.Diff(wc.Args, gc.Args); diff != "" {
		t.Errorf("manager args of config/default (-) and of the chart (+) differ:\n%s", diff)
	}
	if diff := cmp.Diff(wc.Env, gc.Env); diff != "" {
		t.Errorf("manager env of config/default (-) and of the chart (+) differ:\n%s", diff)
	}
	if diff := cmp.Diff(wc.SecurityContext, gc.SecurityContext); diff != "" {
		t.Errorf("container securityContext of config/default (-) and of the chart (+) differ:\n%s", diff)
	}
	if diff := cmp.Diff(want.Spec.Template.Spec.SecurityContext, got.Spec.Template.Spec.SecurityContext); diff != "" {
		t.Errorf("pod securityContext of config/default (-) and of the chart (+) differ:\n%s", diff)
	}
	if diff := cmp.Diff(want.Spec, got.Spec); diff != "" {
		t.Errorf("Deployment spec of config/default (-) and of the chart (+) differ:\n%s", diff)
	}
}

// TestTheChartsServiceAndBudgetAreConfigDefaults: the metrics Service and
// the PodDisruptionBudget select the same pods the same way.
func TestTheChartsServiceAndBudgetAreConfigDefaults(t *testing.T) {
	fromChart := mustRender(t, loadChart(t), baseValues())
	const service = namePrefix + "controller-manager-metrics-service"
	ws := mustFind[corev1.Service](t, kustomized, "config/default", "Service", service)
	gs := mustFind[corev1.Service](t, fromChart, "the chart", "Service", service)
	if diff := cmp.Diff(ws.Spec, gs.Spec); diff != "" {
		t.Errorf("metrics Service spec of config/default (-) and of the chart (+) differ:\n%s", diff)
	}
	wp := mustFind[policyv1.PodDisruptionBudget](t, kustomized, "config/default", "PodDisruptionBudget", deployment)
	gp := mustFind[policyv1.PodDisruptionBudget](t, fromChart, "the chart", "PodDisruptionBudget", deployment)
	if diff := cmp.Diff(wp.Spec, gp.Spec); diff != "" {
		t.Errorf("PodDisruptionBudget spec of config/default (-) and of the chart (+) differ:\n%s", diff)
	}
}

// TestOneReplicaNeedsNoLeaderElectionAndNoBudget: a budget of one available
// pod out of one would block every node drain, so the chart leaves it out.
func TestOneReplicaNeedsNoLeaderElectionAndNoBudget(t *testing.T) {
	out := mustRender(t, loadChart(t), with(baseValues(), map[string]any{"replicaCount": 1, "leaderElection.enabled": false}))
	d := mustFind[appsv1.Deployment](t, out, "the chart", "Deployment", deployment)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1", d.Spec.Replicas)
	}
	for _, a := range managerContainer(t, d).Args {
		if a == "--leader-elect" {
			t.Errorf("leaderElection.enabled=false still passes --leader-elect")
		}
	}
	if out.find("PodDisruptionBudget", deployment) != nil {
		t.Error("one replica with a PodDisruptionBudget of minAvailable 1 blocks every drain")
	}
	if out.find("Role", namePrefix+"leader-election-role") != nil {
		t.Error("without leader election the chart still grants the leases")
	}
}

// TestSeveralReplicasWithoutLeaderElectionAreRefused: every replica would
// reconcile, and they would fight over the same VPC endpoints.
func TestSeveralReplicasWithoutLeaderElectionAreRefused(t *testing.T) {
	_, _, err := render(loadChart(t), with(baseValues(), map[string]any{"leaderElection.enabled": false}))
	if err == nil {
		t.Fatal("two replicas without leader election rendered")
	}
	if !strings.Contains(err.Error(), "leaderElection.enabled") {
		t.Errorf("the error does not say what to set: %v", err)
	}
}

// TestSchedulingSettingsReachThePod: values a cluster needs to place the
// operator (priority, nodes, tolerations, affinity, pull secrets, pod
// labels) end up in the pod spec as given.
func TestSchedulingSettingsReachThePod(t *testing.T) {
	out := mustRender(t, loadChart(t), with(baseValues(), map[string]any{
		"priorityClassName": "system-cluster-critical",
		"nodeSelector":      map[string]any{"kubernetes.io/os": "linux"},
		"tolerations":       []any{map[string]any{"key": "CriticalAddonsOnly", "operator": "Exists"}},
		"affinity": map[string]any{"nodeAffinity": map[string]any{"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
			"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{map[string]any{"key": "eks.amazonaws.com/compute-type", "operator": "NotIn", "values": []any{"fargate"}}}}},
		}}},
		"imagePullSecrets": []any{map[string]any{"name": "registry"}},
		"podLabels":        map[string]any{"team": "platform"},
		"image.tag":        "v9.9.9",
		"image.pullPolicy": "Always",
	}))
	d := mustFind[appsv1.Deployment](t, out, "the chart", "Deployment", deployment)
	spec := d.Spec.Template.Spec
	if spec.PriorityClassName != "system-cluster-critical" {
		t.Errorf("priorityClassName = %q", spec.PriorityClassName)
	}
	if spec.NodeSelector["kubernetes.io/os"] != "linux" {
		t.Errorf("nodeSelector = %v", spec.NodeSelector)
	}
	if len(spec.Tolerations) != 1 || spec.Tolerations[0].Key != "CriticalAddonsOnly" {
		t.Errorf("tolerations = %v", spec.Tolerations)
	}
	if spec.Affinity == nil || spec.Affinity.NodeAffinity == nil {
		t.Errorf("affinity = %v", spec.Affinity)
	}
	if len(spec.ImagePullSecrets) != 1 || spec.ImagePullSecrets[0].Name != "registry" {
		t.Errorf("imagePullSecrets = %v", spec.ImagePullSecrets)
	}
	if d.Spec.Template.Labels["team"] != "platform" || d.Spec.Selector.MatchLabels["team"] != "" {
		t.Errorf("podLabels should label the pods and leave the selector alone: pod labels %v, selector %v", d.Spec.Template.Labels, d.Spec.Selector.MatchLabels)
	}
	c := managerContainer(t, d)
	if c.Image != "ghcr.io/agentcore-io/vpce-operator:v9.9.9" || c.ImagePullPolicy != corev1.PullAlways {
		t.Errorf("image %q pull policy %q, want ghcr.io/agentcore-io/vpce-operator:v9.9.9, Always", c.Image, c.ImagePullPolicy)
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
