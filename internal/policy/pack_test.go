/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// bigGrant has gateways enough to take about chars characters of the
// document.
func bigGrant(namespace, name string, chars int) policy.Grant {
	g := policy.Grant{Namespace: namespace, Name: name}
	for i := 0; chars > 0; i++ {
		arn := gatewayARN(namespace + "-" + name + "-" + strings.Repeat("x", 40) + string(rune('a'+i%26)) + strings.Repeat("y", i/26))
		g.GatewayARNs = append(g.GatewayARNs, arn)
		chars -= len(arn) + 3
	}
	return g
}

func candidates(grants ...policy.Grant) []policy.Candidate {
	out := make([]policy.Candidate, len(grants))
	for i, g := range grants {
		out[i] = policy.Candidate{Grant: g}
	}
	return out
}

func TestPackAdmitsEveryCandidateThatFitsAndMatchesBuild(t *testing.T) {
	grants := manyGrants(5, 3)
	doc, outcomes := policy.Pack(candidates(grants...))
	built, err := policy.Build(grants)
	if err != nil {
		t.Fatal(err)
	}
	if doc.JSON() != built.JSON() {
		t.Errorf("Pack and Build disagree:\n%s\n%s", doc.JSON(), built.JSON())
	}
	for i, o := range outcomes {
		if o.Refused != nil || len(o.Resource) != 3 {
			t.Errorf("candidate %d: %+v, want admitted with its 3 gateways", i, o)
		}
	}
}

func TestPackRefusesOnlyTheCandidatesThatDoNotFitAndAppliesTheRest(t *testing.T) {
	first := bigGrant("team-a", "big", 12000)
	second := bigGrant("team-b", "big", 12000) // does not fit after first
	third := policy.Grant{Namespace: "team-c", Name: "small", GatewayARNs: []string{gatewayARN("small-gw")}}
	doc, outcomes := policy.Pack(candidates(first, second, third))

	var noRoom *policy.NoRoomError
	if !errors.As(outcomes[1].Refused, &noRoom) || noRoom.KeptPrevious || len(outcomes[1].Resource) != 0 {
		t.Fatalf("second candidate: %+v, want refused for room with nothing kept", outcomes[1])
	}
	if noRoom.Free >= noRoom.Needed {
		t.Errorf("NoRoomError %+v: free should be less than needed", noRoom)
	}
	if outcomes[0].Refused != nil || outcomes[2].Refused != nil {
		t.Errorf("first and third must be admitted: %+v, %+v", outcomes[0], outcomes[2])
	}
	if doc.Len() > policy.MaxLength {
		t.Errorf("document is %d characters, over EC2's limit", doc.Len())
	}
	resources := policy.AllowedResources(doc.JSON())
	if _, ok := resources[policy.StatementID("team-b", "big")]; ok {
		t.Error("the refused candidate has a statement in the document")
	}
	if got := resources[policy.StatementID("team-c", "small")]; !slices.Equal(got, third.GatewayARNs) {
		t.Errorf("third candidate's statement = %v, want %v", got, third.GatewayARNs)
	}
}

func TestPackKeepsAGrownPolicysPreviousGatewaysLessTheOnesItDropped(t *testing.T) {
	first := bigGrant("team-a", "big", 15000)
	kept := []string{gatewayARN("keep-me"), gatewayARN("revoke-me")}
	grown := bigGrant("team-b", "grown", 8000)
	grown.GatewayARNs = append(grown.GatewayARNs, gatewayARN("keep-me")) // revoke-me is dropped
	doc, outcomes := policy.Pack([]policy.Candidate{{Grant: first}, {Grant: grown, Kept: kept}})

	var noRoom *policy.NoRoomError
	if !errors.As(outcomes[1].Refused, &noRoom) || !noRoom.KeptPrevious {
		t.Fatalf("grown candidate: %+v, want refused with its previous statement kept", outcomes[1])
	}
	want := []string{gatewayARN("keep-me")}
	if !slices.Equal(outcomes[1].Resource, want) {
		t.Errorf("kept gateways = %v, want %v (the revoked one must go)", outcomes[1].Resource, want)
	}
	if got := policy.AllowedResources(doc.JSON())[policy.StatementID("team-b", "grown")]; !slices.Equal(got, want) {
		t.Errorf("document statement = %v, want %v", got, want)
	}
}

func TestPackNeverLetsAStatementIDCollisionStallTheOthers(t *testing.T) {
	a := policy.Grant{Namespace: "team-a", Name: "p", GatewayARNs: []string{gatewayARN("a")}}
	twin := policy.Grant{Namespace: "team-a", Name: "p", GatewayARNs: []string{gatewayARN("b")}}
	c := policy.Grant{Namespace: "team-c", Name: "p", GatewayARNs: []string{gatewayARN("c")}}
	doc, outcomes := policy.Pack(candidates(a, twin, c))
	var invalid *policy.InvalidGrantError
	if !errors.As(outcomes[1].Refused, &invalid) {
		t.Fatalf("twin: %+v, want an InvalidGrantError", outcomes[1])
	}
	if outcomes[0].Refused != nil || outcomes[2].Refused != nil || len(policy.AllowedResources(doc.JSON())) != 2 {
		t.Errorf("the others must be applied: %+v %+v\n%s", outcomes[0], outcomes[2], doc.JSON())
	}
}

func TestPackOfNothingAdmittedIsTheZeroDocument(t *testing.T) {
	tests := map[string][]policy.Candidate{
		"no candidates":   nil,
		"only an invalid": candidates(policy.Grant{Namespace: "team-a", Name: "p", GatewayARNs: []string{"arn:aws:s3:::bucket"}}),
	}
	for name, cands := range tests {
		t.Run(name, func(t *testing.T) {
			if doc, _ := policy.Pack(cands); doc.JSON() != "" {
				t.Errorf("document = %s, want none", doc.JSON())
			}
		})
	}
}

func TestAllowedResourcesReadsDocumentsAsAWSReturnsThem(t *testing.T) {
	doc, err := policy.Build(manyGrants(2, 2))
	if err != nil {
		t.Fatal(err)
	}
	single := `{"Statement":{"Sid":"One","Effect":"Allow","Principal":"*","Action":"*","Resource":"` + gatewayARN("x") + `"}}`
	tests := []struct {
		name string
		doc  string
		sid  string
		want []string
	}{
		{"a canonical document", doc.JSON(), policy.StatementID("team-01", "policy-01"), manyGrants(2, 2)[1].GatewayARNs},
		{"URL-encoded", url.QueryEscape(doc.JSON()), policy.StatementID("team-00", "policy-00"), manyGrants(2, 2)[0].GatewayARNs},
		{"a single statement with a string Resource", single, "One", []string{gatewayARN("x")}},
		{"a Deny statement is not an allow", policy.DenyAll().JSON(), "DenyAllNoAccessPolicies", nil},
		{"not JSON", "{", "One", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policy.AllowedResources(tt.doc)[tt.sid]; !slices.Equal(got, tt.want) {
				t.Errorf("Resource of %s = %v, want %v", tt.sid, got, tt.want)
			}
		})
	}
}
