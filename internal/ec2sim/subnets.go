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

// reservedAddresses is how many addresses AWS keeps in every subnet: the network address,
// the next three, and the broadcast address.
const reservedAddresses = 5

type subnet struct {
	id    string
	vpcID string
	cidr  netip.Prefix
	zone  availabilityZone
	seq   uint64
	tags  tagSet
	used  map[netip.Addr]bool
	// ipv6CIDR is the subnet's IPv6 block, if it has one (see SetSubnetIPv6).
	ipv6CIDR          netip.Prefix
	ipv6AssociationID string
	ipv6Only          bool
	pastTags          history[tagSet]
}

func (sn *subnet) size() int { return 1 << (32 - sn.cidr.Bits()) }

func (sn *subnet) freeAddresses() int { return sn.size() - reservedAddresses - len(sn.used) }

type subnetXML struct {
	SubnetID                    string                        `xml:"subnetId"`
	SubnetArn                   string                        `xml:"subnetArn"`
	State                       string                        `xml:"state"`
	VpcID                       string                        `xml:"vpcId"`
	OwnerID                     string                        `xml:"ownerId"`
	CidrBlock                   string                        `xml:"cidrBlock"`
	AvailableIPAddressCount     int                           `xml:"availableIpAddressCount"`
	AvailabilityZone            string                        `xml:"availabilityZone"`
	AvailabilityZoneID          string                        `xml:"availabilityZoneId"`
	DefaultForAz                bool                          `xml:"defaultForAz"`
	MapPublicIPOnLaunch         bool                          `xml:"mapPublicIpOnLaunch"`
	AssignIpv6AddressOnCreation bool                          `xml:"assignIpv6AddressOnCreation"`
	Ipv6CidrBlockAssociations   []ipv6CidrBlockAssociationXML `xml:"ipv6CidrBlockAssociationSet>item"`
	Ipv6Native                  bool                          `xml:"ipv6Native"`
	Tags                        []tagXML                      `xml:"tagSet>item"`
}

type createSubnetResponse struct {
	responseHeader
	Subnet subnetXML `xml:"subnet"`
}

type describeSubnetsResponse struct {
	responseHeader
	Subnets   []subnetXML `xml:"subnetSet>item"`
	NextToken string      `xml:"nextToken,omitempty"`
}

func (s *Simulator) subnetXML(sn *subnet, now time.Time) subnetXML {
	return subnetXML{
		SubnetID:                  sn.id,
		SubnetArn:                 fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", s.region, s.accountID, sn.id),
		State:                     "available",
		VpcID:                     sn.vpcID,
		OwnerID:                   s.accountID,
		CidrBlock:                 sn.cidr.String(),
		AvailableIPAddressCount:   sn.freeAddresses(),
		AvailabilityZone:          sn.zone.name,
		AvailabilityZoneID:        sn.zone.id,
		Ipv6CidrBlockAssociations: sn.ipv6XML(),
		Ipv6Native:                sn.ipv6Only,
		Tags:                      sn.pastTags.at(sn.tags, now).xml(),
	}
}

func (s *Simulator) createSubnet(q query, now time.Time) (response, *apiError) {
	vpcID := q.get("VpcId")
	if vpcID == "" {
		return nil, missingParameter("VpcId")
	}
	v, ok := s.vpcs[vpcID]
	if err := kindVPC.check(vpcID, ok); err != nil {
		return nil, err
	}
	cidr, err := parseIPv4Prefix("CidrBlock", q.get("CidrBlock"), codeInvalidSubnetRange)
	if err != nil {
		return nil, err
	}
	if cidr.Bits() < v.cidr.Bits() || !v.cidr.Contains(cidr.Addr()) {
		return nil, clientError(codeInvalidSubnetRange, "The CIDR '%s' is invalid.", q.get("CidrBlock"))
	}
	for _, other := range s.subnets {
		if other.vpcID == v.id && other.cidr.Overlaps(cidr) {
			return nil, clientError(codeInvalidSubnetConflict, "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	zone, err := s.subnetZone(q)
	if err != nil {
		return nil, err
	}
	tags, err := parseTagSpecifications(q, "subnet")
	if err != nil {
		return nil, err
	}
	sn := s.addSubnet(v, cidr, zone, tags)
	return &createSubnetResponse{Subnet: s.subnetXML(sn, now)}, nil
}

// subnetZone picks the zone a CreateSubnet asked for, or one at random as EC2 does.
func (s *Simulator) subnetZone(q query) (availabilityZone, *apiError) {
	if name := q.get("AvailabilityZone"); name != "" {
		if z, ok := s.zoneByName(name); ok {
			return z, nil
		}
		return availabilityZone{}, clientError(codeInvalidParameterValue,
			"Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.",
			name, s.zoneNames())
	}
	if id := q.get("AvailabilityZoneId"); id != "" {
		if z, ok := s.zoneByID(id); ok {
			return z, nil
		}
		return availabilityZone{}, invalidValue("availabilityZoneId", id)
	}
	return s.zones[s.rng.IntN(len(s.zones))], nil
}

func (s *Simulator) zoneNames() string {
	names := make([]string, len(s.zones))
	for i, z := range s.zones {
		names[i] = z.name
	}
	return strings.Join(names, ", ")
}

// addSubnet records a subnet. Callers hold s.mu.
func (s *Simulator) addSubnet(v *vpc, cidr netip.Prefix, zone availabilityZone, tags tagSet) *subnet {
	sn := &subnet{
		id:    s.newID("subnet"),
		vpcID: v.id,
		cidr:  cidr,
		zone:  zone,
		seq:   s.nextSeq(),
		tags:  tags,
		used:  map[netip.Addr]bool{},
	}
	s.subnets[sn.id] = sn
	return sn
}

// allocateAddress picks a free private address in the subnet, at random among the
// addresses AWS does not reserve, as EC2 does for requester-managed interfaces.
// Callers hold s.mu and have checked freeAddresses.
func (s *Simulator) allocateAddress(sn *subnet) netip.Addr {
	base := ipv4ToUint(sn.cidr.Addr())
	first, last := base+4, base+uint32(sn.size())-2
	for {
		addr := uintToIPv4(first + uint32(s.rng.IntN(int(last-first+1))))
		if !sn.used[addr] {
			sn.used[addr] = true
			return addr
		}
	}
}

func (s *Simulator) describeSubnets(q query, now time.Time) (response, *apiError) {
	c := collection[*subnet]{
		idList: "SubnetId", kind: kindSubnet, pages: pages5To1000,
		lookup: func(id string) (*subnet, bool) { sn, ok := s.subnets[id]; return sn, ok },
		all:    func() []*subnet { return slices.Collect(maps.Values(s.subnets)) },
		seq:    func(sn *subnet) uint64 { return sn.seq },
		tags:   func(sn *subnet) tagSet { return sn.pastTags.at(sn.tags, now) },
		fields: filterFields[*subnet]{
			"subnet-id":                  func(sn *subnet) []string { return []string{sn.id} },
			"vpc-id":                     func(sn *subnet) []string { return []string{sn.vpcID} },
			"availability-zone":          func(sn *subnet) []string { return []string{sn.zone.name} },
			"availability-zone-id":       func(sn *subnet) []string { return []string{sn.zone.id} },
			"cidr-block":                 func(sn *subnet) []string { return []string{sn.cidr.String()} },
			"cidr":                       func(sn *subnet) []string { return []string{sn.cidr.String()} },
			"cidrBlock":                  func(sn *subnet) []string { return []string{sn.cidr.String()} },
			"state":                      func(*subnet) []string { return []string{"available"} },
			"owner-id":                   func(*subnet) []string { return []string{s.accountID} },
			"default-for-az":             func(*subnet) []string { return []string{"false"} },
			"available-ip-address-count": func(sn *subnet) []string { return []string{strconv.Itoa(sn.freeAddresses())} },
		},
	}
	items, next, err := c.describe(q)
	if err != nil {
		return nil, err
	}
	resp := &describeSubnetsResponse{NextToken: next}
	for _, sn := range items {
		resp.Subnets = append(resp.Subnets, s.subnetXML(sn, now))
	}
	return resp, nil
}
