/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/policy"
)

func FuzzEquivalent(f *testing.F) {
	f.Add(written)
	f.Add(policy.DenyAll().JSON())
	f.Add(policy.FullAccess().JSON())
	f.Add(`{"Statement":{"Effect":"Allow","Principal":{"AWS":["b","a"]},"Action":["s3:*"],"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true}}}}`)
	f.Add("%7B%22Statement%22%3A%5B%5D%7D")
	f.Fuzz(func(t *testing.T, document string) {
		same, err := policy.Equivalent(document, document)
		if err != nil {
			return
		}
		if !same {
			t.Fatalf("a document is not equivalent to itself: %q", document)
		}
		var indented bytes.Buffer
		if strings.HasPrefix(strings.TrimSpace(document), "%") || json.Indent(&indented, []byte(document), "", "  ") != nil {
			return
		}
		same, err = policy.Equivalent(document, indented.String())
		if err != nil || !same {
			t.Fatalf("Equivalent(%q, its indented form) = %v, %v; want true, nil", document, same, err)
		}
	})
}

func FuzzBuild(f *testing.F) {
	f.Add("team-a", "read", "gw-1", "gw-2")
	f.Add("a-b", "c", "*", "*")
	f.Add("ns", "p.v1", "x", "")
	f.Fuzz(func(t *testing.T, namespace, name, firstID, secondID string) {
		grants := []policy.Grant{
			{Namespace: namespace, Name: name, GatewayARNs: []string{gatewayARN(firstID), gatewayARN(secondID)}},
			{Namespace: "fixed", Name: "other", GatewayARNs: []string{gatewayARN(secondID + "x")}},
		}
		doc, err := policy.Build(grants)
		if err != nil {
			return
		}
		if !json.Valid([]byte(doc.JSON())) {
			t.Fatalf("Build gave invalid JSON: %s", doc.JSON())
		}
		if doc.Len() > policy.MaxLength {
			t.Fatalf("Build gave %d characters, over the limit", doc.Len())
		}
		if same, err := policy.Equivalent(doc.JSON(), doc.JSON()); err != nil || !same {
			t.Fatalf("Equivalent(doc, doc) = %v, %v for %s", same, err, doc.JSON())
		}
		reversed := slices.Clone(grants)
		slices.Reverse(reversed)
		again, err := policy.Build(reversed)
		if err != nil || again.JSON() != doc.JSON() {
			t.Fatalf("reversed grants gave %q, %v; want %q", again.JSON(), err, doc.JSON())
		}
		if sid := policy.StatementID(namespace, name); !iamSid.MatchString(sid) {
			t.Fatalf("StatementID(%q, %q) = %q", namespace, name, sid)
		}
	})
}
