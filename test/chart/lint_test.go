/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package chart_test

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// testedKubeVersion is the Kubernetes the tests run against (envtest).
var testedKubeVersion = &chartutil.KubeVersion{Version: "v" + testenv.K8sVersion, Major: "1", Minor: "37"}

// TestHelmLintFindsNothing is `helm lint --strict --set clusterName=...`:
// Chart.yaml, values.yaml against values.schema.json, every template with
// those values (deprecated APIs for the tested Kubernetes included).
func TestHelmLintFindsNothing(t *testing.T) {
	if !strings.HasPrefix(testedKubeVersion.Version, "v1.37.") {
		t.Fatalf("testedKubeVersion says 1.37, testenv.K8sVersion is %s: keep them in step", testenv.K8sVersion)
	}
	linter := lint.AllWithKubeVersion(chartDir, map[string]any{"clusterName": placeholderCluster}, namespace, testedKubeVersion)
	for _, m := range linter.Messages {
		if m.Severity > support.InfoSev {
			t.Errorf("helm lint: %s", m)
		}
	}
	if len(linter.Messages) > 0 && t.Failed() {
		t.Logf("helm lint said, in all: %v", linter.Messages)
	}
}

// TestHelmLintFailsWithoutClusterName shows the lint above can fail: the
// chart's only required value missing is an error, and says which.
func TestHelmLintFailsWithoutClusterName(t *testing.T) {
	linter := lint.AllWithKubeVersion(chartDir, nil, namespace, testedKubeVersion)
	if linter.HighestSeverity < support.ErrorSev {
		t.Fatalf("helm lint without clusterName found no error: %v", linter.Messages)
	}
	found := false
	for _, m := range linter.Messages {
		found = found || (m.Severity == support.ErrorSev && strings.Contains(m.Err.Error(), "clusterName"))
	}
	if !found {
		t.Errorf("helm lint without clusterName failed, but no error names clusterName: %v", linter.Messages)
	}
}

// TestRenderingWithoutClusterNameFailsAndSaysWhatToSet checks both
// guards: values.schema.json, which helm install and template apply first,
// and the template's own `required`, for tools that skip the schema
// (helm --skip-schema-validation, or a chart whose schema was dropped).
func TestRenderingWithoutClusterNameFailsAndSaysWhatToSet(t *testing.T) {
	ch := loadChart(t)
	for name, values := range map[string]map[string]any{
		"unset": {"region": placeholderRegion},
		"empty": {"region": placeholderRegion, "clusterName": ""},
	} {
		t.Run("schema/"+name, func(t *testing.T) {
			_, _, err := render(ch, values)
			if err == nil {
				t.Fatal("the chart rendered without a cluster name")
			}
			if !strings.Contains(err.Error(), "clusterName") {
				t.Errorf("the error does not name clusterName: %v", err)
			}
		})
	}

	withoutSchema := loadChart(t)
	withoutSchema.Schema = nil
	_, _, err := render(withoutSchema, map[string]any{"region": placeholderRegion})
	if err == nil {
		t.Fatal("without the schema, the chart rendered without a cluster name")
	}
	for _, want := range []string{"clusterName is required", "EKS cluster's name", "--set clusterName=<CLUSTER_NAME>"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the template's error lacks %q: %v", want, err)
		}
	}
}

// TestChartRequiresTheKubernetesItsCRDsNeed ties Chart.yaml's kubeVersion,
// which helm install checks against the cluster, to the lowest Kubernetes
// whose API server accepts the CRDs' validation rules (see
// test/manifests/celversion_test.go), EKS's version strings included.
func TestChartRequiresTheKubernetesItsCRDsNeed(t *testing.T) {
	ch := loadChart(t)
	constraint := ch.Metadata.KubeVersion
	for version, want := range map[string]bool{
		"v1.31.0":                true,
		"v1.31.13-eks-3025e55":   true,
		"v" + testenv.K8sVersion: true,
		"v1.30.14":               false,
		"v1.30.14-eks-931bdca":   false,
	} {
		if got := chartutil.IsCompatibleRange(constraint, version); got != want {
			t.Errorf("kubeVersion %q admits %s: %v, want %v", constraint, version, got, want)
		}
	}
}
