package gatewaysim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// InvokeGatewayAction is the action a request to a gateway is authorized as. AWS_FACTS.md,
// "The service": "The action used elsewhere in AWS's docs is bedrock-agentcore:InvokeGateway".
const InvokeGatewayAction = "bedrock-agentcore:InvokeGateway"

// Decision is the outcome of evaluating an endpoint policy for one request.
type Decision struct {
	// Allowed is true when an Allow statement applies and no Deny statement does.
	Allowed bool
	// Reason says which statement decided, or why none did, for logs and test failures.
	Reason string
}

// policyDocument is the part of the IAM policy grammar an endpoint policy uses
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
type policyDocument struct {
	Version   string          `json:"Version"`
	Statement statementList   `json:"Statement"`
	ID        json.RawMessage `json:"Id"`
}

type policyStatement struct {
	Sid          string          `json:"Sid"`
	Effect       string          `json:"Effect"`
	Principal    json.RawMessage `json:"Principal"`
	NotPrincipal json.RawMessage `json:"NotPrincipal"`
	Action       stringList      `json:"Action"`
	NotAction    stringList      `json:"NotAction"`
	Resource     stringList      `json:"Resource"`
	NotResource  stringList      `json:"NotResource"`
	Condition    json.RawMessage `json:"Condition"`
}

// statementList is IAM's Statement: one statement or a list of them.
type statementList []policyStatement

func (l *statementList) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		return json.Unmarshal(b, (*[]policyStatement)(l))
	}
	var one policyStatement
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*l = statementList{one}
	return nil
}

// stringList is IAM's string-or-list-of-strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		return json.Unmarshal(b, (*[]string)(l))
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*l = stringList{one}
	return nil
}

// Evaluate decides whether an endpoint policy document admits a bearer-token request for
// action on resource, as the endpoint evaluates it for a request that passes through it.
//
// What it encodes, from AWS's documentation:
//   - No policy is full access (AWS_FACTS.md, "Endpoints": "no policy = full access").
//   - An explicit Deny overrides any Allow; without an Allow the request is denied
//     (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
//   - A bearer-token (OAuth) caller is no IAM principal, so only Principal "*" (or
//     {"AWS": "*"}) applies to it: AWS_FACTS.md, "OAuth (JWT) gateways need Principal: "*"".
//     NotPrincipal applies to it unless it lists "*".
//   - Action names compare case-insensitively, with * and ? wildcards
//     (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
//   - Resource ARNs compare case-sensitively, segment by segment (the six colon-separated
//     parts), with * and ? wildcards inside a segment; "*" alone matches every resource
//     (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
//
// What it does not model: conditions. A statement with a Condition block is treated as
// failing closed — an Allow with a condition does not apply, a Deny with a condition does —
// because the request context AWS would evaluate it against (source IP, VPC, tags) is not
// simulated. A document that does not parse denies, with the parse error as the reason.
func Evaluate(document, action, resource string) Decision {
	if strings.TrimSpace(document) == "" {
		return Decision{Allowed: true, Reason: "no endpoint policy: full access"}
	}
	var doc policyDocument
	if err := json.Unmarshal([]byte(document), &doc); err != nil {
		return Decision{Reason: fmt.Sprintf("endpoint policy does not parse: %v", err)}
	}
	allowedBy := ""
	for i := range doc.Statement {
		st := &doc.Statement[i]
		applies, err := st.applies(action, resource)
		if err != nil {
			return Decision{Reason: fmt.Sprintf("statement %s: %v", st.name(i), err)}
		}
		if !applies {
			continue
		}
		switch st.Effect {
		case "Deny":
			return Decision{Reason: fmt.Sprintf("explicitly denied by statement %s", st.name(i))}
		case "Allow":
			if allowedBy == "" {
				allowedBy = st.name(i)
			}
		default:
			return Decision{Reason: fmt.Sprintf("statement %s: Effect %q is neither Allow nor Deny", st.name(i), st.Effect)}
		}
	}
	if allowedBy == "" {
		return Decision{Reason: fmt.Sprintf("no statement allows %s on %s", action, resource)}
	}
	return Decision{Allowed: true, Reason: "allowed by statement " + allowedBy}
}

func (st *policyStatement) name(i int) string {
	if st.Sid != "" {
		return fmt.Sprintf("%q", st.Sid)
	}
	return fmt.Sprintf("#%d", i)
}

// applies reports whether the statement's principal, action, resource and condition match
// the request.
func (st *policyStatement) applies(action, resource string) (bool, error) {
	principal, err := st.matchesAnonymousPrincipal()
	if err != nil || !principal {
		return false, err
	}
	actions, err := matchList(st.Action, st.NotAction, "Action", func(p string) bool { return matchAction(p, action) })
	if err != nil || !actions {
		return false, err
	}
	resources, err := matchList(st.Resource, st.NotResource, "Resource", func(p string) bool { return matchARN(p, resource) })
	if err != nil || !resources {
		return false, err
	}
	if len(bytes.TrimSpace(st.Condition)) > 0 && !bytes.Equal(bytes.TrimSpace(st.Condition), []byte("null")) {
		// Conditions are not evaluated: fail closed (see Evaluate).
		return st.Effect == "Deny", nil
	}
	return true, nil
}

// matchList applies an element and its Not form; exactly one of them must be present.
func matchList(list, notList stringList, element string, match func(string) bool) (bool, error) {
	switch {
	case list != nil && notList != nil:
		return false, fmt.Errorf("both %s and Not%s", element, element)
	case list != nil:
		return anyMatch(list, match), nil
	case notList != nil:
		return !anyMatch(notList, match), nil
	default:
		return false, fmt.Errorf("neither %s nor Not%s", element, element)
	}
}

func anyMatch(patterns []string, match func(string) bool) bool {
	for _, p := range patterns {
		if match(p) {
			return true
		}
	}
	return false
}

// matchesAnonymousPrincipal reports whether the statement applies to a caller that is no
// IAM principal (a bearer token).
func (st *policyStatement) matchesAnonymousPrincipal() (bool, error) {
	switch {
	case st.Principal != nil && st.NotPrincipal != nil:
		return false, errors.New("both Principal and NotPrincipal")
	case st.Principal != nil:
		return principalIsEveryone(st.Principal)
	case st.NotPrincipal != nil:
		everyone, err := principalIsEveryone(st.NotPrincipal)
		return !everyone, err
	default:
		// AWS_FACTS.md, "Endpoints": an endpoint policy "must contain a Principal".
		return false, errors.New("no Principal")
	}
}

// principalIsEveryone reports whether a Principal value names every caller: "*" or
// {"AWS": "*"} (or a list holding "*").
func principalIsEveryone(raw json.RawMessage) (bool, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s == "*", nil
	}
	var m map[string]stringList
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, fmt.Errorf("principal %s: %w", raw, err)
	}
	for _, v := range m["AWS"] {
		if v == "*" {
			return true, nil
		}
	}
	return false, nil
}

func matchAction(pattern, action string) bool {
	return wildcardMatch(strings.ToLower(pattern), strings.ToLower(action))
}

func matchARN(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	ps := strings.SplitN(pattern, ":", 6)
	as := strings.SplitN(arn, ":", 6)
	if len(ps) != 6 || len(as) != 6 {
		return false
	}
	for i := range ps {
		if !wildcardMatch(ps[i], as[i]) {
			return false
		}
	}
	return true
}

// wildcardMatch matches s against a pattern where * is any run of characters and ? any one
// character; nothing else is special.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
