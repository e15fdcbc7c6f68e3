package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

const tagUIDKey = v1alpha1.TagUID

// Endpoint is an interface VPC endpoint as EC2 reports it.
type Endpoint struct {
	ID                  string
	VpcID               string
	ServiceName         string
	Type                string
	State               string // lower case
	SubnetIDs           []string
	SecurityGroupIDs    []string
	NetworkInterfaceIDs []string
	// PrivateDNSEnabled is nil when EC2's answer leaves it out: unknown,
	// which is never taken for a difference.
	PrivateDNSEnabled *bool
	// IPAddressType is "" when EC2's answer leaves it out: unknown.
	IPAddressType  string
	PolicyDocument string
	DNSEntries     []DNSEntry
	Tags           map[string]string
	// Assumed says the operator wrote the endpoint as it is here and has
	// not read it back since (Inventory): EC2 may not have applied it all.
	Assumed bool
	// Unlisted says the operator created the endpoint and EC2 has not
	// listed it since: EC2's reads lag, and until they show it, EC2
	// answers NotFound for it (a delete would do nothing).
	Unlisted bool
}

// clone is a deep copy (nil for nil).
func (e *Endpoint) clone() *Endpoint {
	if e == nil {
		return nil
	}
	c := *e
	c.SubnetIDs = slices.Clone(e.SubnetIDs)
	c.SecurityGroupIDs = slices.Clone(e.SecurityGroupIDs)
	c.NetworkInterfaceIDs = slices.Clone(e.NetworkInterfaceIDs)
	c.DNSEntries = slices.Clone(e.DNSEntries)
	c.Tags = maps.Clone(e.Tags)
	if c.Tags == nil {
		c.Tags = map[string]string{}
	}
	if e.PrivateDNSEnabled != nil {
		c.PrivateDNSEnabled = awssdk.Bool(*e.PrivateDNSEnabled)
	}
	return &c
}

// apply makes the endpoint what a successful ModifyVpcEndpoint of ch leaves
// it: EC2 sends it back to pending for the changes that re-provision it.
func (e *Endpoint) apply(ch EndpointChange) {
	e.SubnetIDs = applySet(e.SubnetIDs, ch.AddSubnetIDs, ch.RemoveSubnetIDs)
	e.SecurityGroupIDs = applySet(e.SecurityGroupIDs, ch.AddSecurityGroupIDs, ch.RemoveSecurityGroupIDs)
	if ch.PrivateDNSEnabled != nil {
		e.PrivateDNSEnabled = awssdk.Bool(*ch.PrivateDNSEnabled)
	}
	if ch.IPAddressType != "" {
		e.IPAddressType = ch.IPAddressType
	}
	if ch.PolicyDocument != nil {
		e.PolicyDocument = *ch.PolicyDocument
	}
	if ch.Reprovisions() {
		e.State = "pending"
	}
}

func applySet(set, add, remove []string) []string {
	out := slices.DeleteFunc(slices.Clone(set), func(s string) bool { return slices.Contains(remove, s) })
	for _, a := range add {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// DNSEntry is one DNS name of an endpoint.
type DNSEntry struct {
	Name         string
	HostedZoneID string
}

// Gone says whether the endpoint no longer exists for practical purposes.
func (e *Endpoint) Gone() bool {
	return e == nil || e.State == "deleted"
}

func endpointFromEC2(v types.VpcEndpoint) *Endpoint {
	e := &Endpoint{
		ID:                  awssdk.ToString(v.VpcEndpointId),
		VpcID:               awssdk.ToString(v.VpcId),
		ServiceName:         awssdk.ToString(v.ServiceName),
		Type:                string(v.VpcEndpointType),
		State:               strings.ToLower(string(v.State)),
		SubnetIDs:           sorted(v.SubnetIds),
		NetworkInterfaceIDs: sorted(v.NetworkInterfaceIds),
		PrivateDNSEnabled:   v.PrivateDnsEnabled,
		IPAddressType:       string(v.IpAddressType),
		PolicyDocument:      awssdk.ToString(v.PolicyDocument),
		Tags:                fromEC2Tags(v.Tags),
	}
	for _, g := range v.Groups {
		e.SecurityGroupIDs = append(e.SecurityGroupIDs, awssdk.ToString(g.GroupId))
	}
	sort.Strings(e.SecurityGroupIDs)
	for _, d := range v.DnsEntries {
		e.DNSEntries = append(e.DNSEntries, DNSEntry{Name: awssdk.ToString(d.DnsName), HostedZoneID: awssdk.ToString(d.HostedZoneId)})
	}
	return e
}

func (c *Client) describeEndpoints(filterName string, keyOf func(types.VpcEndpoint) string) func(context.Context, []string) (map[string][]types.VpcEndpoint, error) {
	return func(ctx context.Context, keys []string) (map[string][]types.VpcEndpoint, error) {
		out := map[string][]types.VpcEndpoint{}
		pages := ec2.NewDescribeVpcEndpointsPaginator(c.api, &ec2.DescribeVpcEndpointsInput{
			Filters: []types.Filter{filter(filterName, keys...)},
		})
		if _, err := eachPage(ctx, pages, "vpc endpoints", func(page *ec2.DescribeVpcEndpointsOutput) {
			for _, v := range page.VpcEndpoints {
				k := keyOf(v)
				out[k] = append(out[k], v)
			}
		}); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// EndpointByID returns the endpoint with id, or nil if EC2 does not know it.
func (c *Client) EndpointByID(ctx context.Context, id string) (*Endpoint, error) {
	found, err := c.endpointsByID.get(ctx, id)
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return endpointFromEC2(found[0]), nil
}

// EndpointByOwner returns the live endpoint tagged with the owner's UID, or
// nil. Endpoints already deleted are skipped.
func (c *Client) EndpointByOwner(ctx context.Context, uid string) (*Endpoint, error) {
	found, err := c.endpointsByOwner.get(ctx, uid)
	if err != nil {
		return nil, err
	}
	for _, v := range found {
		if e := endpointFromEC2(v); !e.Gone() && e.State != "deleting" {
			return e, nil
		}
	}
	return nil, nil
}

// EndpointSpec is an endpoint as the operator wants it.
type EndpointSpec struct {
	VpcID             string
	ServiceName       string
	SubnetIDs         []string
	SecurityGroupIDs  []string
	PrivateDNSEnabled bool
	IPAddressType     string
	PolicyDocument    string
	Tags              map[string]string
	ClientToken       string
}

// CreateEndpoint creates an interface endpoint with its policy and tags in
// one call, idempotent by ClientToken.
func (c *Client) CreateEndpoint(ctx context.Context, s EndpointSpec) (*Endpoint, error) {
	in := &ec2.CreateVpcEndpointInput{
		VpcId:             awssdk.String(s.VpcID),
		ServiceName:       awssdk.String(s.ServiceName),
		VpcEndpointType:   types.VpcEndpointTypeInterface,
		SubnetIds:         sortedCopy(s.SubnetIDs),
		SecurityGroupIds:  sortedCopy(s.SecurityGroupIDs),
		PrivateDnsEnabled: awssdk.Bool(s.PrivateDNSEnabled),
		IpAddressType:     types.IpAddressType(s.IPAddressType),
		DnsOptions:        &types.DnsOptionsSpecification{DnsRecordIpType: types.DnsRecordIpType(s.IPAddressType)},
		PolicyDocument:    awssdk.String(s.PolicyDocument),
		TagSpecifications: tagSpecification(types.ResourceTypeVpcEndpoint, s.Tags),
		ClientToken:       awssdk.String(s.ClientToken),
	}
	out, err := c.api.CreateVpcEndpoint(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("creating vpc endpoint: %w", err)
	}
	return endpointFromEC2(*out.VpcEndpoint), nil
}

// EndpointChange is everything one ModifyVpcEndpoint call must change.
type EndpointChange struct {
	AddSubnetIDs, RemoveSubnetIDs               []string
	AddSecurityGroupIDs, RemoveSecurityGroupIDs []string
	PrivateDNSEnabled                           *bool
	IPAddressType                               string
	PolicyDocument                              *string
}

// Empty says whether nothing needs to change.
func (ch EndpointChange) Empty() bool {
	return len(ch.AddSubnetIDs)+len(ch.RemoveSubnetIDs)+len(ch.AddSecurityGroupIDs)+len(ch.RemoveSecurityGroupIDs) == 0 &&
		ch.PrivateDNSEnabled == nil && ch.IPAddressType == "" && ch.PolicyDocument == nil
}

// Reprovisions says whether the change sends the endpoint back to pending:
// subnets, IP address type and private DNS do
// (https://docs.aws.amazon.com/vpc/latest/privatelink/interface-endpoints.html).
func (ch EndpointChange) Reprovisions() bool {
	return len(ch.AddSubnetIDs)+len(ch.RemoveSubnetIDs) > 0 || ch.IPAddressType != "" || ch.PrivateDNSEnabled != nil
}

// String lists what changes, for events and logs.
func (ch EndpointChange) String() string {
	var parts []string
	add := func(what string, ids []string) {
		if len(ids) > 0 {
			parts = append(parts, what+" "+strings.Join(ids, ","))
		}
	}
	add("add subnets", ch.AddSubnetIDs)
	add("remove subnets", ch.RemoveSubnetIDs)
	add("add security groups", ch.AddSecurityGroupIDs)
	add("remove security groups", ch.RemoveSecurityGroupIDs)
	if ch.PrivateDNSEnabled != nil {
		parts = append(parts, fmt.Sprintf("private DNS %t", *ch.PrivateDNSEnabled))
	}
	if ch.IPAddressType != "" {
		parts = append(parts, "IP address type "+ch.IPAddressType)
	}
	if ch.PolicyDocument != nil {
		parts = append(parts, "policy document")
	}
	return strings.Join(parts, "; ")
}

// DiffEndpoint is what turns observed into desired. The policy is compared
// by the caller (semantically); policyDiffers says whether to write it. A
// field EC2's answer leaves out is unknown, not different: writing it on
// every pass would never be seen to take effect.
func DiffEndpoint(desired EndpointSpec, observed *Endpoint, policyDiffers bool) EndpointChange {
	var ch EndpointChange
	ch.AddSubnetIDs, ch.RemoveSubnetIDs = setDiff(desired.SubnetIDs, observed.SubnetIDs)
	ch.AddSecurityGroupIDs, ch.RemoveSecurityGroupIDs = setDiff(desired.SecurityGroupIDs, observed.SecurityGroupIDs)
	if observed.PrivateDNSEnabled != nil && desired.PrivateDNSEnabled != *observed.PrivateDNSEnabled {
		ch.PrivateDNSEnabled = awssdk.Bool(desired.PrivateDNSEnabled)
	}
	if desired.IPAddressType != "" && observed.IPAddressType != "" && desired.IPAddressType != observed.IPAddressType {
		ch.IPAddressType = desired.IPAddressType
	}
	if policyDiffers {
		ch.PolicyDocument = awssdk.String(desired.PolicyDocument)
	}
	return ch
}

// ModifyEndpoint applies ch in one ModifyVpcEndpoint call.
func (c *Client) ModifyEndpoint(ctx context.Context, id string, ch EndpointChange) error {
	in := &ec2.ModifyVpcEndpointInput{
		VpcEndpointId:          awssdk.String(id),
		AddSubnetIds:           ch.AddSubnetIDs,
		RemoveSubnetIds:        ch.RemoveSubnetIDs,
		AddSecurityGroupIds:    ch.AddSecurityGroupIDs,
		RemoveSecurityGroupIds: ch.RemoveSecurityGroupIDs,
		PrivateDnsEnabled:      ch.PrivateDNSEnabled,
		PolicyDocument:         ch.PolicyDocument,
	}
	if ch.IPAddressType != "" {
		in.IpAddressType = types.IpAddressType(ch.IPAddressType)
		in.DnsOptions = &types.DnsOptionsSpecification{DnsRecordIpType: types.DnsRecordIpType(ch.IPAddressType)}
	}
	if _, err := c.api.ModifyVpcEndpoint(ctx, in); err != nil {
		return fmt.Errorf("modifying vpc endpoint %s: %w", id, err)
	}
	return nil
}

// DeleteEndpoint starts deleting the endpoint. An endpoint EC2 no longer
// knows counts as deleted.
func (c *Client) DeleteEndpoint(ctx context.Context, id string) error {
	out, err := c.api.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil {
		if IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("deleting vpc endpoint %s: %w", id, err)
	}
	for _, u := range out.Unsuccessful {
		if u.Error == nil {
			continue
		}
		code := awssdk.ToString(u.Error.Code)
		if strings.HasSuffix(code, ".NotFound") {
			continue
		}
		return fmt.Errorf("deleting vpc endpoint %s: %s: %s", id, code, awssdk.ToString(u.Error.Message))
	}
	return nil
}

// TagResource adds or updates tags on an EC2 resource.
func (c *Client) TagResource(ctx context.Context, id string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	if _, err := c.api.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: toEC2Tags(tags)}); err != nil {
		return fmt.Errorf("tagging %s: %w", id, err)
	}
	return nil
}

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}

func sortedCopy(s []string) []string {
	return sorted(append([]string(nil), s...))
}

// setDiff returns what want has that has lacks, and what has has that want
// lacks, each sorted.
func setDiff(want, has []string) (add, remove []string) {
	wantSet := make(map[string]bool, len(want))
	for _, w := range want {
		wantSet[w] = true
	}
	hasSet := make(map[string]bool, len(has))
	for _, h := range has {
		hasSet[h] = true
		if !wantSet[h] {
			remove = append(remove, h)
		}
	}
	for w := range wantSet {
		if !hasSet[w] {
			add = append(add, w)
		}
	}
	sort.Strings(add)
	sort.Strings(remove)
	return add, remove
}

// listEndpoints reads every endpoint the filters select, and says how many
// pages it took. Without MaxResults EC2 decides the page size (at most
// 1,000 items for DescribeVpcEndpoints).
func (c *Client) listEndpoints(ctx context.Context, filters ...types.Filter) ([]*Endpoint, int, error) {
	var out []*Endpoint
	pages := ec2.NewDescribeVpcEndpointsPaginator(c.api, &ec2.DescribeVpcEndpointsInput{Filters: filters})
	n, err := eachPage(ctx, pages, "vpc endpoints", func(page *ec2.DescribeVpcEndpointsOutput) {
		for _, v := range page.VpcEndpoints {
			out = append(out, endpointFromEC2(v))
		}
	})
	if err != nil {
		return nil, n, err
	}
	return out, n, nil
}
