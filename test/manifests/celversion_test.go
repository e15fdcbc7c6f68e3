/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package manifests_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	celschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	"k8s.io/apimachinery/pkg/util/version"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	apiservercel "k8s.io/apiserver/pkg/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	basecompatibility "k8s.io/component-base/compatibility"
	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// minimumKubernetes is the oldest Kubernetes whose API server accepts the
// CRDs' validation rules: they use the CIDR library (isCIDR, cidr().masked()
// in spec.securityGroup.managed.allowedSources.cidrs), which the CEL
// environment has from 1.30, and an API server compiles new rules against
// the environment of its minimum compatibility version, one minor behind its
// own. docs/install.md and the chart's kubeVersion say the same.
const minimumKubernetes = "1.31.0"

// TestEveryCRDRuleCompilesOnTheOldestKubernetesClaimed compiles every
// x-kubernetes-validations rule of both CRDs the way an API server of
// minimumKubernetes does for a new CRD (its environment, cost limits
// included), and shows that the release before cannot: the claimed minimum
// is the real one, not a guess on the safe side.
func TestEveryCRDRuleCompilesOnTheOldestKubernetesClaimed(t *testing.T) {
	crds := readBaseCRDs(t)
	oldest := apiServerCELVersion(t, minimumKubernetes)
	previous := apiServerCELVersion(t, fmt.Sprintf("1.%d.0", oldest.Minor()))

	total, failures := compileRules(t, crds, environment.MustBaseEnvSet(oldest))
	if total < 20 {
		t.Fatalf("compiled only %d rules; the walk of the schemas misses some", total)
	}
	for _, f := range failures {
		t.Errorf("Kubernetes %s (CEL environment %s) refuses %s", minimumKubernetes, oldest, f)
	}

	_, before := compileRules(t, crds, environment.MustBaseEnvSet(previous))
	if len(before) == 0 {
		t.Errorf("every rule also compiles on the Kubernetes before %s (CEL environment %s): lower minimumKubernetes and the docs", minimumKubernetes, previous)
	}
	if len(before) > 0 {
		t.Logf("the CEL environment %s refuses %d rules, e.g. %s", previous, len(before), strings.SplitN(before[0], "\n", 2)[0])
	}
	for _, f := range before {
		if !strings.Contains(f, "cidr") && !strings.Contains(f, "CIDR") {
			t.Errorf("on the Kubernetes before %s a rule fails for another reason than the CIDR library: %s", minimumKubernetes, f)
		}
	}
}

// TestTheInstallGuideStatesTheKubernetesVersions: the oldest version the
// CRDs need and the one the tests run against.
func TestTheInstallGuideStatesTheKubernetesVersions(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "docs", "install.md"))
	if err != nil {
		t.Fatal(err)
	}
	minor := strings.Join(strings.Split(minimumKubernetes, ".")[:2], ".")
	for _, want := range []string{"Kubernetes " + minor, testenv.K8sVersion} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("docs/install.md does not state %q", want)
		}
	}
}

// apiServerCELVersion is the CEL environment version an API server of the
// given Kubernetes version compiles new rules with: its minimum
// compatibility version, as component-base computes it.
func apiServerCELVersion(t *testing.T, kubernetes string) *version.Version {
	t.Helper()
	v := basecompatibility.NewEffectiveVersionFromString(kubernetes, "", "").MinCompatibilityVersion()
	if v == nil {
		t.Fatalf("no compatibility version for Kubernetes %s", kubernetes)
	}
	return v
}

func readBaseCRDs(t *testing.T) []*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "*.yaml"))
	if err != nil || len(paths) != 2 {
		t.Fatalf("want the two CRDs in config/crd/bases, found %v (%v)", paths, err)
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(raw, crd); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, crd)
	}
	return out
}

// compileRules compiles every rule and messageExpression of the CRDs'
// schemas in envSet, walking the schema as the API server's validator
// does, and returns how many rules there were and what failed. It fails the
// test if the walk skipped a rule the schema holds.
func compileRules(t *testing.T, crds []*apiextensionsv1.CustomResourceDefinition, envSet *environment.EnvSet) (int, []string) {
	t.Helper()
	total := 0
	var failures []string
	for _, crd := range crds {
		for _, v := range crd.Spec.Versions {
			internal := &apiextensions.JSONSchemaProps{}
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, internal, nil); err != nil {
				t.Fatal(err)
			}
			s, err := schema.NewStructural(internal)
			if err != nil {
				t.Fatalf("%s %s: not a structural schema: %v", crd.Name, v.Name, err)
			}
			w := ruleWalk{envSet: envSet, where: crd.Name + "/" + v.Name}
			w.walk(s, model.SchemaDeclType(s, true), "")
			if want := countRules(v.Schema.OpenAPIV3Schema); w.compiled != want {
				t.Fatalf("%s %s holds %d rules, the walk compiled %d", crd.Name, v.Name, want, w.compiled)
			}
			total += w.compiled
			failures = append(failures, w.failures...)
		}
	}
	return total, failures
}

type ruleWalk struct {
	envSet   *environment.EnvSet
	where    string
	compiled int
	failures []string
}

func (w *ruleWalk) walk(s *schema.Structural, declType *apiservercel.DeclType, path string) {
	if len(s.XValidations) > 0 {
		results, err := celschema.Compile(s, declType, celconfig.PerCallLimit, w.envSet, celschema.NewExpressionsEnvLoader())
		if err != nil {
			w.failures = append(w.failures, fmt.Sprintf("%s %s: %v", w.where, path, err))
		}
		for i, r := range results {
			w.compiled++
			if r.Error != nil {
				w.failures = append(w.failures, fmt.Sprintf("%s %s: rule %q: %v", w.where, path, s.XValidations[i].Rule, r.Error))
			}
			if r.MessageExpressionError != nil {
				w.failures = append(w.failures, fmt.Sprintf("%s %s: messageExpression of %q: %v", w.where, path, s.XValidations[i].Rule, r.MessageExpressionError))
			}
		}
	}
	var elem *apiservercel.DeclType
	if declType != nil {
		elem = declType.ElemType
	}
	if s.Items != nil {
		w.walk(s.Items, elem, path+"[*]")
	}
	for name, prop := range s.Properties {
		fieldType := model.SchemaDeclType(&prop, prop.XEmbeddedResource)
		if escaped, ok := apiservercel.Escape(name); ok && declType != nil {
			if f, ok := declType.Fields[escaped]; ok {
				fieldType = f.Type
			}
		}
		w.walk(&prop, fieldType, path+"."+name)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
		w.walk(s.AdditionalProperties.Structural, elem, path+"[*]")
	}
}

// countRules counts the x-kubernetes-validations rules of a schema.
func countRules(s *apiextensionsv1.JSONSchemaProps) int {
	if s == nil {
		return 0
	}
	n := len(s.XValidations)
	for _, p := range s.Properties {
		n += countRules(&p)
	}
	if s.Items != nil {
		n += countRules(s.Items.Schema)
	}
	if s.AdditionalProperties != nil {
		n += countRules(s.AdditionalProperties.Schema)
	}
	return n
}
