/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/policy"
)

var iamSid = regexp.MustCompile(`^[A-Za-z0-9]+$`)

func TestStatementIDsAreReadableAndNeverChange(t *testing.T) {
	// A changed Sid rewrites every endpoint policy in every cluster: these
	// values are a compatibility promise, not just examples.
	tests := []struct {
		namespace, name string
		want            string
	}{
		{namespace: "team-a", name: "read-gateways", want: "TeamAReadGateways862faa31"},
		{namespace: "default", name: "search.v2", want: "DefaultSearchV2daced46b"},
		{namespace: "a-b", name: "c", want: "ABC4e84717d"},
		{namespace: "a", name: "b-c", want: "ABCb88f83c8"},
	}
	for _, tt := range tests {
		t.Run(tt.namespace+"/"+tt.name, func(t *testing.T) {
			if got := policy.StatementID(tt.namespace, tt.name); got != tt.want {
				t.Errorf("StatementID(%q, %q) = %q, want %q", tt.namespace, tt.name, got, tt.want)
			}
		})
	}
}

func TestStatementIDsNeverCollide(t *testing.T) {
	tests := []struct {
		name         string
		first, other [2]string
	}{
		{name: "the same letters split differently between namespace and name", first: [2]string{"a-b", "c"}, other: [2]string{"a", "b-c"}},
		{name: "a hyphen versus a dot", first: [2]string{"ns", "my-policy"}, other: [2]string{"ns", "my.policy"}},
		{name: "a hyphen versus none", first: [2]string{"ns", "my-policy"}, other: [2]string{"ns", "mypolicy"}},
		{name: "a double hyphen versus a single one", first: [2]string{"ns", "a--b"}, other: [2]string{"ns", "a-b"}},
		{name: "names equal up to the readable length cap", first: [2]string{strings.Repeat("n", 63), "x-1"}, other: [2]string{strings.Repeat("n", 63), "x-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := policy.StatementID(tt.first[0], tt.first[1])
			b := policy.StatementID(tt.other[0], tt.other[1])
			if a == b {
				t.Errorf("%s/%s and %s/%s share Sid %q", tt.first[0], tt.first[1], tt.other[0], tt.other[1], a)
			}
		})
	}
}

func TestStatementIDsAreUniqueAcrossManySimilarNames(t *testing.T) {
	// Every split of short strings over the characters that make Sids
	// ambiguous once separators are dropped.
	alphabet := []string{"a", "b", "-", ".", "1"}
	var words []string
	var grow func(prefix string, depth int)
	grow = func(prefix string, depth int) {
		if prefix != "" {
			words = append(words, prefix)
		}
		if depth == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+c, depth-1)
		}
	}
	grow("", 4)
	seen := make(map[string]string, len(words)*len(words))
	for _, namespace := range words {
		for _, name := range words {
			sid := policy.StatementID(namespace, name)
			if previous, dup := seen[sid]; dup {
				t.Fatalf("%s/%s and %s share Sid %q", namespace, name, previous, sid)
			}
			seen[sid] = namespace + "/" + name
		}
	}
}

func TestStatementIDsUseOnlyCharactersIAMAllows(t *testing.T) {
	tests := []struct {
		name                  string
		namespace, policyName string
	}{
		{name: "an ordinary name", namespace: "team-a", policyName: "read"},
		{name: "a dotted name", namespace: "prod", policyName: "agents.v1.search"},
		{name: "names of only separators", namespace: "-", policyName: "."},
		{name: "upper case and underscores that Kubernetes would refuse", namespace: "Team_A", policyName: "Read_Only"},
		{name: "non-ASCII letters", namespace: "équipe", policyName: "lecture-ü"},
		{name: "the longest namespace and name", namespace: strings.Repeat("n", 63), policyName: strings.Repeat("a.b-", 63)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sid := policy.StatementID(tt.namespace, tt.policyName)
			if !iamSid.MatchString(sid) {
				t.Errorf("StatementID(%q, %q) = %q, want only [A-Za-z0-9]", tt.namespace, tt.policyName, sid)
			}
			if len(sid) > 72 {
				t.Errorf("StatementID(%q, %q) is %d characters, want at most 72", tt.namespace, tt.policyName, len(sid))
			}
		})
	}
}
