/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Candidate is one accepted GatewayAccessPolicy competing for room in its
// endpoint's document. Pack takes candidates in priority order.
type Candidate struct {
	Grant
	// Kept are the gateways of the statement the endpoint's document holds
	// for this policy now (read from AWS), nil when it holds none. A policy
	// that grew past the room left keeps these, narrowed to what it still
	// names: a revocation always lands, an addition waits for room.
	Kept []string
}

// Outcome is what Pack did with one candidate.
type Outcome struct {
	// Resource are the gateways of the statement written for the
	// candidate, sorted; empty when it is left out entirely.
	Resource []string
	// Refused says why the candidate's statement is not in the document as
	// asked (a *NoRoomError or an *InvalidGrantError); nil when it is.
	Refused error
}

// NoRoomError says that a policy's statement did not fit in what was left of
// EC2's limit after the policies ahead of it.
type NoRoomError struct {
	// Needed is the statement's length in characters.
	Needed int
	// Free is what was left of MaxLength when its turn came.
	Free int
	// KeptPrevious says whether its previous statement (narrowed to the
	// gateways it still names) stays in the document instead.
	KeptPrevious bool
}

func (e *NoRoomError) Error() string {
	msg := fmt.Sprintf("its statement needs %d characters but only %d of the endpoint policy's %d are left after the policies applied before it",
		e.Needed, e.Free, MaxLength)
	if e.KeptPrevious {
		msg += "; the gateways it had before (less any it no longer names) stay admitted"
	}
	return msg
}

// Pack builds the endpoint's document from candidates in priority order:
// each is admitted whole if its statement fits in what the ones before it
// left of MaxLength; otherwise it keeps its previous statement narrowed to
// the gateways it still names, when that fits, or is left out. A candidate
// that cannot become a statement (an invalid grant, a Sid already taken) is
// left out too. One refusal never holds back the others, so a policy that
// shrinks or disappears is always reflected in the result.
//
// The document is the zero Document when no statement is admitted.
func Pack(candidates []Candidate) (Document, []Outcome) {
	outcomes := make([]Outcome, len(candidates))
	var stmts []encodedStatement
	owners := make(map[string]string, len(candidates))
	length := assemble(Version, nil).Len()
	for i, c := range candidates {
		if err := validateGrant(c.Grant); err != nil {
			outcomes[i].Refused = err
			continue
		}
		sid := StatementID(c.Namespace, c.Name)
		if owner, taken := owners[sid]; taken {
			outcomes[i].Refused = &InvalidGrantError{Grant: c.key(), Err: fmt.Errorf("statement ID %s is already used by %s", sid, owner)}
			continue
		}
		full := allowStatement(sid, c.key(), sortedUnique(c.GatewayARNs))
		if need := statementCost(full, len(stmts)); length+need <= MaxLength {
			stmts, length = append(stmts, full), length+need
			owners[sid] = c.key()
			outcomes[i].Resource = sortedUnique(c.GatewayARNs)
			continue
		}
		refusal := &NoRoomError{Needed: utf8.RuneCount(full.json), Free: MaxLength - length}
		outcomes[i].Refused = refusal
		if kept := intersect(c.Kept, c.GatewayARNs); len(kept) > 0 {
			narrowed := allowStatement(sid, c.key(), kept)
			if need := statementCost(narrowed, len(stmts)); length+need <= MaxLength {
				stmts, length = append(stmts, narrowed), length+need
				owners[sid] = c.key()
				outcomes[i].Resource = kept
				refusal.KeptPrevious = true
			}
		}
	}
	if len(stmts) == 0 {
		return Document{}, outcomes
	}
	slices.SortFunc(stmts, func(a, b encodedStatement) int { return strings.Compare(a.sid, b.sid) })
	return assemble(Version, stmts), outcomes
}

// statementCost is what adding stmt to n others adds to the document's
// length: the statement and, after the first, a comma.
func statementCost(stmt encodedStatement, n int) int {
	cost := utf8.RuneCount(stmt.json)
	if n > 0 {
		cost++
	}
	return cost
}

func allowStatement(sid, owner string, resources []string) encodedStatement {
	encoded, err := json.Marshal(statement{Sid: sid, Effect: "Allow", Principal: "*", Action: "*", Resource: resources})
	if err != nil {
		panic(fmt.Sprintf("encoding a statement of strings: %v", err))
	}
	return encodedStatement{sid: sid, owner: owner, json: encoded}
}

// intersect returns the values of kept that want also holds, sorted and
// without repeats.
func intersect(kept, want []string) []string {
	var out []string
	for _, k := range sortedUnique(kept) {
		if slices.Contains(want, k) {
			out = append(out, k)
		}
	}
	return out
}

// AllowedResources reads, from a document as AWS returns it, the Resource
// of each Allow statement by Sid. A document that cannot be read gives an
// empty map: then nothing counts as applied, which only costs priority.
func AllowedResources(document string) map[string][]string {
	out := map[string][]string{}
	if document == "" {
		return out
	}
	parsed, err := parse(document)
	if err != nil {
		return out
	}
	top, _ := parsed.(map[string]any)
	var stmts []any
	switch s := top["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	}
	for _, raw := range stmts {
		st, _ := raw.(map[string]any)
		sid, _ := st["Sid"].(string)
		if effect, _ := st["Effect"].(string); sid == "" || effect != "Allow" {
			continue
		}
		switch r := st["Resource"].(type) {
		case string:
			out[sid] = []string{r}
		case []any:
			for _, v := range r {
				if s, ok := v.(string); ok {
					out[sid] = append(out[sid], s)
				}
			}
		}
	}
	return out
}
