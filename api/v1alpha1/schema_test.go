package v1alpha1_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// crdFiles are the generated CRDs, by kind.
var crdFiles = map[string]string{
	"GatewayEndpoint":     "vpce.agentcore.io_gatewayendpoints.yaml",
	"GatewayAccessPolicy": "vpce.agentcore.io_gatewayaccesspolicies.yaml",
}

func loadCRD(t *testing.T, kind string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	path := filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", crdFiles[kind])
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the %s CRD: %v", kind, err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Schema == nil || crd.Spec.Versions[0].Schema.OpenAPIV3Schema == nil {
		t.Fatalf("%s: want exactly one version with an openAPIV3Schema", path)
	}
	return crd
}

// undocumentedProperties returns the path of every property at or below
// schema that has no description: kubectl explain would show nothing for it.
// It descends through properties, array items and map values; items and map
// values are not properties themselves, so only what they contain is checked.
func undocumentedProperties(path string, schema apiextensionsv1.JSONSchemaProps, isProperty bool) []string {
	var missing []string
	if isProperty && schema.Description == "" {
		missing = append(missing, path)
	}
	for _, name := range slices.Sorted(maps.Keys(schema.Properties)) {
		missing = append(missing, undocumentedProperties(path+"."+name, schema.Properties[name], true)...)
	}
	if schema.Items != nil && schema.Items.Schema != nil {
		missing = append(missing, undocumentedProperties(path+"[]", *schema.Items.Schema, false)...)
	}
	if schema.AdditionalProperties != nil && schema.AdditionalProperties.Schema != nil {
		missing = append(missing, undocumentedProperties(path+"{}", *schema.AdditionalProperties.Schema, false)...)
	}
	return missing
}

func TestSchemaDocumentsEveryField(t *testing.T) {
	for _, kind := range []string{"GatewayEndpoint", "GatewayAccessPolicy"} {
		t.Run("every spec and status field of "+kind+" has a description", func(t *testing.T) {
			root := loadCRD(t, kind).Spec.Versions[0].Schema.OpenAPIV3Schema
			for _, top := range []string{"spec", "status"} {
				schema, ok := root.Properties[top]
				if !ok {
					t.Fatalf("the schema has no %s", top)
				}
				for _, path := range undocumentedProperties(top, schema, true) {
					t.Errorf("%s has no description: document its Go field", path)
				}
			}
		})
	}

	t.Run("the walk finds a property without a description under items and map values", func(t *testing.T) {
		documented := apiextensionsv1.JSONSchemaProps{Description: "documented", Type: "string"}
		schema := apiextensionsv1.JSONSchemaProps{
			Description: "spec",
			Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"list": {Description: "a list", Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{
					Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"bare": {Type: "string"},
						"fine": documented,
					}},
				}},
				"map": {Description: "a map", Type: "object", AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{
					Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"bare": {Type: "string"},
					}},
				}},
				"plain": {Type: "string"},
			},
		}
		got := undocumentedProperties("spec", schema, true)
		want := []string{"spec.list[].bare", "spec.map{}.bare", "spec.plain"}
		if !slices.Equal(got, want) {
			t.Errorf("undocumented = %v, want %v", got, want)
		}
	})
}
