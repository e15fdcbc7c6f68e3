package ec2sim

import "testing"

// These tests pin the policy evaluator to the IAM User Guide's rules, one rule per case;
// the pages are cited where each rule is implemented (iamdocument.go, iamconditions.go).

const (
	endpointARN = "arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/vpce-0123456789abcdef0"
	vpcARN      = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123456789abcdef0"
)

// keys builds a request context from key/value pairs; a key given twice gets both values.
func keys(kv ...string) iamContext {
	ctx := iamContext{}
	for i := 0; i+1 < len(kv); i += 2 {
		ctx.add(kv[i], kv[i+1])
	}
	return ctx
}

// allowWhen wraps a condition block in a statement allowing ec2:CreateTags on everything.
func allowWhen(condition string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":` + condition + `}}`
}

type evaluationCase struct {
	name     string
	policy   string
	action   string // default ec2:CreateTags
	resource string // default endpointARN
	context  iamContext
	want     string // "allow", "implicit" or "explicit"
}

func (c evaluationCase) run(t *testing.T) {
	t.Helper()
	doc, err := parseIAMDocument([]byte(c.policy))
	if err != nil {
		t.Fatalf("%s: parsing: %v", c.name, err)
	}
	r := authzRequest{action: c.action, resource: c.resource, context: c.context}
	if r.action == "" {
		r.action = "ec2:CreateTags"
	}
	if r.resource == "" {
		r.resource = endpointARN
	}
	if r.context == nil {
		r.context = iamContext{}
	}
	d := doc.decide(r)
	got := "implicit"
	switch {
	case d.explicitDeny:
		got = "explicit"
	case d.allowed:
		got = "allow"
	}
	if got != c.want {
		t.Errorf("%s: decision = %s, want %s", c.name, got, c.want)
	}
}

func TestPolicyEvaluationFollowsIAMsEvaluationLogic(t *testing.T) {
	for _, c := range []evaluationCase{
		{name: "an explicit deny wins over an allow", want: "explicit", policy: `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ec2:*","Resource":"*"},
			{"Effect":"Deny","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*:*:vpc-endpoint/*"}]}`},
		{name: "nothing that applies is an implicit deny", want: "implicit", policy: `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ec2:DeleteTags","Resource":"*"}]}`},
		{name: "a deny that does not apply leaves the allow", want: "allow", policy: `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"},
			{"Effect":"Deny","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*:*:security-group/*"}]}`},
		{name: "action names ignore case", want: "allow", action: "ec2:CreateVpcEndpoint",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"EC2:createvpcendpoint","Resource":"*"}}`},
		{name: "actions take * wildcards", want: "allow", action: "ec2:CreateVpcEndpoint",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:Create*","Resource":"*"}}`},
		{name: "actions take ? wildcards", want: "allow",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:?reateTags","Resource":"*"}}`},
		{name: "a wildcard does not make another service's action match", want: "implicit", action: "route53:AssociateVPCWithHostedZone",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`},
		{name: "NotAction allows every other action", want: "allow",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"ec2:DeleteTags","Resource":"*"}}`},
		{name: "NotAction does not allow the action it names", want: "implicit", action: "ec2:DeleteTags",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"ec2:DeleteTags","Resource":"*"}}`},
		{name: "a resource pattern of the same type matches", want: "allow",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*:*:vpc-endpoint/*"}}`},
		{name: "a resource pattern of another type does not match", want: "implicit",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*:*:vpc/*"}}`},
		{name: "? in a resource is one character", want: "allow",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:us-east-?:*:vpc-endpoint/*"}}`},
		{name: "a wildcard stays within its part of the ARN", want: "implicit",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*:vpc-endpoint/*"}}`},
		{name: "resource ARNs are case-sensitive", want: "implicit",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*:*:VPC-ENDPOINT/*"}}`},
		{name: "a create's placeholder ARN is matched by a type pattern", want: "allow", resource: "arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/*",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*:*:vpc-endpoint/*"}}`},
		{name: "a create's placeholder ARN is not matched by one resource's ARN", want: "implicit", resource: "arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/*",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"` + endpointARN + `"}}`},
		{name: "NotResource allows every other resource", want: "allow", resource: vpcARN,
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","NotResource":"arn:aws:ec2:*:*:vpc-endpoint/*"}}`},
		{name: "NotResource does not allow the resources it names", want: "implicit",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","NotResource":"arn:aws:ec2:*:*:vpc-endpoint/*"}}`},
		{name: "a variable in a resource is resolved", want: "allow", context: keys("aws:PrincipalTag/endpoint", "vpce-0123456789abcdef0"),
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*:*:vpc-endpoint/${aws:PrincipalTag/endpoint}"}}`},
		{name: "a resource with a variable the request lacks matches nothing", want: "implicit",
			policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*:*:vpc-endpoint/${aws:PrincipalTag/endpoint}"}}`},
		{name: "a deny whose variable cannot be resolved does not apply", want: "allow", policy: `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"},
			{"Effect":"Deny","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceTag/owner":"${aws:PrincipalTag/owner}"}}}]}`},
		{name: "variables are text in a policy of version 2008-10-17", want: "allow", context: keys("aws:RequestTag/team", "${aws:PrincipalTag/team}"),
			policy: `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"}}}}`},
	} {
		c.run(t)
	}
}

func TestConditionOperatorsFollowIAMsRules(t *testing.T) {
	tagKeys := func(ks ...string) iamContext {
		ctx := iamContext{}
		ctx.add("aws:TagKeys", ks...)
		return ctx
	}
	for _, c := range []evaluationCase{
		{name: "StringEquals matches one of its values (OR)", want: "allow", context: keys("aws:RequestTag/team", "b"),
			policy: allowWhen(`{"StringEquals":{"aws:RequestTag/team":["a","b"]}}`)},
		{name: "StringEquals is case-sensitive", want: "implicit", context: keys("aws:RequestTag/team", "A"),
			policy: allowWhen(`{"StringEquals":{"aws:RequestTag/team":"a"}}`)},
		{name: "StringEqualsIgnoreCase is not", want: "allow", context: keys("aws:RequestTag/team", "A"),
			policy: allowWhen(`{"StringEqualsIgnoreCase":{"aws:RequestTag/team":"a"}}`)},
		{name: "every key of an operator must hold (AND)", want: "implicit", context: keys("aws:RequestTag/team", "a", "aws:RequestTag/env", "dev"),
			policy: allowWhen(`{"StringEquals":{"aws:RequestTag/team":"a","aws:RequestTag/env":"prod"}}`)},
		{name: "every operator must hold (AND)", want: "implicit", context: keys("aws:RequestTag/team", "a"),
			policy: allowWhen(`{"StringEquals":{"aws:RequestTag/team":"a"},"StringLike":{"aws:RequestedRegion":"eu-*"}}`)},
		{name: "a key the request lacks fails a positive operator", want: "implicit",
			policy: allowWhen(`{"StringEquals":{"aws:RequestTag/team":"a"}}`)},
		{name: "context key names ignore case", want: "allow", context: keys("aws:RequestTag/team", "a"),
			policy: allowWhen(`{"StringEquals":{"AWS:requestTag/team":"a"}}`)},
		{name: "StringNotEquals differs from all its values (NOR)", want: "implicit", context: keys("aws:RequestTag/team", "b"),
			policy: allowWhen(`{"StringNotEquals":{"aws:RequestTag/team":["a","b"]}}`)},
		{name: "a key the request lacks satisfies a negated operator", want: "allow",
			policy: allowWhen(`{"StringNotEquals":{"aws:RequestTag/team":"a"}}`)},
		{name: "StringLike takes * and ?", want: "allow", context: keys("ec2:VpceServiceName", "com.amazonaws.eu-west-1.bedrock-agentcore.gateway"),
			policy: allowWhen(`{"StringLike":{"ec2:VpceServiceName":"com.amazonaws.??-*.bedrock-agentcore.gateway"}}`)},
		{name: "StringLike's * does not make a longer name match", want: "implicit", context: keys("ec2:VpceServiceName", "com.amazonaws.eu-west-1.bedrock-agentcore-control"),
			policy: allowWhen(`{"StringLike":{"ec2:VpceServiceName":"com.amazonaws.*.bedrock-agentcore"}}`)},
		{name: "StringNotLike holds when no pattern matches", want: "allow", context: keys("aws:RequestTag/team", "agents"),
			policy: allowWhen(`{"StringNotLike":{"aws:RequestTag/team":["ops*","sec*"]}}`)},
		{name: "...IfExists holds when the key is missing", want: "allow",
			policy: allowWhen(`{"StringEqualsIfExists":{"aws:RequestTag/team":"a"}}`)},
		{name: "...IfExists still checks a key that is there", want: "implicit", context: keys("aws:RequestTag/team", "b"),
			policy: allowWhen(`{"StringEqualsIfExists":{"aws:RequestTag/team":"a"}}`)},
		{name: "Null true holds for a missing key", want: "allow",
			policy: allowWhen(`{"Null":{"aws:ResourceTag/vpce.agentcore.io/uid":"true"}}`)},
		{name: "Null true fails for a key that is there", want: "implicit", context: keys("aws:ResourceTag/vpce.agentcore.io/uid", "u1"),
			policy: allowWhen(`{"Null":{"aws:ResourceTag/vpce.agentcore.io/uid":"true"}}`)},
		{name: "Null false holds for a key that is there", want: "allow", context: keys("aws:ResourceTag/owner", "x"),
			policy: allowWhen(`{"Null":{"aws:ResourceTag/owner":false}}`)},
		{name: "Bool compares true and false, written as JSON booleans too", want: "allow", context: keys("aws:SecureTransport", "true"),
			policy: allowWhen(`{"Bool":{"aws:SecureTransport":true}}`)},
		{name: "Bool fails on the other value", want: "implicit", context: keys("aws:SecureTransport", "false"),
			policy: allowWhen(`{"Bool":{"aws:SecureTransport":"true"}}`)},
		{name: "ArnLike matches each part of the ARN", want: "allow", context: keys("ec2:Vpc", vpcARN),
			policy: allowWhen(`{"ArnLike":{"ec2:Vpc":"arn:aws:ec2:*:*:vpc/vpc-0123*"}}`)},
		{name: "ArnLike's wildcard stays within its part", want: "implicit", context: keys("ec2:Vpc", vpcARN),
			policy: allowWhen(`{"ArnLike":{"ec2:Vpc":"arn:aws:ec2:*:vpc/*"}}`)},
		{name: "ArnNotLike holds for a missing key", want: "allow",
			policy: allowWhen(`{"ArnNotLike":{"ec2:Vpc":"arn:aws:ec2:*:*:vpc/*"}}`)},
		{name: "ForAllValues holds when every value matches", want: "allow", context: tagKeys("Name", "team"),
			policy: allowWhen(`{"ForAllValues:StringNotLike":{"aws:TagKeys":"vpce.agentcore.io/*"}}`)},
		{name: "ForAllValues fails when one value does not", want: "implicit", context: tagKeys("Name", "vpce.agentcore.io/uid"),
			policy: allowWhen(`{"ForAllValues:StringNotLike":{"aws:TagKeys":"vpce.agentcore.io/*"}}`)},
		{name: "ForAllValues holds for a missing key", want: "allow",
			policy: allowWhen(`{"ForAllValues:StringNotLike":{"aws:TagKeys":"vpce.agentcore.io/*"}}`)},
		{name: "ForAllValues holds for an empty key", want: "allow", context: tagKeys(),
			policy: allowWhen(`{"ForAllValues:StringEquals":{"aws:TagKeys":"Name"}}`)},
		{name: "ForAllValues needs each value to match one of the policy's", want: "allow", context: tagKeys("Name", "team"),
			policy: allowWhen(`{"ForAllValues:StringEquals":{"aws:TagKeys":["Name","team","env"]}}`)},
		{name: "ForAnyValue holds when one value matches", want: "allow", context: tagKeys("Name", "vpce.agentcore.io/uid"),
			policy: allowWhen(`{"ForAnyValue:StringLike":{"aws:TagKeys":"vpce.agentcore.io/*"}}`)},
		{name: "ForAnyValue fails for a missing key", want: "implicit",
			policy: allowWhen(`{"ForAnyValue:StringLike":{"aws:TagKeys":"*"}}`)},
		{name: "a variable takes the request's value", want: "allow", context: keys("aws:ResourceTag/vpce.agentcore.io/cluster", "prod", "aws:PrincipalTag/eks-cluster-name", "prod"),
			policy: allowWhen(`{"StringEquals":{"aws:ResourceTag/vpce.agentcore.io/cluster":"${aws:PrincipalTag/eks-cluster-name}"}}`)},
		{name: "a variable the request lacks fails the condition", want: "implicit", context: keys("aws:ResourceTag/vpce.agentcore.io/cluster", ""),
			policy: allowWhen(`{"StringEquals":{"aws:ResourceTag/vpce.agentcore.io/cluster":"${aws:PrincipalTag/eks-cluster-name}"}}`)},
		{name: "a variable the request lacks fails a negated condition too", want: "implicit", context: keys("aws:ResourceTag/team", "a"),
			policy: allowWhen(`{"StringNotEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}`)},
		{name: "a variable falls back to its default", want: "allow", context: keys("aws:RequestTag/team", "none"),
			policy: allowWhen(`{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team, 'none'}"}}`)},
		{name: "a multivalued key is no variable", want: "implicit", context: keys("aws:TagKeys", "a", "aws:TagKeys", "b", "aws:RequestTag/x", "a"),
			policy: allowWhen(`{"StringEquals":{"aws:RequestTag/x":"${aws:TagKeys}"}}`)},
		{name: "${*} is a literal star, not a wildcard", want: "implicit", context: keys("aws:RequestTag/name", "ab"),
			policy: allowWhen(`{"StringLike":{"aws:RequestTag/name":"a${*}"}}`)},
		{name: "${*} matches a star", want: "allow", context: keys("aws:RequestTag/name", "a*"),
			policy: allowWhen(`{"StringLike":{"aws:RequestTag/name":"a${*}"}}`)},
		{name: "a variable's value is no wildcard", want: "implicit", context: keys("aws:RequestTag/name", "anything", "aws:PrincipalTag/p", "*"),
			policy: allowWhen(`{"StringLike":{"aws:RequestTag/name":"${aws:PrincipalTag/p}"}}`)},
	} {
		c.run(t)
	}
}

func TestPoliciesTheSimulatorCannotEvaluateAreRefused(t *testing.T) {
	for name, policy := range map[string]string{
		"not JSON":                          `{"Version":`,
		"no statement":                      `{"Version":"2012-10-17"}`,
		"a Principal in an identity policy": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"ec2:*","Resource":"*"}}`,
		"an Effect in the wrong case":       `{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"ec2:*","Resource":"*"}}`,
		"no Resource":                       `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*"}}`,
		"both Action and NotAction":         `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","NotAction":"ec2:DeleteTags","Resource":"*"}}`,
		"an operator it does not evaluate":  allowWhen(`{"NumericLessThan":{"ec2:VolumeSize":"100"}}`),
		"an unknown set qualifier":          allowWhen(`{"ForSomeValues:StringEquals":{"aws:TagKeys":"a"}}`),
		"Null with IfExists":                allowWhen(`{"NullIfExists":{"aws:TagKeys":"true"}}`),
	} {
		if _, err := parseIAMDocument([]byte(policy)); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}
