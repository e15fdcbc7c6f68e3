package ec2sim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// endpointTagged creates, as a person with full access, an endpoint with tags, and
// returns its ID.
func (h *iamHarness) endpointTagged(t *testing.T, tags ...types.Tag) string {
	t.Helper()
	var id string
	h.asAdmin(t, func() {
		group := h.createGroup(t, "vpce-by-a-person")
		id = aws.ToString(h.createEndpoint(t, group, withoutPrivateDNS, withTags(tags...)).VpcEndpointId)
	})
	return id
}

// groupTagged creates, as a person with full access, a security group with tags.
func (h *iamHarness) groupTagged(t *testing.T, tags ...types.Tag) string {
	t.Helper()
	var id string
	h.asAdmin(t, func() { id = h.createGroup(t, "users-group", tags...) })
	return id
}

func (h *iamHarness) endpointNow(t *testing.T, id string) types.VpcEndpoint {
	t.Helper()
	e, err := h.describeEndpoint(t, id)
	mustOK(t, err)
	return e
}

func TestTheShippedPolicyRefusesWhatWouldReachBeyondTheClustersOwnResources(t *testing.T) {
	ctx := context.Background()
	own := ownerTags(testCluster, "uid-own")
	cases := []struct {
		name   string
		action string
		// attempt makes the refused call with the policy in force.
		attempt func(t *testing.T, h *iamHarness) error
	}{
		{"creating an endpoint for another service (STS)", "ec2:CreateVpcEndpoint", func(t *testing.T, h *iamHarness) error {
			group := h.groupTagged(t, own...)
			_, err := h.client.CreateVpcEndpoint(ctx, h.endpointInput(group, withoutPrivateDNS, withTags(own...), func(in *ec2.CreateVpcEndpointInput) {
				in.ServiceName = aws.String("com.amazonaws." + region + ".sts")
			}))
			return err
		}},
		{"creating an endpoint without the cluster tag", "ec2:CreateVpcEndpoint", func(t *testing.T, h *iamHarness) error {
			group := h.groupTagged(t, own...)
			_, err := h.client.CreateVpcEndpoint(ctx, h.endpointInput(group, withoutPrivateDNS, withTags(tag("Name", "gw"), tag(tagUID, "u"))))
			return err
		}},
		{"creating an endpoint without any tag", "ec2:CreateVpcEndpoint", func(t *testing.T, h *iamHarness) error {
			group := h.groupTagged(t, own...)
			_, err := h.client.CreateVpcEndpoint(ctx, h.endpointInput(group, withoutPrivateDNS))
			return err
		}},
		{"creating an endpoint tagged for another cluster", "ec2:CreateVpcEndpoint", func(t *testing.T, h *iamHarness) error {
			group := h.groupTagged(t, own...)
			_, err := h.client.CreateVpcEndpoint(ctx, h.endpointInput(group, withoutPrivateDNS, withTags(ownerTags(otherCluster, "u")...)))
			return err
		}},
		{"creating a group tagged for another cluster", "ec2:CreateSecurityGroup", func(t *testing.T, h *iamHarness) error {
			_, err := h.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
				GroupName: aws.String("vpce"), Description: aws.String("vpce"), VpcId: &h.vpcID,
				TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: ownerTags(otherCluster, "u")}},
			})
			return err
		}},
		{"modifying another cluster's endpoint", "ec2:ModifyVpcEndpoint", func(t *testing.T, h *iamHarness) error {
			id := h.endpointTagged(t, ownerTags(otherCluster, "u")...)
			_, err := h.client.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, PolicyDocument: aws.String(`{"Statement":[]}`)})
			if e := h.endpointNow(t, id); aws.ToString(e.PolicyDocument) == `{"Statement":[]}` {
				t.Errorf("the refused modify changed the policy")
			}
			return err
		}},
		{"deleting another cluster's endpoint", "ec2:DeleteVpcEndpoints", func(t *testing.T, h *iamHarness) error {
			id := h.endpointTagged(t, ownerTags(otherCluster, "u")...)
			_, err := h.client.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
			if e := h.endpointNow(t, id); e.State != stateAvailable {
				t.Errorf("state after the refused delete = %s, want available", e.State)
			}
			return err
		}},
		{"deleting an endpoint nobody tagged", "ec2:DeleteVpcEndpoints", func(t *testing.T, h *iamHarness) error {
			id := h.endpointTagged(t)
			_, err := h.client.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
			return err
		}},
		{"rewriting the uid of an endpoint already adopted", "ec2:CreateTags", func(t *testing.T, h *iamHarness) error {
			id := h.endpointTagged(t, tag(tagCluster, testCluster), tag(tagUID, "uid-first"))
			_, err := h.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{tag(tagUID, "uid-second")}})
			if got := tagValue(h.endpointNow(t, id).Tags, tagUID); got != "uid-first" {
				t.Errorf("uid tag = %q after the refused CreateTags", got)
			}
			return err
		}},
		{"handing an own endpoint to another cluster", "ec2:CreateTags", func(t *testing.T, h *iamHarness) error {
			id := h.endpointTagged(t, own...)
			_, err := h.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{tag(tagCluster, otherCluster)}})
			if got := tagValue(h.endpointNow(t, id).Tags, tagCluster); got != testCluster {
				t.Errorf("cluster tag = %q after the refused CreateTags", got)
			}
			return err
		}},
		{"moving an endpoint waiting for adoption to another cluster", "ec2:CreateTags", func(t *testing.T, h *iamHarness) error {
			id := h.endpointTagged(t, tag(tagCluster, testCluster))
			_, err := h.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{tag(tagCluster, otherCluster)}})
			if got := tagValue(h.endpointNow(t, id).Tags, tagCluster); got != testCluster {
				t.Errorf("cluster tag = %q after the refused CreateTags", got)
			}
			return err
		}},
		{"tagging another cluster's endpoint", "ec2:CreateTags", func(t *testing.T, h *iamHarness) error {
			id := h.endpointTagged(t, ownerTags(otherCluster, "u")...)
			_, err := h.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{tag("Name", "mine")}})
			return err
		}},
		{"deleting tags, even of an own endpoint", "ec2:DeleteTags", func(t *testing.T, h *iamHarness) error {
			id := h.endpointTagged(t, own...)
			_, err := h.client.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String(tagCluster)}}})
			if got := tagValue(h.endpointNow(t, id).Tags, tagCluster); got != testCluster {
				t.Errorf("cluster tag = %q after the refused DeleteTags", got)
			}
			return err
		}},
		{"opening another cluster's group", "ec2:AuthorizeSecurityGroupIngress", func(t *testing.T, h *iamHarness) error {
			group := h.groupTagged(t, ownerTags(otherCluster, "u")...)
			_, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &group, IpPermissions: httpsFromTheVPC()})
			return err
		}},
		{"deleting a group the user listed in spec.securityGroup.ids", "ec2:DeleteSecurityGroup", func(t *testing.T, h *iamHarness) error {
			group := h.groupTagged(t, tag("team", "agents"))
			_, err := h.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &group})
			out, derr := h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{group}})
			if derr != nil || len(out.SecurityGroups) != 1 {
				t.Errorf("the group is gone after the refused delete: %v", derr)
			}
			return err
		}},
		{"closing a rule of a group the user listed", "ec2:RevokeSecurityGroupIngress", func(t *testing.T, h *iamHarness) error {
			group := h.groupTagged(t)
			h.asAdmin(t, func() {
				_, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &group, IpPermissions: httpsFromTheVPC()})
				mustOK(t, err)
			})
			_, err := h.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &group, IpPermissions: httpsFromTheVPC()})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newIAMHarness(t, irsaPolicy(t, testCluster))
			wantUnauthorized(t, c.attempt(t, h), c.action)
		})
	}
}
