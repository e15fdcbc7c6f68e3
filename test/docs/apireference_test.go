/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package docs_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// apiReference is the page every CRD field must appear in.
const apiReference = "docs/api.md"

// TestEveryCRDFieldIsInTheAPIReference walks the generated CRDs, not the Go
// types: the schema is what users' manifests are checked against and what
// kubectl explain prints, so it is the API the reference must cover.
//
// Each field must appear as an inline code span holding its full dotted path
// (spec.securityGroup.managed.allowedSources.cidrs) in the section of
// docs/api.md headed "## <Kind>". The section matters: both kinds have a
// status.endpointID, and documenting one must not pass for the other.
func TestEveryCRDFieldIsInTheAPIReference(t *testing.T) {
	crds := readCRDs(t)
	lines := proseLines(readRepoFile(t, apiReference))
	for _, crd := range crds {
		kind := crd.Spec.Names.Kind
		body, ok := section(lines, kind)
		if !ok {
			t.Errorf("%s has no section headed %q for the %s CRD", apiReference, "## "+kind, crd.Name)
			continue
		}
		documented := codeSpans(body)
		var missing []string
		for _, version := range crd.Spec.Versions {
			if version.Schema == nil || version.Schema.OpenAPIV3Schema == nil {
				t.Errorf("%s version %s has no openAPIV3Schema", crd.Name, version.Name)
				continue
			}
			root := version.Schema.OpenAPIV3Schema
			if _, ok := root.Properties["spec"]; !ok {
				t.Errorf("%s version %s has no spec in its schema", crd.Name, version.Name)
			}
			for _, top := range []string{"spec", "status"} {
				schema, ok := root.Properties[top]
				if !ok {
					continue
				}
				for _, path := range fieldPaths(top, schema) {
					if !documented[path] && !slices.Contains(missing, path) {
						missing = append(missing, path)
					}
				}
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			t.Errorf("%s, section %q, does not document %d fields of %s; write each full path in backticks:\n  %s",
				apiReference, "## "+kind, len(missing), crd.Name, strings.Join(missing, "\n  "))
		}
	}
}

// TestEveryConditionTypeAndReasonIsInTheAPIReference reads the string
// constants of api/v1alpha1/conditions.go, where every condition type and
// reason the operator may write is declared, and wants each value in
// backticks somewhere in docs/api.md: automation keys on reasons, so a reason
// nobody documented is an API nobody can use.
func TestEveryConditionTypeAndReasonIsInTheAPIReference(t *testing.T) {
	const source = "api/v1alpha1/conditions.go"
	values := stringConstants(t, source)
	if len(values) == 0 {
		t.Fatalf("found no string constants in %s; has the file moved?", source)
	}
	documented := codeSpans(proseLines(readRepoFile(t, apiReference)))
	var missing []string
	for name, value := range values {
		if !documented[value] {
			missing = append(missing, value+" ("+name+")")
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("%s does not document these condition types and reasons of %s; write each value in backticks:\n  %s",
			apiReference, source, strings.Join(missing, "\n  "))
	}
}

func readCRDs(t *testing.T) []apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no CRDs in config/crd/bases; run make generate")
	}
	var crds []apiextensionsv1.CustomResourceDefinition
	for _, file := range files {
		rel, _ := filepath.Rel(repoRoot, file)
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict([]byte(readRepoFile(t, filepath.ToSlash(rel))), &crd); err != nil {
			t.Fatalf("parsing %s: %v", rel, err)
		}
		if crd.Kind != "CustomResourceDefinition" {
			t.Fatalf("%s is a %q, not a CustomResourceDefinition", rel, crd.Kind)
		}
		crds = append(crds, crd)
	}
	return crds
}

// fieldPaths lists the dotted paths of every field below schema, which sits
// at prefix. Items of a list of objects are entered without an index:
// status.dnsEntries.dnsName is the dnsName of every entry.
//
// The walk lists a field but does not enter it when its contents are a
// standard Kubernetes type documented upstream (metav1.Condition items,
// metav1.LabelSelector), or a free-form map such as spec.tags, whose keys
// are the user's and not fields at all.
func fieldPaths(prefix string, schema apiextensionsv1.JSONSchemaProps) []string {
	names := make([]string, 0, len(schema.Properties))
	for name := range schema.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	var paths []string
	for _, name := range names {
		path := prefix + "." + name
		child := schema.Properties[name]
		paths = append(paths, path)
		if child.Type == "array" && child.Items != nil && child.Items.Schema != nil {
			child = *child.Items.Schema
		}
		if isCondition(child) || isLabelSelector(child) {
			continue
		}
		paths = append(paths, fieldPaths(path, child)...)
	}
	return paths
}

// isCondition recognises the schema controller-gen writes for
// metav1.Condition.
func isCondition(s apiextensionsv1.JSONSchemaProps) bool {
	return hasExactly(s, "lastTransitionTime", "message", "observedGeneration", "reason", "status", "type")
}

// isLabelSelector recognises the schema of metav1.LabelSelector.
func isLabelSelector(s apiextensionsv1.JSONSchemaProps) bool {
	return hasExactly(s, "matchExpressions", "matchLabels")
}

func hasExactly(s apiextensionsv1.JSONSchemaProps, names ...string) bool {
	if len(s.Properties) != len(names) {
		return false
	}
	for _, n := range names {
		if _, ok := s.Properties[n]; !ok {
			return false
		}
	}
	return true
}

// stringConstants returns the string constants a Go file declares, by name.
func stringConstants(t *testing.T, rel string) map[string]string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), rel, readRepoFile(t, rel), 0)
	if err != nil {
		t.Fatalf("parsing %s: %v", rel, err)
	}
	out := map[string]string{}
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				value, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatalf("%s: constant %s: %v", rel, name.Name, err)
				}
				out[name.Name] = value
			}
		}
	}
	return out
}
