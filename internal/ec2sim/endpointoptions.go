package ec2sim

import (
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"
)

// maxPolicyLength is EC2's limit on an endpoint policy, in characters.
const maxPolicyLength = 20480

// endpointSubnets resolves an endpoint's subnets: they must exist, be in the endpoint's VPC,
// be at most one per Availability Zone, and be in zones the service is offered in.
func (s *Simulator) endpointSubnets(v *vpc, ids []string) ([]*subnet, *apiError) {
	var out []*subnet
	var zones []string
	for _, id := range ids {
		sn, ok := s.subnets[id]
		if err := kindSubnet.check(id, ok); err != nil {
			return nil, err
		}
		if sn.vpcID != v.id {
			return nil, clientError(codeInvalidParameter, "The subnet ID '%s' does not belong to VPC '%s'.", id, v.id)
		}
		if slices.Contains(zones, sn.zone.name) {
			return nil, clientError(codeDuplicateSubnetsInSameZone,
				"Found another VPC endpoint subnet in the availability zone of %s. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.", id)
		}
		if !slices.Contains(s.serviceZones, sn.zone) {
			// DescribeVpcEndpointServices lists "the Availability Zones in which the service
			// is available"
			// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ServiceDetail.html).
			// The code and message are EC2's as public reports quote them
			// (terraform-aws-modules/terraform-aws-vpc#785, aws/aws-sdk-go-v2#1024).
			return nil, clientError(codeInvalidParameter,
				"The VPC endpoint service %s does not support the availability zone of the subnet: %s.", s.service.name, id)
		}
		zones = append(zones, sn.zone.name)
		out = append(out, sn)
	}
	return out, nil
}

// endpointGroups resolves an endpoint's security groups, which must exist in its VPC.
func (s *Simulator) endpointGroups(v *vpc, ids []string, now time.Time) ([]string, *apiError) {
	var out []string
	for _, id := range ids {
		g, ok := s.knownGroup(id, now)
		if err := kindGroup.check(id, ok); err != nil {
			return nil, err
		}
		if g.vpcID != v.id {
			return nil, clientError(codeInvalidParameter, "Security group %s and VPC %s belong to different networks.", id, v.id)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func validatePolicy(doc string) *apiError {
	if n := utf8.RuneCountInString(doc); n > maxPolicyLength {
		return clientError(codeInvalidParameter,
			"The policy document is %d characters long, which exceeds the maximum of %d characters.", n, maxPolicyLength)
	}
	var parsed map[string]any
	if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
		return clientError(codeInvalidParameter, "The policy document is not valid JSON: %v", err)
	}
	return nil
}

func parseIPAddressType(q query, current string) (string, *apiError) {
	v := q.get("IpAddressType")
	switch v {
	case "":
		return current, nil
	case "ipv4", "dualstack", "ipv6":
		return v, nil
	}
	return "", invalidValue("IpAddressType", v)
}

// dnsRecordTypesFor lists the DNS record types EC2 allows for an endpoint's address type;
// the first is the default.
func dnsRecordTypesFor(ipAddressType string) []string {
	switch ipAddressType {
	case "dualstack":
		return []string{"dualstack", "ipv4", "ipv6", "service-defined"}
	case "ipv6":
		return []string{"ipv6", "service-defined"}
	}
	return []string{"ipv4", "service-defined"}
}

// parseDNSOptions reads DnsOptions for an endpoint with the given address type, keeping
// the current record type where it is still allowed.
func (s *Simulator) parseDNSOptions(q query, ipAddressType, current, vpcID string) (string, *apiError) {
	onlyInbound, _, err := q.boolean("DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint")
	if err != nil {
		return "", err
	}
	if onlyInbound {
		// EC2 offers this option only where the VPC also has a gateway endpoint for the
		// service, which the AgentCore Gateway service does not have.
		return "", clientError(codeInvalidParameter,
			"To set PrivateDnsOnlyForInboundResolverEndpoint to true, the VPC %s must have a Gateway endpoint for the service %s.", vpcID, s.service.name)
	}
	allowed := dnsRecordTypesFor(ipAddressType)
	recordType := q.get("DnsOptions.DnsRecordIpType")
	switch {
	case recordType == "" && slices.Contains(allowed, current):
		return current, nil
	case recordType == "":
		return allowed[0], nil
	case !slices.Contains([]string{"ipv4", "dualstack", "ipv6", "service-defined"}, recordType):
		return "", invalidValue("DnsOptions.DnsRecordIpType", recordType)
	case !slices.Contains(allowed, recordType):
		return "", clientError(codeInvalidParameter, "DnsRecordIpType %s is not supported for IpAddressType %s.", recordType, ipAddressType)
	}
	return recordType, nil
}

func checkFreeAddresses(subnets []*subnet) *apiError {
	for _, sn := range subnets {
		if sn.freeAddresses() < 1 {
			return clientError(codeInsufficientFreeAddresses,
				"There are not enough free addresses in subnet '%s' to satisfy the requested number of network interfaces.", sn.id)
		}
	}
	return nil
}

// applySetChange adds and removes IDs, keeping the original order and adding at the end.
func applySetChange(current, add, remove []string) []string {
	out := slices.DeleteFunc(slices.Clone(current), func(id string) bool { return slices.Contains(remove, id) })
	for _, id := range add {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
