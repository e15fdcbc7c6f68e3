package aws

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// HTTPSPort is the only port the managed security group opens.
const HTTPSPort = 443

// SourceKind is where an ingress rule admits traffic from.
type SourceKind string

// Kinds of ingress sources.
const (
	SourceSecurityGroup SourceKind = "sg"
	SourceIPv4          SourceKind = "ipv4"
	SourceIPv6          SourceKind = "ipv6"
	SourcePrefixList    SourceKind = "pl"
)

// IngressRule is one inbound rule, in the flattened form the diff works on
// (EC2 groups several sources under one IpPermission).
type IngressRule struct {
	Protocol string // "tcp", "-1", ...
	FromPort int32
	ToPort   int32
	Kind     SourceKind
	Source   string
}

func (r IngressRule) String() string {
	return fmt.Sprintf("%s/%d-%d from %s", r.Protocol, r.FromPort, r.ToPort, r.Source)
}

// SecurityGroup is a security group as EC2 reports it.
type SecurityGroup struct {
	ID      string
	Name    string
	VpcID   string
	Ingress []IngressRule
	Tags    map[string]string
	// SettlesIn, for a group the operator created a moment ago, is how long
	// until EC2's reads are expected to show it (Inventory): until then EC2
	// may answer InvalidGroup.NotFound to a call naming it. Zero otherwise.
	SettlesIn time.Duration
}

// clone is a deep copy (nil for nil).
func (g *SecurityGroup) clone() *SecurityGroup {
	if g == nil {
		return nil
	}
	c := *g
	c.Ingress = slices.Clone(g.Ingress)
	c.Tags = maps.Clone(g.Tags)
	if c.Tags == nil {
		c.Tags = map[string]string{}
	}
	return &c
}

// DesiredIngress is HTTPS from each source and nothing else.
func DesiredIngress(groupIDs, cidrs, prefixLists []string) []IngressRule {
	var rules []IngressRule
	add := func(kind SourceKind, src string) {
		rules = append(rules, IngressRule{Protocol: "tcp", FromPort: HTTPSPort, ToPort: HTTPSPort, Kind: kind, Source: src})
	}
	for _, g := range groupIDs {
		add(SourceSecurityGroup, g)
	}
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Addr().Is6() {
			add(SourceIPv6, c)
		} else {
			add(SourceIPv4, c)
		}
	}
	for _, p := range prefixLists {
		add(SourcePrefixList, p)
	}
	return rules
}

// DiffIngress returns the rules to authorize and to revoke so that observed
// becomes exactly desired.
func DiffIngress(desired, observed []IngressRule) (authorize, revoke []IngressRule) {
	want := map[IngressRule]bool{}
	for _, r := range desired {
		want[r] = true
	}
	have := map[IngressRule]bool{}
	for _, r := range observed {
		have[r] = true
		if !want[r] {
			revoke = append(revoke, r)
		}
	}
	for _, r := range desired {
		if !have[r] {
			authorize = append(authorize, r)
			have[r] = true
		}
	}
	return authorize, revoke
}

func ingressFromEC2(perms []types.IpPermission) []IngressRule {
	var rules []IngressRule
	for _, p := range perms {
		base := IngressRule{Protocol: awssdk.ToString(p.IpProtocol), FromPort: awssdk.ToInt32(p.FromPort), ToPort: awssdk.ToInt32(p.ToPort)}
		with := func(kind SourceKind, src string) {
			r := base
			r.Kind, r.Source = kind, src
			rules = append(rules, r)
		}
		for _, g := range p.UserIdGroupPairs {
			with(SourceSecurityGroup, awssdk.ToString(g.GroupId))
		}
		for _, r := range p.IpRanges {
			with(SourceIPv4, awssdk.ToString(r.CidrIp))
		}
		for _, r := range p.Ipv6Ranges {
			with(SourceIPv6, awssdk.ToString(r.CidrIpv6))
		}
		for _, r := range p.PrefixListIds {
			with(SourcePrefixList, awssdk.ToString(r.PrefixListId))
		}
	}
	return rules
}

// ruleDescription marks the rules the operator writes, for people reading
// the console.
const ruleDescription = "HTTPS to the AgentCore Gateway endpoint (vpce.agentcore.io)"

func ingressToEC2(rules []IngressRule) []types.IpPermission {
	perms := make([]types.IpPermission, 0, len(rules))
	for _, r := range rules {
		p := types.IpPermission{IpProtocol: awssdk.String(r.Protocol), FromPort: awssdk.Int32(r.FromPort), ToPort: awssdk.Int32(r.ToPort)}
		d := awssdk.String(ruleDescription)
		switch r.Kind {
		case SourceSecurityGroup:
			p.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: awssdk.String(r.Source), Description: d}}
		case SourceIPv4:
			p.IpRanges = []types.IpRange{{CidrIp: awssdk.String(r.Source), Description: d}}
		case SourceIPv6:
			p.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: awssdk.String(r.Source), Description: d}}
		case SourcePrefixList:
			p.PrefixListIds = []types.PrefixListId{{PrefixListId: awssdk.String(r.Source), Description: d}}
		}
		perms = append(perms, p)
	}
	return perms
}

func groupFromEC2(g types.SecurityGroup) *SecurityGroup {
	return &SecurityGroup{
		ID:      awssdk.ToString(g.GroupId),
		Name:    awssdk.ToString(g.GroupName),
		VpcID:   awssdk.ToString(g.VpcId),
		Ingress: ingressFromEC2(g.IpPermissions),
		Tags:    fromEC2Tags(g.Tags),
	}
}

func (c *Client) describeGroups(filterName string, keyOf func(types.SecurityGroup) string) func(context.Context, []string) (map[string][]types.SecurityGroup, error) {
	return func(ctx context.Context, keys []string) (map[string][]types.SecurityGroup, error) {
		out := map[string][]types.SecurityGroup{}
		pages := ec2.NewDescribeSecurityGroupsPaginator(c.api, &ec2.DescribeSecurityGroupsInput{
			Filters: []types.Filter{filter(filterName, keys...)},
		})
		if _, err := eachPage(ctx, pages, "security groups", func(page *ec2.DescribeSecurityGroupsOutput) {
			for _, g := range page.SecurityGroups {
				k := keyOf(g)
				out[k] = append(out[k], g)
			}
		}); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// SecurityGroupByID returns the group, or nil if EC2 does not know it.
func (c *Client) SecurityGroupByID(ctx context.Context, id string) (*SecurityGroup, error) {
	found, err := c.groupsByID.get(ctx, id)
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return groupFromEC2(found[0]), nil
}

// SecurityGroupByOwner returns the group in vpcID tagged with the owner's
// UID, or nil.
func (c *Client) SecurityGroupByOwner(ctx context.Context, vpcID, uid string) (*SecurityGroup, error) {
	found, err := c.groupsByOwner.get(ctx, uid)
	if err != nil {
		return nil, err
	}
	for _, g := range found {
		if awssdk.ToString(g.VpcId) == vpcID {
			return groupFromEC2(g), nil
		}
	}
	return nil, nil
}

// CreateSecurityGroup creates a group with its tags and returns it. EC2 has
// no ClientToken for groups; the name is derived from the owner's UID, so a
// repeated create (a retry of a call whose response was lost) answers
// InvalidGroup.Duplicate instead of making a second group, and the group of
// that name is returned as EC2 lists it, tags and all: whether it is the
// caller's is for the caller to check (a same-named group without the
// owner's tags is someone else's).
func (c *Client) CreateSecurityGroup(ctx context.Context, vpcID, name, description string, tags map[string]string) (*SecurityGroup, error) {
	out, err := c.api.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		VpcId:             awssdk.String(vpcID),
		GroupName:         awssdk.String(name),
		Description:       awssdk.String(description),
		TagSpecifications: tagSpecification(types.ResourceTypeSecurityGroup, tags),
	})
	if err == nil {
		return &SecurityGroup{ID: awssdk.ToString(out.GroupId), Name: name, VpcID: vpcID, Tags: tags}, nil
	}
	if Code(err) != CodeGroupDuplicate {
		return nil, fmt.Errorf("creating security group %s: %w", name, err)
	}
	existing, derr := c.api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{filter("vpc-id", vpcID), filter("group-name", name)},
	})
	if derr != nil {
		return nil, fmt.Errorf("finding existing security group %s: %w", name, derr)
	}
	if len(existing.SecurityGroups) == 0 {
		// Created a moment ago and not listed yet (eventual consistency):
		// a plain error, so that it is retried rather than taken for bad
		// input.
		return nil, fmt.Errorf("security group %s exists in %s but EC2 does not list it yet", name, vpcID)
	}
	return groupFromEC2(existing.SecurityGroups[0]), nil
}

// AuthorizeIngress adds rules to a group in one call.
func (c *Client) AuthorizeIngress(ctx context.Context, groupID string, rules []IngressRule) error {
	if len(rules) == 0 {
		return nil
	}
	_, err := c.api.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: awssdk.String(groupID), IpPermissions: ingressToEC2(rules),
	})
	// InvalidPermission.Duplicate: the rules are there, most likely from an
	// earlier attempt whose response was lost; the next read shows any that
	// are still missing.
	if err != nil && Classify(err) != AlreadyDone {
		return fmt.Errorf("authorizing ingress %s on %s: %w", describeRules(rules), groupID, err)
	}
	return nil
}

// RevokeIngress removes rules from a group in one call.
func (c *Client) RevokeIngress(ctx context.Context, groupID string, rules []IngressRule) error {
	if len(rules) == 0 {
		return nil
	}
	_, err := c.api.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
		GroupId: awssdk.String(groupID), IpPermissions: ingressToEC2(rules),
	})
	if err != nil && Classify(err) == AlreadyDone && len(rules) > 1 {
		// EC2 revokes all or nothing: one rule already gone (a retried call,
		// or someone else's revoke) leaves the others. Reading again finds
		// them.
		return fmt.Errorf("revoking ingress %s on %s: some rules are already gone and EC2 revoked none; reading the group again: %w", describeRules(rules), groupID, err)
	}
	if err != nil && Classify(err) != AlreadyDone {
		return fmt.Errorf("revoking ingress %s on %s: %w", describeRules(rules), groupID, err)
	}
	return nil
}

// DeleteSecurityGroup deletes a group; one EC2 no longer knows counts as
// deleted. DependencyViolation (still on an endpoint's network interfaces)
// is returned for the caller to retry later.
func (c *Client) DeleteSecurityGroup(ctx context.Context, id string) error {
	_, err := c.api.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: awssdk.String(id)})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("deleting security group %s: %w", id, err)
	}
	return nil
}

func describeRules(rules []IngressRule) string {
	s := make([]string, 0, len(rules))
	for _, r := range rules {
		s = append(s, r.String())
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// GroupHolders says what keeps a security group from being deleted: the
// network interfaces it is attached to (an endpoint's linger for a while
// after the endpoint is gone) and the groups whose rules refer to it.
func (c *Client) GroupHolders(ctx context.Context, groupID string) (interfaces, referencingGroups []string, err error) {
	enis := ec2.NewDescribeNetworkInterfacesPaginator(c.api, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("group-id", groupID)}})
	for enis.HasMorePages() {
		page, err := enis.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("describing network interfaces of %s: %w", groupID, err)
		}
		for _, ni := range page.NetworkInterfaces {
			interfaces = append(interfaces, awssdk.ToString(ni.NetworkInterfaceId))
		}
	}
	groups := ec2.NewDescribeSecurityGroupsPaginator(c.api, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("ip-permission.group-id", groupID)}})
	for groups.HasMorePages() {
		page, err := groups.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("describing security groups referring to %s: %w", groupID, err)
		}
		for _, g := range page.SecurityGroups {
			if id := awssdk.ToString(g.GroupId); id != groupID {
				referencingGroups = append(referencingGroups, id)
			}
		}
	}
	return interfaces, referencingGroups, nil
}

// listGroups reads every security group the filters select, and says how
// many pages it took.
func (c *Client) listGroups(ctx context.Context, filters ...types.Filter) ([]*SecurityGroup, int, error) {
	var out []*SecurityGroup
	pages := ec2.NewDescribeSecurityGroupsPaginator(c.api, &ec2.DescribeSecurityGroupsInput{Filters: filters})
	n, err := eachPage(ctx, pages, "security groups", func(page *ec2.DescribeSecurityGroupsOutput) {
		for _, g := range page.SecurityGroups {
			out = append(out, groupFromEC2(g))
		}
	})
	if err != nil {
		return nil, n, err
	}
	return out, n, nil
}
