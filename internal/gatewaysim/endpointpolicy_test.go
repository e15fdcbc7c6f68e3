package gatewaysim_test

import (
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
)

const (
	gatewayA = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-a"
	gatewayB = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-b"
)

func TestEvaluateEndpointPolicy(t *testing.T) {
	allowA := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"` + gatewayA + `"}]}`
	cases := []struct {
		name     string
		document string
		action   string
		resource string
		allowed  bool
		reason   string
	}{
		{name: "no policy is full access", document: "", allowed: true},
		{name: "whitespace is no policy", document: " \n", allowed: true},
		{name: "EC2's default full-access policy admits every gateway",
			document: `{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}`, allowed: true},
		{name: "a gateway named in the Resource is admitted", document: allowA, allowed: true, reason: "#0"},
		{name: "a gateway not named is denied", document: allowA, resource: gatewayB, reason: "no statement allows"},
		{name: "one statement as an object, not a list",
			document: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"` + gatewayA + `"}}`, allowed: true},
		{name: "resources as a list",
			document: `{"Statement":[{"Sid":"team-a","Effect":"Allow","Principal":"*","Action":"*","Resource":["` + gatewayB + `","` + gatewayA + `"]}]}`,
			allowed:  true, reason: `"team-a"`},
		{name: "a wildcard gateway ID admits every gateway of the account",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/*"}]}`, allowed: true},
		{name: "a wildcard does not span ARN segments",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:bedrock-agentcore:us-east-1:*"}]}`},
		{name: "a wildcard region admits the gateway",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:bedrock-agentcore:*:123456789012:gateway/gw-?"}]}`, allowed: true},
		{name: "another account's gateway of the same ID is denied",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:bedrock-agentcore:us-east-1:210987654321:gateway/gw-a"}]}`},
		{name: "resources compare case-sensitively",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/GW-A"}]}`},
		{name: "InvokeGateway is the action",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"bedrock-agentcore:InvokeGateway","Resource":"*"}]}`, allowed: true},
		{name: "actions compare case-insensitively",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"Bedrock-AgentCore:invokegateway","Resource":"*"}]}`, allowed: true},
		{name: "an action wildcard admits",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"bedrock-agentcore:Invoke*","Resource":"*"}]}`, allowed: true},
		{name: "another action does not admit",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"bedrock-agentcore:GetGateway","Resource":"*"}]}`},
		{name: "NotAction excluding another action admits",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"bedrock-agentcore-control:*","Resource":"*"}]}`, allowed: true},
		{name: "NotResource excluding the gateway denies",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","NotResource":"` + gatewayA + `"}]}`},
		{name: "an explicit Deny overrides the Allow",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Sid":"no-a","Effect":"Deny","Principal":"*","Action":"*","Resource":"` + gatewayA + `"}]}`,
			reason:   `explicitly denied by statement "no-a"`},
		{name: "a Deny of another gateway leaves this one admitted",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"` + gatewayB + `"}]}`, allowed: true},
		{name: "Principal AWS * applies to a bearer-token caller",
			document: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}]}`, allowed: true},
		{name: "a named IAM principal does not apply to a bearer-token caller",
			document: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/agents"},"Action":"*","Resource":"*"}]}`},
		{name: "NotPrincipal naming a role still applies to a bearer-token caller",
			document: `{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":["arn:aws:iam::123456789012:role/x"]},"Action":"*","Resource":"*"}]}`, allowed: true},
		{name: "an Allow with a condition does not apply (not simulated: fails closed)",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`},
		{name: "a Deny with a condition applies (not simulated: fails closed)",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`},
		{name: "a document that does not parse denies", document: `{"Statement":`, reason: "does not parse"},
		{name: "a statement without Principal denies",
			document: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, reason: "no Principal"},
		{name: "a statement with both Action and NotAction denies",
			document: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"x:y","Resource":"*"}]}`, reason: "both Action and NotAction"},
		{name: "an unknown Effect denies",
			document: `{"Statement":[{"Effect":"allow","Principal":"*","Action":"*","Resource":"*"}]}`, reason: "neither Allow nor Deny"},
		{name: "an empty statement list denies", document: `{"Version":"2012-10-17","Statement":[]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			action, resource := tc.action, tc.resource
			if action == "" {
				action = gatewaysim.InvokeGatewayAction
			}
			if resource == "" {
				resource = gatewayA
			}
			d := gatewaysim.Evaluate(tc.document, action, resource)
			if d.Allowed != tc.allowed {
				t.Fatalf("Evaluate allowed = %v (%s), want %v", d.Allowed, d.Reason, tc.allowed)
			}
			if !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", d.Reason, tc.reason)
			}
		})
	}
}
