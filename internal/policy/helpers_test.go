/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy_test

import (
	"fmt"
	"strings"

	"github.com/agentcore-io/vpce-operator/internal/policy"
)

func gatewayARN(id string) string {
	return "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/" + id
}

// manyGrants returns grants team-00/policy-00 … each with arnsPerGrant
// distinct gateways.
func manyGrants(grants, arnsPerGrant int) []policy.Grant {
	out := make([]policy.Grant, 0, grants)
	for g := range grants {
		grant := policy.Grant{Namespace: fmt.Sprintf("team-%02d", g), Name: fmt.Sprintf("policy-%02d", g)}
		for a := range arnsPerGrant {
			grant.GatewayARNs = append(grant.GatewayARNs, gatewayARN(fmt.Sprintf("gw-%02d-%02d-abcdefghij", g, a)))
		}
		out = append(out, grant)
	}
	return out
}

// grantsOfLength returns grants whose merged document is exactly length
// characters, by padding one gateway ID: each extra ID character is one
// extra document character.
func grantsOfLength(length int) []policy.Grant {
	grants := manyGrants(20, 10)
	base := grants[0].GatewayARNs[0]
	doc, err := policy.Build(grants)
	if err != nil {
		panic(err)
	}
	grants[0].GatewayARNs[0] = base + strings.Repeat("x", length-doc.Len())
	return grants
}
