package localenv

import (
	"path/filepath"
	"reflect"
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
	for kind, want := range map[string]int{kindNamespace: 3, kindSecret: 2, "Role": 2, "RoleBinding": 2, KindGatewayEndpoint: 1, KindGatewayAccessPolicy: 2} {
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
	if got := kinds(t, all); len(got) != 12 || !slices.Contains(got, kindNamespace) {
		t.Errorf("Manifest kinds = %q, want the 12 samples with their Namespaces", got)
	}
	want := []string{kindSecret, kindSecret, "Role", "RoleBinding", "Role", "RoleBinding",
		KindGatewayEndpoint, KindGatewayAccessPolicy, KindGatewayAccessPolicy}
	if got := kinds(t, crs); !slices.Equal(got, want) {
		t.Errorf("CustomResourcesManifest kinds = %q, want %q: every sample but the Namespaces", got, want)
	}
}

func TestGatewaysAreTheVerifiedOnesWithTheirSecretsTokens(t *testing.T) {
	samples := loadRepoSamples(t)
	got, err := samples.Gateways()
	if err != nil {
		t.Fatal(err)
	}
	want := []SimGateway{
		{ID: "research-tools-a1b2c3d4e5", Token: "demo-token-research-tools", Tools: sampleTools["research-tools-a1b2c3d4e5"]},
		{ID: "paper-search-f6g7h8i9j0", Token: "demo-token-paper-search", Tools: sampleTools["paper-search-f6g7h8i9j0"]},
		{ID: "web-search-u1v2w3x4y5", Token: "demo-token-web-search", Tools: sampleTools["web-search-u1v2w3x4y5"]},
		{ID: "ticketing-k1l2m3n4o5", Token: "demo-token-ticketing", Tools: sampleTools["ticketing-k1l2m3n4o5"]},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Gateways() = %+v, want %+v", got, want)
	}
	for _, g := range got {
		if len(g.Tools) == 0 {
			t.Errorf("gateway %s has no sample tools", g.ID)
		}
	}

	// The demo's -32002: one verified gateway of the endpoint's account that
	// no policy admits.
	admitted := map[string]bool{}
	var notAdmitted []string
	for _, p := range samples.Of(KindGatewayAccessPolicy) {
		arns, _, _ := unstructured.NestedStringSlice(p.Object, "spec", "gatewayARNs")
		for _, arn := range arns {
			admitted[arn] = true
		}
	}
	for _, p := range samples.Of(KindGatewayAccessPolicy) {
		gateways, _, _ := unstructured.NestedSlice(p.Object, "spec", "verify", "gateways")
		for _, g := range gateways {
			arn, _ := g.(map[string]any)["gatewayARN"].(string)
			if !admitted[arn] {
				notAdmitted = append(notAdmitted, arn)
			}
		}
	}
	if len(notAdmitted) != 1 || !strings.Contains(notAdmitted[0], ":123456789012:gateway/") {
		t.Errorf("verified gateways that no sample policy admits: %q, want one of the endpoint's account", notAdmitted)
	}
}

func TestAMissingTokenIsNamed(t *testing.T) {
	samples := loadRepoSamples(t)
	var kept []*unstructured.Unstructured
	for _, obj := range samples.Objects {
		if obj.GetKind() != kindSecret || obj.GetNamespace() != "team-support" {
			kept = append(kept, obj)
		}
	}
	samples.Objects = kept
	if _, err := samples.Gateways(); err == nil || !strings.Contains(err.Error(), "team-support/support-gateway-token") {
		t.Errorf("Gateways() without the support team's Secret: %v, want it named", err)
	}
}

func TestWithoutVerifyDropsSpecVerifyFromACopy(t *testing.T) {
	samples := loadRepoSamples(t)
	bare := samples.WithoutVerify()
	for i, p := range bare.Of(KindGatewayAccessPolicy) {
		if _, found, _ := unstructured.NestedFieldNoCopy(p.Object, "spec", "verify"); found {
			t.Errorf("%s still has spec.verify", p.GetName())
		}
		if _, found, _ := unstructured.NestedFieldNoCopy(samples.Of(KindGatewayAccessPolicy)[i].Object, "spec", "verify"); !found {
			t.Errorf("the original %s lost its spec.verify", p.GetName())
		}
	}
	if len(bare.Objects) != len(samples.Objects) {
		t.Errorf("%d objects without verify, want all %d", len(bare.Objects), len(samples.Objects))
	}
	policies, err := samples.ManifestOf(KindGatewayAccessPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(t, policies); !slices.Equal(got, []string{KindGatewayAccessPolicy, KindGatewayAccessPolicy}) {
		t.Errorf("ManifestOf kinds = %q", got)
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
