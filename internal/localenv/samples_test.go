package localenv

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func loadRepoSamples(t *testing.T) *Samples {
	t.Helper()
	root, err := FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	samples, err := LoadSamples(filepath.Join(root, "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	return samples
}

func TestLoadSamplesReadsEveryObjectTheKustomizationLists(t *testing.T) {
	samples := loadRepoSamples(t)
	for kind, want := range map[string]int{kindNamespace: 3, KindGatewayEndpoint: 1, KindGatewayAccessPolicy: 2} {
		if got := len(samples.Of(kind)); got != want {
			t.Errorf("%d %s objects, want %d", got, kind, want)
		}
	}
}

func TestUseNetworkPutsTheSimulatorsIDsIntoTheGatewayEndpoint(t *testing.T) {
	samples := loadRepoSamples(t)
	network := Network{VPCID: "vpc-1", SubnetIDs: []string{"subnet-1", "subnet-2"}, AgentsGroupID: "sg-agents", Region: "us-east-1"}
	if err := samples.UseNetwork(network); err != nil {
		t.Fatal(err)
	}
	ge := samples.Of(KindGatewayEndpoint)[0]
	if got, _, _ := unstructured.NestedString(ge.Object, "spec", "vpcID"); got != network.VPCID {
		t.Errorf("spec.vpcID = %q, want %q", got, network.VPCID)
	}
	if got, _, _ := unstructured.NestedStringSlice(ge.Object, "spec", "subnetIDs"); !slices.Equal(got, network.SubnetIDs) {
		t.Errorf("spec.subnetIDs = %q, want %q", got, network.SubnetIDs)
	}
	groups, _, _ := unstructured.NestedStringSlice(ge.Object, "spec", "securityGroup", "managed", "allowedSources", "securityGroupIDs")
	if !slices.Equal(groups, []string{network.AgentsGroupID}) {
		t.Errorf("allowed security groups = %q, want only the agents' %q", groups, network.AgentsGroupID)
	}
}

func TestCustomResourcesManifestLeavesOutTheNamespaces(t *testing.T) {
	samples := loadRepoSamples(t)
	all, err := samples.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	crs, err := samples.CustomResourcesManifest()
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(t, all); len(got) != 6 || !slices.Contains(got, kindNamespace) {
		t.Errorf("Manifest kinds = %q, want the 6 samples with their Namespaces", got)
	}
	if got := kinds(t, crs); !slices.Equal(got, []string{KindGatewayEndpoint, KindGatewayAccessPolicy, KindGatewayAccessPolicy}) {
		t.Errorf("CustomResourcesManifest kinds = %q, want the GatewayEndpoint and both GatewayAccessPolicies", got)
	}
}

func kinds(t *testing.T, manifest []byte) []string {
	t.Helper()
	var out []string
	for _, doc := range strings.Split(string(manifest), "\n---\n") {
		var obj struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("manifest document does not parse: %v\n%s", err, doc)
		}
		out = append(out, obj.Kind)
	}
	return out
}

func TestCommandLineQuotesWhatAShellWouldExpand(t *testing.T) {
	got := CommandLine("get", "gwe", "-o", `jsonpath={.status.endpointID}`, "it's")
	want := `kubectl get gwe -o 'jsonpath={.status.endpointID}' 'it'\''s'`
	if got != want {
		t.Errorf("CommandLine = %s, want %s", got, want)
	}
}
