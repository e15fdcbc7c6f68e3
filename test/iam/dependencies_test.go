/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iam_test

import "strings"

// dependency is a dependent action of an EC2 call: a permission EC2 checks,
// on top of the call's own action, when the call does a particular thing.
// The list follows the "Dependent actions" column of the Service
// Authorization Reference for Amazon EC2
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html);
// docs/install.md carries the same table and TestInstallGuideTablesMatchThePolicy
// keeps the two in step.
type dependency struct {
	call   string // the awsclient.EC2API method
	action string // the dependent IAM action
	when   string // what the call does that needs it
	// notNeeded, when set, says why the operator never triggers the
	// dependency, so the policy must not grant the action for it.
	notNeeded string
}

var dependencies = []dependency{
	{call: "CreateSecurityGroup", action: "ec2:CreateTags", when: "the tags set at creation (TagSpecifications)"},
	{call: "CreateVpcEndpoint", action: "ec2:CreateTags", when: "the tags set at creation (TagSpecifications)"},
	{call: "CreateVpcEndpoint", action: "route53:AssociateVPCWithHostedZone", when: "private DNS on: EC2 associates the VPC with the private hosted zone of the service's DNS name"},
	{call: "ModifyVpcEndpoint", action: "route53:AssociateVPCWithHostedZone", when: "turning private DNS on"},
	{
		call: "AuthorizeSecurityGroupIngress", action: "ec2:CreateTags", when: "tagging the new rules (TagSpecifications)",
		notNeeded: "the operator tags no security group rules",
	},
}

// grantedOnEveryResource lists the dependent actions the policy grants on
// Resource "*", and why no narrower resource works.
var grantedOnEveryResource = map[string]string{
	"route53:AssociateVPCWithHostedZone": "EC2 calls it for the operator on the private hosted zone AWS owns for the service's DNS name; that zone's ID is never visible to the account",
}

// dependentActionsOf returns the dependent actions the reference lists for
// call (an EC2API method name), needed or not.
func dependentActionsOf(call string) []string {
	var out []string
	for _, d := range dependencies {
		if d.call == call {
			out = append(out, d.action)
		}
	}
	return out
}

// neededDependentActions are the dependent actions the operator triggers.
func neededDependentActions() map[string]bool {
	out := map[string]bool{}
	for _, d := range dependencies {
		if d.notNeeded == "" {
			out[d.action] = true
		}
	}
	return out
}

// isDependentAction says whether action is only in the policy because an
// EC2 call depends on it (and is not itself a call of the operator's).
func isDependentAction(action string) bool {
	for _, d := range dependencies {
		if d.action == action && d.notNeeded == "" && !strings.HasPrefix(action, "ec2:") {
			return true
		}
	}
	return false
}

// callsNeedingNoPermission are the calls outside awsclient.EC2API the
// operator makes, which the policy must not grant, and why.
var callsNeedingNoPermission = map[string]string{
	"sts:GetCallerIdentity": "STS answers it for any valid credentials and no policy can deny it (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)",
}
