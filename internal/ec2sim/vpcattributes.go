package ec2sim

import (
	"fmt"
	"strings"
	"time"
)

// VPC attributes the simulator knows. enableNetworkAddressUsageMetrics is accepted and
// always off: nothing in the simulator depends on it.
const (
	attrDNSSupport   = "enableDnsSupport"
	attrDNSHostnames = "enableDnsHostnames"
	attrNAUMetrics   = "enableNetworkAddressUsageMetrics"
)

type attributeBooleanXML struct {
	Value bool `xml:"value"`
}

type describeVpcAttributeResponse struct {
	responseHeader
	VpcID          string               `xml:"vpcId"`
	DNSSupport     *attributeBooleanXML `xml:"enableDnsSupport,omitempty"`
	DNSHostnames   *attributeBooleanXML `xml:"enableDnsHostnames,omitempty"`
	NAUsageMetrics *attributeBooleanXML `xml:"enableNetworkAddressUsageMetrics,omitempty"`
}

// describeVpcAttribute answers one attribute of a VPC
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcAttribute.html:
// Attribute and VpcId are required).
func (s *Simulator) describeVpcAttribute(q query, _ time.Time) (response, *apiError) {
	v, err := s.vpcForAttribute(q)
	if err != nil {
		return nil, err
	}
	resp := &describeVpcAttributeResponse{VpcID: v.id}
	switch attr := q.get("Attribute"); attr {
	case "":
		return nil, missingParameter("Attribute")
	case attrDNSSupport:
		resp.DNSSupport = &attributeBooleanXML{Value: v.dnsSupport}
	case attrDNSHostnames:
		resp.DNSHostnames = &attributeBooleanXML{Value: v.dnsHostnames}
	case attrNAUMetrics:
		resp.NAUsageMetrics = &attributeBooleanXML{}
	default:
		return nil, invalidValue("Attribute", attr)
	}
	return resp, nil
}

// modifyVpcAttribute sets one attribute of a VPC. ModifyVpcAttribute: "You cannot modify
// the DNS resolution and DNS hostnames attributes in the same request. Use separate
// requests for each attribute. You can only enable DNS hostnames if you've enabled DNS
// support" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcAttribute.html).
// The first refusal is EC2's InvalidParameterCombination, worded as public reports quote it
// (kubernetes-sigs/cluster-api-provider-aws#783); EC2 does not document the code of the
// second, and the simulator answers InvalidParameterValue.
func (s *Simulator) modifyVpcAttribute(q query, _ time.Time) (response, *apiError) {
	v, err := s.vpcForAttribute(q)
	if err != nil {
		return nil, err
	}
	var named []string
	values := map[string]bool{}
	for _, attr := range []string{attrDNSHostnames, attrDNSSupport, attrNAUMetrics} {
		param := strings.ToUpper(attr[:1]) + attr[1:] + ".Value"
		value, set, err := q.boolean(param)
		if err != nil {
			return nil, err
		}
		if set {
			named = append(named, attr)
			values[attr] = value
		}
	}
	switch {
	case len(named) == 0:
		return nil, clientError(codeInvalidParameterCombination, "No attributes specified.")
	case len(named) > 1:
		return nil, clientError(codeInvalidParameterCombination, "Fields for multiple attribute types specified: %s", strings.Join(named, ", "))
	}
	switch attr := named[0]; attr {
	case attrDNSSupport:
		v.dnsSupport = values[attr]
	case attrDNSHostnames:
		if values[attr] && !v.dnsSupport {
			return nil, clientError(codeInvalidParameterValue,
				"DNS hostnames can only be enabled in a VPC with DNS support enabled; enable enableDnsSupport for %s first.", v.id)
		}
		v.dnsHostnames = values[attr]
	}
	return acknowledged(), nil
}

func (s *Simulator) vpcForAttribute(q query) (*vpc, *apiError) {
	id := q.get("VpcId")
	if id == "" {
		return nil, missingParameter("VpcId")
	}
	v, ok := s.vpcs[id]
	if err := kindVPC.check(id, ok); err != nil {
		return nil, err
	}
	return v, nil
}

// PeerVPCs records an active VPC peering connection between two VPCs, so that a security
// group rule in one may reference a group in the other: "To reference a security group in
// a peer VPC, the VPC peering connection must be in the active state"
// (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html). It
// bypasses throttling, faults and call counts: it sets the scene.
func (s *Simulator) PeerVPCs(a, b string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range []string{a, b} {
		if _, ok := s.vpcs[id]; !ok {
			return fmt.Errorf("peering VPCs: no VPC %s", id)
		}
	}
	s.peerings[[2]string{a, b}] = true
	s.peerings[[2]string{b, a}] = true
	return nil
}
