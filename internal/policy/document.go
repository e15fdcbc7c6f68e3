/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Version is the IAM policy language version of the documents Build and
// DenyAll write.
const Version = "2012-10-17"

// MaxLength is EC2's limit, in characters, for a VPC endpoint policy.
const MaxLength = 20480

// ErrNoGrants is returned by Build for an empty grant list. There is no
// neutral merge of nothing: the caller chooses DenyAll or FullAccess from
// the endpoint's whenNoPolicies.
var ErrNoGrants = errors.New("no grants to build an endpoint policy from")

// Grant is what one accepted GatewayAccessPolicy contributes to its
// endpoint's policy: the gateways its namespace may reach.
type Grant struct {
	Namespace   string
	Name        string
	GatewayARNs []string
}

func (g Grant) key() string { return g.Namespace + "/" + g.Name }

// Document is a canonical endpoint policy document. The zero value is no
// document at all; use Build, DenyAll or FullAccess.
type Document struct {
	json string
}

// JSON returns the canonical bytes: fixed key order, no insignificant
// whitespace. This is what the operator sends to EC2.
func (d Document) JSON() string { return d.json }

// Hash returns the full lower-case hex SHA-256 of JSON(). It is recorded in
// the endpoint's status; kept whole rather than shortened so anyone can check
// it against the document EC2 returns with sha256sum, and because status is
// not a place where 48 saved characters matter.
func (d Document) Hash() string {
	sum := sha256.Sum256([]byte(d.json))
	return hex.EncodeToString(sum[:])
}

// Len returns the length of JSON() in characters, the unit of MaxLength.
func (d Document) Len() int { return utf8.RuneCountInString(d.json) }

// statement fixes the key order of the canonical form by field order.
// Principal and Action are always "*": the gateway authenticates callers with
// bearer tokens, not IAM, so the principal cannot be narrowed, and the
// endpoint only carries data-plane calls.
type statement struct {
	Sid       string `json:"Sid,omitempty"`
	Effect    string `json:"Effect"`
	Principal string `json:"Principal"`
	Action    string `json:"Action"`
	Resource  any    `json:"Resource"`
}

// DenyAll returns an explicit deny-all document, for an endpoint whose
// whenNoPolicies is Deny: without it, removing the last GatewayAccessPolicy
// would leave the previous document (or AWS's full-access default) in force.
func DenyAll() Document {
	return mustEncode(Version, []statement{{
		Sid:       "DenyAllNoAccessPolicies",
		Effect:    "Deny",
		Principal: "*",
		Action:    "*",
		Resource:  "*",
	}})
}

// FullAccessVersion is the Version of FullAccess. AWS's default policy of an
// interface endpoint has no Version element, which IAM reads as 2008-10-17
// (gateway endpoints spell that version out); writing it explicitly makes
// FullAccess Equivalent to the default of an untouched endpoint, so
// whenNoPolicies Allow costs no write on a new endpoint.
const FullAccessVersion = "2008-10-17"

// FullAccess returns AWS's default endpoint policy: anyone, any action, any
// resource reachable through the endpoint.
func FullAccess() Document {
	return mustEncode(FullAccessVersion, []statement{{
		Effect:    "Allow",
		Principal: "*",
		Action:    "*",
		Resource:  "*",
	}})
}

// Build merges grants into one document: one Allow statement per grant, its
// Sid from StatementID, its Resource the grant's gateway ARNs deduplicated
// and sorted, statements sorted by Sid.
//
// Resource is always a list, even of one ARN, so a statement keeps one shape
// as gateways are added and removed; Equivalent treats AWS returning a bare
// string as the same thing.
//
// Build returns ErrNoGrants for no grants, an *InvalidGrantError for a grant
// that cannot become a valid statement, and a *TooLargeError when the result
// would exceed MaxLength. It never returns a partial document: the caller
// keeps the last good one.
func Build(grants []Grant) (Document, error) {
	if len(grants) == 0 {
		return Document{}, ErrNoGrants
	}
	stmts := make([]encodedStatement, 0, len(grants))
	owners := make(map[string]string, len(grants))
	for _, grant := range grants {
		if err := validateGrant(grant); err != nil {
			return Document{}, err
		}
		sid := StatementID(grant.Namespace, grant.Name)
		if owner, taken := owners[sid]; taken {
			return Document{}, &InvalidGrantError{
				Grant: grant.key(),
				Err:   fmt.Errorf("statement ID %s is already used by %s", sid, owner),
			}
		}
		owners[sid] = grant.key()
		encoded, err := json.Marshal(statement{
			Sid:       sid,
			Effect:    "Allow",
			Principal: "*",
			Action:    "*",
			Resource:  sortedUnique(grant.GatewayARNs),
		})
		if err != nil {
			return Document{}, fmt.Errorf("encoding statement of %s: %w", grant.key(), err)
		}
		stmts = append(stmts, encodedStatement{sid: sid, owner: grant.key(), json: encoded})
	}
	slices.SortFunc(stmts, func(a, b encodedStatement) int { return strings.Compare(a.sid, b.sid) })

	doc := assemble(Version, stmts)
	if length := doc.Len(); length > MaxLength {
		return Document{}, &TooLargeError{Length: length, Limit: MaxLength, Largest: largestOwners(stmts)}
	}
	return doc, nil
}

type encodedStatement struct {
	sid   string
	owner string
	json  []byte
}

// assemble writes the document envelope by hand around statements encoded
// one by one, so Build learns each grant's share of the length for free. The
// bytes are those json.Marshal would give for the whole document.
func assemble(version string, stmts []encodedStatement) Document {
	var b strings.Builder
	b.WriteString(`{"Version":`)
	quoted, _ := json.Marshal(version)
	b.Write(quoted)
	b.WriteString(`,"Statement":[`)
	for i, s := range stmts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(s.json)
	}
	b.WriteString(`]}`)
	return Document{json: b.String()}
}

func mustEncode(version string, stmts []statement) Document {
	encoded := make([]encodedStatement, 0, len(stmts))
	for _, s := range stmts {
		raw, err := json.Marshal(s)
		if err != nil {
			panic(fmt.Sprintf("encoding a constant policy statement: %v", err))
		}
		encoded = append(encoded, encodedStatement{sid: s.Sid, json: raw})
	}
	return assemble(version, encoded)
}

func validateGrant(grant Grant) error {
	invalid := func(err error) error { return &InvalidGrantError{Grant: grant.key(), Err: err} }
	if grant.Namespace == "" || grant.Name == "" {
		return invalid(errors.New("namespace and name are both required"))
	}
	if len(grant.GatewayARNs) == 0 {
		return invalid(errors.New("no gateway ARNs: a statement needs at least one Resource"))
	}
	for i, arn := range grant.GatewayARNs {
		if _, err := ParseARN(arn); err != nil {
			return invalid(fmt.Errorf("gatewayARNs[%d]: %w", i, err))
		}
	}
	return nil
}

func sortedUnique(values []string) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	return slices.Compact(out)
}

// InvalidGrantError says which GatewayAccessPolicy cannot become a statement
// and why.
type InvalidGrantError struct {
	// Grant is the policy's namespace/name.
	Grant string
	Err   error
}

func (e *InvalidGrantError) Error() string {
	return fmt.Sprintf("GatewayAccessPolicy %s: %v", e.Grant, e.Err)
}

func (e *InvalidGrantError) Unwrap() error { return e.Err }
