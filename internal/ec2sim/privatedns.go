package ec2sim

import (
	"fmt"
	"slices"
	"strings"
)

const codeConflictingDomainExists = "ConflictingDomainExists"

// checkPrivateDNS refuses to turn private DNS on for an endpoint in v where EC2 would:
//   - the VPC must have both DNS attributes on. CreateVpcEndpoint's PrivateDnsEnabled: "To
//     use a private hosted zone, you must set the following VPC attributes to true:
//     enableDnsHostnames and enableDnsSupport"
//     (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html).
//     The message is EC2's as public reports quote it;
//   - only one endpoint per service in a VPC may have it: both would claim the service's
//     private hosted zone (AWS_FACTS.md quotes EC2's InvalidParameter);
//   - a customer private hosted zone of the service's name associated with the VPC
//     conflicts too (AWS_FACTS.md); see Options.HostedZoneConflict for the answer.
//
// exceptEndpointID is the endpoint being modified, which does not conflict with itself.
// Callers hold s.mu.
func (s *Simulator) checkPrivateDNS(v *vpc, exceptEndpointID string) *apiError {
	if !v.dnsSupport || !v.dnsHostnames {
		return clientError(codeInvalidParameter,
			"Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for %s", v.id)
	}
	domain := s.privateDNSDomain()
	for _, e := range s.endpoints {
		if e.id != exceptEndpointID && e.vpcID == v.id && e.privateDNS && e.state != stateDeleted {
			return conflictingDNSDomain(domain, v.id)
		}
	}
	if slices.Contains(s.hostedZones[v.id], domain) {
		if s.hostedZoneConflict == HostedZoneConflictInvalidParameter {
			return conflictingDNSDomain(domain, v.id)
		}
		// Route 53's message for the same conflict, as public reports quote it.
		return clientError(codeConflictingDomainExists,
			"The VPC %s in region %s has already been associated with the hosted zone %s with the same domain name.",
			v.id, s.region, hostedZoneID(v.id))
	}
	return nil
}

func conflictingDNSDomain(domain, vpcID string) *apiError {
	return clientError(codeInvalidParameter,
		"private-dns-enabled cannot be set because there is already a conflicting DNS domain for %s in the VPC %s", domain, vpcID)
}

// privateDNSDomain is the name of the private hosted zone private DNS associates with the
// VPC: the service's private DNS name without its wildcard label.
func (s *Simulator) privateDNSDomain() string {
	return strings.TrimPrefix(s.service.privateDNSName, "*.")
}

// hostedZoneID is a stable made-up ID for a customer zone, for error messages.
func hostedZoneID(vpcID string) string {
	return fmt.Sprintf("Z%s", strings.ToUpper(strings.TrimPrefix(vpcID, "vpc-")))
}

// AddPrivateHostedZone associates a customer private hosted zone named name with the VPC,
// as a team that runs its own DNS for AWS names would. A zone named as the service's
// private DNS name (gateway.bedrock-agentcore.<region>.amazonaws.com) then keeps private
// DNS from being turned on for the VPC's gateway endpoints. Like Route 53, it refuses a
// second zone of the same name in the VPC, including the one a private-DNS endpoint holds.
// It bypasses throttling, faults and call counts.
func (s *Simulator) AddPrivateHostedZone(vpcID, name string) error {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if name == "" {
		return fmt.Errorf("adding private hosted zone: empty name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle(s.clock())
	if _, ok := s.vpcs[vpcID]; !ok {
		return fmt.Errorf("adding private hosted zone %s: no VPC %s", name, vpcID)
	}
	taken := slices.Contains(s.hostedZones[vpcID], name)
	if name == s.privateDNSDomain() {
		for _, e := range s.endpoints {
			taken = taken || (e.vpcID == vpcID && e.privateDNS && e.state != stateDeleted)
		}
	}
	if taken {
		return fmt.Errorf("adding private hosted zone %s: %s: VPC %s already has a zone of that name", name, codeConflictingDomainExists, vpcID)
	}
	s.hostedZones[vpcID] = append(s.hostedZones[vpcID], name)
	return nil
}
