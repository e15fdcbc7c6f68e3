package controllers

import (
	"maps"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

func TestConnectionDetails(t *testing.T) {
	const (
		region  = "us-east-1"
		realDNS = "vpce-0123456789abcdef0-ab12cd34.gateway.bedrock-agentcore.us-east-1.vpce.amazonaws.com"
	)
	arn := func(id string) string { return "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/" + id }
	endpoint := func(privateDNS *bool, dnsNames ...string) *v1alpha1.GatewayEndpoint {
		ge := &v1alpha1.GatewayEndpoint{}
		ge.Spec.PrivateDNS.Enabled = privateDNS
		for _, n := range dnsNames {
			ge.Status.DNSEntries = append(ge.Status.DNSEntries, v1alpha1.DNSEntry{DNSName: n})
		}
		return ge
	}
	on, off := ptr.To(true), ptr.To(false)
	tests := []struct {
		name     string
		endpoint *v1alpha1.GatewayEndpoint
		arns     []string
		want     map[string]string
	}{
		{"one gateway with private DNS on is one URL", endpoint(on, realDNS), []string{arn("tools-a1")},
			map[string]string{"GATEWAY_URL": "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"}},
		{"private DNS defaults to on", endpoint(nil, realDNS), []string{arn("tools-a1")},
			map[string]string{"GATEWAY_URL": "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"}},
		{"one gateway with private DNS off keeps the gateway's URL and adds its Host and the endpoint's name", endpoint(off, realDNS, "vpce-zonal.example"), []string{arn("tools-a1")},
			map[string]string{
				"GATEWAY_URL":          "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
				"GATEWAY_HOST":         "tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com",
				"GATEWAY_ENDPOINT_DNS": realDNS,
			}},
		{"several gateways get a key each, by upper-cased ID", endpoint(on), []string{arn("tools-a1"), arn("search-b2")},
			map[string]string{
				"GATEWAY_TOOLS_A1_URL":  "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
				"GATEWAY_SEARCH_B2_URL": "https://search-b2.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
			}},
		{"several gateways with private DNS off get a Host each", endpoint(off, realDNS), []string{arn("tools-a1"), arn("search-b2")},
			map[string]string{
				"GATEWAY_TOOLS_A1_URL":   "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
				"GATEWAY_TOOLS_A1_HOST":  "tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com",
				"GATEWAY_SEARCH_B2_URL":  "https://search-b2.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
				"GATEWAY_SEARCH_B2_HOST": "search-b2.gateway.bedrock-agentcore.us-east-1.amazonaws.com",
				"GATEWAY_ENDPOINT_DNS":   realDNS,
			}},
		{"gateway/* gets no entry and does not count", endpoint(on), []string{arn("*"), arn("tools-a1")},
			map[string]string{"GATEWAY_URL": "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"}},
		{"an ID that cannot be a host name label gets no entry", endpoint(on), []string{arn("Tools_A1"), arn("toolong-" + strings.Repeat("a", 60))},
			map[string]string{}},
		{"the same gateway ID in two accounts is one host", endpoint(on), []string{arn("tools-a1"), "arn:aws:bedrock-agentcore:us-east-1:210987654321:gateway/tools-a1"},
			map[string]string{"GATEWAY_URL": "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"}},
		{"a forged endpoint DNS name in status is not published", endpoint(off, "attacker.example.com"), []string{arn("tools-a1")},
			map[string]string{
				"GATEWAY_URL":  "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
				"GATEWAY_HOST": "tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com",
			}},
		{"an endpoint name of another region or service is not published", endpoint(off, "vpce-0123456789abcdef0-ab12cd34.execute-api.us-west-2.vpce.amazonaws.com"), []string{arn("tools-a1")},
			map[string]string{
				"GATEWAY_URL":  "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
				"GATEWAY_HOST": "tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com",
			}},
		{"an endpoint name with a suffix appended is not published", endpoint(off, realDNS+".attacker.example"), []string{arn("tools-a1")},
			map[string]string{
				"GATEWAY_URL":  "https://tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
				"GATEWAY_HOST": "tools-a1.gateway.bedrock-agentcore.us-east-1.amazonaws.com",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := connectionDetails(tt.endpoint, region, tt.arns)
			if !maps.Equal(got, tt.want) {
				t.Fatalf("connection details =\n  %v\nwant\n  %v", got, tt.want)
			}
		})
	}
}

func TestConnectionDetailsNameMapsBackToItsPolicy(t *testing.T) {
	for name, want := range map[string]string{
		"research-gateways": "research",
		"research":          "",
		"-gateways":         "",
	} {
		cm := &corev1.ConfigMap{}
		cm.Name, cm.Namespace = name, "team"
		reqs := policyOfConnectionDetails(t.Context(), cm)
		switch {
		case want == "" && len(reqs) != 0:
			t.Errorf("ConfigMap %s maps to %v, want no policy", name, reqs)
		case want != "" && (len(reqs) != 1 || reqs[0].Name != want || reqs[0].Namespace != "team"):
			t.Errorf("ConfigMap %s maps to %v, want team/%s", name, reqs, want)
		}
	}
	if got := ConnectionDetailsName("research"); got != "research-gateways" {
		t.Errorf("ConnectionDetailsName = %s", got)
	}
}
