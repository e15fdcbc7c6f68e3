package ec2sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

func (h *harness) describeGroup(t *testing.T, id string) types.SecurityGroup {
	t.Helper()
	out, err := h.client.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	mustOK(t, err)
	return out.SecurityGroups[0]
}

func TestANewSecurityGroupAllowsAllOutboundTrafficAndNothingInbound(t *testing.T) {
	h := newHarness(t)
	id := h.createGroup(t, "vpce-agentcore-sg", tag("Name", "vpce-agentcore-sg"))
	g := h.describeGroup(t, id)
	if aws.ToString(g.GroupName) != "vpce-agentcore-sg" || aws.ToString(g.VpcId) != h.vpcID || aws.ToString(g.OwnerId) != "123456789012" {
		t.Errorf("group = %s in %s owned by %s", aws.ToString(g.GroupName), aws.ToString(g.VpcId), aws.ToString(g.OwnerId))
	}
	if aws.ToString(g.Description) != "test group vpce-agentcore-sg" {
		t.Errorf("description = %q", aws.ToString(g.Description))
	}
	if len(g.IpPermissions) != 0 {
		t.Errorf("inbound rules = %+v, want none", g.IpPermissions)
	}
	if len(g.IpPermissionsEgress) != 1 || aws.ToString(g.IpPermissionsEgress[0].IpProtocol) != "-1" ||
		aws.ToString(g.IpPermissionsEgress[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Errorf("outbound rules = %+v, want all traffic to 0.0.0.0/0", g.IpPermissionsEgress)
	}
	if !equal(g.Tags, []types.Tag{tag("Name", "vpce-agentcore-sg")}) {
		t.Errorf("tags = %+v", g.Tags)
	}
}

func TestEveryVPCHasADefaultSecurityGroupThatCannotBeDeleted(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	out, err := h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{h.vpcID}},
		{Name: aws.String("group-name"), Values: []string{"default"}},
	}})
	mustOK(t, err)
	if len(out.SecurityGroups) != 1 {
		t.Fatalf("found %d default groups, want 1", len(out.SecurityGroups))
	}
	_, err = h.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: out.SecurityGroups[0].GroupId})
	wantCode(t, err, "CannotDelete")
}

func TestCreateSecurityGroupRefusesANameAlreadyUsedInTheVPC(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.createGroup(t, "vpce")
	_, err := h.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("vpce"), Description: aws.String("again"), VpcId: aws.String(h.vpcID),
	})
	wantCode(t, err, "InvalidGroup.Duplicate")
	otherVPC, _, err := h.sim.SeedVPC("10.1.0.0/16", 1)
	mustOK(t, err)
	_, err = h.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("vpce"), Description: aws.String("elsewhere"), VpcId: aws.String(otherVPC),
	})
	mustOK(t, err)
}

func TestCreateSecurityGroupValidatesItsInput(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name string
		in   ec2.CreateSecurityGroupInput
		want string
	}{
		{"an unknown VPC", ec2.CreateSecurityGroupInput{GroupName: aws.String("a"), Description: aws.String("d"), VpcId: aws.String("vpc-0123456789abcdef0")}, "InvalidVpcID.NotFound"},
		{"no VPC", ec2.CreateSecurityGroupInput{GroupName: aws.String("a"), Description: aws.String("d")}, "VPCIdNotSpecified"},
		{"a name like a group ID", ec2.CreateSecurityGroupInput{GroupName: aws.String("sg-1"), Description: aws.String("d"), VpcId: aws.String(h.vpcID)}, "InvalidParameterValue"},
		{"the reserved name default", ec2.CreateSecurityGroupInput{GroupName: aws.String("default"), Description: aws.String("d"), VpcId: aws.String(h.vpcID)}, "InvalidGroup.Reserved"},
	}
	for _, c := range cases {
		t.Run("refuses "+c.name, func(t *testing.T) {
			_, err := h.client.CreateSecurityGroup(context.Background(), &c.in)
			wantCode(t, err, c.want)
		})
	}
}

func TestDeleteSecurityGroupRemovesTheGroup(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id := h.createGroup(t, "vpce")
	_, err := h.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
	mustOK(t, err)
	_, err = h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = h.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
	wantCode(t, err, "InvalidGroup.NotFound")
}

func TestASecurityGroupUsedByAnEndpointCannotBeDeletedUntilItsInterfacesAreGone(t *testing.T) {
	h := newHarness(t, func(o *ec2sim.Options) { o.InterfaceLinger = 10 * time.Second })
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	e := h.createEndpoint(t, group)
	deleteGroup := func() error {
		_, err := h.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(group)})
		return err
	}
	wantCode(t, deleteGroup(), "DependencyViolation")

	h.clock.Advance(time.Minute)
	_, err := h.client.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*e.VpcEndpointId}})
	mustOK(t, err)
	wantCode(t, deleteGroup(), "DependencyViolation")

	h.clock.Advance(29 * time.Second)
	if got := h.endpointState(t, *e.VpcEndpointId); got != stateDeleting {
		t.Fatalf("state = %s, want still deleting", got)
	}
	wantCode(t, deleteGroup(), "DependencyViolation")

	h.clock.Advance(time.Second)
	if got := h.endpointState(t, *e.VpcEndpointId); got != stateDeleted {
		t.Fatalf("state = %s, want deleted", got)
	}
	wantCode(t, deleteGroup(), "DependencyViolation") // its interfaces linger

	h.clock.Advance(10 * time.Second)
	mustOK(t, deleteGroup())
}

func TestASecurityGroupReferencedByAnotherGroupsRuleCannotBeDeleted(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	agents, endpoint := h.createGroup(t, "agents"), h.createGroup(t, "vpce")
	_, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId:       aws.String(endpoint),
		IpPermissions: []types.IpPermission{https(types.UserIdGroupPair{GroupId: aws.String(agents)})},
	})
	mustOK(t, err)
	_, err = h.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(agents)})
	wantCode(t, err, "DependencyViolation")
}
