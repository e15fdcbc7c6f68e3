/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/policy"
)

func TestBuildWritesOneSortedAllowStatementPerGrant(t *testing.T) {
	doc, err := policy.Build([]policy.Grant{
		{Namespace: "team-b", Name: "search", GatewayARNs: []string{gatewayARN("search-gw")}},
		{Namespace: "team-a", Name: "tools", GatewayARNs: []string{gatewayARN("tools-2"), gatewayARN("tools-1"), gatewayARN("tools-2")}},
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"` + policy.StatementID("team-a", "tools") + `","Effect":"Allow","Principal":"*","Action":"*","Resource":[` +
		`"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/tools-1",` +
		`"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/tools-2"]},` +
		`{"Sid":"` + policy.StatementID("team-b", "search") + `","Effect":"Allow","Principal":"*","Action":"*","Resource":[` +
		`"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/search-gw"]}]}`
	if got := doc.JSON(); got != want {
		t.Errorf("Build() =\n%s\nwant\n%s", got, want)
	}
	if doc.Len() != len(want) {
		t.Errorf("Len() = %d, want %d", doc.Len(), len(want))
	}
	if !json.Valid([]byte(doc.JSON())) {
		t.Errorf("Build() is not valid JSON: %s", doc.JSON())
	}
}

func TestAnyPermutationOfTheSameGrantsGivesIdenticalBytes(t *testing.T) {
	grants := manyGrants(12, 4)
	reference, err := policy.Build(grants)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	random := rand.New(rand.NewPCG(2026, 7))
	for round := range 500 {
		shuffled := make([]policy.Grant, 0, len(grants))
		for _, g := range grants {
			arns := slices.Clone(g.GatewayARNs)
			// Repeat some ARNs: duplicates must vanish, not change the bytes.
			for range random.IntN(3) {
				arns = append(arns, arns[random.IntN(len(arns))])
			}
			random.Shuffle(len(arns), func(i, j int) { arns[i], arns[j] = arns[j], arns[i] })
			shuffled = append(shuffled, policy.Grant{Namespace: g.Namespace, Name: g.Name, GatewayARNs: arns})
		}
		random.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		doc, err := policy.Build(shuffled)
		if err != nil {
			t.Fatalf("round %d: Build: %v", round, err)
		}
		if doc.JSON() != reference.JSON() || doc.Hash() != reference.Hash() {
			t.Fatalf("round %d: permuted grants gave different bytes:\n%s\nwant\n%s", round, doc.JSON(), reference.JSON())
		}
	}
}

func TestBuildDoesNotModifyTheCallersGrants(t *testing.T) {
	arns := []string{gatewayARN("b"), gatewayARN("a"), gatewayARN("b")}
	if _, err := policy.Build([]policy.Grant{{Namespace: "ns", Name: "p", GatewayARNs: arns}}); err != nil {
		t.Fatalf("Build: %v", err)
	}
	if want := []string{gatewayARN("b"), gatewayARN("a"), gatewayARN("b")}; !slices.Equal(arns, want) {
		t.Errorf("GatewayARNs after Build = %v, want %v", arns, want)
	}
}

func TestBuildRefusesInputThatCannotBecomeAPolicy(t *testing.T) {
	valid := []string{gatewayARN("gw")}
	tests := []struct {
		name   string
		grants []policy.Grant
		want   string // namespace/name in the InvalidGrantError, "" for ErrNoGrants
	}{
		{name: "no grants at all", grants: nil},
		{name: "a grant without a namespace", grants: []policy.Grant{{Name: "p", GatewayARNs: valid}}, want: "/p"},
		{name: "a grant without a name", grants: []policy.Grant{{Namespace: "ns", GatewayARNs: valid}}, want: "ns/"},
		{name: "a grant without gateway ARNs", grants: []policy.Grant{{Namespace: "ns", Name: "p"}}, want: "ns/p"},
		{
			name:   "a grant with a malformed gateway ARN",
			grants: []policy.Grant{{Namespace: "ns", Name: "p", GatewayARNs: []string{gatewayARN("gw"), "arn:aws:s3:::bucket"}}},
			want:   "ns/p",
		},
		{
			name: "the same policy listed twice",
			grants: []policy.Grant{
				{Namespace: "ns", Name: "p", GatewayARNs: valid},
				{Namespace: "ns", Name: "p", GatewayARNs: valid},
			},
			want: "ns/p",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := policy.Build(tt.grants)
			if err == nil {
				t.Fatalf("Build() = %s, want an error", doc.JSON())
			}
			if doc != (policy.Document{}) {
				t.Errorf("Build() returned a partial document %q with its error", doc.JSON())
			}
			if tt.want == "" {
				if !errors.Is(err, policy.ErrNoGrants) {
					t.Errorf("Build() error = %v, want ErrNoGrants", err)
				}
				return
			}
			var invalid *policy.InvalidGrantError
			if !errors.As(err, &invalid) {
				t.Fatalf("Build() error = %v (%T), want *InvalidGrantError", err, err)
			}
			if invalid.Grant != tt.want {
				t.Errorf("InvalidGrantError.Grant = %q, want %q", invalid.Grant, tt.want)
			}
		})
	}
}

func TestFixedDocumentsAreExactlyWhatEC2Expects(t *testing.T) {
	tests := []struct {
		name string
		doc  policy.Document
		want string
	}{
		{
			name: "deny-all denies everyone everything",
			doc:  policy.DenyAll(),
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllNoAccessPolicies","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`,
		},
		{
			name: "full access is AWS's default policy",
			doc:  policy.FullAccess(),
			want: `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.doc.JSON(); got != tt.want {
				t.Errorf("JSON() =\n%s\nwant\n%s", got, tt.want)
			}
			if len(tt.doc.Hash()) != 64 {
				t.Errorf("Hash() = %q, want 64 hex characters", tt.doc.Hash())
			}
		})
	}
}

func TestFullAccessEqualsTheDefaultPolicyOfAnUntouchedEndpoint(t *testing.T) {
	// As DescribeVpcEndpoints reports an interface endpoint created without
	// a policy document.
	const awsDefault = "{\n  \"Statement\": [\n    {\n      \"Action\": \"*\", \n      \"Effect\": \"Allow\", \n" +
		"      \"Principal\": \"*\", \n      \"Resource\": \"*\"\n    }\n  ]\n}"
	same, err := policy.Equivalent(policy.FullAccess().JSON(), awsDefault)
	if err != nil || !same {
		t.Errorf("Equivalent(FullAccess, AWS default) = %v, %v; want true, nil", same, err)
	}
}

func TestHashChangesWithTheDocumentAndOnlyWithIt(t *testing.T) {
	one, _ := policy.Build([]policy.Grant{{Namespace: "ns", Name: "p", GatewayARNs: []string{gatewayARN("a")}}})
	again, _ := policy.Build([]policy.Grant{{Namespace: "ns", Name: "p", GatewayARNs: []string{gatewayARN("a")}}})
	other, _ := policy.Build([]policy.Grant{{Namespace: "ns", Name: "p", GatewayARNs: []string{gatewayARN("b")}}})
	if one.Hash() != again.Hash() {
		t.Errorf("the same grants hash to %s and %s", one.Hash(), again.Hash())
	}
	if one.Hash() == other.Hash() {
		t.Errorf("different grants share hash %s", one.Hash())
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, size := range []struct {
		name           string
		grants, perArn int
	}{
		{name: "25 grants of 10 ARNs, within the limit", grants: 25, perArn: 10},
		{name: "50 grants of 10 ARNs, over the limit", grants: 50, perArn: 10},
	} {
		grants := manyGrants(size.grants, size.perArn)
		b.Run(size.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = policy.Build(grants)
			}
		})
	}
}
