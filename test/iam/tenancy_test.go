/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iam_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// ownershipTags are the tags that say which cluster and which object a
// resource belongs to; only the operator writes them, and only at creation
// or when adopting.
var ownershipTags = []string{v1alpha1.TagCluster, v1alpha1.TagNamespace, v1alpha1.TagName, v1alpha1.TagUID}

// TestEveryTagConditionPinsTheClusterTagsValue: a condition that only asks
// for the cluster tag to be present lets every cluster's operator in the
// account change every other cluster's resources. Each must compare the tag
// with this cluster's name: the Pod Identity session tag in the template,
// the literal name in the IRSA rendering. The one other tag condition allowed
// is the adoption statement's "no uid tag yet", next to a pinned cluster tag.
func TestEveryTagConditionPinsTheClusterTagsValue(t *testing.T) {
	for _, form := range policyForms(t) {
		for _, s := range form.doc.Statement {
			for operator, keys := range s.Condition {
				for key, values := range keys {
					checkTagCondition(t, form, s, operator, key, values)
				}
			}
			for _, v := range allStrings(s) {
				for _, m := range variablePattern.FindAllString(v, -1) {
					if form.pin != clusterVariable || m != clusterVariable {
						t.Errorf("%s: statement %s uses the policy variable %s; only %s (Pod Identity's session tag) belongs in the template, and none in the rendered form",
							form.name, s.Sid, m, clusterVariable)
					}
				}
			}
		}
	}
}

func checkTagCondition(t *testing.T, form policyForm, s statement, operator, key string, values []string) {
	t.Helper()
	kind, tag, ok := strings.Cut(key, "Tag/")
	if !ok {
		return
	}
	switch {
	case kind != "aws:Request" && kind != "aws:Resource":
		t.Errorf("%s: statement %s conditions on %s; compare the resource's or the request's tags, with the session's tag as the value", form.name, s.Sid, key)
	case tag == ownershipTag:
		// StringEqualsIfExists fits only the request's tags: a CreateTags
		// that does not set the cluster tag leaves it as it is, and one that
		// sets it may set only this cluster's value.
		pinning := operator == "StringEquals" || (operator == "StringEqualsIfExists" && kind == "aws:Request")
		if !pinning || !slices.Equal(values, []string{form.pin}) {
			t.Errorf("%s: statement %s has %s %s %v; want StringEquals %q so that only this cluster's resources match",
				form.name, s.Sid, operator, key, values, form.pin)
		}
	case tag == v1alpha1.TagUID && kind == "aws:Resource" && operator == "Null" && slices.Equal(values, []string{"true"}):
		if pinned, _ := s.condition("StringEquals", "aws:ResourceTag/"+ownershipTag); !slices.Equal(pinned, []string{form.pin}) {
			t.Errorf("%s: statement %s lets the operator tag resources without a uid tag; it must also pin aws:ResourceTag/%s to %q",
				form.name, s.Sid, ownershipTag, form.pin)
		}
	default:
		t.Errorf("%s: statement %s has %s %s %v; the policy pins %s to the cluster and may only ask for %s to be absent (Null true) when adopting",
			form.name, s.Sid, operator, key, values, ownershipTag, v1alpha1.TagUID)
	}
}

// allStrings are the resources and condition values of s.
func allStrings(s statement) []string {
	out := append([]string(nil), s.Resource...)
	for _, keys := range s.Condition {
		for _, values := range keys {
			out = append(out, values...)
		}
	}
	return out
}

// TestCreateVpcEndpointIsLimitedToTheGatewayService: the role can create
// endpoints only to the AgentCore gateway service, in any region, and to no
// other Amazon or third-party service.
func TestCreateVpcEndpointIsLimitedToTheGatewayService(t *testing.T) {
	for _, form := range policyForms(t) {
		found := false
		for _, s := range form.doc.Statement {
			if !s.grants("ec2:CreateVpcEndpoint") || !s.onResourceType("vpc-endpoint") {
				continue
			}
			found = true
			_, like := s.condition("StringLike", "ec2:VpceServiceName")
			_, equals := s.condition("StringEquals", "ec2:VpceServiceName")
			if !like && !equals {
				t.Errorf("%s: statement %s grants ec2:CreateVpcEndpoint on endpoints without a StringLike or StringEquals condition on ec2:VpceServiceName", form.name, s.Sid)
			}
		}
		if !found {
			t.Fatalf("%s: no statement grants ec2:CreateVpcEndpoint on vpc-endpoint resources", form.name)
		}
		for _, c := range []struct {
			region, service string
			allow           bool
		}{
			{"us-east-1", awsclient.DefaultServiceName("us-east-1"), true},
			{"us-west-2", awsclient.DefaultServiceName("us-west-2"), true},
			{"eu-central-1", awsclient.DefaultServiceName("eu-central-1"), true},
			{"ap-northeast-1", awsclient.DefaultServiceName("ap-northeast-1"), true},
			{"us-east-1", "com.amazonaws.us-east-1.sts", false},
			{"us-east-1", "com.amazonaws.us-east-1.ec2", false},
			{"us-east-1", "com.amazonaws.us-east-1.bedrock-agentcore", false},
			{"us-east-1", "com.amazonaws.us-east-1.bedrock-agentcore-control", false},
			{"us-east-1", "com.amazonaws.us-east-1.bedrock-agentcore.gateway.evil", false},
		} {
			r := request{
				action: "ec2:CreateVpcEndpoint", resource: arn(c.region, "vpc-endpoint", "*"), region: c.region,
				requestTags: tagsOf(testCluster),
				keys:        map[string]string{"ec2:VpceServiceName": c.service, "ec2:VpceServiceOwner": "amazon"},
			}
			sid, err := evaluate(form.doc, r.action, r.resource, r.context(form.principalTags))
			if err != nil {
				t.Fatalf("%s: %v", form.name, err)
			}
			if allowed := sid != ""; allowed != c.allow {
				t.Errorf("%s: creating an endpoint to %s in %s: allowed = %v (statement %q), want %v", form.name, c.service, c.region, allowed, sid, c.allow)
			}
		}
	}
}

// TestCreateTagsCannotRewriteOwnershipTagsExceptToAdopt: after creation, the
// operator's CreateTags may set only tags outside vpce.agentcore.io/ on its
// own resources; the one exception is adopting an endpoint that a person
// tagged for this cluster and that no object owns yet (no uid tag).
func TestCreateTagsCannotRewriteOwnershipTagsExceptToAdopt(t *testing.T) {
	for _, form := range policyForms(t) {
		adoption := 0
		for _, s := range form.doc.Statement {
			if !s.grants("ec2:CreateTags") {
				continue
			}
			if _, ok := s.condition("StringEquals", "ec2:CreateAction"); ok {
				continue // tags set by a create call, covered by TestTagOnCreateCoversExactlyTheCreateCallsThatTag
			}
			if absent, ok := s.condition("Null", "aws:ResourceTag/"+v1alpha1.TagUID); ok && slices.Equal(absent, []string{"true"}) {
				adoption++
				for _, r := range s.Resource {
					if typ, err := resourceType(r); err != nil || typ != "vpc-endpoint" {
						t.Errorf("%s: adoption statement %s covers %s; only endpoints are adopted", form.name, s.Sid, r)
					}
				}
				if pinned, _ := s.condition("StringEquals", "aws:ResourceTag/"+ownershipTag); !slices.Equal(pinned, []string{form.pin}) {
					t.Errorf("%s: adoption statement %s must require the endpoint to carry %s=%s, which a person adds to hand it to this cluster", form.name, s.Sid, ownershipTag, form.pin)
				}
				continue
			}
			forbidden, ok := s.condition("ForAllValues:StringNotLike", "aws:TagKeys")
			if !ok {
				t.Errorf("%s: statement %s lets the operator set any tag key on an existing resource, %s included; add ForAllValues:StringNotLike on aws:TagKeys", form.name, s.Sid, ownershipTag)
				continue
			}
			for _, tag := range ownershipTags {
				if !anyGlob(forbidden, tag) {
					t.Errorf("%s: statement %s lets the operator rewrite %s on existing resources (aws:TagKeys must not match %v)", form.name, s.Sid, tag, forbidden)
				}
			}
		}
		if adoption != 1 {
			t.Errorf("%s: %d statements let the operator adopt an endpoint (CreateTags where aws:ResourceTag/%s is Null), want 1", form.name, adoption, v1alpha1.TagUID)
		}
	}
}

// TestNoStatementGrantsDeleteTags: the operator never removes tags, and a
// role that could would be able to strip another cluster's tag.
func TestNoStatementGrantsDeleteTags(t *testing.T) {
	for _, form := range policyForms(t) {
		for _, s := range form.doc.Statement {
			if s.grants("ec2:DeleteTags") {
				t.Errorf("%s: statement %s grants ec2:DeleteTags; the operator never deletes tags", form.name, s.Sid)
			}
		}
	}
}

// TestPrivateDNSPermissionIsGranted: creating an endpoint with private DNS,
// or turning it on, makes EC2 associate the VPC with the service's private
// hosted zone in the caller's name. Without route53:AssociateVPCWithHostedZone
// the default create fails with UnauthorizedOperation.
func TestPrivateDNSPermissionIsGranted(t *testing.T) {
	const action = "route53:AssociateVPCWithHostedZone"
	for _, call := range []string{"CreateVpcEndpoint", "ModifyVpcEndpoint"} {
		if !slices.Contains(dependentActionsOf(call), action) {
			t.Errorf("dependencies lists no %s for %s; the Service Authorization Reference does", action, call)
		}
	}
	for _, form := range policyForms(t) {
		granted := false
		for _, s := range form.doc.Statement {
			if s.grants(action) {
				granted = true
				if !slices.Equal(s.Resource, []string{"*"}) || len(s.Condition) > 0 {
					t.Errorf("%s: statement %s grants %s on %v with conditions %v; EC2 calls it on a hosted zone AWS owns, so only Resource \"*\" without conditions works", form.name, s.Sid, action, s.Resource, s.Condition)
				}
			}
		}
		if !granted {
			t.Errorf("%s does not grant %s: creating an endpoint with private DNS, the default, fails with UnauthorizedOperation", form.name, action)
		}
	}
}
