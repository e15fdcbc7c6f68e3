package v1alpha1_test

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	vpcev1alpha1 "github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

func tokenRef(name string) *vpcev1alpha1.SecretKeyReference {
	return &vpcev1alpha1.SecretKeyReference{Name: name, Key: "token"}
}

func withVerify(gateways ...vpcev1alpha1.VerifiedGateway) policyMutation {
	return func(p *vpcev1alpha1.GatewayAccessPolicy) {
		p.Spec.Verify = &vpcev1alpha1.VerifySpec{Gateways: gateways}
	}
}

func TestVerifyValidationRejectsProbesThatCannotWorkOrCostTooMuch(t *testing.T) {
	const namespace = "gwap-verify-invalid"
	createNamespace(t, namespace)
	interval := func(d string) policyMutation {
		return func(p *vpcev1alpha1.GatewayAccessPolicy) {
			p.Spec.Verify = &vpcev1alpha1.VerifySpec{
				Gateways: []vpcev1alpha1.VerifiedGateway{{GatewayARN: researchGatewayARN, TokenSecretRef: tokenRef("tok")}},
			}
			parsed, _ := time.ParseDuration(d)
			p.Spec.Verify.Interval = &metav1.Duration{Duration: parsed}
		}
	}
	cases := []struct {
		name   string
		mutate policyMutation
		field  string
		want   string
	}{
		{"an interval under 5 minutes", interval("4m59s"), "spec.verify.interval", "verify.interval must be a duration from 5m to 24h"},
		{"an interval over a day", interval("25h"), "spec.verify.interval", "verify.interval must be a duration from 5m to 24h"},
		{"a Bearer gateway without its token", withVerify(vpcev1alpha1.VerifiedGateway{GatewayARN: researchGatewayARN}),
			"spec.verify.gateways[0]", "tokenSecretRef is required for auth Bearer"},
		{"a SigV4 gateway with a token", withVerify(vpcev1alpha1.VerifiedGateway{GatewayARN: researchGatewayARN, Auth: vpcev1alpha1.GatewayAuthSigV4, TokenSecretRef: tokenRef("tok")}),
			"spec.verify.gateways[0]", "not allowed for auth SigV4"},
		{"an ARN that is not a gateway's", withVerify(vpcev1alpha1.VerifiedGateway{GatewayARN: "arn:aws:s3:::bucket", TokenSecretRef: tokenRef("tok")}),
			"spec.verify.gateways[0].gatewayARN", "gatewayARN must be a gateway ARN"},
		{"a Secret name that is not one", withVerify(vpcev1alpha1.VerifiedGateway{GatewayARN: researchGatewayARN, TokenSecretRef: tokenRef("Bad_Name")}),
			"spec.verify.gateways[0].tokenSecretRef.name", "tokenSecretRef.name must be a lower-case DNS subdomain name"},
		{"the same gateway twice", withVerify(
			vpcev1alpha1.VerifiedGateway{GatewayARN: researchGatewayARN, TokenSecretRef: tokenRef("a")},
			vpcev1alpha1.VerifiedGateway{GatewayARN: researchGatewayARN, TokenSecretRef: tokenRef("b")}),
			"spec.verify.gateways[1]", "Duplicate value"},
		{"an unknown auth", withVerify(vpcev1alpha1.VerifiedGateway{GatewayARN: researchGatewayARN, Auth: "Basic", TokenSecretRef: tokenRef("tok")}),
			"spec.verify.gateways[0].auth", "Unsupported value"},
	}
	for i, tc := range cases {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			t.Parallel()
			policy := validAccessPolicy(namespace, nameFor("verify", i))
			tc.mutate(policy)
			assertRejected(t, env.Client.Create(context.Background(), policy), tc.field, tc.want)
		})
	}

	t.Run("rejects an empty gateways list", func(t *testing.T) {
		policy := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": vpcev1alpha1.GroupVersion.String(),
			"kind":       "GatewayAccessPolicy",
			"metadata":   map[string]any{"namespace": namespace, "name": "verify-nothing"},
			"spec": map[string]any{
				"endpointRef": map[string]any{"name": "agentcore-gateway"},
				"gatewayARNs": []any{researchGatewayARN},
				"verify":      map[string]any{"gateways": []any{}},
			},
		}}
		assertRejected(t, env.Client.Create(context.Background(), policy), "spec.verify.gateways", "should have at least 1 items")
	})
}

func TestVerifyDefaultsToBearerEveryTenMinutesAndAcceptsTheOtherKinds(t *testing.T) {
	const namespace = "gwap-verify-valid"
	createNamespace(t, namespace)
	policy := validAccessPolicy(namespace, "verified")
	withVerify(
		vpcev1alpha1.VerifiedGateway{GatewayARN: researchGatewayARN, TokenSecretRef: tokenRef("research-token")},
		vpcev1alpha1.VerifiedGateway{GatewayARN: "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/iam-gw-a1b2c3d4e5", Auth: vpcev1alpha1.GatewayAuthSigV4},
		// Reported NotVerifiable, not refused: the policy may list what it cannot probe.
		vpcev1alpha1.VerifiedGateway{GatewayARN: "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/*", TokenSecretRef: tokenRef("research-token")},
	)(policy)
	ctx := context.Background()
	if err := env.Client.Create(ctx, policy); err != nil {
		t.Fatalf("creating: %v", err)
	}
	got := &vpcev1alpha1.GatewayAccessPolicy{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(policy), got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Verify.Interval == nil || got.Spec.Verify.Interval.Duration != 10*time.Minute {
		t.Errorf("interval defaulted to %v, want 10m", got.Spec.Verify.Interval)
	}
	if a := got.Spec.Verify.Gateways[0].Auth; a != vpcev1alpha1.GatewayAuthBearer {
		t.Errorf("auth defaulted to %q, want Bearer", a)
	}
	for _, d := range []time.Duration{5 * time.Minute, time.Hour, 24 * time.Hour} {
		got.Spec.Verify.Interval = &metav1.Duration{Duration: d}
		if err := env.Client.Update(ctx, got); err != nil {
			t.Errorf("interval %s refused: %v", d, err)
		}
	}
}
