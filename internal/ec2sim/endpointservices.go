package ec2sim

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

// endpointService is the AWS-owned endpoint service the simulator offers: the Bedrock
// AgentCore Gateway data plane.
type endpointService struct {
	name string // com.amazonaws.<region>.bedrock-agentcore.gateway
	id   string
	// endpointDNSBase is the domain endpoint-specific names live under.
	endpointDNSBase string
	// privateDNSName is the name private DNS makes resolve to the endpoint.
	privateDNSName string
	// hostedZoneID is the public zone of the endpoint-specific names.
	hostedZoneID string
}

// vpceHostedZones holds the published hosted zone of *.vpce.amazonaws.com for regions where
// it is well known; other regions get a stable made-up one.
var vpceHostedZones = map[string]string{
	"us-east-1": "Z7HUB22UULQXV",
}

func gatewayService(region string) endpointService {
	h := fnv.New64a()
	h.Write([]byte(region))
	sum := h.Sum64()
	zone, ok := vpceHostedZones[region]
	if !ok {
		zone = "Z" + strings.ToUpper(fmt.Sprintf("%013x", sum))[:13]
	}
	return endpointService{
		name:            "com.amazonaws." + region + ".bedrock-agentcore.gateway",
		id:              fmt.Sprintf("vpce-svc-0%016x", sum),
		endpointDNSBase: "gateway.bedrock-agentcore." + region + ".vpce.amazonaws.com",
		privateDNSName:  "*.gateway.bedrock-agentcore." + region + ".amazonaws.com",
		hostedZoneID:    zone,
	}
}

type serviceDetailXML struct {
	ServiceName                     string              `xml:"serviceName"`
	ServiceID                       string              `xml:"serviceId"`
	ServiceTypes                    []serviceTypeXML    `xml:"serviceType>item"`
	ServiceRegion                   string              `xml:"serviceRegion"`
	AvailabilityZoneIDs             []string            `xml:"availabilityZoneIdSet>item"`
	AvailabilityZones               []string            `xml:"availabilityZoneSet>item"`
	Owner                           string              `xml:"owner"`
	BaseEndpointDNSNames            []string            `xml:"baseEndpointDnsNameSet>item"`
	PrivateDNSName                  string              `xml:"privateDnsName"`
	PrivateDNSNames                 []privateDNSNameXML `xml:"privateDnsNameSet>item"`
	VpcEndpointPolicySupported      bool                `xml:"vpcEndpointPolicySupported"`
	AcceptanceRequired              bool                `xml:"acceptanceRequired"`
	ManagesVpcEndpoints             bool                `xml:"managesVpcEndpoints"`
	PrivateDNSNameVerificationState string              `xml:"privateDnsNameVerificationState"`
	SupportedIPAddressTypes         []string            `xml:"supportedIpAddressTypeSet>item"`
	Tags                            []tagXML            `xml:"tagSet>item"`
}

type serviceTypeXML struct {
	ServiceType string `xml:"serviceType"`
}

type privateDNSNameXML struct {
	PrivateDNSName string `xml:"privateDnsName"`
}

type describeVpcEndpointServicesResponse struct {
	responseHeader
	ServiceNames   []string           `xml:"serviceNameSet>item"`
	ServiceDetails []serviceDetailXML `xml:"serviceDetailSet>item"`
	NextToken      string             `xml:"nextToken,omitempty"`
}

func (s *Simulator) serviceDetailXML() serviceDetailXML {
	d := serviceDetailXML{
		ServiceName:                     s.service.name,
		ServiceID:                       s.service.id,
		ServiceTypes:                    []serviceTypeXML{{ServiceType: endpointTypeInterface}},
		ServiceRegion:                   s.region,
		Owner:                           "amazon",
		BaseEndpointDNSNames:            []string{s.service.endpointDNSBase},
		PrivateDNSName:                  s.service.privateDNSName,
		PrivateDNSNames:                 []privateDNSNameXML{{PrivateDNSName: s.service.privateDNSName}},
		VpcEndpointPolicySupported:      true,
		PrivateDNSNameVerificationState: "verified",
		SupportedIPAddressTypes:         slices.Clone(s.serviceIPAddressTypes),
	}
	// The zones of Options.ServiceZones; AWS offers a service in a set of zones of its
	// choosing, which clients read here ("The Availability Zones in which the service is
	// available": https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ServiceDetail.html).
	for _, z := range s.serviceZones {
		d.AvailabilityZones = append(d.AvailabilityZones, z.name)
		d.AvailabilityZoneIDs = append(d.AvailabilityZoneIDs, z.id)
	}
	return d
}

func (s *Simulator) describeVpcEndpointServices(q query, _ time.Time) (response, *apiError) {
	for _, name := range q.strings("ServiceName") {
		if name != s.service.name {
			return nil, clientError(codeInvalidServiceName, "The Vpc Endpoint Service '%s' does not exist", name)
		}
	}
	filters, err := parseFilters(q, "")
	if err != nil {
		return nil, err
	}
	p, err := parsePage(q, pagesCappedAt1000)
	if err != nil {
		return nil, err
	}
	fields := filterFields[endpointService]{
		"service-name":   func(svc endpointService) []string { return []string{svc.name} },
		"service-type":   func(endpointService) []string { return []string{endpointTypeInterface} },
		"service-region": func(endpointService) []string { return []string{s.region} },
		"owner":          func(endpointService) []string { return []string{"amazon"} },
	}
	services, err := applyFilters([]endpointService{s.service}, filters, fields, func(endpointService) tagSet { return nil })
	if err != nil {
		return nil, err
	}
	services, next := paginate(services, func(endpointService) uint64 { return 1 }, p)
	resp := &describeVpcEndpointServicesResponse{NextToken: next}
	for _, svc := range services {
		resp.ServiceNames = append(resp.ServiceNames, svc.name)
		resp.ServiceDetails = append(resp.ServiceDetails, s.serviceDetailXML())
	}
	return resp, nil
}
