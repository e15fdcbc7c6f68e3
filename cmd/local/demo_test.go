package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/localenv"
)

func TestEachResultIsSaidInPlainWords(t *testing.T) {
	const arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/web-search-u1v2w3x4y5"
	until := time.Date(2026, 11, 30, 13, 8, 33, 0, time.UTC)
	var out bytes.Buffer
	d := &demo{out: localenv.Progress{W: &out}, endpointID: "vpce-0118d871a91f760b5",
		env: &localenv.Env{Options: localenv.Options{PropagationDelay: 20 * time.Second}}}
	p := &v1alpha1.GatewayAccessPolicy{ObjectMeta: metav1.ObjectMeta{Name: "research-gateways"}}
	p.Status.EffectiveAt = &metav1.Time{Time: until.Add(time.Hour)} // the message's time wins

	cases := []struct {
		g    v1alpha1.GatewayVerification
		want string
	}{
		{v1alpha1.GatewayVerification{GatewayARN: arn, Result: v1alpha1.VerificationReachable, ToolCount: ptr.To[int32](3),
			Message: "MCP tools/list through endpoint vpce-0118d871a91f760b5 succeeded."},
			"research-gateways: gateway web-search-u1v2w3x4y5 is Reachable through vpce-0118d871a91f760b5 (3 tools)\n"},
		{v1alpha1.GatewayVerification{GatewayARN: arn, Result: v1alpha1.VerificationDeniedByEndpointPolicy,
			Message: `Refused (JSON-RPC error -32002 "Authorization error - Insufficient permissions"): the policy of endpoint vpce-0118d871a91f760b5, as EC2 reports it, does not admit ` + arn + `. Add the gateway to a GatewayAccessPolicy attached to this endpoint (and within its spec.access.allowedGateways).`},
			"research-gateways: gateway web-search-u1v2w3x4y5 answered -32002 Authorization error - Insufficient permissions: no GatewayAccessPolicy admits it, so the endpoint policy denies it\n"},
		{v1alpha1.GatewayVerification{GatewayARN: arn, Result: v1alpha1.VerificationAwaitingPropagation,
			Message: `Refused (JSON-RPC error -32002 "Authorization error - Insufficient permissions"), but the policy of endpoint vpce-0118d871a91f760b5 admits the gateway: the grant is recent and the gateway may serve its cached policy until 2026-11-30T13:08:33Z.`},
			"research-gateways: gateway web-search-u1v2w3x4y5 is AwaitingPropagation until " + until.Local().Format("15:04:05") +
				" (the gateway caches access policies; simulated 20s, up to 15 minutes on AWS): the endpoint policy admits it now, but the gateway still answers -32002 from the policy it cached\n"},
		{v1alpha1.GatewayVerification{GatewayARN: arn, Result: v1alpha1.VerificationUnauthorized, Message: "The gateway answered 401 Unauthorized."},
			"research-gateways: gateway web-search-u1v2w3x4y5 is Unauthorized: The gateway answered 401 Unauthorized.\n"},
	}
	for _, c := range cases {
		out.Reset()
		d.say(p, c.g)
		if got := out.String(); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.g.Result, got, c.want)
		}
	}
	if got := tools(v1alpha1.GatewayVerification{ToolCount: ptr.To[int32](1)}); got != "1 tool" {
		t.Errorf("tools = %q", got)
	}
	if got := answered("refused somehow"); !strings.HasPrefix(got, "was refused") {
		t.Errorf("answered without a JSON-RPC error = %q", got)
	}
}
