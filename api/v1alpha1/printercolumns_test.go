package v1alpha1_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	vpcev1alpha1 "github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// column is what kubectl get shows for one printer column.
type column struct {
	Name     string
	Type     string
	JSONPath string
	Priority int32
}

// designedKinds are the names and printer columns DESIGN.md gives each kind.
var designedKinds = []struct {
	kind, plural, shortName string
	columns                 []column
}{
	{
		kind: "GatewayEndpoint", plural: "gatewayendpoints", shortName: "gwe",
		columns: []column{
			{Name: "Ready", Type: "string", JSONPath: `.status.conditions[?(@.type=="Ready")].status`},
			{Name: "Reason", Type: "string", JSONPath: `.status.conditions[?(@.type=="Ready")].reason`},
			{Name: "State", Type: "string", JSONPath: ".status.state"},
			{Name: "Endpoint-ID", Type: "string", JSONPath: ".status.endpointID"},
			{Name: "VPC", Type: "string", JSONPath: ".spec.vpcID"},
			{Name: "Policies", Type: "integer", JSONPath: ".status.policy.attachedPolicies"},
			{Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp"},
			{Name: "DNS", Type: "string", JSONPath: ".status.dnsEntries[0].dnsName", Priority: 1},
			{Name: "Security-Groups", Type: "string", JSONPath: ".status.securityGroupIDs", Priority: 1},
			{Name: "Message", Type: "string", JSONPath: `.status.conditions[?(@.type=="Ready")].message`, Priority: 1},
		},
	},
	{
		kind: "GatewayAccessPolicy", plural: "gatewayaccesspolicies", shortName: "gwap",
		columns: []column{
			{Name: "Endpoint", Type: "string", JSONPath: ".spec.endpointRef.name"},
			{Name: "Gateways", Type: "integer", JSONPath: ".status.gatewayCount"},
			{Name: "Accepted", Type: "string", JSONPath: `.status.conditions[?(@.type=="Accepted")].status`},
			{Name: "Ready", Type: "string", JSONPath: `.status.conditions[?(@.type=="Ready")].status`},
			{Name: "Reason", Type: "string", JSONPath: `.status.conditions[?(@.type=="Ready")].reason`},
			{Name: "Effective-At", Type: "string", JSONPath: ".status.effectiveAt"},
			{Name: "Verified", Type: "string", JSONPath: `.status.conditions[?(@.type=="Verified")].status`},
			{Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp"},
			{Name: "Message", Type: "string", JSONPath: `.status.conditions[?(@.type=="Ready")].message`, Priority: 1},
		},
	},
}

// installedCRD reads a CRD back from the API server, as the tests' envtest
// installed it from config/crd/bases.
func installedCRD(t *testing.T, plural string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatalf("building a scheme: %v", err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatalf("creating a client: %v", err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	key := client.ObjectKey{Name: plural + "." + vpcev1alpha1.GroupVersion.Group}
	if err := c.Get(context.Background(), key, crd); err != nil {
		t.Fatalf("reading CRD %s: %v", key.Name, err)
	}
	return crd
}

func TestCRDNamesAndPrinterColumns(t *testing.T) {
	resources, err := discovery.NewDiscoveryClientForConfigOrDie(env.Config).
		ServerResourcesForGroupVersion(vpcev1alpha1.GroupVersion.String())
	if err != nil {
		t.Fatalf("discovering %s: %v", vpcev1alpha1.GroupVersion, err)
	}
	discovered := map[string]metav1.APIResource{}
	for _, r := range resources.APIResources {
		discovered[r.Name] = r
	}

	for _, want := range designedKinds {
		t.Run(want.kind+" is namespaced, has the short name "+want.shortName+" and is in the agentcore category but not all", func(t *testing.T) {
			r, ok := discovered[want.plural]
			if !ok {
				t.Fatalf("the API server does not serve %s", want.plural)
			}
			if !r.Namespaced || r.Kind != want.kind {
				t.Errorf("%s: namespaced = %v, kind = %s; want a namespaced %s", want.plural, r.Namespaced, r.Kind, want.kind)
			}
			if !slices.Equal(r.ShortNames, []string{want.shortName}) {
				t.Errorf("short names = %v, want [%s]", r.ShortNames, want.shortName)
			}
			if !slices.Equal(r.Categories, []string{"agentcore"}) {
				t.Errorf("categories = %v, want [agentcore] (never all: kubectl get all must not list AWS-backed objects)", r.Categories)
			}
		})

		t.Run(want.kind+" has a status subresource", func(t *testing.T) {
			if _, ok := discovered[want.plural+"/status"]; !ok {
				t.Errorf("the API server serves no %s/status", want.plural)
			}
			if crd := installedCRD(t, want.plural); crd.Spec.Versions[0].Subresources == nil || crd.Spec.Versions[0].Subresources.Status == nil {
				t.Errorf("the %s CRD declares no status subresource", want.kind)
			}
		})

		t.Run(want.kind+" has the printer columns of the design", func(t *testing.T) {
			var got []column
			for _, c := range installedCRD(t, want.plural).Spec.Versions[0].AdditionalPrinterColumns {
				got = append(got, column{Name: c.Name, Type: c.Type, JSONPath: c.JSONPath, Priority: c.Priority})
			}
			if !slices.Equal(got, want.columns) {
				t.Errorf("printer columns:\n got  %+v\n want %+v", got, want.columns)
			}
		})
	}
}

// getTable asks the API server for the table kubectl get prints.
func getTable(t *testing.T, path string) *metav1.Table {
	t.Helper()
	clientset, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatalf("creating a clientset: %v", err)
	}
	body, err := clientset.CoreV1().RESTClient().Get().AbsPath(path).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").
		DoRaw(context.Background())
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	table := &metav1.Table{}
	if err := json.Unmarshal(body, table); err != nil {
		t.Fatalf("decoding the table: %v", err)
	}
	if len(table.Rows) != 1 {
		t.Fatalf("GET %s: %d rows, want 1", path, len(table.Rows))
	}
	return table
}

// cellsByColumn maps each column of a one-row table to its printed cell.
func cellsByColumn(table *metav1.Table) map[string]string {
	cells := map[string]string{}
	for i, def := range table.ColumnDefinitions {
		if cell := table.Rows[0].Cells[i]; cell != nil {
			cells[def.Name] = fmt.Sprint(cell)
		}
	}
	return cells
}

func assertCells(t *testing.T, cells map[string]string, want map[string]string) {
	t.Helper()
	for name, value := range want {
		if !strings.Contains(cells[name], value) {
			t.Errorf("column %s shows %q, want %q", name, cells[name], value)
		}
	}
}

func TestPrinterColumnsShowStatus(t *testing.T) {
	const namespace = "printer-columns"
	createNamespace(t, namespace)
	ctx := context.Background()
	condition := func(conditionType string) metav1.Condition {
		return metav1.Condition{
			Type: conditionType, Status: metav1.ConditionTrue, Reason: "Tested", Message: "Tested and fine.",
			LastTransitionTime: metav1.Now(),
		}
	}

	t.Run("kubectl get gwe -o wide shows readiness, state, endpoint, VPC, policy count, DNS and security groups", func(t *testing.T) {
		endpoint := validEndpoint(namespace, "shown")
		if err := env.Client.Create(ctx, endpoint); err != nil {
			t.Fatalf("creating the endpoint: %v", err)
		}
		endpoint.Status = vpcev1alpha1.GatewayEndpointStatus{
			EndpointID: "vpce-0a1b2c3d4e5f60799",
			State:      "available",
			DNSEntries: []vpcev1alpha1.DNSEntry{
				{DNSName: "vpce-0a1b2c3d4e5f60799-abcdefgh.gateway.bedrock-agentcore.us-east-1.vpce.amazonaws.com", HostedZoneID: "Z7HUB22UULQXV"},
				{DNSName: "vpce-0a1b2c3d4e5f60799-abcdefgh-us-east-1a.gateway.bedrock-agentcore.us-east-1.vpce.amazonaws.com"},
			},
			SecurityGroupIDs: []string{"sg-0a1b2c3d4e5f60001"},
			Policy:           &vpcev1alpha1.EndpointPolicyStatus{Hash: "abc123", AttachedPolicies: 2},
			Conditions:       []metav1.Condition{condition(vpcev1alpha1.ConditionReady)},
		}
		if err := env.Client.Status().Update(ctx, endpoint); err != nil {
			t.Fatalf("writing the endpoint's status: %v", err)
		}
		table := getTable(t, "/apis/vpce.agentcore.io/v1alpha1/namespaces/"+namespace+"/gatewayendpoints/shown")
		assertCells(t, cellsByColumn(table), map[string]string{
			"Name":            "shown",
			"Ready":           "True",
			"Reason":          "Tested",
			"Message":         "Tested and fine.",
			"State":           "available",
			"Endpoint-ID":     "vpce-0a1b2c3d4e5f60799",
			"VPC":             "vpc-0a1b2c3d4e5f60718",
			"Policies":        "2",
			"DNS":             "vpce-0a1b2c3d4e5f60799-abcdefgh.gateway.bedrock-agentcore.us-east-1.vpce.amazonaws.com",
			"Security-Groups": "sg-0a1b2c3d4e5f60001",
		})
	})

	t.Run("kubectl get gwap shows endpoint, gateway count, acceptance, readiness and when it takes effect", func(t *testing.T) {
		policy := validAccessPolicy(namespace, "shown")
		if err := env.Client.Create(ctx, policy); err != nil {
			t.Fatalf("creating the policy: %v", err)
		}
		effectiveAt := metav1.NewTime(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
		policy.Status = vpcev1alpha1.GatewayAccessPolicyStatus{
			EndpointID:   "vpce-0a1b2c3d4e5f60799",
			GatewayCount: 1,
			EffectiveAt:  &effectiveAt,
			Conditions: []metav1.Condition{
				condition(vpcev1alpha1.ConditionAccepted),
				{Type: vpcev1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: "AwaitingPropagation", Message: "Applied; enforced from 2030.", LastTransitionTime: metav1.Now()},
			},
		}
		if err := env.Client.Status().Update(ctx, policy); err != nil {
			t.Fatalf("writing the policy's status: %v", err)
		}
		table := getTable(t, "/apis/vpce.agentcore.io/v1alpha1/namespaces/"+namespace+"/gatewayaccesspolicies/shown")
		assertCells(t, cellsByColumn(table), map[string]string{
			"Name":         "shown",
			"Endpoint":     "agentcore-gateway",
			"Gateways":     "1",
			"Accepted":     "True",
			"Ready":        "False",
			"Reason":       "AwaitingPropagation",
			"Message":      "Applied; enforced from 2030.",
			"Effective-At": "2030-01-02T03:04:05Z",
		})
	})
}
