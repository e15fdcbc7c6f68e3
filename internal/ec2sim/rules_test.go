package ec2sim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// https is an inbound HTTPS permission from the given peers: CIDRs as strings, groups as
// UserIdGroupPairs, prefix lists as PrefixListIds.
func https(peers ...any) types.IpPermission {
	p := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443)}
	for _, peer := range peers {
		switch peer := peer.(type) {
		case string:
			p.IpRanges = append(p.IpRanges, types.IpRange{CidrIp: aws.String(peer)})
		case types.UserIdGroupPair:
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, peer)
		case types.PrefixListId:
			p.PrefixListIds = append(p.PrefixListIds, peer)
		case types.Ipv6Range:
			p.Ipv6Ranges = append(p.Ipv6Ranges, peer)
		}
	}
	return p
}

func (h *harness) ingressRules(t *testing.T, group string) []types.SecurityGroupRule {
	t.Helper()
	out, err := h.client.DescribeSecurityGroupRules(context.Background(), &ec2.DescribeSecurityGroupRulesInput{
		Filters: []types.Filter{{Name: aws.String("group-id"), Values: []string{group}}},
	})
	mustOK(t, err)
	var ingress []types.SecurityGroupRule
	for _, r := range out.SecurityGroupRules {
		if !aws.ToBool(r.IsEgress) {
			ingress = append(ingress, r)
		}
	}
	return ingress
}

func TestAuthorizeIngressAddsEveryPermissionAsNumberedRules(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	agents, endpoint := h.createGroup(t, "agents"), h.createGroup(t, "vpce")
	corporate := h.sim.AddPrefixList("corporate")
	out, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(endpoint),
		IpPermissions: []types.IpPermission{
			https("10.0.0.0/16", types.UserIdGroupPair{GroupId: aws.String(agents), Description: aws.String("agents")},
				types.PrefixListId{PrefixListId: aws.String(corporate)}, types.Ipv6Range{CidrIpv6: aws.String("2001:db8::/56")}),
			{IpProtocol: aws.String("udp"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.2/32")}}},
		},
	})
	mustOK(t, err)
	if len(out.SecurityGroupRules) != 5 {
		t.Fatalf("authorize returned %d rules, want 5", len(out.SecurityGroupRules))
	}

	g := h.describeGroup(t, endpoint)
	if len(g.IpPermissions) != 2 {
		t.Fatalf("got %d permissions, want the HTTPS one and the DNS one: %+v", len(g.IpPermissions), g.IpPermissions)
	}
	p := g.IpPermissions[0]
	if aws.ToString(p.IpProtocol) != "tcp" || aws.ToInt32(p.FromPort) != 443 || aws.ToInt32(p.ToPort) != 443 {
		t.Errorf("first permission = %s %d-%d", aws.ToString(p.IpProtocol), aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort))
	}
	if len(p.IpRanges) != 1 || len(p.UserIdGroupPairs) != 1 || len(p.PrefixListIds) != 1 || len(p.Ipv6Ranges) != 1 {
		t.Errorf("first permission peers = %+v", p)
	}
	if pair := p.UserIdGroupPairs[0]; aws.ToString(pair.GroupId) != agents || aws.ToString(pair.UserId) != "123456789012" || aws.ToString(pair.Description) != "agents" {
		t.Errorf("group pair = %+v", pair)
	}

	rules := h.ingressRules(t, endpoint)
	if len(rules) != 5 {
		t.Fatalf("DescribeSecurityGroupRules lists %d inbound rules, want 5", len(rules))
	}
	for _, r := range rules {
		if id := aws.ToString(r.SecurityGroupRuleId); len(id) != len("sgr-0123456789abcdef0") || id[:4] != "sgr-" {
			t.Errorf("rule ID %q is not an sgr- ID", id)
		}
	}
}

func TestAuthorizeIngressIsAllOrNothingWhenOneRuleAlreadyExists(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	_, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("10.0.0.0/16")},
	})
	mustOK(t, err)
	_, err = h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("192.168.0.0/16", "10.0.0.0/16")},
	})
	wantCode(t, err, "InvalidPermission.Duplicate")
	if rules := h.ingressRules(t, group); len(rules) != 1 {
		t.Errorf("%d inbound rules after a refused authorize, want 1", len(rules))
	}
}

func TestRevokeIngressRemovesRulesByPermissionOrByRuleID(t *testing.T) {
	cases := []struct {
		name   string
		revoke func(group string, rules []types.SecurityGroupRule) *ec2.RevokeSecurityGroupIngressInput
	}{
		{"by permission", func(group string, _ []types.SecurityGroupRule) *ec2.RevokeSecurityGroupIngressInput {
			return &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("10.0.0.0/16")}}
		}},
		{"by rule ID", func(group string, rules []types.SecurityGroupRule) *ec2.RevokeSecurityGroupIngressInput {
			for _, r := range rules {
				if aws.ToString(r.CidrIpv4) == "10.0.0.0/16" {
					return &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(group), SecurityGroupRuleIds: []string{*r.SecurityGroupRuleId}}
				}
			}
			return nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			group := h.createGroup(t, "vpce")
			_, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("10.0.0.0/16", "192.168.0.0/16")},
			})
			mustOK(t, err)
			out, err := h.client.RevokeSecurityGroupIngress(ctx, c.revoke(group, h.ingressRules(t, group)))
			mustOK(t, err)
			if !aws.ToBool(out.Return) || len(out.RevokedSecurityGroupRules) != 1 {
				t.Errorf("revoke returned %v with %d revoked rules", aws.ToBool(out.Return), len(out.RevokedSecurityGroupRules))
			}
			rules := h.ingressRules(t, group)
			if len(rules) != 1 || aws.ToString(rules[0].CidrIpv4) != "192.168.0.0/16" {
				t.Errorf("remaining rules = %+v, want only 192.168.0.0/16", rules)
			}
		})
	}
}

func TestRevokeIngressOfRulesThatDoNotExist(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	_, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("10.0.0.0/16")},
	})
	mustOK(t, err)

	t.Run("answers InvalidPermission.NotFound when nothing matches", func(t *testing.T) {
		_, err := h.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
			GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("172.16.0.0/12")},
		})
		wantCode(t, err, "InvalidPermission.NotFound")
	})
	t.Run("answers InvalidSecurityGroupRuleId.NotFound for an unknown rule ID", func(t *testing.T) {
		_, err := h.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
			GroupId: aws.String(group), SecurityGroupRuleIds: []string{"sgr-0123456789abcdef0"},
		})
		wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	})
	t.Run("answers InvalidPermission.NotFound and revokes nothing when one of several does not match", func(t *testing.T) {
		_, err := h.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
			GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("10.0.0.0/16", "172.16.0.0/12")},
		})
		wantCode(t, err, "InvalidPermission.NotFound")
		if rules := h.ingressRules(t, group); len(rules) != 1 {
			t.Errorf("%d inbound rules after a refused revoke, want the one still there", len(rules))
		}
	})
}

func TestAuthorizeIngressValidatesPermissions(t *testing.T) {
	h := newHarness(t)
	group := h.createGroup(t, "vpce")
	cases := []struct {
		name       string
		permission types.IpPermission
		want       string
	}{
		{"an unknown peer group", https(types.UserIdGroupPair{GroupId: aws.String("sg-0123456789abcdef0")}), "InvalidGroup.NotFound"},
		{"a malformed CIDR", https("10.0.0.300/16"), "InvalidParameterValue"},
		{"an unknown protocol", types.IpPermission{IpProtocol: aws.String("smtp"), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}, "InvalidParameterValue"},
		{"TCP without ports", types.IpPermission{IpProtocol: aws.String("tcp"), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}, "InvalidParameterValue"},
	}
	for _, c := range cases {
		t.Run("refuses "+c.name, func(t *testing.T) {
			_, err := h.client.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(group), IpPermissions: []types.IpPermission{c.permission},
			})
			wantCode(t, err, c.want)
		})
	}
	_, err := h.client.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String("sg-0123456789abcdef0"), IpPermissions: []types.IpPermission{https("10.0.0.0/8")},
	})
	wantCode(t, err, "InvalidGroup.NotFound")
}
