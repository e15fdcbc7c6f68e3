package ec2sim

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// networkInterface is a requester-managed interface AWS creates for an interface endpoint in
// each of its subnets.
type networkInterface struct {
	id         string
	endpointID string
	subnetID   string
	vpcID      string
	zone       availabilityZone
	address    netip.Addr
	mac        string
	groupIDs   []string
	seq        uint64
	tags       tagSet
	pastTags   history[tagSet]
	// visibleAt is when the interface's creation has propagated (see SetEventualConsistency).
	visibleAt time.Time
	// releaseAt is when an interface of a deleted endpoint is gone (see InterfaceLinger);
	// zero while its endpoint lives.
	releaseAt time.Time
}

type networkInterfaceXML struct {
	NetworkInterfaceID string               `xml:"networkInterfaceId"`
	SubnetID           string               `xml:"subnetId"`
	VpcID              string               `xml:"vpcId"`
	AvailabilityZone   string               `xml:"availabilityZone"`
	AvailabilityZoneID string               `xml:"availabilityZoneId"`
	Description        string               `xml:"description"`
	OwnerID            string               `xml:"ownerId"`
	RequesterManaged   bool                 `xml:"requesterManaged"`
	Status             string               `xml:"status"`
	MacAddress         string               `xml:"macAddress"`
	PrivateIPAddress   string               `xml:"privateIpAddress"`
	PrivateDNSName     string               `xml:"privateDnsName"`
	SourceDestCheck    bool                 `xml:"sourceDestCheck"`
	Groups             []groupIdentifierXML `xml:"groupSet>item"`
	PrivateIPAddresses []privateIPXML       `xml:"privateIpAddressesSet>item"`
	InterfaceType      string               `xml:"interfaceType"`
	Tags               []tagXML             `xml:"tagSet>item"`
}

type privateIPXML struct {
	PrivateIPAddress string `xml:"privateIpAddress"`
	PrivateDNSName   string `xml:"privateDnsName"`
	Primary          bool   `xml:"primary"`
}

type describeNetworkInterfacesResponse struct {
	responseHeader
	NetworkInterfaces []networkInterfaceXML `xml:"networkInterfaceSet>item"`
	NextToken         string                `xml:"nextToken,omitempty"`
}

// addInterface creates the endpoint's network interface in a subnet, with a private address
// from that subnet and the endpoint's security groups. Callers hold s.mu.
func (s *Simulator) addInterface(e *vpcEndpoint, sn *subnet, now time.Time) *networkInterface {
	ni := &networkInterface{
		id:         s.newID("eni"),
		endpointID: e.id,
		subnetID:   sn.id,
		vpcID:      sn.vpcID,
		zone:       sn.zone,
		address:    s.allocateAddress(sn),
		mac:        macAddress(randomString(s.rng, hexDigits, 10)),
		groupIDs:   slices.Clone(e.groupIDs),
		seq:        s.nextSeq(),
		tags:       tagSet{},
		visibleAt:  s.propagationTime(now),
	}
	s.interfaces[ni.id] = ni
	return ni
}

// macAddress formats ten hex digits as a locally administered MAC address, as AWS assigns.
func macAddress(digits string) string {
	var b strings.Builder
	b.WriteString("0e")
	for i := 0; i+2 <= len(digits); i += 2 {
		b.WriteString(":" + digits[i:i+2])
	}
	return b.String()
}

// releaseInterface deletes an interface and returns its address to the subnet.
// Callers hold s.mu.
func (s *Simulator) releaseInterface(id string) {
	ni, ok := s.interfaces[id]
	if !ok {
		return
	}
	if sn, ok := s.subnets[ni.subnetID]; ok {
		delete(sn.used, ni.address)
	}
	delete(s.interfaces, id)
}

// retireInterfaces detaches a deleted endpoint's interfaces. They outlive it by
// InterfaceLinger, keeping their addresses and security groups: AWS_FACTS.md, "After
// deletion, the endpoint's network interfaces may linger; DeleteSecurityGroup on its group
// answers DependencyViolation until they are gone". Callers hold s.mu.
func (s *Simulator) retireInterfaces(e *vpcEndpoint, deletedAt time.Time) {
	for _, id := range e.interfaceIDs {
		if ni, ok := s.interfaces[id]; ok {
			ni.releaseAt = deletedAt.Add(s.interfaceLinger)
		}
	}
	clear(e.interfaceIDs)
}

// releaseLingeringInterfaces deletes the interfaces of deleted endpoints whose time is up.
// Callers hold s.mu.
func (s *Simulator) releaseLingeringInterfaces(now time.Time) {
	for id, ni := range s.interfaces {
		if !ni.releaseAt.IsZero() && !now.Before(ni.releaseAt) {
			s.releaseInterface(id)
		}
	}
}

func (s *Simulator) privateDNSName(a netip.Addr) string {
	host := "ip-" + strings.ReplaceAll(a.String(), ".", "-")
	if s.region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + s.region + ".compute.internal"
}

func (s *Simulator) interfaceXML(ni *networkInterface, now time.Time) networkInterfaceXML {
	dns := s.privateDNSName(ni.address)
	x := networkInterfaceXML{
		NetworkInterfaceID: ni.id,
		SubnetID:           ni.subnetID,
		VpcID:              ni.vpcID,
		AvailabilityZone:   ni.zone.name,
		AvailabilityZoneID: ni.zone.id,
		Description:        "VPC Endpoint Interface " + ni.endpointID,
		OwnerID:            s.accountID,
		RequesterManaged:   true,
		Status:             "in-use",
		MacAddress:         ni.mac,
		PrivateIPAddress:   ni.address.String(),
		PrivateDNSName:     dns,
		SourceDestCheck:    true,
		PrivateIPAddresses: []privateIPXML{{PrivateIPAddress: ni.address.String(), PrivateDNSName: dns, Primary: true}},
		InterfaceType:      "vpc_endpoint",
		Tags:               ni.pastTags.at(ni.tags, now).xml(),
	}
	for _, id := range ni.groupIDs {
		name := ""
		if g, ok := s.groups[id]; ok {
			name = g.name
		}
		x.Groups = append(x.Groups, groupIdentifierXML{GroupID: id, GroupName: name})
	}
	return x
}

func (s *Simulator) describeNetworkInterfaces(q query, now time.Time) (response, *apiError) {
	one := func(f func(*networkInterface) string) func(*networkInterface) []string {
		return func(ni *networkInterface) []string { return []string{f(ni)} }
	}
	c := collection[*networkInterface]{
		idList: "NetworkInterfaceId", kind: kindInterface, pages: pages5To1000,
		// DescribeNetworkInterfaces' MaxResults: "You cannot specify this parameter and the
		// network interface IDs parameter in the same request"
		// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html).
		pagesExcludeIDs: true,
		lookup: func(id string) (*networkInterface, bool) {
			ni, ok := s.interfaces[id]
			return ni, ok && propagated(ni.visibleAt, now)
		},
		all: func() []*networkInterface {
			return slices.DeleteFunc(slices.Collect(maps.Values(s.interfaces)), func(ni *networkInterface) bool {
				return !propagated(ni.visibleAt, now)
			})
		},
		seq:  func(ni *networkInterface) uint64 { return ni.seq },
		tags: func(ni *networkInterface) tagSet { return ni.pastTags.at(ni.tags, now) },
		fields: filterFields[*networkInterface]{
			"network-interface-id":         one(func(ni *networkInterface) string { return ni.id }),
			"vpc-id":                       one(func(ni *networkInterface) string { return ni.vpcID }),
			"subnet-id":                    one(func(ni *networkInterface) string { return ni.subnetID }),
			"availability-zone":            one(func(ni *networkInterface) string { return ni.zone.name }),
			"description":                  one(func(ni *networkInterface) string { return "VPC Endpoint Interface " + ni.endpointID }),
			"interface-type":               one(func(*networkInterface) string { return "vpc_endpoint" }),
			"requester-managed":            one(func(*networkInterface) string { return "true" }),
			"status":                       one(func(*networkInterface) string { return "in-use" }),
			"owner-id":                     one(func(*networkInterface) string { return s.accountID }),
			"mac-address":                  one(func(ni *networkInterface) string { return ni.mac }),
			"private-ip-address":           one(func(ni *networkInterface) string { return ni.address.String() }),
			"addresses.private-ip-address": one(func(ni *networkInterface) string { return ni.address.String() }),
			"private-dns-name":             one(func(ni *networkInterface) string { return s.privateDNSName(ni.address) }),
			"group-id":                     func(ni *networkInterface) []string { return ni.groupIDs },
			"group-name": func(ni *networkInterface) []string {
				var names []string
				for _, id := range ni.groupIDs {
					if g, ok := s.groups[id]; ok {
						names = append(names, g.name)
					}
				}
				return names
			},
		},
	}
	items, next, err := c.describe(q)
	if err != nil {
		return nil, err
	}
	resp := &describeNetworkInterfacesResponse{NextToken: next}
	for _, ni := range items {
		resp.NetworkInterfaces = append(resp.NetworkInterfaces, s.interfaceXML(ni, now))
	}
	return resp, nil
}
