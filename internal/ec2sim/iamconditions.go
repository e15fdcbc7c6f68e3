package ec2sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// This file evaluates a statement's Condition block and the policy variables in it.
//
// Semantics, from the IAM User Guide:
//   - operators of a block, and keys under one operator, are ANDed; the values of one key
//     are ORed, or NORed for a negated operator ("Conditions with multiple context keys or
//     values", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html);
//   - a key missing from the request makes an operator false, a negated one (StringNotLike,
//     ArnNotLike, ...) true; ...IfExists is true when the key is missing; Null "true" holds
//     when the key is missing ("Condition operators",
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html);
//   - ForAllValues holds when every request value matches a policy value, and also when the
//     key is missing or empty; ForAnyValue needs one request value that matches and is false
//     for a missing key ("Single-valued vs. multivalued context keys",
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html,
//     and "Multivalued context key examples",
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html);
//   - context key names are not case-sensitive; values are, unless the operator says
//     IgnoreCase ("IAM JSON policy elements: Condition",
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html);
//   - policy variables: ${key} takes the request's single value of key, ${key, 'default'}
//     falls back to the default, ${*} ${?} ${$} are the literal characters, and a
//     multivalued key cannot be a variable ("IAM policy elements: Variables and tags",
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
//     "If AWS cannot resolve a variable this might cause the entire statement to be
//     invalid": here a condition whose values hold a variable the request cannot resolve is
//     false, whatever its operator, so the statement does not apply — an Allow grants
//     nothing, a Deny denies nothing.

// iamContext is a request context: condition keys, in lower case, to their values.
type iamContext map[string][]string

func (c iamContext) add(key string, values ...string) {
	k := strings.ToLower(key)
	c[k] = append(c[k], values...)
}

func (c iamContext) values(key string) []string { return c[strings.ToLower(key)] }

type iamCondition struct {
	operator string // as written, e.g. "ForAllValues:StringNotLike"
	base     string // without qualifier and IfExists, e.g. "StringNotLike"
	set      string // "", "ForAllValues" or "ForAnyValue"
	ifExists bool
	key      string
	values   []string
}

// conditionOperators are the operators the simulator evaluates, and whether each is negated.
var conditionOperators = map[string]bool{
	"StringEquals": false, "StringNotEquals": true,
	"StringEqualsIgnoreCase": false, "StringNotEqualsIgnoreCase": true,
	"StringLike": false, "StringNotLike": true,
	"ArnEquals": false, "ArnLike": false, "ArnNotEquals": true, "ArnNotLike": true,
	"Bool": false, "Null": false,
}

func parseCondition(operator, key string, raw json.RawMessage) (iamCondition, error) {
	c := iamCondition{operator: operator, key: key}
	base := operator
	if set, rest, ok := strings.Cut(operator, ":"); ok {
		if set != "ForAllValues" && set != "ForAnyValue" {
			return c, fmt.Errorf("condition operator %q: unknown set qualifier %q", operator, set)
		}
		c.set, base = set, rest
	}
	base, c.ifExists = strings.CutSuffix(base, "IfExists")
	if _, ok := conditionOperators[base]; !ok {
		return c, fmt.Errorf("condition operator %q is not one the simulator evaluates (String*, Arn*, Bool, Null)", operator)
	}
	if base == "Null" && (c.ifExists || c.set != "") {
		return c, fmt.Errorf("condition operator %q: Null takes no qualifier", operator)
	}
	c.base = base
	values, err := conditionValues(raw)
	if err != nil {
		return c, fmt.Errorf("condition %s %s: %w", operator, key, err)
	}
	c.values = values
	return c, nil
}

// conditionValues reads a value or a list of values; booleans and numbers are written
// without quotes in many policies ("Bool": {"aws:SecureTransport": false}).
func conditionValues(raw json.RawMessage) ([]string, error) {
	var list []json.RawMessage
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &list); err != nil {
			return nil, err
		}
	} else {
		list = []json.RawMessage{raw}
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		dec := json.NewDecoder(bytes.NewReader(item))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case bool, json.Number:
			out = append(out, fmt.Sprint(v))
		default:
			return nil, fmt.Errorf("want strings, booleans or numbers, got %s", item)
		}
	}
	return out, nil
}

// holds evaluates the condition against the request context.
func (c iamCondition) holds(d *iamDocument, ctx iamContext) bool {
	requestValues := ctx.values(c.key)
	present := len(requestValues) > 0
	if c.base == "Null" {
		for _, v := range c.values {
			if strings.EqualFold(v, "true") == !present {
				return true
			}
		}
		return false
	}
	patterns := make([][]patRune, 0, len(c.values))
	for _, v := range c.values {
		p, ok := expandVariables(v, ctx, d.variables)
		if !ok {
			return false
		}
		patterns = append(patterns, p)
	}
	negated := conditionOperators[c.base]
	// matches says whether one request value satisfies the operator: for a positive
	// operator, one policy value matches it (OR); for a negated one, none does (NOR).
	matches := func(rv string) bool {
		hit := slices.ContainsFunc(patterns, func(p []patRune) bool { return matchValue(c.base, p, rv) })
		return hit != negated
	}
	switch c.set {
	case "ForAllValues":
		return !slices.ContainsFunc(requestValues, func(rv string) bool { return !matches(rv) })
	case "ForAnyValue":
		return slices.ContainsFunc(requestValues, matches)
	}
	if !present {
		return c.ifExists || negated
	}
	// A plain operator on a key with several values (which AWS advises against): a
	// positive operator needs one value to match, a negated one needs every value to
	// differ. AWS documents no rule for this case; this is the reading that never grants
	// more than the set operators would.
	if negated {
		return !slices.ContainsFunc(requestValues, func(rv string) bool { return !matches(rv) })
	}
	return slices.ContainsFunc(requestValues, matches)
}

// matchValue compares one policy value (a pattern) with one request value, ignoring
// negation.
func matchValue(base string, p []patRune, v string) bool {
	switch base {
	case "StringEquals", "StringNotEquals":
		return patternText(p) == v
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		return strings.EqualFold(patternText(p), v)
	case "StringLike", "StringNotLike":
		return globMatch(p, v)
	case "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike":
		return arnMatch(p, v)
	case "Bool":
		return strings.EqualFold(patternText(p), v)
	}
	return false
}

// patRune is one character of a pattern; literal ones never act as wildcards (the value
// of a policy variable, ${*} and ${?}).
type patRune struct {
	r       rune
	literal bool
}

// literalPattern is a pattern whose * and ? are wildcards.
func literalPattern(s string) []patRune {
	out := make([]patRune, 0, len(s))
	for _, r := range s {
		out = append(out, patRune{r: r})
	}
	return out
}

func appendLiteral(p []patRune, s string) []patRune {
	for _, r := range s {
		p = append(p, patRune{r: r, literal: true})
	}
	return p
}

func patternText(p []patRune) string {
	var b strings.Builder
	for _, pr := range p {
		b.WriteRune(pr.r)
	}
	return b.String()
}

// expandVariables replaces the policy variables of a Resource or condition value with the
// request's values; false when one cannot be resolved.
func expandVariables(template string, ctx iamContext, enabled bool) ([]patRune, bool) {
	if !enabled {
		return literalPattern(template), true
	}
	var out []patRune
	rest := template
	for {
		start := strings.Index(rest, "${")
		if start < 0 {
			return append(out, literalPattern(rest)...), true
		}
		end := strings.IndexByte(rest[start:], '}')
		if end < 0 {
			return append(out, literalPattern(rest)...), true
		}
		out = append(out, literalPattern(rest[:start])...)
		value, ok := resolveVariable(rest[start+2:start+end], ctx)
		if !ok {
			return nil, false
		}
		out = appendLiteral(out, value)
		rest = rest[start+end+1:]
	}
}

func resolveVariable(inner string, ctx iamContext) (string, bool) {
	switch inner {
	case "*", "?", "$":
		return inner, true
	}
	key, fallback, hasDefault := strings.Cut(inner, ",")
	if values := ctx.values(strings.TrimSpace(key)); len(values) == 1 {
		return values[0], true
	}
	fallback = strings.TrimSpace(fallback)
	if hasDefault && len(fallback) >= 2 && strings.HasPrefix(fallback, "'") && strings.HasSuffix(fallback, "'") {
		return fallback[1 : len(fallback)-1], true
	}
	return "", false
}

// globMatch matches s against a pattern where * is any run of characters and ? any one.
func globMatch(p []patRune, s string) bool {
	runes := []rune(s)
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(runes) {
		switch {
		case pi < len(p) && !p[pi].literal && p[pi].r == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && ((!p[pi].literal && p[pi].r == '?') || p[pi].r == runes[si]):
			pi++
			si++
		case star >= 0:
			pi, mark = star+1, mark+1
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && !p[pi].literal && p[pi].r == '*' {
		pi++
	}
	return pi == len(p)
}

// arnMatch matches an ARN: "*" alone matches every resource; otherwise each of the six
// colon-separated parts is matched separately, wildcards staying inside their part, the
// last part (the resource) taking the rest of the ARN (ArnLike in "Condition operators";
// "IAM JSON policy elements: Resource").
func arnMatch(p []patRune, arn string) bool {
	if len(p) == 1 && p[0] == (patRune{r: '*'}) {
		return true
	}
	patternParts := splitPattern(p, 6)
	arnParts := strings.SplitN(arn, ":", 6)
	if len(patternParts) != 6 || len(arnParts) != 6 {
		// Not two ARNs: an ARN pattern with parts missing matches no ARN (IAM refuses such
		// a Resource when the policy is created); anything else is a plain pattern.
		return !strings.HasPrefix(patternText(p), "arn:") && globMatch(p, arn)
	}
	for i := range 6 {
		if !globMatch(patternParts[i], arnParts[i]) {
			return false
		}
	}
	return true
}

func splitPattern(p []patRune, n int) [][]patRune {
	var out [][]patRune
	start := 0
	for i, pr := range p {
		if len(out) == n-1 {
			break
		}
		if pr.r == ':' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}
