package ec2sim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestAnIngressRuleFromAPrefixListThatDoesNotExistIsRefused(t *testing.T) {
	h := newHarness(t)
	group := h.createGroup(t, "vpce")
	_, err := h.client.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId:       aws.String(group),
		IpPermissions: []types.IpPermission{https("10.0.0.0/16", types.PrefixListId{PrefixListId: aws.String("pl-0123456789abcdef0")})},
	})
	wantCode(t, err, "InvalidPrefixListID.NotFound")
	if rules := h.ingressRules(t, group); len(rules) != 0 {
		t.Errorf("a refused authorize left %d rules", len(rules))
	}
}

func TestAnIngressRuleFromAGroupInAnotherVPCNeedsAPeering(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	otherVPC, _, err := h.sim.SeedVPC("10.1.0.0/16", 1)
	mustOK(t, err)
	out, err := h.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("agents"), Description: aws.String("agents elsewhere"), VpcId: aws.String(otherVPC),
	})
	mustOK(t, err)
	authorize := func() error {
		_, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId:       aws.String(group),
			IpPermissions: []types.IpPermission{https(types.UserIdGroupPair{GroupId: out.GroupId})},
		})
		return err
	}
	wantCode(t, authorize(), "InvalidGroup.NotFound")
	mustOK(t, h.sim.PeerVPCs(otherVPC, h.vpcID))
	mustOK(t, authorize())
}
