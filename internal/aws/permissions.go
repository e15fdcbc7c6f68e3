package aws

import (
	"errors"
	"slices"

	"github.com/aws/smithy-go"
)

// callPermissions is the operator's call → permission table: the IAM
// actions each EC2 call it makes needs, the call's own and its dependent
// actions from the Service Authorization Reference
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html).
// docs/install.md shows the same table; an AccessDenied condition names the
// row, never a reading of AWS's encoded message.
var callPermissions = map[string][]string{
	"DescribeVpcEndpoints":          {"ec2:DescribeVpcEndpoints"},
	"DescribeVpcEndpointServices":   {"ec2:DescribeVpcEndpointServices"},
	"DescribeVpcAttribute":          {"ec2:DescribeVpcAttribute"},
	"DescribeSubnets":               {"ec2:DescribeSubnets"},
	"DescribeSecurityGroups":        {"ec2:DescribeSecurityGroups"},
	"DescribeNetworkInterfaces":     {"ec2:DescribeNetworkInterfaces"},
	"CreateVpcEndpoint":             {"ec2:CreateVpcEndpoint", "ec2:CreateTags"},
	"ModifyVpcEndpoint":             {"ec2:ModifyVpcEndpoint"},
	"DeleteVpcEndpoints":            {"ec2:DeleteVpcEndpoints"},
	"CreateSecurityGroup":           {"ec2:CreateSecurityGroup", "ec2:CreateTags"},
	"DeleteSecurityGroup":           {"ec2:DeleteSecurityGroup"},
	"AuthorizeSecurityGroupIngress": {"ec2:AuthorizeSecurityGroupIngress"},
	"RevokeSecurityGroupIngress":    {"ec2:RevokeSecurityGroupIngress"},
	"CreateTags":                    {"ec2:CreateTags"},
}

// privateDNSPermission is what EC2 needs besides the call's own action when
// a CreateVpcEndpoint or ModifyVpcEndpoint turns private DNS on: it
// associates the VPC with the service's private hosted zone.
const privateDNSPermission = "route53:AssociateVPCWithHostedZone"

// PermissionsFor lists the IAM actions the EC2 call needs; privateDNSOn adds
// what turning private DNS on needs.
func PermissionsFor(call string, privateDNSOn bool) []string {
	perms := slices.Clone(callPermissions[call])
	if privateDNSOn && (call == "CreateVpcEndpoint" || call == "ModifyVpcEndpoint") {
		perms = append(perms, privateDNSPermission)
	}
	return perms
}

// Calls lists every EC2 call in the table, sorted.
func Calls() []string {
	calls := make([]string, 0, len(callPermissions))
	for c := range callPermissions {
		calls = append(calls, c)
	}
	slices.Sort(calls)
	return calls
}

// Operation is the name of the EC2 call err came from, or "".
func Operation(err error) string {
	var opErr *smithy.OperationError
	if errors.As(err, &opErr) {
		return opErr.Operation()
	}
	return ""
}
