/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy_test

import (
	"net/url"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/policy"
)

func TestAdmitsReadsTheDocumentAsIAMWould(t *testing.T) {
	built, err := policy.Build([]policy.Grant{{Namespace: "team", Name: "tools", GatewayARNs: []string{gatewayARN("gw-a")}}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		document string
		arn      string
		want     bool
	}{
		{"no document is AWS's full access", "", gatewayARN("gw-a"), true},
		{"the operator's document admits its gateway", built.JSON(), gatewayARN("gw-a"), true},
		{"and no other", built.JSON(), gatewayARN("gw-b"), false},
		{"URL-encoded as EC2 may return it", url.PathEscape(built.JSON()), gatewayARN("gw-a"), true},
		{"deny-all", policy.DenyAll().JSON(), gatewayARN("gw-a"), false},
		{"full access", policy.FullAccess().JSON(), gatewayARN("gw-a"), true},
		{"a wildcard resource of the account", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/*"}}`, gatewayARN("gw-a"), true},
		{"another account's wildcard", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:bedrock-agentcore:us-east-1:999999999999:gateway/*"}}`, gatewayARN("gw-a"), false},
		{"the InvokeGateway action in another case", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"Bedrock-AgentCore:invokegateway","Resource":"*"}]}`, gatewayARN("gw-a"), true},
		{"another action only", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"bedrock-agentcore:GetGateway","Resource":"*"}]}`, gatewayARN("gw-a"), false},
		{"an explicit deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"` + gatewayARN("gw-a") + `"}]}`, gatewayARN("gw-a"), false},
		{"NotResource", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","NotResource":"` + gatewayARN("gw-b") + `"}]}`, gatewayARN("gw-a"), true},
		{"a conditional allow is not counted", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}}]}`, gatewayARN("gw-a"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := policy.Admits(tc.document, tc.arn)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Admits = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := policy.Admits("{not json", gatewayARN("gw-a")); err == nil {
		t.Error("a document that does not parse must be an error, not an answer")
	}
}
