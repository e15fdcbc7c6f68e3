/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iam_test

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// ownershipTag is the tag every condition of the policy keys on: the one tag
// whose value is the same for everything one operator installation creates.
const ownershipTag = v1alpha1.TagCluster

// untaggedResources lists, per mutating action, the resource types the
// policy grants it on without a tag condition, and why that cannot be
// avoided. Such a grant is harmless alone: EC2 authorizes the action against
// every resource the request touches, and the action's own resource (the
// endpoint or the group) is still bound to the operator's tag by another
// statement. Anything not listed here must carry a tag condition.
var untaggedResources = map[string]map[string]string{
	"ec2:CreateVpcEndpoint": {
		"vpc":            "the endpoint is created in the user's VPC, which the operator does not own or tag",
		"subnet":         "the endpoint's network interfaces go into the user's subnets",
		"security-group": "spec.securityGroup.ids attaches existing groups the operator must never tag or modify",
	},
	"ec2:CreateSecurityGroup": {
		"vpc": "the managed group is created in the user's VPC",
	},
	"ec2:ModifyVpcEndpoint": {
		"subnet":         "adding or removing subnets of an own endpoint names the user's subnets",
		"security-group": "adding or removing groups of an own endpoint names groups that may be the user's",
	},
}

// tagConditionKeys are the condition keys that bind a statement to the
// operator's resources.
var tagConditionKeys = []string{
	"aws:RequestTag/" + ownershipTag,
	"aws:ResourceTag/" + ownershipTag,
	"ec2:CreateAction",
}

// TestPolicyGrantsExactlyWhatTheOperatorsCallsNeed: the actions the operator
// calls are the methods of awsclient.EC2API plus the dependent actions of
// those calls that it triggers (dependencies_test.go); the policy grants
// exactly those.
func TestPolicyGrantsExactlyWhatTheOperatorsCallsNeed(t *testing.T) {
	want := ec2APIActions()
	for a := range neededDependentActions() {
		if !slices.Contains(want, a) {
			want = append(want, a)
		}
	}
	for _, form := range policyForms(t) {
		granted := map[string]bool{}
		for _, s := range form.doc.Statement {
			for _, a := range s.Action {
				granted[a] = true
			}
		}
		for _, a := range want {
			if !granted[a] {
				t.Errorf("%s does not grant %s, which the operator's calls need: the call would fail with UnauthorizedOperation", form.name, a)
			}
		}
		for a := range granted {
			if !slices.Contains(want, a) {
				t.Errorf("%s grants %s, which neither awsclient.EC2API calls nor any of its calls depends on: remove it (least privilege)", form.name, a)
			}
		}
	}
}

func TestPolicyUsesNoWildcardActionsAndOnlyPlainAllowStatements(t *testing.T) {
	doc := readPolicy(t)
	if doc.Version != "2012-10-17" {
		t.Errorf("Version is %q, want 2012-10-17: older versions do not support policy variables or all condition operators", doc.Version)
	}
	sids := map[string]bool{}
	for i, s := range doc.Statement {
		name := fmt.Sprintf("statement %d (%s)", i, s.Sid)
		if s.Sid == "" {
			t.Errorf("%s has no Sid; every statement should say what it is for", name)
		}
		if sids[s.Sid] {
			t.Errorf("%s repeats a Sid", name)
		}
		sids[s.Sid] = true
		if s.Effect != "Allow" {
			t.Errorf("%s has Effect %q; the policy only grants", name, s.Effect)
		}
		if len(s.Action) == 0 || len(s.Resource) == 0 {
			t.Errorf("%s needs Action and Resource", name)
		}
		for _, a := range s.Action {
			if strings.ContainsAny(a, "*?") {
				t.Errorf("%s grants %q: wildcards in actions grant whatever EC2 adds later", name, a)
			}
			if !strings.HasPrefix(a, "ec2:") && !isDependentAction(a) {
				t.Errorf("%s grants %q, which is neither an EC2 action nor a dependent action listed in dependencies_test.go", name, a)
			}
		}
	}
}

func TestOnlyDescribeCallsAreGrantedOnEveryResource(t *testing.T) {
	doc := readPolicy(t)
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			if isReadOnly(a) {
				// EC2's Describe calls support no resource-level permissions.
				if !reflect.DeepEqual([]string(s.Resource), []string{"*"}) || len(s.Condition) > 0 {
					t.Errorf("statement %s: %s must be granted on Resource \"*\" without conditions; EC2 evaluates Describe calls only against \"*\"", s.Sid, a)
				}
				continue
			}
			if _, ok := grantedOnEveryResource[a]; ok {
				if len(s.Action) != 1 {
					t.Errorf("statement %s grants %s on every resource together with %v; give it a statement of its own", s.Sid, a, s.Action)
				}
				continue
			}
			for _, r := range s.Resource {
				if _, err := resourceType(r); err != nil {
					t.Errorf("statement %s: %s on %q: %v", s.Sid, a, r, err)
				}
			}
		}
	}
}

func TestEveryMutatingActionIsBoundToTheOperatorsTags(t *testing.T) {
	doc := readPolicy(t)
	for _, action := range ec2APIActions() {
		if isReadOnly(action) {
			continue
		}
		conditioned := false
		for _, s := range doc.Statement {
			if !s.grants(action) {
				continue
			}
			if s.hasTagCondition() {
				conditioned = true
				continue
			}
			for _, r := range s.Resource {
				typ, err := resourceType(r)
				if err != nil {
					t.Errorf("statement %s: %v", s.Sid, err)
					continue
				}
				if _, ok := untaggedResources[action][typ]; !ok {
					t.Errorf("statement %s grants %s on %s without a condition on the %s tag; add one, or list %q under %s in untaggedResources with the reason it cannot be tagged",
						s.Sid, action, r, ownershipTag, typ, action)
				}
			}
		}
		if !conditioned {
			t.Errorf("no statement grants %s under a condition on the %s tag (one of %s)", action, ownershipTag, strings.Join(tagConditionKeys, ", "))
		}
	}
}

// TestTagOnCreateCoversExactlyTheCreateCallsThatTag keeps ec2:CreateAction in
// step with the interface: a new Create call that tags at creation needs its
// name there, or EC2 refuses the tags and with them the whole create.
func TestTagOnCreateCoversExactlyTheCreateCallsThatTag(t *testing.T) {
	doc := readPolicy(t)
	var want []string
	for _, a := range ec2APIActions() {
		name := strings.TrimPrefix(a, "ec2:")
		if strings.HasPrefix(name, "Create") && name != "CreateTags" {
			want = append(want, name)
		}
	}
	var got []string
	for _, s := range doc.Statement {
		if values, ok := s.condition("StringEquals", "ec2:CreateAction"); ok {
			if !slices.Equal(s.Action, []string{"ec2:CreateTags"}) {
				t.Errorf("statement %s conditions on ec2:CreateAction but grants %v; that key only applies to ec2:CreateTags", s.Sid, s.Action)
			}
			got = append(got, values...)
		}
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("ec2:CreateAction allows %v, want the Create calls of awsclient.EC2API: %v", got, want)
	}
}

// TestOwnershipTagIsSetAtCreation checks the premise of the aws:RequestTag
// conditions: both creates carry the cluster tag in TagSpecifications of the
// created resource's own type, so the tag is part of the create request.
func TestOwnershipTagIsSetAtCreation(t *testing.T) {
	owner := awsclient.Owner{Cluster: "prod-eks", Namespace: "platform", Name: "gw", UID: "8c1f0b6e-0000-4000-8000-000000000001"}
	tags := owner.Tags("gw", nil)
	if tags[ownershipTag] != "prod-eks" {
		t.Fatalf("Owner.Tags sets %s=%q, want the cluster name", ownershipTag, tags[ownershipTag])
	}

	api := &recordingEC2{}
	client := awsclient.NewClient(api, "us-east-1", awsclient.ClientOptions{})
	if _, err := client.CreateEndpoint(t.Context(), awsclient.EndpointSpec{
		VpcID: "vpc-0a1b2c3d", ServiceName: awsclient.DefaultServiceName("us-east-1"), SubnetIDs: []string{"subnet-0a1b2c3d"},
		IPAddressType: "ipv4", PolicyDocument: "{}", Tags: tags, ClientToken: "token",
	}); err != nil {
		t.Fatalf("CreateEndpoint: %v", err)
	}
	if _, err := client.CreateSecurityGroup(t.Context(), "vpc-0a1b2c3d", "vpce-agentcore-gw", "test", tags); err != nil {
		t.Fatalf("CreateSecurityGroup: %v", err)
	}
	for _, c := range []struct {
		call, resourceType string
		specs              []tagSpec
	}{
		{"CreateVpcEndpoint", "vpc-endpoint", api.endpointTags},
		{"CreateSecurityGroup", "security-group", api.groupTags},
	} {
		if len(c.specs) != 1 || c.specs[0].resourceType != c.resourceType || c.specs[0].tags[ownershipTag] != "prod-eks" {
			t.Errorf("%s sent TagSpecifications %+v, want one of type %s carrying %s", c.call, c.specs, c.resourceType, ownershipTag)
		}
	}
}
