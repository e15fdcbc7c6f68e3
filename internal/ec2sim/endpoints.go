package ec2sim

import (
	"slices"
	"time"
)

const (
	statePending   = "pending"
	stateAvailable = "available"
	stateDeleting  = "deleting"
	stateDeleted   = "deleted"

	endpointTypeInterface = "Interface"
	endpointTypeGateway   = "Gateway"

	// maxInterfaceEndpointsPerVPC is AWS's default quota of interface endpoints per VPC.
	maxInterfaceEndpointsPerVPC = 50

	// fullAccessPolicy is the document AWS attaches when a request gives none.
	fullAccessPolicy = `{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}`

	timestampLayout = "2006-01-02T15:04:05.000Z"
)

type vpcEndpoint struct {
	id          string
	vpcID       string
	serviceName string
	state       string
	createdAt   time.Time
	// visibleAt is when the endpoint's creation has propagated (see SetEventualConsistency).
	visibleAt time.Time
	// pendingSince is when the endpoint last became pending: at creation, or when a
	// ModifyVpcEndpoint re-provisioned it.
	pendingSince  time.Time
	deletingSince time.Time
	deletedAt     time.Time
	subnetIDs     []string
	groupIDs      []string
	// interfaceIDs maps each subnet to the endpoint's network interface in it.
	interfaceIDs        map[string]string
	policy              string
	privateDNS          bool
	dnsRecordIPType     string
	ipAddressType       string
	dnsSuffix           string
	privateHostedZoneID string
	seq                 uint64
	tags                tagSet
	// past is what reads see while changes to the endpoint propagate.
	past history[*vpcEndpoint]
}

// clientTokenUse remembers what a ClientToken created, so a retried CreateVpcEndpoint gets
// the same endpoint back and a different request with the same token is refused.
type clientTokenUse struct {
	fingerprint string
	endpoint    *vpcEndpoint
}

type vpcEndpointXML struct {
	VpcEndpointID       string               `xml:"vpcEndpointId"`
	VpcEndpointType     string               `xml:"vpcEndpointType"`
	VpcID               string               `xml:"vpcId"`
	ServiceName         string               `xml:"serviceName"`
	ServiceRegion       string               `xml:"serviceRegion"`
	State               string               `xml:"state"`
	PolicyDocument      string               `xml:"policyDocument"`
	SubnetIDs           []string             `xml:"subnetIdSet>item"`
	Groups              []groupIdentifierXML `xml:"groupSet>item"`
	IPAddressType       string               `xml:"ipAddressType,omitempty"`
	DNSOptions          dnsOptionsXML        `xml:"dnsOptions"`
	PrivateDNSEnabled   *bool                `xml:"privateDnsEnabled,omitempty"`
	RequesterManaged    bool                 `xml:"requesterManaged"`
	NetworkInterfaceIDs []string             `xml:"networkInterfaceIdSet>item"`
	DNSEntries          []dnsEntryXML        `xml:"dnsEntrySet>item"`
	CreationTimestamp   string               `xml:"creationTimestamp"`
	Tags                []tagXML             `xml:"tagSet>item"`
	OwnerID             string               `xml:"ownerId"`
}

type groupIdentifierXML struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type dnsOptionsXML struct {
	DNSRecordIPType                          string `xml:"dnsRecordIpType"`
	PrivateDNSOnlyForInboundResolverEndpoint bool   `xml:"privateDnsOnlyForInboundResolverEndpoint"`
}

type dnsEntryXML struct {
	DNSName      string `xml:"dnsName"`
	HostedZoneID string `xml:"hostedZoneId"`
}

type createVpcEndpointResponse struct {
	responseHeader
	Endpoint    vpcEndpointXML `xml:"vpcEndpoint"`
	ClientToken string         `xml:"clientToken,omitempty"`
}

type describeVpcEndpointsResponse struct {
	responseHeader
	Endpoints []vpcEndpointXML `xml:"vpcEndpointSet>item"`
	NextToken string           `xml:"nextToken,omitempty"`
}

// settle brings endpoint states up to now. States are computed lazily, on each request,
// from the times of the transitions that started them. Callers hold s.mu.
func (s *Simulator) settle(now time.Time) {
	for id, e := range s.endpoints {
		switch e.state {
		case statePending:
			if !now.Before(e.pendingSince.Add(s.pendingDelay)) {
				e.state = stateAvailable
			}
		case stateDeleting:
			if deletedAt := e.deletingSince.Add(s.deletingDelay); !now.Before(deletedAt) {
				e.state, e.deletedAt = stateDeleted, deletedAt
				s.retireInterfaces(e, deletedAt)
			}
		}
		if e.state == stateDeleted && !now.Before(e.deletedAt.Add(s.deletedRetention)) {
			delete(s.endpoints, id)
		}
	}
	s.releaseLingeringInterfaces(now)
}

// createVpcEndpoint creates an interface endpoint. A request that repeats a ClientToken gets
// the endpoint the first one created, in its current state, so a retry of a call whose
// response was lost creates nothing new; the same token with other parameters is refused
// (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html). The SDK does
// not fill this ClientToken in: without the caller's, a retry creates a second endpoint.
func (s *Simulator) createVpcEndpoint(q query, now time.Time) (response, *apiError) {
	token := q.get("ClientToken")
	if use, ok := s.clientTokens[token]; ok && token != "" {
		if use.fingerprint != q.fingerprint() {
			return nil, clientError(codeIdempotentParameterMismatch,
				"The client token '%s' has already been used with different request parameters.", token)
		}
		return &createVpcEndpointResponse{Endpoint: s.endpointXML(use.endpoint), ClientToken: token}, nil
	}
	spec, err := s.parseEndpointCreate(q, now)
	if err != nil {
		return nil, err
	}
	e := s.addEndpoint(spec, now)
	if token != "" {
		s.clientTokens[token] = clientTokenUse{fingerprint: q.fingerprint(), endpoint: e}
	}
	return &createVpcEndpointResponse{Endpoint: s.endpointXML(e), ClientToken: token}, nil
}

// endpointSpec is a validated CreateVpcEndpoint request.
type endpointSpec struct {
	vpc             *vpc
	subnets         []*subnet
	groupIDs        []string
	policy          string
	privateDNS      bool
	dnsRecordIPType string
	ipAddressType   string
	tags            tagSet
}

func (s *Simulator) parseEndpointCreate(q query, now time.Time) (endpointSpec, *apiError) {
	var spec endpointSpec
	endpointType := q.get("VpcEndpointType")
	if endpointType == "" {
		// EC2 defaults to Gateway, which this service does not offer.
		endpointType = endpointTypeGateway
	}
	switch endpointType {
	case endpointTypeInterface, endpointTypeGateway, "GatewayLoadBalancer", "Resource", "ServiceNetwork":
	default:
		return spec, invalidValue("VpcEndpointType", endpointType)
	}
	vpcID := q.get("VpcId")
	if vpcID == "" {
		return spec, missingParameter("VpcId")
	}
	spec.vpc = s.vpcs[vpcID]
	if err := kindVPC.check(vpcID, spec.vpc != nil); err != nil {
		return spec, err
	}
	serviceName := q.get("ServiceName")
	if serviceName == "" {
		return spec, missingParameter("ServiceName")
	}
	if serviceName != s.service.name {
		return spec, clientError(codeInvalidServiceName, "The Vpc Endpoint Service '%s' does not exist", serviceName)
	}
	if endpointType != endpointTypeInterface {
		return spec, clientError(codeInvalidParameter, "Endpoint type (%s) does not match available service types ([%s]).", endpointType, endpointTypeInterface)
	}
	var err *apiError
	if spec.subnets, err = s.endpointSubnets(spec.vpc, q.strings("SubnetId")); err != nil {
		return spec, err
	}
	if spec.groupIDs, err = s.endpointGroups(spec.vpc, q.strings("SecurityGroupId"), now); err != nil {
		return spec, err
	}
	if len(spec.groupIDs) == 0 {
		spec.groupIDs = []string{spec.vpc.defaultGroupID}
	}
	spec.policy = fullAccessPolicy
	if q.has("PolicyDocument") {
		spec.policy = q.get("PolicyDocument")
		if err := validatePolicy(spec.policy); err != nil {
			return spec, err
		}
	}
	if spec.ipAddressType, err = parseIPAddressType(q, "ipv4"); err != nil {
		return spec, err
	}
	if err := s.checkIPAddressType(spec.ipAddressType, spec.subnets); err != nil {
		return spec, err
	}
	if spec.dnsRecordIPType, err = s.parseDNSOptions(q, spec.ipAddressType, "", spec.vpc.id); err != nil {
		return spec, err
	}
	privateDNS, set, err := q.boolean("PrivateDnsEnabled")
	if err != nil {
		return spec, err
	}
	spec.privateDNS = privateDNS || !set
	if spec.privateDNS {
		if err := s.checkPrivateDNS(spec.vpc, ""); err != nil {
			return spec, err
		}
	}
	if s.interfaceEndpointCount(spec.vpc.id) >= maxInterfaceEndpointsPerVPC {
		return spec, clientError(codeVpcEndpointLimitExceeded,
			"The maximum number of VPC endpoints (%d) for VPC %s has been reached.", maxInterfaceEndpointsPerVPC, spec.vpc.id)
	}
	if err := checkFreeAddresses(spec.subnets); err != nil {
		return spec, err
	}
	spec.tags, err = parseTagSpecifications(q, "vpc-endpoint")
	return spec, err
}

func (s *Simulator) interfaceEndpointCount(vpcID string) int {
	n := 0
	for _, e := range s.endpoints {
		if e.vpcID == vpcID && e.state != stateDeleted {
			n++
		}
	}
	return n
}

// addEndpoint records a new interface endpoint with one network interface per subnet.
// Callers hold s.mu.
func (s *Simulator) addEndpoint(spec endpointSpec, now time.Time) *vpcEndpoint {
	e := &vpcEndpoint{
		id:                  s.newID("vpce"),
		vpcID:               spec.vpc.id,
		serviceName:         s.service.name,
		state:               statePending,
		createdAt:           now,
		visibleAt:           s.propagationTime(now),
		pendingSince:        now,
		groupIDs:            spec.groupIDs,
		interfaceIDs:        map[string]string{},
		policy:              spec.policy,
		privateDNS:          spec.privateDNS,
		dnsRecordIPType:     spec.dnsRecordIPType,
		ipAddressType:       spec.ipAddressType,
		dnsSuffix:           randomString(s.rng, lowerAlnum, 8),
		privateHostedZoneID: "Z" + randomString(s.rng, upperAlnum, 20),
		seq:                 s.nextSeq(),
		tags:                spec.tags,
	}
	if s.pendingDelay == 0 {
		e.state = stateAvailable
	}
	for _, sn := range spec.subnets {
		e.subnetIDs = append(e.subnetIDs, sn.id)
		e.interfaceIDs[sn.id] = s.addInterface(e, sn, now).id
	}
	s.endpoints[e.id] = e
	return e
}

func (s *Simulator) endpointXML(e *vpcEndpoint) vpcEndpointXML {
	privateDNS := e.privateDNS
	x := vpcEndpointXML{
		VpcEndpointID:     e.id,
		VpcEndpointType:   endpointTypeInterface,
		VpcID:             e.vpcID,
		ServiceName:       e.serviceName,
		ServiceRegion:     s.region,
		State:             e.state,
		PolicyDocument:    e.policy,
		SubnetIDs:         slices.Clone(e.subnetIDs),
		IPAddressType:     e.ipAddressType,
		DNSOptions:        dnsOptionsXML{DNSRecordIPType: e.dnsRecordIPType},
		PrivateDNSEnabled: &privateDNS,
		CreationTimestamp: e.createdAt.UTC().Format(timestampLayout),
		Tags:              e.tags.xml(),
		OwnerID:           s.accountID,
	}
	for _, id := range e.groupIDs {
		name := ""
		if g, ok := s.groups[id]; ok {
			name = g.name
		}
		x.Groups = append(x.Groups, groupIdentifierXML{GroupID: id, GroupName: name})
	}
	if e.state == stateDeleted {
		return x
	}
	for _, subnetID := range e.subnetIDs {
		x.NetworkInterfaceIDs = append(x.NetworkInterfaceIDs, e.interfaceIDs[subnetID])
	}
	x.DNSEntries = s.dnsEntries(e)
	return x
}

// dnsEntries lists the names AWS publishes for an interface endpoint: the regional name,
// one name per Availability Zone, and the service's private name when private DNS is on.
func (s *Simulator) dnsEntries(e *vpcEndpoint) []dnsEntryXML {
	stem := e.id + "-" + e.dnsSuffix
	entries := []dnsEntryXML{{DNSName: stem + "." + s.service.endpointDNSBase, HostedZoneID: s.service.hostedZoneID}}
	var zones []string
	for _, id := range e.subnetIDs {
		if sn, ok := s.subnets[id]; ok && !slices.Contains(zones, sn.zone.name) {
			zones = append(zones, sn.zone.name)
		}
	}
	slices.Sort(zones)
	for _, zone := range zones {
		entries = append(entries, dnsEntryXML{DNSName: stem + "-" + zone + "." + s.service.endpointDNSBase, HostedZoneID: s.service.hostedZoneID})
	}
	if e.privateDNS {
		entries = append(entries, dnsEntryXML{DNSName: s.service.privateDNSName, HostedZoneID: e.privateHostedZoneID})
	}
	return entries
}

func (s *Simulator) describeVpcEndpoints(q query, now time.Time) (response, *apiError) {
	c := collection[*vpcEndpoint]{
		idList: "VpcEndpointId", kind: kindEndpoint, pages: pagesCappedAt1000,
		// DescribeVpcEndpoints answers too many filter values with InvalidParameterValue, not
		// FilterLimitExceeded, in the one public report of it (see filters.go).
		filterLimitCode: codeInvalidParameterValue,
		lookup:          func(id string) (*vpcEndpoint, bool) { return s.endpointAt(id, now) },
		all: func() []*vpcEndpoint {
			var out []*vpcEndpoint
			for id := range s.endpoints {
				if e, ok := s.endpointAt(id, now); ok {
					out = append(out, e)
				}
			}
			return out
		},
		seq:  func(e *vpcEndpoint) uint64 { return e.seq },
		tags: func(e *vpcEndpoint) tagSet { return e.tags },
		fields: filterFields[*vpcEndpoint]{
			"vpc-endpoint-id":    func(e *vpcEndpoint) []string { return []string{e.id} },
			"vpc-endpoint-state": func(e *vpcEndpoint) []string { return []string{e.state} },
			"vpc-endpoint-type":  func(*vpcEndpoint) []string { return []string{endpointTypeInterface} },
			"vpc-id":             func(e *vpcEndpoint) []string { return []string{e.vpcID} },
			"service-name":       func(e *vpcEndpoint) []string { return []string{e.serviceName} },
			"service-region":     func(*vpcEndpoint) []string { return []string{s.region} },
			"ip-address-type":    func(e *vpcEndpoint) []string { return []string{e.ipAddressType} },
		},
	}
	items, next, err := c.describe(q)
	if err != nil {
		return nil, err
	}
	resp := &describeVpcEndpointsResponse{NextToken: next}
	for _, e := range items {
		x := s.endpointXML(e)
		s.omitEndpointFields(&x)
		resp.Endpoints = append(resp.Endpoints, x)
	}
	return resp, nil
}
