/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const (
	// maxReadableSid caps the readable part of a Sid: a namespace and name
	// may together reach 316 characters, and every character of a Sid counts
	// against MaxLength.
	maxReadableSid = 64
	// sidHashBytes of SHA-256 (8 hex characters) tell apart policies whose
	// readable parts coincide, such as a-b/c and a/b-c.
	sidHashBytes = 4
)

// StatementID returns the Sid of the statement the GatewayAccessPolicy
// namespace/name contributes, e.g. "TeamAReadGateways" followed by 8 hex
// characters for team-a/read-gateways.
//
// IAM allows only [A-Za-z0-9] in a Sid, so the readable part, each of
// namespace and name in CamelCase at '-' and '.', loses the separators and
// with them uniqueness; the hash of "namespace/name" restores it. The result
// is stable: changing this derivation would change every Sid and so rewrite
// every endpoint policy once.
func StatementID(namespace, name string) string {
	readable := camelCase(namespace) + camelCase(name)
	if len(readable) > maxReadableSid {
		readable = readable[:maxReadableSid]
	}
	sum := sha256.Sum256([]byte(namespace + "/" + name))
	return readable + hex.EncodeToString(sum[:sidHashBytes])
}

// camelCase keeps ASCII letters and digits, upper-casing the first letter of
// each run between any other characters.
func camelCase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	wordStart := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			if wordStart {
				c -= 'a' - 'A'
			}
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		default:
			wordStart = true
			continue
		}
		b.WriteByte(c)
		wordStart = false
	}
	return b.String()
}
