package ec2sim

import (
	"fmt"
	"net/netip"
	"slices"
)

// The IP address types of an interface endpoint, as AWS documents them
// (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_ec2.VpcEndpointIpAddressType.html,
// the PrivateLink Guide's "IP address type" of an interface endpoint):
// IPv4 "is supported only if all selected subnets have IPv4 address ranges and the endpoint
// service accepts IPv4 requests"; IPv6 "only if all selected subnets are IPv6 only subnets
// and the endpoint service accepts IPv6 requests"; dualstack "only if all selected subnets
// have both IPv4 and IPv6 address ranges and the endpoint service accepts both IPv4 and
// IPv6 requests". The service's types are those
// DescribeVpcEndpointServices lists (SupportedIpAddressTypes). EC2's error code and message
// for each refusal are not documented: the simulator answers InvalidParameter, EC2's code
// for a parameter that is not valid, not supported or cannot be used
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), with
// messages of its own.

// checkIPAddressType refuses an address type the service or the subnets cannot carry.
// Callers hold s.mu.
func (s *Simulator) checkIPAddressType(ipAddressType string, subnets []*subnet) *apiError {
	needs := map[string][]string{"ipv4": {"ipv4"}, "ipv6": {"ipv6"}, "dualstack": {"ipv4", "ipv6"}}[ipAddressType]
	for _, t := range needs {
		if !slices.Contains(s.serviceIPAddressTypes, t) {
			return clientError(codeInvalidParameter,
				"The VPC endpoint service %s does not support the IP address type %s.", s.service.name, ipAddressType)
		}
	}
	for _, sn := range subnets {
		hasIPv4, hasIPv6 := !sn.ipv6Only, sn.ipv6CIDR.IsValid()
		switch {
		case ipAddressType == "ipv4" && !hasIPv4:
			return clientError(codeInvalidParameter, "Subnet %s is IPv6 only and cannot serve an endpoint of IP address type ipv4.", sn.id)
		case ipAddressType == "dualstack" && (!hasIPv4 || !hasIPv6):
			return clientError(codeInvalidParameter, "Subnet %s must have both IPv4 and IPv6 CIDR blocks for an endpoint of IP address type dualstack.", sn.id)
		case ipAddressType == "ipv6" && hasIPv4:
			return clientError(codeInvalidParameter, "Subnet %s must be IPv6 only for an endpoint of IP address type ipv6.", sn.id)
		}
	}
	return nil
}

// SetSubnetIPv6 gives a subnet an IPv6 CIDR block (a /64), making it dual-stack, or
// IPv6-only when ipv6Only is true, as AssociateSubnetCidrBlock and an IPv6-native subnet
// would. It bypasses throttling, faults and call counts: it sets the scene.
func (s *Simulator) SetSubnetIPv6(subnetID, cidr string, ipv6Only bool) error {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil || !prefix.Addr().Is6() || prefix.Bits() != 64 {
		return fmt.Errorf("setting subnet IPv6: %q is not an IPv6 /64", cidr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sn, ok := s.subnets[subnetID]
	if !ok {
		return fmt.Errorf("setting subnet IPv6: no subnet %s", subnetID)
	}
	sn.ipv6CIDR, sn.ipv6Only = prefix.Masked(), ipv6Only
	sn.ipv6AssociationID = s.newID("subnet-cidr-assoc")
	return nil
}

type ipv6CidrBlockAssociationXML struct {
	AssociationID string `xml:"associationId"`
	Ipv6CidrBlock string `xml:"ipv6CidrBlock"`
	State         string `xml:"ipv6CidrBlockState>state"`
}

func (sn *subnet) ipv6XML() []ipv6CidrBlockAssociationXML {
	if !sn.ipv6CIDR.IsValid() {
		return nil
	}
	return []ipv6CidrBlockAssociationXML{{AssociationID: sn.ipv6AssociationID, Ipv6CidrBlock: sn.ipv6CIDR.String(), State: "associated"}}
}
