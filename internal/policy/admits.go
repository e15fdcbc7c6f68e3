/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// InvokeGatewayAction is the action a call through the endpoint to a gateway's
// MCP URL is authorized as (AWS_FACTS.md, "The service").
const InvokeGatewayAction = "bedrock-agentcore:InvokeGateway"

// Admits says whether an endpoint policy document, as EC2 reports it, allows
// InvokeGateway on the gateway ARN: some Allow statement matches and no Deny
// statement does (IAM's evaluation: an explicit deny wins, nothing allowed is
// denied). An empty document is AWS's default, full access.
//
// It reads Effect, Action, NotAction, Resource and NotResource with IAM's
// wildcards (* and ?, case-insensitive for actions). Principal is not
// narrowed in the operator's documents (bearer-token gateways need "*"), and
// Conditions depend on the request, so a statement with a Condition counts as
// matching for a Deny and not for an Allow: the answer errs toward "not
// admitted", which only makes a refusal read DeniedByEndpointPolicy.
//
// The verification probe uses it to tell a refusal of the endpoint policy
// from a refusal of the gateway itself.
func Admits(document, gatewayARN string) (bool, error) {
	if strings.TrimSpace(document) == "" {
		return true, nil
	}
	parsed, err := parse(document)
	if err != nil {
		return false, err
	}
	top, ok := parsed.(map[string]any)
	if !ok {
		return false, fmt.Errorf("policy document is not a JSON object")
	}
	var statements []any
	switch s := top["Statement"].(type) {
	case []any:
		statements = s
	case map[string]any:
		statements = []any{s}
	}
	allowed := false
	for _, raw := range statements {
		st, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		_, conditional := st["Condition"]
		if !statementMatches(st, gatewayARN) {
			continue
		}
		switch st["Effect"] {
		case "Deny":
			return false, nil
		case "Allow":
			if !conditional {
				allowed = true
			}
		}
	}
	return allowed, nil
}

// statementMatches says whether a statement's action and resource elements
// cover InvokeGateway on arn.
func statementMatches(st map[string]any, arn string) bool {
	actionOK := true
	if v, ok := st["Action"]; ok {
		actionOK = anyMatches(v, InvokeGatewayAction, true)
	} else if v, ok := st["NotAction"]; ok {
		actionOK = !anyMatches(v, InvokeGatewayAction, true)
	}
	resourceOK := true
	if v, ok := st["Resource"]; ok {
		resourceOK = anyMatches(v, arn, false)
	} else if v, ok := st["NotResource"]; ok {
		resourceOK = !anyMatches(v, arn, false)
	}
	return actionOK && resourceOK
}

// anyMatches says whether a string or list of strings has a pattern matching
// value.
func anyMatches(patterns any, value string, foldCase bool) bool {
	var list []any
	switch p := patterns.(type) {
	case string:
		list = []any{p}
	case []any:
		list = p
	}
	for _, item := range list {
		if s, ok := item.(string); ok && wildcardMatch(s, value, foldCase) {
			return true
		}
	}
	return false
}

// wildcardMatch matches IAM's wildcards: * any run of characters, ? one.
func wildcardMatch(pattern, value string, foldCase bool) bool {
	var b strings.Builder
	b.WriteString("^")
	if foldCase {
		b.WriteString("(?i)")
	}
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(value)
}
