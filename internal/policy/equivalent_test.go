/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/policy"
)

const (
	arnA = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/a"
	arnB = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/b"
)

// written is the document the comparisons start from, in canonical form.
const written = `{"Version":"2012-10-17","Statement":[` +
	`{"Sid":"One","Effect":"Allow","Principal":"*","Action":"*","Resource":["` + arnA + `","` + arnB + `"]},` +
	`{"Sid":"Two","Effect":"Allow","Principal":"*","Action":"*","Resource":["` + arnB + `"]}]}`

func TestEquivalentIgnoresWhatIAMIgnores(t *testing.T) {
	tests := []struct {
		name string
		a, b string
	}{
		{name: "identical documents", a: written, b: written},
		{
			name: "indentation and newlines",
			a:    written,
			b: `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "One", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": ["` + arnA + `", "` + arnB + `"]},
    {"Sid": "Two", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": ["` + arnB + `"]}
  ]
}`,
		},
		{
			name: "keys in another order",
			a:    written,
			b: `{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":["` + arnA + `","` + arnB + `"],"Sid":"One"},` +
				`{"Resource":["` + arnB + `"],"Sid":"Two","Principal":"*","Effect":"Allow","Action":"*"}],"Version":"2012-10-17"}`,
		},
		{
			name: "a one-element list returned as a string",
			a:    written,
			b: `{"Version":"2012-10-17","Statement":[` +
				`{"Sid":"One","Effect":"Allow","Principal":["*"],"Action":["*"],"Resource":["` + arnA + `","` + arnB + `"]},` +
				`{"Sid":"Two","Effect":"Allow","Principal":"*","Action":"*","Resource":"` + arnB + `"}]}`,
		},
		{
			name: "statements and resources in another order, with a repeated resource",
			a:    written,
			b: `{"Version":"2012-10-17","Statement":[` +
				`{"Sid":"Two","Effect":"Allow","Principal":"*","Action":"*","Resource":["` + arnB + `"]},` +
				`{"Sid":"One","Effect":"Allow","Principal":"*","Action":"*","Resource":["` + arnB + `","` + arnA + `","` + arnB + `"]}]}`,
		},
		{
			name: "a URL-encoded document, as IAM returns them",
			a:    url.PathEscape(written),
			b:    written,
		},
		{
			name: "a URL-encoded document whose plus signs are literal",
			a:    url.PathEscape(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":"a+b"}}}]}`),
			b:    `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":["a+b"]}}}]}`,
		},
		{
			name: "a single statement object instead of a list",
			a:    `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}}`,
			b:    `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["*"],"Resource":["*"]}]}`,
		},
		{
			name: "an empty Sid and no Sid",
			a:    `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
			b:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		},
		{
			name: "no Version and the version IAM assumes without one",
			a:    `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
			b:    `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		},
		{
			name: "principals of one type in another order",
			a:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:root"]},"Action":"*","Resource":"*"}]}`,
			b:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root","arn:aws:iam::111111111111:root"]},"Action":"*","Resource":"*"}]}`,
		},
		{
			name: "condition values in another order",
			a:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":["1","2"]}}}]}`,
			b:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":["2","1"]}}}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, pair := range [][2]string{{tt.a, tt.b}, {tt.b, tt.a}} {
				same, err := policy.Equivalent(pair[0], pair[1])
				if err != nil {
					t.Fatalf("Equivalent: %v", err)
				}
				if !same {
					t.Errorf("Equivalent(\n%s,\n%s) = false, want true", pair[0], pair[1])
				}
			}
		})
	}
}

func TestEquivalentSeesEveryDifferenceInMeaning(t *testing.T) {
	allow := func(fields string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Principal":"*","Action":"*",` + fields + `}]}`
	}
	tests := []struct {
		name string
		a, b string
	}{
		{name: "another gateway", a: allow(`"Resource":"` + arnA + `"`), b: allow(`"Resource":"` + arnB + `"`)},
		{name: "one gateway fewer", a: allow(`"Resource":["` + arnA + `","` + arnB + `"]`), b: allow(`"Resource":["` + arnA + `"]`)},
		{name: "Resource versus NotResource", a: allow(`"Resource":"` + arnA + `"`), b: allow(`"NotResource":"` + arnA + `"`)},
		{name: "another Sid", a: written, b: `{"Version":"2012-10-17","Statement":[` +
			`{"Sid":"Uno","Effect":"Allow","Principal":"*","Action":"*","Resource":["` + arnA + `","` + arnB + `"]},` +
			`{"Sid":"Two","Effect":"Allow","Principal":"*","Action":"*","Resource":["` + arnB + `"]}]}`},
		{
			name: "Deny instead of Allow",
			a:    policy.FullAccess().JSON(),
			b:    `{"Version":"2008-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`,
		},
		{
			name: "anyone versus any AWS principal",
			a:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
			b:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}]}`,
		},
		{
			name: "no Version and 2012-10-17",
			a:    `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
			b:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		},
		{name: "an extra statement", a: policy.DenyAll().JSON(), b: written},
		{name: "deny-all and full access", a: policy.DenyAll().JSON(), b: policy.FullAccess().JSON()},
		{
			name: "a statement repeated",
			a:    `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
			b:    `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, pair := range [][2]string{{tt.a, tt.b}, {tt.b, tt.a}} {
				same, err := policy.Equivalent(pair[0], pair[1])
				if err != nil {
					t.Fatalf("Equivalent: %v", err)
				}
				if same {
					t.Errorf("Equivalent(\n%s,\n%s) = true, want false", pair[0], pair[1])
				}
			}
		})
	}
}

func TestEquivalentRejectsWhatIsNotAPolicyDocument(t *testing.T) {
	tests := []struct {
		name     string
		document string
	}{
		{name: "an empty string", document: ""},
		{name: "truncated JSON", document: `{"Version":"2012-10-17","Statement":[`},
		{name: "two documents back to back", document: policy.DenyAll().JSON() + policy.DenyAll().JSON()},
		{name: "a JSON list", document: `[` + policy.DenyAll().JSON() + `]`},
		{name: "a JSON string", document: `"{}"`},
		{name: "broken URL encoding", document: "%7B%zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := policy.Equivalent(tt.document, written); err == nil {
				t.Errorf("Equivalent(%q, …) returned no error", tt.document)
			}
			if _, err := policy.Equivalent(written, tt.document); err == nil {
				t.Errorf("Equivalent(…, %q) returned no error", tt.document)
			}
		})
	}
}

func TestABuiltDocumentEqualsAnyAWSReformattingOfIt(t *testing.T) {
	doc, err := policy.Build(manyGrants(5, 3))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var generic map[string]any
	if err := json.Unmarshal([]byte(doc.JSON()), &generic); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	statements := generic["Statement"].([]any)
	statements[0], statements[len(statements)-1] = statements[len(statements)-1], statements[0]
	for _, s := range statements {
		resources := s.(map[string]any)["Resource"].([]any)
		resources[0], resources[len(resources)-1] = resources[len(resources)-1], resources[0]
	}
	// MarshalIndent sorts keys and indents, as the EC2 console and CLI do.
	reformatted, err := json.MarshalIndent(generic, "", "    ")
	if err != nil {
		t.Fatalf("MarshalIndent: %v", err)
	}
	for _, returned := range []string{string(reformatted), url.QueryEscape(string(reformatted))} {
		same, err := policy.Equivalent(doc.JSON(), returned)
		if err != nil || !same {
			t.Errorf("Equivalent(built, %.60q…) = %v, %v; want true, nil", returned, same, err)
		}
	}
}
