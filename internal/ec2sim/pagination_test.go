package ec2sim_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// walk counts the pages and items an SDK paginator visits, and reports an item seen twice.
func walk[O any](t *testing.T, more func() bool, next func(context.Context, ...func(*ec2.Options)) (O, error), ids func(O) []string) (pages, items int) {
	t.Helper()
	seen := map[string]bool{}
	for more() {
		page, err := next(context.Background())
		mustOK(t, err)
		pages++
		for _, id := range ids(page) {
			if seen[id] {
				t.Errorf("%s listed twice", id)
			}
			seen[id] = true
			items++
		}
	}
	return pages, items
}

func TestPaginatorsWalkEveryPageOfEveryPaginatedAction(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var groups []string
	for i := range 11 {
		groups = append(groups, h.createGroup(t, fmt.Sprintf("g%02d", i)))
	}
	for _, g := range groups {
		h.createEndpoint(t, g, withoutPrivateDNS)
	}
	for i := range 4 {
		_, err := h.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(h.vpcID), CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", 10+i))})
		mustOK(t, err)
	}
	filterVPC := []types.Filter{filterOf("vpc-id", h.vpcID)}
	const size = 5
	cases := []struct {
		name      string
		walk      func() (pages, items int)
		wantItems int
	}{
		{"DescribeVpcEndpoints", func() (int, int) {
			p := ec2.NewDescribeVpcEndpointsPaginator(h.client, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(size), Filters: filterVPC})
			return walk(t, p.HasMorePages, p.NextPage, func(o *ec2.DescribeVpcEndpointsOutput) (ids []string) {
				for _, e := range o.VpcEndpoints {
					ids = append(ids, *e.VpcEndpointId)
				}
				return ids
			})
		}, 11},
		{"DescribeSecurityGroups", func() (int, int) {
			p := ec2.NewDescribeSecurityGroupsPaginator(h.client, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(size), Filters: filterVPC})
			return walk(t, p.HasMorePages, p.NextPage, func(o *ec2.DescribeSecurityGroupsOutput) (ids []string) {
				for _, g := range o.SecurityGroups {
					ids = append(ids, *g.GroupId)
				}
				return ids
			})
		}, 12}, // and the VPC's default group
		{"DescribeSecurityGroupRules", func() (int, int) {
			p := ec2.NewDescribeSecurityGroupRulesPaginator(h.client, &ec2.DescribeSecurityGroupRulesInput{MaxResults: aws.Int32(size)})
			return walk(t, p.HasMorePages, p.NextPage, func(o *ec2.DescribeSecurityGroupRulesOutput) (ids []string) {
				for _, r := range o.SecurityGroupRules {
					ids = append(ids, *r.SecurityGroupRuleId)
				}
				return ids
			})
		}, 13}, // one egress rule per group, and the default group's ingress rule
		{"DescribeNetworkInterfaces", func() (int, int) {
			p := ec2.NewDescribeNetworkInterfacesPaginator(h.client, &ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(size)})
			return walk(t, p.HasMorePages, p.NextPage, func(o *ec2.DescribeNetworkInterfacesOutput) (ids []string) {
				for _, ni := range o.NetworkInterfaces {
					ids = append(ids, *ni.NetworkInterfaceId)
				}
				return ids
			})
		}, 33},
		{"DescribeSubnets", func() (int, int) {
			p := ec2.NewDescribeSubnetsPaginator(h.client, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(size)})
			return walk(t, p.HasMorePages, p.NextPage, func(o *ec2.DescribeSubnetsOutput) (ids []string) {
				for _, sn := range o.Subnets {
					ids = append(ids, *sn.SubnetId)
				}
				return ids
			})
		}, 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pages, items := c.walk()
			if items != c.wantItems {
				t.Errorf("walked %d items, want %d", items, c.wantItems)
			}
			if want := (c.wantItems + size - 1) / size; pages != want {
				t.Errorf("walked %d pages, want %d", pages, want)
			}
		})
	}
}

func TestPaginationRefusesBadPageSizesAndTokens(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, err := h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(4)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{NextToken: aws.String("not-a-token")})
	wantCode(t, err, "InvalidPaginationToken")
}

func TestMaxResultsOutsideAnActionsRangeIsRefusedOrCapped(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	e := h.createEndpoint(t, group)
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"DescribeSecurityGroups below 5", func() error {
			_, err := h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(4)})
			return err
		}, "InvalidParameterValue"},
		{"DescribeSecurityGroups above 1000", func() error {
			_, err := h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(1001)})
			return err
		}, "InvalidParameterValue"},
		{"DescribeSubnets at 1000", func() error {
			_, err := h.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(1000)})
			return err
		}, ""},
		{"DescribeVpcEndpoints at 1", func() error {
			_, err := h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(1)})
			return err
		}, ""},
		{"DescribeVpcEndpoints above 1000, which EC2 caps", func() error {
			_, err := h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(5000)})
			return err
		}, ""},
		{"DescribeNetworkInterfaces with IDs", func() error {
			_, err := h.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
				NetworkInterfaceIds: e.NetworkInterfaceIds, MaxResults: aws.Int32(5),
			})
			return err
		}, "InvalidParameterCombination"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantCode(t, c.call(), c.want) })
	}
}

func TestAFilteredPageCanBeEmptyAndStillCarryANextToken(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for i := range 5 {
		h.createGroup(t, fmt.Sprintf("other-%d", i))
	}
	match := h.createGroup(t, "match")
	in := &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(5), Filters: []types.Filter{filterOf("group-name", "match")}}
	first, err := h.client.DescribeSecurityGroups(ctx, in)
	mustOK(t, err)
	if len(first.SecurityGroups) != 0 || aws.ToString(first.NextToken) == "" {
		t.Fatalf("first page: %d groups, next token %q; want none and a token", len(first.SecurityGroups), aws.ToString(first.NextToken))
	}
	p := ec2.NewDescribeSecurityGroupsPaginator(h.client, in)
	pages, items := walk(t, p.HasMorePages, p.NextPage, func(o *ec2.DescribeSecurityGroupsOutput) (ids []string) {
		for _, g := range o.SecurityGroups {
			ids = append(ids, *g.GroupId)
		}
		return ids
	})
	if pages != 2 || items != 1 {
		t.Errorf("walked %d pages and %d items, want 2 pages and only %s", pages, items, match)
	}
}

func TestMoreThan200FilterValuesInACallAreRefused(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	values := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("sg-%017x", i)
		}
		return out
	}
	_, err := h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filterOf("group-id", values(200)...)}})
	mustOK(t, err)
	_, err = h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		filterOf("group-id", values(150)...), filterOf("group-name", values(51)...),
	}})
	wantCode(t, err, "FilterLimitExceeded")
	_, err = h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{filterOf("vpc-endpoint-id", values(201)...)}})
	wantCode(t, err, "InvalidParameterValue")
}
