/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iam_test

import (
	"maps"
	"testing"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// scenario is one request the operator makes, or must not be able to make,
// with the answer the policy has to give.
type scenario struct {
	name  string
	req   request
	allow bool
}

// tagsOf are the tags the operator of cluster puts on what it creates for
// one GatewayEndpoint, plus a user tag.
func tagsOf(cluster string) map[string]string {
	return map[string]string{
		v1alpha1.TagCluster: cluster, v1alpha1.TagNamespace: "platform", v1alpha1.TagName: "gw",
		v1alpha1.TagUID: "8c1f0b6e-0000-4000-8000-000000000001", "Name": "gw", "team": "agents",
	}
}

func with(tags map[string]string, kv ...string) map[string]string {
	out := maps.Clone(tags)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// scenarios are the requests of an operator running in testCluster: what it
// needs to do, and what would touch other clusters' or the user's resources.
func scenarios() []scenario {
	const region = "us-east-1"
	own, other := tagsOf(testCluster), tagsOf(otherCluster)
	// adoptable is an endpoint a person tagged for testCluster.
	adoptable := map[string]string{v1alpha1.TagCluster: testCluster, "Name": "shared-gw"}
	// adoptionTags are the tags the operator adds when it adopts one.
	adoptionTags := map[string]string{
		v1alpha1.TagNamespace: "platform", v1alpha1.TagName: "gw", v1alpha1.TagUID: "8c1f0b6e-0000-4000-8000-000000000002", "Name": "gw",
	}
	userGroup := map[string]string{"team": "agents"}
	endpoint, group := arn(region, "vpc-endpoint", "vpce-0a1b2c3d4e5f60718"), arn(region, "security-group", "sg-0a1b2c3d4e5f60718")
	gateway := func(region string) map[string]string {
		return map[string]string{"ec2:VpceServiceName": awsclient.DefaultServiceName(region), "ec2:VpceServiceOwner": "amazon"}
	}
	createEndpoint := func(region string, tags, keys map[string]string) request {
		return request{action: "ec2:CreateVpcEndpoint", resource: arn(region, "vpc-endpoint", "*"), requestTags: tags, keys: keys, region: region}
	}
	on := func(action, resource string, resourceTags, requestTags map[string]string) request {
		return request{action: action, resource: resource, resourceTags: resourceTags, requestTags: requestTags, region: region}
	}
	atCreate := func(r request, call string) request {
		r.keys = map[string]string{"ec2:CreateAction": call}
		return r
	}

	s := []scenario{
		// What the operator does.
		{"create the gateway endpoint tagged for this cluster", createEndpoint(region, own, gateway(region)), true},
		{"create the gateway endpoint in eu-west-1", createEndpoint("eu-west-1", own, gateway("eu-west-1")), true},
		{"create the gateway endpoint in ap-southeast-2", createEndpoint("ap-southeast-2", own, gateway("ap-southeast-2")), true},
		{"name the agents' VPC in the create", on("ec2:CreateVpcEndpoint", arn(region, "vpc", "vpc-0a1b2c3d"), map[string]string{"Name": "agents"}, nil), true},
		{"name the agents' subnet in the create", on("ec2:CreateVpcEndpoint", arn(region, "subnet", "subnet-0a1b2c3d"), nil, nil), true},
		{"name the user's security group in the create", on("ec2:CreateVpcEndpoint", group, userGroup, nil), true},
		{"tag the endpoint as part of its create", atCreate(on("ec2:CreateTags", endpoint, nil, own), "CreateVpcEndpoint"), true},
		{"create the managed group tagged for this cluster", on("ec2:CreateSecurityGroup", arn(region, "security-group", "*"), nil, own), true},
		{"create the managed group in the agents' VPC", on("ec2:CreateSecurityGroup", arn(region, "vpc", "vpc-0a1b2c3d"), nil, nil), true},
		{"tag the group as part of its create", atCreate(on("ec2:CreateTags", group, nil, own), "CreateSecurityGroup"), true},
		{"modify an own endpoint", on("ec2:ModifyVpcEndpoint", endpoint, own, nil), true},
		{"move an own endpoint to a user's subnet", on("ec2:ModifyVpcEndpoint", arn(region, "subnet", "subnet-0a1b2c3d"), nil, nil), true},
		{"attach a user's group to an own endpoint", on("ec2:ModifyVpcEndpoint", group, userGroup, nil), true},
		{"delete an own endpoint", on("ec2:DeleteVpcEndpoints", endpoint, own, nil), true},
		{"open an own group", on("ec2:AuthorizeSecurityGroupIngress", group, own, nil), true},
		{"close an own group", on("ec2:RevokeSecurityGroupIngress", group, own, nil), true},
		{"delete an own group", on("ec2:DeleteSecurityGroup", group, own, nil), true},
		{"re-tag an own endpoint with user tags and Name", on("ec2:CreateTags", endpoint, own, map[string]string{"Name": "gw-2", "team": "x"}), true},
		{"re-tag an own group with user tags and Name", on("ec2:CreateTags", group, own, map[string]string{"Name": "gw-2", "cost": "y"}), true},
		{"adopt an endpoint a person tagged for this cluster", on("ec2:CreateTags", endpoint, adoptable, adoptionTags), true},

		// Other clusters' resources, the user's resources, other services.
		{"create an endpoint tagged for another cluster", createEndpoint(region, other, gateway(region)), false},
		{"create an endpoint without the cluster tag", createEndpoint(region, map[string]string{"Name": "gw"}, gateway(region)), false},
		{"create an endpoint for STS", createEndpoint(region, own, map[string]string{"ec2:VpceServiceName": "com.amazonaws.us-east-1.sts", "ec2:VpceServiceOwner": "amazon"}), false},
		{"create an endpoint for the AgentCore data plane", createEndpoint(region, own, map[string]string{"ec2:VpceServiceName": "com.amazonaws.us-east-1.bedrock-agentcore", "ec2:VpceServiceOwner": "amazon"}), false},
		{"create an endpoint for the AgentCore control plane", createEndpoint(region, own, map[string]string{"ec2:VpceServiceName": "com.amazonaws.us-east-1.bedrock-agentcore-control", "ec2:VpceServiceOwner": "amazon"}), false},
		{"create an endpoint for a third-party service", createEndpoint(region, own, map[string]string{"ec2:VpceServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f60718", "ec2:VpceServiceOwner": "444455556666"}), false},
		{"create a group tagged for another cluster", on("ec2:CreateSecurityGroup", arn(region, "security-group", "*"), nil, other), false},
		{"create a group without the cluster tag", on("ec2:CreateSecurityGroup", arn(region, "security-group", "*"), nil, map[string]string{"Name": "gw"}), false},
		{"tag at creation for another cluster", atCreate(on("ec2:CreateTags", endpoint, nil, other), "CreateVpcEndpoint"), false},
		{"claim a user's group by tagging it", on("ec2:CreateTags", group, userGroup, own), false},
		{"claim a user's endpoint by tagging it", on("ec2:CreateTags", endpoint, nil, map[string]string{v1alpha1.TagCluster: testCluster}), false},
		{"modify another cluster's endpoint", on("ec2:ModifyVpcEndpoint", endpoint, other, nil), false},
		{"modify a user's endpoint", on("ec2:ModifyVpcEndpoint", endpoint, nil, nil), false},
		{"delete another cluster's endpoint", on("ec2:DeleteVpcEndpoints", endpoint, other, nil), false},
		{"delete a user's endpoint", on("ec2:DeleteVpcEndpoints", endpoint, map[string]string{"Name": "theirs"}, nil), false},
		{"open another cluster's group", on("ec2:AuthorizeSecurityGroupIngress", group, other, nil), false},
		{"open a user's group (spec.securityGroup.ids)", on("ec2:AuthorizeSecurityGroupIngress", group, userGroup, nil), false},
		{"close another cluster's group", on("ec2:RevokeSecurityGroupIngress", group, other, nil), false},
		{"delete another cluster's group", on("ec2:DeleteSecurityGroup", group, other, nil), false},
		{"delete a user's group", on("ec2:DeleteSecurityGroup", group, userGroup, nil), false},
		{"re-tag another cluster's endpoint", on("ec2:CreateTags", endpoint, other, map[string]string{"Name": "mine"}), false},
		{"hand an own endpoint to another cluster", on("ec2:CreateTags", endpoint, own, map[string]string{v1alpha1.TagCluster: otherCluster}), false},
		{"hand an own group to another cluster", on("ec2:CreateTags", group, own, map[string]string{v1alpha1.TagCluster: otherCluster}), false},
		{"rewrite the uid of an own endpoint", on("ec2:CreateTags", endpoint, own, map[string]string{v1alpha1.TagUID: "other-uid"}), false},
		{"rewrite the namespace of an own endpoint", on("ec2:CreateTags", endpoint, own, map[string]string{v1alpha1.TagNamespace: "x", "Name": "gw"}), false},
		{"rewrite the name of an own group", on("ec2:CreateTags", group, own, map[string]string{v1alpha1.TagName: "x"}), false},
		{"adopt an endpoint tagged for another cluster", on("ec2:CreateTags", endpoint, with(adoptable, v1alpha1.TagCluster, otherCluster), adoptionTags), false},
		{"adopt an endpoint another object already adopted", on("ec2:CreateTags", endpoint, with(adoptable, v1alpha1.TagUID, "8c1f0b6e-0000-4000-8000-000000000003"), adoptionTags), false},
		{"adopt a security group", on("ec2:CreateTags", group, adoptable, adoptionTags), false},
		{"delete tags of an own endpoint", on("ec2:DeleteTags", endpoint, own, map[string]string{"Name": "gw"}), false},
	}
	return s
}

// TestPolicyAllowsWhatTheOperatorDoesAndNothingOfOtherClusters evaluates
// every scenario against both forms of the policy: the Pod Identity template
// with the session's eks-cluster-name tag, and the IRSA rendering, whose role
// session carries no tags.
func TestPolicyAllowsWhatTheOperatorDoesAndNothingOfOtherClusters(t *testing.T) {
	for _, form := range policyForms(t) {
		for _, sc := range scenarios() {
			sid, err := evaluate(form.doc, sc.req.action, sc.req.resource, sc.req.context(form.principalTags))
			if err != nil {
				t.Fatalf("%s: %s: %v", form.name, sc.name, err)
			}
			switch {
			case sc.allow && sid == "":
				t.Errorf("%s: no statement allows %q (%s on %s); the operator's call would fail with UnauthorizedOperation", form.name, sc.name, sc.req.action, sc.req.resource)
			case !sc.allow && sid != "":
				t.Errorf("%s: statement %s allows %q (%s on %s)", form.name, sid, sc.name, sc.req.action, sc.req.resource)
			}
		}
	}
}

// TestPodIdentityPolicyFailsClosedWithoutTheSessionTag: with the shipped
// template attached to an IRSA role (no session tags), the variable cannot be
// resolved and nothing on the operator's own resources is allowed, instead
// of everything being allowed to everyone.
func TestPodIdentityPolicyFailsClosedWithoutTheSessionTag(t *testing.T) {
	doc := readPolicy(t)
	for _, sc := range scenarios() {
		if !sc.allow || sc.req.resourceTags[v1alpha1.TagCluster] == "" && sc.req.requestTags[v1alpha1.TagCluster] == "" {
			continue
		}
		if sid, err := evaluate(doc, sc.req.action, sc.req.resource, sc.req.context(nil)); err != nil || sid != "" {
			t.Errorf("without the %s session tag, statement %s still allows %q (err %v); every tag condition must compare with %s",
				podIdentityClusterTag, sid, sc.name, err, clusterVariable)
		}
	}
}

// TestOperatorOfAnotherClusterCannotTouchThisClustersResources runs the
// operator's own scenarios as the operator of otherCluster would send them:
// same resources, its own session tag.
func TestOperatorOfAnotherClusterCannotTouchThisClustersResources(t *testing.T) {
	doc := readPolicy(t)
	for _, sc := range scenarios() {
		if !sc.allow || sc.req.resourceTags[v1alpha1.TagCluster] != testCluster {
			continue
		}
		ctx := sc.req.context(map[string]string{podIdentityClusterTag: otherCluster})
		if sid, err := evaluate(doc, sc.req.action, sc.req.resource, ctx); err != nil || sid != "" {
			t.Errorf("the operator of %s may %q on a resource of %s through statement %s (err %v)", otherCluster, sc.name, testCluster, sid, err)
		}
	}
}
