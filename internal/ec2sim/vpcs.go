package ec2sim

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

type vpc struct {
	id             string
	cidr           netip.Prefix
	associationID  string
	dhcpOptionsID  string
	defaultGroupID string
	seq            uint64
	tags           tagSet
	pastTags       history[tagSet]
	// dnsSupport and dnsHostnames are the VPC attributes enableDnsSupport and
	// enableDnsHostnames (see vpcattributes.go).
	dnsSupport, dnsHostnames bool
}

type vpcXML struct {
	VpcID                 string                    `xml:"vpcId"`
	OwnerID               string                    `xml:"ownerId"`
	State                 string                    `xml:"state"`
	CidrBlock             string                    `xml:"cidrBlock"`
	CidrBlockAssociations []cidrBlockAssociationXML `xml:"cidrBlockAssociationSet>item"`
	DhcpOptionsID         string                    `xml:"dhcpOptionsId"`
	InstanceTenancy       string                    `xml:"instanceTenancy"`
	IsDefault             bool                      `xml:"isDefault"`
	Tags                  []tagXML                  `xml:"tagSet>item"`
}

type cidrBlockAssociationXML struct {
	AssociationID string `xml:"associationId"`
	CidrBlock     string `xml:"cidrBlock"`
	State         string `xml:"cidrBlockState>state"`
}

type createVpcResponse struct {
	responseHeader
	Vpc vpcXML `xml:"vpc"`
}

type describeVpcsResponse struct {
	responseHeader
	Vpcs      []vpcXML `xml:"vpcSet>item"`
	NextToken string   `xml:"nextToken,omitempty"`
}

func (s *Simulator) vpcXML(v *vpc, state string, now time.Time) vpcXML {
	return vpcXML{
		VpcID:     v.id,
		OwnerID:   s.accountID,
		State:     state,
		CidrBlock: v.cidr.String(),
		CidrBlockAssociations: []cidrBlockAssociationXML{{
			AssociationID: v.associationID, CidrBlock: v.cidr.String(), State: "associated",
		}},
		DhcpOptionsID:   v.dhcpOptionsID,
		InstanceTenancy: "default",
		Tags:            v.pastTags.at(v.tags, now).xml(),
	}
}

// parseIPv4Prefix reads a CIDR block for a VPC or subnet, which EC2 allows from /16 to /28.
func parseIPv4Prefix(param, cidr string, rangeCode string) (netip.Prefix, *apiError) {
	if cidr == "" {
		return netip.Prefix{}, missingParameter(param)
	}
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil || !prefix.Addr().Is4() {
		return netip.Prefix{}, clientError(codeInvalidParameterValue,
			"Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr)
	}
	if prefix.Bits() < 16 || prefix.Bits() > 28 {
		return netip.Prefix{}, clientError(rangeCode, "The CIDR '%s' is invalid.", cidr)
	}
	return prefix.Masked(), nil
}

func (s *Simulator) createVpc(q query, now time.Time) (response, *apiError) {
	cidr, err := parseIPv4Prefix("CidrBlock", q.get("CidrBlock"), codeInvalidVpcRange)
	if err != nil {
		return nil, err
	}
	tags, err := parseTagSpecifications(q, "vpc")
	if err != nil {
		return nil, err
	}
	// A VPC that is not a default VPC, and not made by the console's VPC wizard, starts
	// with enableDnsSupport on and enableDnsHostnames off: "By default, both attributes are
	// set to true in a default VPC or a VPC created by the VPC wizard"
	// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html#vpc-dns-support).
	v := s.addVPC(cidr, tags, vpcDNS{support: true}, now)
	// EC2 answers CreateVpc while the VPC is still being set up.
	return &createVpcResponse{Vpc: s.vpcXML(v, "pending", now)}, nil
}

// vpcDNS are a VPC's DNS attributes.
type vpcDNS struct{ support, hostnames bool }

// addVPC creates a VPC with its default security group, as EC2 does. Callers hold s.mu.
func (s *Simulator) addVPC(cidr netip.Prefix, tags tagSet, dns vpcDNS, now time.Time) *vpc {
	v := &vpc{
		id:            s.newID("vpc"),
		cidr:          cidr,
		associationID: s.newID("vpc-cidr-assoc"),
		dhcpOptionsID: s.newID("dopt"),
		seq:           s.nextSeq(),
		tags:          tags,
		dnsSupport:    dns.support,
		dnsHostnames:  dns.hostnames,
	}
	s.vpcs[v.id] = v
	v.defaultGroupID = s.addDefaultSecurityGroup(v.id, now).id
	return v
}

func (s *Simulator) describeVpcs(q query, now time.Time) (response, *apiError) {
	c := collection[*vpc]{
		idList: "VpcId", kind: kindVPC, pages: pages5To1000,
		lookup: func(id string) (*vpc, bool) { v, ok := s.vpcs[id]; return v, ok },
		all:    func() []*vpc { return slices.Collect(maps.Values(s.vpcs)) },
		seq:    func(v *vpc) uint64 { return v.seq },
		tags:   func(v *vpc) tagSet { return v.pastTags.at(v.tags, now) },
		fields: filterFields[*vpc]{
			"vpc-id":                            func(v *vpc) []string { return []string{v.id} },
			"cidr":                              func(v *vpc) []string { return []string{v.cidr.String()} },
			"cidr-block-association.cidr-block": func(v *vpc) []string { return []string{v.cidr.String()} },
			"state":                             func(*vpc) []string { return []string{"available"} },
			"is-default":                        func(*vpc) []string { return []string{"false"} },
			"owner-id":                          func(*vpc) []string { return []string{s.accountID} },
			"dhcp-options-id":                   func(v *vpc) []string { return []string{v.dhcpOptionsID} },
		},
	}
	items, next, err := c.describe(q)
	if err != nil {
		return nil, err
	}
	resp := &describeVpcsResponse{NextToken: next}
	for _, v := range items {
		resp.Vpcs = append(resp.Vpcs, s.vpcXML(v, "available", now))
	}
	return resp, nil
}

// SeedVPC creates a VPC with the given CIDR and one subnet in each of the region's first
// azCount Availability Zones (a, b, c, ...), /24 subnets where the VPC is large enough. It
// bypasses throttling, faults and call counts: it sets the scene rather than exercising the
// API.
//
// The seeded VPC is one prepared for interface endpoints with private DNS: both DNS
// attributes are on, as in a VPC made by the console's VPC wizard, where CreateVpc leaves
// enableDnsHostnames off. Its subnets are IPv4-only (see SetSubnetIPv6).
func (s *Simulator) SeedVPC(cidr string, azCount int) (vpcID string, subnetIDs []string, err error) {
	if azCount < 1 || azCount > len(s.zones) {
		return "", nil, fmt.Errorf("seeding vpc: azCount %d outside 1..%d for region %s", azCount, len(s.zones), s.region)
	}
	prefix, apiErr := parseIPv4Prefix("CidrBlock", cidr, codeInvalidVpcRange)
	if apiErr != nil {
		return "", nil, fmt.Errorf("seeding vpc: %w", apiErr)
	}
	bits := max(24, prefix.Bits()+bitsFor(azCount))
	if bits > 28 {
		return "", nil, fmt.Errorf("seeding vpc: %s is too small for %d subnets", cidr, azCount)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	v := s.addVPC(prefix, tagSet{}, vpcDNS{support: true, hostnames: true}, now)
	for i := range azCount {
		block, ok := nthSubnet(prefix, bits, i)
		if !ok {
			return "", nil, fmt.Errorf("seeding vpc: no room for subnet %d in %s", i, cidr)
		}
		sn := s.addSubnet(v, block, s.zones[i], tagSet{})
		subnetIDs = append(subnetIDs, sn.id)
	}
	return v.id, subnetIDs, nil
}

// bitsFor is the number of prefix bits needed to split a block into n parts.
func bitsFor(n int) int {
	bits := 0
	for 1<<bits < n {
		bits++
	}
	return bits
}

// nthSubnet returns the i-th block of the given size inside a VPC block.
func nthSubnet(parent netip.Prefix, bits, i int) (netip.Prefix, bool) {
	base := ipv4ToUint(parent.Addr())
	addr := base + uint32(i)<<(32-bits)
	block := netip.PrefixFrom(uintToIPv4(addr), bits)
	return block, parent.Contains(block.Addr())
}

func ipv4ToUint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func uintToIPv4(n uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// availabilityZone is a zone name (us-east-1a) and its account-independent ID (use1-az1).
type availabilityZone struct {
	name, id string
}

// regionZones lists the six zones the simulator offers in a region.
func regionZones(region string) []availabilityZone {
	parts := strings.Split(region, "-")
	short := parts[0]
	for _, p := range parts[1:] {
		if _, err := strconv.Atoi(p); err == nil {
			short += p
		} else if p != "" {
			short += p[:1]
		}
	}
	zones := make([]availabilityZone, 0, 6)
	for i, letter := range "abcdef" {
		zones = append(zones, availabilityZone{
			name: region + string(letter),
			id:   fmt.Sprintf("%s-az%d", short, i+1),
		})
	}
	return zones
}

func (s *Simulator) zoneByName(name string) (availabilityZone, bool) {
	for _, z := range s.zones {
		if z.name == name {
			return z, true
		}
	}
	return availabilityZone{}, false
}

func (s *Simulator) zoneByID(id string) (availabilityZone, bool) {
	for _, z := range s.zones {
		if z.id == id {
			return z, true
		}
	}
	return availabilityZone{}, false
}
