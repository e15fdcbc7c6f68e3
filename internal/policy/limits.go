/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxReportedContributors bounds TooLargeError.Largest: a status message
// naming fifty policies helps nobody more than one naming five.
const maxReportedContributors = 5

// TooLargeError is returned by Build when the merged document would exceed
// EC2's limit. Nothing is applied in that case; the endpoint keeps its last
// good document.
type TooLargeError struct {
	// Length is the merged document's length in characters.
	Length int
	// Limit is EC2's limit, MaxLength.
	Limit int
	// Largest names (namespace/name) the GatewayAccessPolicies whose
	// statements take the most characters, largest first.
	Largest []string
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf(
		"merged endpoint policy would be %d characters, %d over EC2's limit of %d: "+
			"remove gateway ARNs or GatewayAccessPolicies attached to this endpoint "+
			"(largest first: %s), or attach some of them to another GatewayEndpoint",
		e.Length, e.Length-e.Limit, e.Limit, strings.Join(e.Largest, ", "))
}

// largestOwners ranks grants by the characters their statement adds to the
// document, separating comma included; ties go by name so the message is
// stable from one reconcile to the next.
func largestOwners(stmts []encodedStatement) []string {
	type share struct {
		owner  string
		length int
	}
	shares := make([]share, 0, len(stmts))
	for _, s := range stmts {
		shares = append(shares, share{owner: s.owner, length: utf8.RuneCount(s.json) + 1})
	}
	slices.SortFunc(shares, func(a, b share) int {
		if c := cmp.Compare(b.length, a.length); c != 0 {
			return c
		}
		return strings.Compare(a.owner, b.owner)
	})
	owners := make([]string, 0, min(len(shares), maxReportedContributors))
	for _, s := range shares[:min(len(shares), maxReportedContributors)] {
		owners = append(owners, s.owner)
	}
	return owners
}
