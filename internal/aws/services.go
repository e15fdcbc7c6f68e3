package aws

import (
	"context"
	"fmt"
	"slices"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// serviceInfoTTL bounds how long what a service offers is remembered;
// service capabilities change rarely, and asking on every reconcile would
// spend the request budget for nothing.
const serviceInfoTTL = time.Hour

// Service is what an endpoint service offers in the region.
type Service struct {
	Name string
	// Zones are the Availability Zones (names) the service serves; a subnet
	// in another zone cannot hold one of its endpoints.
	Zones []string
	// IPAddressTypes are the supported IP address types, lower case (ipv4,
	// ipv6).
	IPAddressTypes []string
	fetched        time.Time
}

// ServesZone says whether the service has endpoints in zone.
func (s *Service) ServesZone(zone string) bool { return slices.Contains(s.Zones, zone) }

// DescribeService returns what serviceName offers, or nil when EC2 does not
// know it in this region (DescribeVpcEndpointServices:
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpointServices.html).
func (c *Client) DescribeService(ctx context.Context, serviceName string) (*Service, error) {
	c.servicesMu.Lock()
	info, ok := c.services[serviceName]
	c.servicesMu.Unlock()
	if ok && time.Since(info.fetched) < serviceInfoTTL {
		return info, nil
	}
	out, err := c.api.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{
		ServiceNames: []string{serviceName},
	})
	if err != nil {
		if Code(err) == "InvalidServiceName" {
			return nil, nil
		}
		return nil, fmt.Errorf("describing vpc endpoint service %s: %w", serviceName, err)
	}
	info = nil
	for _, d := range out.ServiceDetails {
		if awssdk.ToString(d.ServiceName) != serviceName {
			continue
		}
		info = &Service{Name: serviceName, Zones: slices.Sorted(slices.Values(d.AvailabilityZones)), fetched: time.Now()}
		for _, t := range d.SupportedIpAddressTypes {
			info.IPAddressTypes = append(info.IPAddressTypes, string(t))
		}
	}
	if info == nil {
		return nil, nil
	}
	c.servicesMu.Lock()
	c.services[serviceName] = info
	c.servicesMu.Unlock()
	return info, nil
}

// DefaultServiceName is the AgentCore Gateway endpoint service of region.
func DefaultServiceName(region string) string {
	return "com.amazonaws." + region + ".bedrock-agentcore.gateway"
}

// Subnet is a subnet as the preflight needs it.
type Subnet struct {
	ID    string
	VpcID string
	Zone  string
	// IPv6 says whether the subnet has an IPv6 CIDR block, which dualstack
	// and ipv6 endpoints need.
	IPv6 bool
}

// Subnets returns the subnets of ids that EC2 knows, by ID.
func (c *Client) Subnets(ctx context.Context, ids []string) (map[string]Subnet, error) {
	out := map[string]Subnet{}
	// By filter, not by SubnetIds: an unknown ID in SubnetIds fails the
	// whole call, while the preflight wants to name each missing subnet.
	pages := ec2.NewDescribeSubnetsPaginator(c.api, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("subnet-id", ids...)}})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing subnets: %w", err)
		}
		for _, s := range page.Subnets {
			sub := Subnet{ID: awssdk.ToString(s.SubnetId), VpcID: awssdk.ToString(s.VpcId), Zone: awssdk.ToString(s.AvailabilityZone)}
			for _, a := range s.Ipv6CidrBlockAssociationSet {
				if a.Ipv6CidrBlockState != nil && a.Ipv6CidrBlockState.State == types.SubnetCidrBlockStateCodeAssociated {
					sub.IPv6 = true
				}
			}
			out[sub.ID] = sub
		}
	}
	return out, nil
}

// VPCDNSAttributes returns the VPC's enableDnsSupport and
// enableDnsHostnames, both of which private DNS needs
// (https://docs.aws.amazon.com/vpc/latest/privatelink/manage-dns-names.html).
func (c *Client) VPCDNSAttributes(ctx context.Context, vpcID string) (support, hostnames bool, err error) {
	for _, attr := range []types.VpcAttributeName{types.VpcAttributeNameEnableDnsSupport, types.VpcAttributeNameEnableDnsHostnames} {
		out, err := c.api.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: awssdk.String(vpcID), Attribute: attr})
		if err != nil {
			return false, false, fmt.Errorf("describing %s of %s: %w", attr, vpcID, err)
		}
		switch attr {
		case types.VpcAttributeNameEnableDnsSupport:
			support = out.EnableDnsSupport != nil && awssdk.ToBool(out.EnableDnsSupport.Value)
		default:
			hostnames = out.EnableDnsHostnames != nil && awssdk.ToBool(out.EnableDnsHostnames.Value)
		}
	}
	return support, hostnames, nil
}

// PrivateDNSEndpoints lists the live endpoints of serviceName in vpcID that
// have private DNS on: EC2 allows only one per service and VPC.
func (c *Client) PrivateDNSEndpoints(ctx context.Context, vpcID, serviceName string) ([]*Endpoint, error) {
	var found []*Endpoint
	pages := ec2.NewDescribeVpcEndpointsPaginator(c.api, &ec2.DescribeVpcEndpointsInput{
		Filters: []types.Filter{filter("vpc-id", vpcID), filter("service-name", serviceName)},
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing vpc endpoints of %s: %w", vpcID, err)
		}
		for _, v := range page.VpcEndpoints {
			if e := endpointFromEC2(v); !e.Gone() && e.State != "deleting" && e.PrivateDNSEnabled != nil && *e.PrivateDNSEnabled {
				found = append(found, e)
			}
		}
	}
	return found, nil
}
