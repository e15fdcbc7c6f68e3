/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/policy"
)

func TestDocumentsUpToEC2sLimitAreBuiltAndLongerOnesRefused(t *testing.T) {
	tests := []struct {
		name    string
		length  int
		refused bool
	}{
		{name: "one character under the limit", length: policy.MaxLength - 1},
		{name: "exactly at the limit", length: policy.MaxLength},
		{name: "one character over the limit", length: policy.MaxLength + 1, refused: true},
		{name: "far over the limit", length: 2 * policy.MaxLength, refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := policy.Build(grantsOfLength(tt.length))
			if !tt.refused {
				if err != nil {
					t.Fatalf("Build: %v", err)
				}
				if doc.Len() != tt.length {
					t.Fatalf("Len() = %d, want %d", doc.Len(), tt.length)
				}
				return
			}
			var tooLarge *policy.TooLargeError
			if !errors.As(err, &tooLarge) {
				t.Fatalf("Build() error = %v, want *TooLargeError", err)
			}
			if tooLarge.Length != tt.length || tooLarge.Limit != policy.MaxLength {
				t.Errorf("TooLargeError{Length: %d, Limit: %d}, want {%d, %d}", tooLarge.Length, tooLarge.Limit, tt.length, policy.MaxLength)
			}
			if doc != (policy.Document{}) {
				t.Errorf("Build() returned a partial document with its error")
			}
		})
	}
}

func TestTooLargeErrorNamesTheBiggestPoliciesFirstAndSaysWhatToDo(t *testing.T) {
	grants := manyGrants(60, 4)
	grants[17].GatewayARNs = append(grants[17].GatewayARNs, manyGrants(1, 30)[0].GatewayARNs...)
	grants[3].GatewayARNs = append(grants[3].GatewayARNs, manyGrants(1, 20)[0].GatewayARNs...)
	grants[42].GatewayARNs = append(grants[42].GatewayARNs, manyGrants(1, 10)[0].GatewayARNs...)

	_, err := policy.Build(grants)
	var tooLarge *policy.TooLargeError
	if !errors.As(err, &tooLarge) {
		t.Fatalf("Build() error = %v, want *TooLargeError", err)
	}
	wantLargest := []string{"team-17/policy-17", "team-03/policy-03", "team-42/policy-42", "team-00/policy-00", "team-01/policy-01"}
	if !slices.Equal(tooLarge.Largest, wantLargest) {
		t.Errorf("Largest = %v, want %v", tooLarge.Largest, wantLargest)
	}
	for _, want := range []string{"20480", "over EC2's limit", "team-17/policy-17, team-03/policy-03", "another GatewayEndpoint"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
