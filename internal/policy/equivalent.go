/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// defaultVersion is what IAM assumes for a document without a Version.
const defaultVersion = "2008-10-17"

// Equivalent reports whether two policy documents, as written by the
// operator or as returned by AWS, mean the same thing.
//
// It ignores only what IAM ignores: whitespace; object key order; statement
// order; the order and repetition of values in Action, NotAction, Resource,
// NotResource, Principal, NotPrincipal (including within {"AWS": ...}-style
// principals) and condition values; a string versus a list holding just that
// string; an empty Sid versus none; a missing Version versus "2008-10-17".
// Everything else is compared as written: "*" and {"AWS":"*"} differ, and
// so do "2012-10-17" and a missing Version. Erring towards "different" costs
// one idempotent write; erring towards "same" would hide drift.
//
// A document starting with '%' is URL-decoded first, as IAM returns them.
func Equivalent(a, b string) (bool, error) {
	canonicalA, err := canonicalize(a)
	if err != nil {
		return false, fmt.Errorf("first policy document: %w", err)
	}
	canonicalB, err := canonicalize(b)
	if err != nil {
		return false, fmt.Errorf("second policy document: %w", err)
	}
	return canonicalA == canonicalB, nil
}

// canonicalize rewrites a document into a form where equivalent documents
// are byte-identical: encoding/json sorts object keys, and every list whose
// order IAM ignores is sorted here.
func canonicalize(document string) (string, error) {
	parsed, err := parse(document)
	if err != nil {
		return "", err
	}
	top, ok := parsed.(map[string]any)
	if !ok {
		return "", errors.New("a policy document must be a JSON object")
	}
	if _, ok := top["Version"]; !ok {
		top["Version"] = defaultVersion
	}
	if statements, ok := top["Statement"]; ok {
		canonical, err := canonicalStatements(statements)
		if err != nil {
			return "", err
		}
		top["Statement"] = canonical
	}
	out, err := json.Marshal(top)
	if err != nil {
		return "", fmt.Errorf("encoding canonical form: %w", err)
	}
	return string(out), nil
}

// parse reads a document, URL-decoding it first when it starts with '%'.
// IAM encodes per RFC 3986, where '+' is a literal plus, so that reading
// comes first; form encoders write a space as '+', which read literally
// leaves invalid JSON, so that reading is the fallback.
func parse(document string) (any, error) {
	text := strings.TrimSpace(document)
	if !strings.HasPrefix(text, "%") {
		return parseJSON(text)
	}
	unescaped, err := url.PathUnescape(text)
	if err != nil {
		return nil, fmt.Errorf("URL-decoding: %w", err)
	}
	parsed, err := parseJSON(unescaped)
	if err == nil || !strings.Contains(text, "+") {
		return parsed, err
	}
	formDecoded, formErr := url.QueryUnescape(text)
	if formErr != nil {
		return nil, err
	}
	if parsed, formErr := parseJSON(formDecoded); formErr == nil {
		return parsed, nil
	}
	return nil, err
}

func parseJSON(text string) (any, error) {
	decoder := json.NewDecoder(strings.NewReader(text))
	// Numbers stay as written so 1 and 1.0 are not silently equal.
	decoder.UseNumber()
	var parsed any
	if err := decoder.Decode(&parsed); err != nil {
		return nil, fmt.Errorf("parsing JSON: %w", err)
	}
	if _, err := decoder.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("parsing JSON: unexpected data after the document")
	}
	return parsed, nil
}

// canonicalStatements accepts a single statement object as IAM does, and
// keeps duplicates: the comparison stays a multiset, never looser than IAM.
func canonicalStatements(value any) ([]json.RawMessage, error) {
	list, ok := value.([]any)
	if !ok {
		list = []any{value}
	}
	encoded := make([]json.RawMessage, 0, len(list))
	for _, item := range list {
		if stmt, ok := item.(map[string]any); ok {
			canonicalStatement(stmt)
		}
		raw, err := json.Marshal(item)
		if err != nil {
			return nil, fmt.Errorf("encoding statement: %w", err)
		}
		encoded = append(encoded, raw)
	}
	slices.SortFunc(encoded, func(a, b json.RawMessage) int { return strings.Compare(string(a), string(b)) })
	return encoded, nil
}

func canonicalStatement(stmt map[string]any) {
	if sid, ok := stmt["Sid"]; ok && sid == "" {
		delete(stmt, "Sid")
	}
	for _, key := range []string{"Action", "NotAction", "Resource", "NotResource"} {
		if value, ok := stmt[key]; ok {
			stmt[key] = valueSet(value)
		}
	}
	for _, key := range []string{"Principal", "NotPrincipal"} {
		value, ok := stmt[key]
		if !ok {
			continue
		}
		if byType, isMap := value.(map[string]any); isMap {
			for principalType, principals := range byType {
				byType[principalType] = valueSet(principals)
			}
			continue
		}
		stmt[key] = valueSet(value)
	}
	if conditions, ok := stmt["Condition"].(map[string]any); ok {
		for _, byKey := range conditions {
			if byKey, ok := byKey.(map[string]any); ok {
				for key, values := range byKey {
					byKey[key] = valueSet(values)
				}
			}
		}
	}
}

// valueSet turns a scalar or a list into a sorted list without repeats.
// Objects are left alone: they are not a form IAM allows in these places,
// and comparing them as written is the safe choice.
func valueSet(value any) any {
	list, isList := value.([]any)
	if !isList {
		if _, isObject := value.(map[string]any); isObject {
			return value
		}
		list = []any{value}
	}
	type member struct {
		key   string
		value any
	}
	members := make([]member, 0, len(list))
	for _, item := range list {
		raw, err := json.Marshal(item)
		if err != nil {
			return value
		}
		members = append(members, member{key: string(raw), value: item})
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	members = slices.CompactFunc(members, func(a, b member) bool { return a.key == b.key })
	set := make([]any, 0, len(members))
	for _, m := range members {
		set = append(set, m.value)
	}
	return set
}
