package v1alpha1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	vpcev1alpha1 "github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

const researchGatewayARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/research-tools-a1b2c3d4e5"

// validAccessPolicy is the base every case mutates: a GatewayAccessPolicy the
// API server accepts.
func validAccessPolicy(namespace, name string) *vpcev1alpha1.GatewayAccessPolicy {
	return &vpcev1alpha1.GatewayAccessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: vpcev1alpha1.GatewayAccessPolicySpec{
			EndpointRef: vpcev1alpha1.EndpointReference{Name: "agentcore-gateway"},
			GatewayARNs: []string{researchGatewayARN},
		},
	}
}

// gatewayARNs returns n distinct gateway ARNs of one account and region.
func gatewayARNs(n int) []string {
	arns := make([]string, n)
	for i := range arns {
		arns[i] = fmt.Sprintf("arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-%03d-a1b2c3d4e5", i)
	}
	return arns
}

type policyMutation func(*vpcev1alpha1.GatewayAccessPolicy)

func withARNs(arns ...string) policyMutation {
	return func(p *vpcev1alpha1.GatewayAccessPolicy) { p.Spec.GatewayARNs = arns }
}

func TestGatewayAccessPolicyValidationRejectsInvalidSpecs(t *testing.T) {
	const namespace = "gwap-invalid"
	createNamespace(t, namespace)

	const (
		arnMessage = "gatewayARNs must be gateway ARNs such as arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/my-gateway-a1b2c3 (or gateway/* for every gateway of the account)"
		arnsField  = "spec.gatewayARNs"
	)
	cases := []struct {
		name   string
		mutate policyMutation
		field  string
		want   string
	}{
		{
			name:   "rejects an empty endpointRef.name",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) { p.Spec.EndpointRef.Name = "" },
			field:  "spec.endpointRef.name",
			want:   "should be at least 1 chars long",
		},
		{
			name:   "rejects an endpointRef.name with upper case and underscores",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) { p.Spec.EndpointRef.Name = "AgentCore_Gateway" },
			field:  "spec.endpointRef.name",
			want:   "endpointRef.name must be a lower-case DNS subdomain name",
		},
		{
			name:   "rejects an endpointRef.name ending in a dot",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) { p.Spec.EndpointRef.Name = "agentcore-gateway." },
			field:  "spec.endpointRef.name",
			want:   "endpointRef.name must be a lower-case DNS subdomain name",
		},
		{
			name:   "rejects an endpointRef.namespace with a dot",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) { p.Spec.EndpointRef.Namespace = "team.research" },
			field:  "spec.endpointRef.namespace",
			want:   "endpointRef.namespace must be a namespace name (lower-case DNS label)",
		},
		{
			name:   "rejects an endpointRef.namespace in upper case",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) { p.Spec.EndpointRef.Namespace = "Team-Research" },
			field:  "spec.endpointRef.namespace",
			want:   "endpointRef.namespace must be a namespace name (lower-case DNS label)",
		},
		{
			name:   "rejects an endpointRef.namespace longer than 63 characters",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) { p.Spec.EndpointRef.Namespace = strings.Repeat("n", 64) },
			field:  "spec.endpointRef.namespace",
			want:   "may not be more than 63",
		},
		{
			// gatewayARNs became optional with gatewayRefs: the rule that
			// a policy names some gateway moved to the spec.
			name:   "rejects a policy without gatewayARNs or gatewayRefs",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) { p.Spec.GatewayARNs = nil },
			field:  "spec",
			want:   "a GatewayAccessPolicy needs gatewayARNs, gatewayRefs or both: name at least one gateway",
		},
		{
			name: "rejects a gatewayRef with an invalid name",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) {
				p.Spec.GatewayRefs = []vpcev1alpha1.ACKGatewayReference{{Name: "Tools_Gateway"}}
			},
			field: "spec.gatewayRefs[0].name",
			want:  "gatewayRefs.name must be a lower-case DNS subdomain name",
		},
		{
			name: "rejects a gatewayRef with an empty name",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) {
				p.Spec.GatewayRefs = []vpcev1alpha1.ACKGatewayReference{{Name: ""}}
			},
			field: "spec.gatewayRefs[0].name",
			want:  "should be at least 1 chars long",
		},
		{
			name: "rejects a gatewayRef with an invalid namespace",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) {
				p.Spec.GatewayRefs = []vpcev1alpha1.ACKGatewayReference{{Name: "tools", Namespace: "team.research"}}
			},
			field: "spec.gatewayRefs[0].namespace",
			want:  "gatewayRefs.namespace must be a namespace name (lower-case DNS label)",
		},
		{
			name: "rejects more than 50 gatewayRefs",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) {
				for i := range 51 {
					p.Spec.GatewayRefs = append(p.Spec.GatewayRefs, vpcev1alpha1.ACKGatewayReference{Name: fmt.Sprintf("gw-%02d", i)})
				}
			},
			field: "spec.gatewayRefs",
			want:  "must have at most 50 items",
		},
		{
			name:   "rejects an ARN of another service",
			mutate: withARNs("arn:aws:bedrock:us-east-1:123456789012:gateway/research-tools-a1b2c3d4e5"),
			field:  arnsField, want: arnMessage,
		},
		{
			name:   "rejects an ARN with an 11-digit account",
			mutate: withARNs("arn:aws:bedrock-agentcore:us-east-1:12345678901:gateway/research-tools-a1b2c3d4e5"),
			field:  arnsField, want: arnMessage,
		},
		{
			name:   "rejects an ARN without the gateway/ prefix",
			mutate: withARNs("arn:aws:bedrock-agentcore:us-east-1:123456789012:research-tools-a1b2c3d4e5"),
			field:  arnsField, want: arnMessage,
		},
		{
			name:   "rejects an ARN of another AgentCore resource type",
			mutate: withARNs("arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/research-tools-a1b2c3d4e5"),
			field:  arnsField, want: arnMessage,
		},
		{
			name:   "rejects an ARN with a malformed region",
			mutate: withARNs("arn:aws:bedrock-agentcore:us-east:123456789012:gateway/research-tools-a1b2c3d4e5"),
			field:  arnsField, want: arnMessage,
		},
		{
			name:   "rejects an ARN without a region",
			mutate: withARNs("arn:aws:bedrock-agentcore::123456789012:gateway/research-tools-a1b2c3d4e5"),
			field:  arnsField, want: arnMessage,
		},
		{
			name:   "rejects an ARN of an unknown partition",
			mutate: withARNs("arn:azure:bedrock-agentcore:us-east-1:123456789012:gateway/research-tools-a1b2c3d4e5"),
			field:  arnsField, want: arnMessage,
		},
		{
			name:   "rejects an ARN without a gateway ID",
			mutate: withARNs("arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/"),
			field:  arnsField, want: arnMessage,
		},
		{
			name:   "rejects a wildcard that is only part of a gateway ID",
			mutate: withARNs("arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/research-*"),
			field:  arnsField, want: arnMessage,
		},
		{
			name:   "rejects one bad ARN among good ones",
			mutate: withARNs(researchGatewayARN, "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/a b"),
			field:  arnsField, want: arnMessage,
		},
		{
			name:   "rejects a gateway ARN listed twice",
			mutate: withARNs(researchGatewayARN, researchGatewayARN),
			field:  arnsField,
			want:   "gatewayARNs must not repeat a gateway",
		},
		{
			name:   "rejects more than 100 gateway ARNs",
			mutate: withARNs(gatewayARNs(101)...),
			field:  arnsField,
			want:   "must have at most 100 items",
		},
		{
			name:   "rejects gateway ARNs too long together for one endpoint policy",
			mutate: withARNs(longGatewayARNs(100, 240)...),
			field:  arnsField,
			want:   "gatewayARNs are too long together: one policy's statement must fit EC2's 20,480-character endpoint policy",
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			policy := validAccessPolicy(namespace, nameFor("invalid", i))
			tc.mutate(policy)
			err := env.Client.Create(context.Background(), policy)
			assertRejected(t, err, tc.field, tc.want)
		})
	}

	// Unstructured: the typed client leaves an empty list out.
	for _, list := range []string{"gatewayARNs", "gatewayRefs"} {
		t.Run("rejects an empty "+list, func(t *testing.T) {
			policy := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": vpcev1alpha1.GroupVersion.String(),
				"kind":       "GatewayAccessPolicy",
				"metadata":   map[string]any{"namespace": namespace, "name": "empty-" + strings.ToLower(list)},
				"spec": map[string]any{
					"endpointRef": map[string]any{"name": "agentcore-gateway"},
					"gatewayARNs": []any{researchGatewayARN},
					list:          []any{},
				},
			}}
			err := env.Client.Create(context.Background(), policy)
			assertRejected(t, err, "spec."+list, "should have at least 1 items")
		})
	}

	t.Run("rejects a name too long for its ConfigMap <name>-gateways", func(t *testing.T) {
		policy := validAccessPolicy(namespace, strings.Repeat("p", 245))
		err := env.Client.Create(context.Background(), policy)
		// A rule on the object's root names no field (the API server
		// says "<nil>"); the message says which.
		assertRejected(t, err, "<nil>", "a GatewayAccessPolicy's name must be at most 244 characters")
	})

	t.Run("rejects an endpointRef without a name", func(t *testing.T) {
		// Unstructured: the typed client always sends name, if only "".
		policy := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": vpcev1alpha1.GroupVersion.String(),
			"kind":       "GatewayAccessPolicy",
			"metadata":   map[string]any{"namespace": namespace, "name": "no-endpoint-name"},
			"spec": map[string]any{
				"endpointRef": map[string]any{"namespace": "agentcore-system"},
				"gatewayARNs": []any{researchGatewayARN},
			},
		}}
		err := env.Client.Create(context.Background(), policy)
		assertRejected(t, err, "spec.endpointRef.name", "Required value")
	})
}

func TestGatewayAccessPolicyValidationAcceptsValidSpecs(t *testing.T) {
	const namespace = "gwap-valid"
	createNamespace(t, namespace)

	cases := []struct {
		name   string
		mutate policyMutation
	}{
		{name: "accepts the base policy", mutate: func(*vpcev1alpha1.GatewayAccessPolicy) {}},
		{
			name:   "accepts gateway/* for every gateway of an account",
			mutate: withARNs("arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/*"),
		},
		{
			name:   "accepts a gateway ARN in the aws-us-gov partition",
			mutate: withARNs("arn:aws-us-gov:bedrock-agentcore:us-gov-west-1:123456789012:gateway/gov-tools-a1b2c3d4e5"),
		},
		{
			name:   "accepts a gateway ARN in the aws-cn partition",
			mutate: withARNs("arn:aws-cn:bedrock-agentcore:cn-north-1:123456789012:gateway/cn-tools-a1b2c3d4e5"),
		},
		{
			name:   "accepts 100 gateway ARNs",
			mutate: withARNs(gatewayARNs(100)...),
		},
		{
			name: "accepts gatewayRefs without gatewayARNs",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) {
				p.Spec.GatewayARNs = nil
				p.Spec.GatewayRefs = []vpcev1alpha1.ACKGatewayReference{{Name: "tools"}, {Name: "search.v2", Namespace: "shared-gateways"}}
			},
		},
		{
			name: "accepts gatewayRefs beside gatewayARNs",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) {
				p.Spec.GatewayRefs = []vpcev1alpha1.ACKGatewayReference{{Name: "tools"}}
			},
		},
		{
			name:   "accepts a name of 244 characters",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) { p.Name = strings.Repeat("p", 244) },
		},
		{
			name: "accepts an endpoint in another namespace with a dotted name",
			mutate: func(p *vpcev1alpha1.GatewayAccessPolicy) {
				p.Spec.EndpointRef = vpcev1alpha1.EndpointReference{Name: "agentcore.gateway-1", Namespace: "agentcore-system"}
			},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			policy := validAccessPolicy(namespace, nameFor("valid", i))
			tc.mutate(policy)
			if err := env.Client.Create(context.Background(), policy); err != nil {
				t.Fatalf("the API server rejected a valid policy: %v", err)
			}
		})
	}
}

// longGatewayARNs returns n distinct gateway ARNs of length characters each.
func longGatewayARNs(n, length int) []string {
	arns := make([]string, n)
	for i := range arns {
		prefix := fmt.Sprintf("arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/g%03d", i)
		arns[i] = prefix + strings.Repeat("a", length-len(prefix))
	}
	return arns
}
