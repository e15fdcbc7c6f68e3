/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iam_test

import (
	"fmt"
	"regexp"
	"strings"
)

// This file evaluates the policy the way IAM evaluates an identity policy
// with only Allow statements, for the subset of the grammar the policy uses:
// a request is allowed on a resource when one statement names the action,
// matches the resource's ARN and has every condition hold. EC2 authorizes a
// request once per resource it touches, each with that resource's tags, so a
// request context here is one resource's.
//
// Semantics followed (IAM User Guide, "IAM JSON policy elements: Condition
// operators" and "Single-valued vs. multivalued context keys"):
//   - keys and operators of one Condition block are ANDed, the values of one
//     key ORed (for negated operators: none may match);
//   - a key missing from the request makes a positive operator false, a
//     negated one true, and an ...IfExists one true;
//   - Null "true" holds when the key is missing, "false" when it is present;
//   - ForAllValues holds for a missing or empty key and otherwise when every
//     request value matches; ForAnyValue needs one matching value;
//   - StringLike's * and ? match any run of characters and one character;
//   - a policy variable that the request cannot resolve makes the statement
//     not apply.

// requestContext maps condition keys to their values for one resource of one
// request.
type requestContext map[string][]string

// evaluate returns the Sid of a statement of doc that allows action on arn
// with ctx, or "" when none does.
func evaluate(doc policyDocument, action, arn string, ctx requestContext) (string, error) {
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || !s.grants(action) || !anyGlob(s.Resource, arn) {
			continue
		}
		ok, err := conditionsHold(s, ctx)
		if err != nil {
			return "", fmt.Errorf("statement %s: %w", s.Sid, err)
		}
		if ok {
			return s.Sid, nil
		}
	}
	return "", nil
}

func conditionsHold(s statement, ctx requestContext) (bool, error) {
	for operator, keys := range s.Condition {
		for key, values := range keys {
			ok, err := conditionHolds(operator, key, values, ctx)
			if err != nil || !ok {
				return false, err
			}
		}
	}
	return true, nil
}

func conditionHolds(operator, key string, policyValues []string, ctx requestContext) (bool, error) {
	resolved := make([]string, 0, len(policyValues))
	for _, v := range policyValues {
		r, ok := resolveVariables(v, ctx)
		if !ok {
			return false, nil
		}
		resolved = append(resolved, r)
	}
	set, base := "", operator
	if s, rest, ok := strings.Cut(operator, ":"); ok {
		set, base = s, rest
	}
	ifExists := strings.HasSuffix(base, "IfExists")
	base = strings.TrimSuffix(base, "IfExists")
	requestValues, present := ctx[key]
	present = present && len(requestValues) > 0

	if base == "Null" {
		if set != "" || len(resolved) != 1 || (resolved[0] != "true" && resolved[0] != "false") {
			return false, fmt.Errorf("%s %s: Null takes one value, true or false", operator, key)
		}
		return (resolved[0] == "true") == !present, nil
	}
	var match func(string) bool
	negated := false
	switch base {
	case "StringEquals":
		match = func(v string) bool { return contains(resolved, v) }
	case "StringNotEquals":
		match, negated = func(v string) bool { return !contains(resolved, v) }, true
	case "StringLike":
		match = func(v string) bool { return anyGlob(resolved, v) }
	case "StringNotLike":
		match, negated = func(v string) bool { return !anyGlob(resolved, v) }, true
	default:
		return false, fmt.Errorf("operator %s is not one this evaluator knows; extend it before using it in the policy", operator)
	}
	switch set {
	case "ForAllValues":
		for _, v := range requestValues {
			if !match(v) {
				return false, nil
			}
		}
		return true, nil
	case "ForAnyValue":
		for _, v := range requestValues {
			if match(v) {
				return true, nil
			}
		}
		return false, nil
	case "":
		if !present {
			return ifExists || negated, nil
		}
		if len(requestValues) != 1 {
			return false, fmt.Errorf("%s compares the multivalued key %s without ForAllValues or ForAnyValue", operator, key)
		}
		return match(requestValues[0]), nil
	default:
		return false, fmt.Errorf("unknown set operator in %s", operator)
	}
}

var variablePattern = regexp.MustCompile(`\$\{([^}]*)\}`)

// resolveVariables replaces the policy variables in v with the request's
// values; false when one of them is not in the request.
func resolveVariables(v string, ctx requestContext) (string, bool) {
	ok := true
	out := variablePattern.ReplaceAllStringFunc(v, func(m string) string {
		values := ctx[variablePattern.FindStringSubmatch(m)[1]]
		if len(values) != 1 {
			ok = false
			return ""
		}
		return values[0]
	})
	return out, ok
}

// anyGlob says whether s matches one of the IAM wildcard patterns.
func anyGlob(patterns []string, s string) bool {
	for _, p := range patterns {
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

func globMatch(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// request describes one resource of one EC2 request.
type request struct {
	action       string
	resource     string            // the resource's ARN
	resourceTags map[string]string // the tags the resource has (aws:ResourceTag)
	requestTags  map[string]string // the tags the request sets (aws:RequestTag, aws:TagKeys)
	keys         map[string]string // other condition keys: ec2:CreateAction, ec2:VpceServiceName, ...
	region       string
}

// context builds the request context of r for a role session carrying
// principalTags.
func (r request) context(principalTags map[string]string) requestContext {
	ctx := requestContext{"aws:RequestedRegion": {r.region}}
	for k, v := range principalTags {
		ctx["aws:PrincipalTag/"+k] = []string{v}
	}
	for k, v := range r.resourceTags {
		ctx["aws:ResourceTag/"+k] = []string{v}
	}
	for k, v := range r.requestTags {
		ctx["aws:RequestTag/"+k] = []string{v}
		ctx["aws:TagKeys"] = append(ctx["aws:TagKeys"], k)
	}
	for k, v := range r.keys {
		ctx[k] = []string{v}
	}
	return ctx
}

// arn is the ARN of an EC2 resource in region.
func arn(region, typ, id string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:111122223333:%s/%s", region, typ, id)
}
