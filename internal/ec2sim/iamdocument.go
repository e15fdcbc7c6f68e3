package ec2sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// This file parses an identity-based policy document and decides one request against it.
//
// Grammar: IAM JSON policy element reference
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).
// Decision: policy evaluation logic for a request within one account with only an
// identity-based policy (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
// an applicable Deny statement decides the request (explicit deny), otherwise an
// applicable Allow statement allows it, otherwise it is implicitly denied
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html).

// policyVersionWithVariables is the only policy language version in which IAM replaces
// policy variables; in older documents "${...}" is literal text
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html).
const policyVersionWithVariables = "2012-10-17"

// iamDocument is a parsed identity-based policy.
type iamDocument struct {
	// variables says whether ${...} in Resource and Condition values is a policy variable.
	variables  bool
	statements []iamStatement
}

type iamStatement struct {
	sid  string
	deny bool
	// actions are the Action (or, with notAction, NotAction) patterns.
	actions   []string
	notAction bool
	// resources are the Resource (or, with notResource, NotResource) patterns.
	resources   []string
	notResource bool
	conditions  []iamCondition
}

// policyJSON and statementJSON mirror the document; elements an identity-based policy may
// not carry (Principal, NotPrincipal) or that do not exist are refused, as IAM refuses
// them when the policy is created.
type policyJSON struct {
	Version   string          `json:"Version"`
	ID        string          `json:"Id"`
	Statement json.RawMessage `json:"Statement"`
}

type statementJSON struct {
	Sid         string                                `json:"Sid"`
	Effect      string                                `json:"Effect"`
	Action      *stringOrList                         `json:"Action"`
	NotAction   *stringOrList                         `json:"NotAction"`
	Resource    *stringOrList                         `json:"Resource"`
	NotResource *stringOrList                         `json:"NotResource"`
	Condition   map[string]map[string]json.RawMessage `json:"Condition"`
}

// stringOrList is the policy grammar's "a string or a list of strings".
type stringOrList []string

func (l *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings, got %s", b)
	}
	*l = many
	return nil
}

// parseIAMDocument parses and validates an identity-based policy document.
func parseIAMDocument(raw []byte) (*iamDocument, error) {
	var doc policyJSON
	if err := strictUnmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("policy document: %w", err)
	}
	var statements []statementJSON
	switch trimmed := bytes.TrimSpace(doc.Statement); {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("policy document has no Statement")
	case trimmed[0] == '{':
		var one statementJSON
		if err := strictUnmarshal(trimmed, &one); err != nil {
			return nil, fmt.Errorf("statement: %w", err)
		}
		statements = []statementJSON{one}
	default:
		var many []json.RawMessage
		if err := json.Unmarshal(trimmed, &many); err != nil {
			return nil, fmt.Errorf("the Statement element: want an object or a list of objects: %w", err)
		}
		for i, m := range many {
			var st statementJSON
			if err := strictUnmarshal(m, &st); err != nil {
				return nil, fmt.Errorf("statement %d: %w", i, err)
			}
			statements = append(statements, st)
		}
	}
	out := &iamDocument{variables: doc.Version == policyVersionWithVariables}
	for i, st := range statements {
		parsed, err := parseStatement(st)
		if err != nil {
			return nil, fmt.Errorf("statement %d (%s): %w", i, st.Sid, err)
		}
		out.statements = append(out.statements, parsed)
	}
	return out, nil
}

func strictUnmarshal(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func parseStatement(st statementJSON) (iamStatement, error) {
	out := iamStatement{sid: st.Sid}
	switch st.Effect {
	case "Allow":
	case "Deny":
		out.deny = true
	default:
		return out, fmt.Errorf("the Effect %q: want Allow or Deny", st.Effect)
	}
	// A statement has exactly one of Action/NotAction and one of Resource/NotResource
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html,
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html).
	switch {
	case (st.Action == nil) == (st.NotAction == nil):
		return out, fmt.Errorf("want exactly one of Action and NotAction")
	case (st.Resource == nil) == (st.NotResource == nil):
		return out, fmt.Errorf("want exactly one of Resource and NotResource (an identity-based policy names its resources)")
	case st.Action != nil:
		out.actions = *st.Action
	default:
		out.actions, out.notAction = *st.NotAction, true
	}
	if st.Resource != nil {
		out.resources = *st.Resource
	} else {
		out.resources, out.notResource = *st.NotResource, true
	}
	for operator, keys := range st.Condition {
		for key, raw := range keys {
			c, err := parseCondition(operator, key, raw)
			if err != nil {
				return out, err
			}
			out.conditions = append(out.conditions, c)
		}
	}
	// Map order is random; a stable order keeps decisions and messages reproducible.
	slices.SortFunc(out.conditions, func(a, b iamCondition) int {
		return strings.Compare(a.operator+" "+a.key, b.operator+" "+b.key)
	})
	return out, nil
}

// iamDecision is the outcome of evaluating one request against the document.
type iamDecision struct {
	allowed      bool
	explicitDeny bool
	// statements are the Sids of the statements that decided: the Deny statements that
	// apply, or the Allow statements that apply.
	statements []string
}

// decide evaluates one request: an action on one resource with its context.
func (d *iamDocument) decide(r authzRequest) iamDecision {
	var allows, denies []string
	for _, st := range d.statements {
		if !st.applies(d, r) {
			continue
		}
		if st.deny {
			denies = append(denies, st.sid)
		} else {
			allows = append(allows, st.sid)
		}
	}
	switch {
	case len(denies) > 0:
		return iamDecision{explicitDeny: true, statements: denies}
	case len(allows) > 0:
		return iamDecision{allowed: true, statements: allows}
	}
	return iamDecision{}
}

func (st iamStatement) applies(d *iamDocument, r authzRequest) bool {
	if st.matchesAction(r.action) == st.notAction {
		return false
	}
	if st.matchesResource(d, r) == st.notResource {
		return false
	}
	for _, c := range st.conditions {
		if !c.holds(d, r.context) {
			return false
		}
	}
	return true
}

// matchesAction: "The prefix and the action name are case insensitive", and both may
// carry * and ? (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
func (st iamStatement) matchesAction(action string) bool {
	for _, p := range st.actions {
		if globMatch(literalPattern(strings.ToLower(p)), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

// matchesResource: a Resource may carry wildcards and policy variables; a variable the
// request cannot resolve makes that entry match nothing
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
func (st iamStatement) matchesResource(d *iamDocument, r authzRequest) bool {
	for _, p := range st.resources {
		pattern, ok := expandVariables(p, r.context, d.variables)
		if ok && arnMatch(pattern, r.resource) {
			return true
		}
	}
	return false
}
