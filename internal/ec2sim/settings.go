package ec2sim

import (
	"errors"
	"fmt"
	"slices"
)

// Answers to a repeated ModifyVpcEndpoint (Options.RepeatedModify). AWS documents neither.
const (
	// RepeatedModifySucceed accepts adding what is already there and removing what is
	// already gone, as a set operation would.
	RepeatedModifySucceed = "succeed"
	// RepeatedModifyInvalidParameter refuses such a request with InvalidParameter.
	RepeatedModifyInvalidParameter = "invalid-parameter"
)

// ModifyVpcEndpoint changes that may send an endpoint back to pending (Options.ReprovisionOn).
const (
	ReprovisionSubnets        = "subnets"
	ReprovisionSecurityGroups = "security-groups"
	ReprovisionPolicy         = "policy"
	ReprovisionIPAddressType  = "ip-address-type"
	ReprovisionPrivateDNS     = "private-dns"
	ReprovisionDNSOptions     = "dns-options"
)

// Errors for private DNS over a customer hosted zone of the same name
// (Options.HostedZoneConflict).
const (
	// HostedZoneConflictDomainExists answers Route 53's ConflictingDomainExists, the
	// error AssociateVPCWithHostedZone gives for a VPC "already associated with another
	// hosted zone that has the same name"
	// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_AssociateVPCWithHostedZone.html),
	// which is what EC2 does on the caller's behalf when it turns private DNS on.
	HostedZoneConflictDomainExists = "conflicting-domain-exists"
	// HostedZoneConflictInvalidParameter answers EC2's own InvalidParameter "conflicting DNS
	// domain", as for a second private-DNS endpoint of the service in the VPC.
	HostedZoneConflictInvalidParameter = "invalid-parameter"
)

var (
	allReprovisionChanges = []string{
		ReprovisionSubnets, ReprovisionSecurityGroups, ReprovisionPolicy,
		ReprovisionIPAddressType, ReprovisionPrivateDNS, ReprovisionDNSOptions,
	}
	// defaultReprovisionChanges are the changes AWS_FACTS.md says re-provision an endpoint.
	defaultReprovisionChanges = []string{ReprovisionSubnets, ReprovisionIPAddressType, ReprovisionPrivateDNS}
	ipAddressTypes            = []string{"ipv4", "ipv6"}
)

// Validate reports settings New would not understand and replace by their defaults.
func (o Options) Validate() error {
	var errs []error
	if !slices.Contains([]string{"", RepeatedModifySucceed, RepeatedModifyInvalidParameter}, o.RepeatedModify) {
		errs = append(errs, fmt.Errorf("RepeatedModify %q: want %q or %q", o.RepeatedModify, RepeatedModifySucceed, RepeatedModifyInvalidParameter))
	}
	for _, c := range o.ReprovisionOn {
		if !slices.Contains(allReprovisionChanges, c) {
			errs = append(errs, fmt.Errorf("ReprovisionOn %q: want one of %v", c, allReprovisionChanges))
		}
	}
	if !slices.Contains([]string{"", HostedZoneConflictDomainExists, HostedZoneConflictInvalidParameter}, o.HostedZoneConflict) {
		errs = append(errs, fmt.Errorf("HostedZoneConflict %q: want %q or %q", o.HostedZoneConflict, HostedZoneConflictDomainExists, HostedZoneConflictInvalidParameter))
	}
	region := o.Region
	if region == "" {
		region = defaultRegion
	}
	zones := regionZones(region)
	for _, name := range o.ServiceZones {
		if !slices.ContainsFunc(zones, func(z availabilityZone) bool { return z.name == name }) {
			errs = append(errs, fmt.Errorf("ServiceZones %q: not a zone of %s", name, region))
		}
	}
	if o.ServiceZones != nil && len(o.ServiceZones) == 0 {
		errs = append(errs, errors.New("ServiceZones is empty: a service is offered in at least one zone"))
	}
	for _, t := range o.ServiceIPAddressTypes {
		if !slices.Contains(ipAddressTypes, t) {
			errs = append(errs, fmt.Errorf("ServiceIPAddressTypes %q: want ipv4 or ipv6", t))
		}
	}
	errs = append(errs, o.validateCompat()...)
	return errors.Join(errs...)
}

func reprovisioningChanges(changes []string) []string {
	if changes == nil {
		return defaultReprovisionChanges
	}
	return slices.DeleteFunc(slices.Clone(changes), func(c string) bool { return !slices.Contains(allReprovisionChanges, c) })
}

// offeredZones picks the region's zones named in names, all of them when names is empty.
func offeredZones(zones []availabilityZone, names []string) []availabilityZone {
	out := slices.DeleteFunc(slices.Clone(zones), func(z availabilityZone) bool { return !slices.Contains(names, z.name) })
	if len(out) == 0 {
		return zones
	}
	return out
}

func serviceIPAddressTypes(types []string) []string {
	out := slices.DeleteFunc(slices.Clone(types), func(t string) bool { return !slices.Contains(ipAddressTypes, t) })
	if len(out) == 0 {
		return ipAddressTypes
	}
	slices.Sort(out)
	return slices.Compact(out)
}
