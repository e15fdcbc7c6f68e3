/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy_test

import (
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/policy"
)

func TestParseARN(t *testing.T) {
	tests := []struct {
		name    string
		arn     string
		want    policy.GatewayARN
		wantErr string // part of the message, "" for success
	}{
		{
			name: "a gateway in the commercial partition parses",
			arn:  "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/my-gateway-a1b2c3d4e5",
			want: policy.GatewayARN{Partition: "aws", Region: "us-east-1", Account: "123456789012", GatewayID: "my-gateway-a1b2c3d4e5"},
		},
		{
			name: "a gateway in GovCloud parses",
			arn:  "arn:aws-us-gov:bedrock-agentcore:us-gov-west-1:123456789012:gateway/gw_1",
			want: policy.GatewayARN{Partition: "aws-us-gov", Region: "us-gov-west-1", Account: "123456789012", GatewayID: "gw_1"},
		},
		{
			name: "every gateway of an account parses as the wildcard",
			arn:  "arn:aws:bedrock-agentcore:eu-central-1:123456789012:gateway/*",
			want: policy.GatewayARN{Partition: "aws", Region: "eu-central-1", Account: "123456789012", GatewayID: "*"},
		},
		{name: "an empty string is refused", arn: "", wantErr: "is not an ARN"},
		{name: "a bare gateway ID is refused", arn: "my-gateway-a1b2c3d4e5", wantErr: "is not an ARN"},
		{name: "a gateway ID containing a colon is refused", arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/a:b", wantErr: "is not an ARN"},
		{name: "a non-AWS partition is refused", arn: "arn:azure:bedrock-agentcore:us-east-1:123456789012:gateway/gw", wantErr: "partition"},
		{name: "another service is refused", arn: "arn:aws:bedrock:us-east-1:123456789012:gateway/gw", wantErr: "service"},
		{name: "a missing region is refused", arn: "arn:aws:bedrock-agentcore::123456789012:gateway/gw", wantErr: "region"},
		{name: "a wildcard region is refused", arn: "arn:aws:bedrock-agentcore:*:123456789012:gateway/gw", wantErr: "region"},
		{name: "an 11-digit account is refused", arn: "arn:aws:bedrock-agentcore:us-east-1:12345678901:gateway/gw", wantErr: "account"},
		{name: "an account alias is refused", arn: "arn:aws:bedrock-agentcore:us-east-1:my-account:gateway/gw", wantErr: "account"},
		{name: "another resource type is refused", arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/rt", wantErr: "resource"},
		{name: "an empty gateway ID is refused", arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/", wantErr: "gateway ID"},
		{name: "a partial wildcard is refused", arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/prod-*", wantErr: "gateway ID"},
		{name: "a gateway ID with a path is refused", arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw/target", wantErr: "gateway ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := policy.ParseARN(tt.arn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseARN(%q) error = %v, want one mentioning %q", tt.arn, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseARN(%q): %v", tt.arn, err)
			}
			if got != tt.want {
				t.Errorf("ParseARN(%q) = %+v, want %+v", tt.arn, got, tt.want)
			}
			if got.String() != tt.arn {
				t.Errorf("String() = %q, want the input %q", got.String(), tt.arn)
			}
		})
	}
}
