package ec2sim

import (
	"slices"
	"time"
)

type deleteVpcEndpointsResponse struct {
	responseHeader
	Unsuccessful []unsuccessfulItemXML `xml:"unsuccessful>item"`
}

type unsuccessfulItemXML struct {
	Error      errorXMLLower `xml:"error"`
	ResourceID string        `xml:"resourceId"`
}

type errorXMLLower struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

// modifyVpcEndpoint changes subnets, security groups, policy and DNS settings in place. The
// whole request is validated before anything changes. The endpoint stays available while
// its network interfaces follow the new subnets and groups.
func (s *Simulator) modifyVpcEndpoint(q query, _ time.Time) (response, *apiError) {
	id := q.get("VpcEndpointId")
	if id == "" {
		return nil, missingParameter("VpcEndpointId")
	}
	e, ok := s.endpoints[id]
	if err := kindEndpoint.check(id, ok); err != nil {
		return nil, err
	}
	if e.state == stateDeleting || e.state == stateDeleted {
		return nil, clientError(codeIncorrectState, "The VPC endpoint %s is in state %s and cannot be modified.", id, e.state)
	}
	v := s.vpcs[e.vpcID]

	addSubnets, removeSubnets := q.strings("AddSubnetId"), q.strings("RemoveSubnetId")
	for _, sid := range removeSubnets {
		if err := kindSubnet.check(sid, s.subnets[sid] != nil); err != nil {
			return nil, err
		}
	}
	subnets, err := s.endpointSubnets(v, applySetChange(e.subnetIDs, addSubnets, removeSubnets))
	if err != nil {
		return nil, err
	}
	var added []*subnet
	for _, sn := range subnets {
		if !slices.Contains(e.subnetIDs, sn.id) {
			added = append(added, sn)
		}
	}
	if err := checkFreeAddresses(added); err != nil {
		return nil, err
	}

	addGroups, removeGroups := q.strings("AddSecurityGroupId"), q.strings("RemoveSecurityGroupId")
	for _, gid := range removeGroups {
		if err := kindGroup.check(gid, s.groups[gid] != nil); err != nil {
			return nil, err
		}
	}
	if _, err := s.endpointGroups(v, addGroups); err != nil {
		return nil, err
	}
	groupIDs := applySetChange(e.groupIDs, addGroups, removeGroups)
	if len(groupIDs) == 0 {
		return nil, clientError(codeInvalidParameter, "An interface endpoint must have at least one security group.")
	}

	policy := e.policy
	reset, _, err := q.boolean("ResetPolicy")
	if err != nil {
		return nil, err
	}
	switch {
	case reset && q.has("PolicyDocument"):
		return nil, clientError(codeInvalidParameterCombination, "The parameters ResetPolicy and PolicyDocument cannot be used together.")
	case reset:
		policy = fullAccessPolicy
	case q.has("PolicyDocument"):
		policy = q.get("PolicyDocument")
		if err := validatePolicy(policy); err != nil {
			return nil, err
		}
	}

	ipAddressType, err := parseIPAddressType(q, e.ipAddressType)
	if err != nil {
		return nil, err
	}
	dnsRecordIPType, err := s.parseDNSOptions(q, ipAddressType, e.dnsRecordIPType, e.vpcID)
	if err != nil {
		return nil, err
	}
	privateDNS, set, err := q.boolean("PrivateDnsEnabled")
	if err != nil {
		return nil, err
	}
	if !set {
		privateDNS = e.privateDNS
	}
	if privateDNS && !e.privateDNS {
		if err := s.checkPrivateDNSConflict(e.vpcID, e.id); err != nil {
			return nil, err
		}
	}

	for _, sid := range e.subnetIDs {
		if !slices.ContainsFunc(subnets, func(sn *subnet) bool { return sn.id == sid }) {
			s.releaseInterface(e.interfaceIDs[sid])
			delete(e.interfaceIDs, sid)
		}
	}
	e.groupIDs = groupIDs
	e.subnetIDs = e.subnetIDs[:0]
	for _, sn := range subnets {
		e.subnetIDs = append(e.subnetIDs, sn.id)
	}
	for _, sn := range added {
		e.interfaceIDs[sn.id] = s.addInterface(e, sn).id
	}
	for _, niID := range e.interfaceIDs {
		s.interfaces[niID].groupIDs = slices.Clone(groupIDs)
	}
	e.policy, e.ipAddressType, e.dnsRecordIPType, e.privateDNS = policy, ipAddressType, dnsRecordIPType, privateDNS
	return acknowledged(), nil
}

// deleteVpcEndpoints starts deleting each endpoint. IDs that name no endpoint are reported as
// unsuccessful items, as EC2 does, rather than failing the request.
func (s *Simulator) deleteVpcEndpoints(q query, now time.Time) (response, *apiError) {
	ids := q.strings("VpcEndpointId")
	if len(ids) == 0 {
		return nil, missingParameter("VpcEndpointId")
	}
	resp := &deleteVpcEndpointsResponse{}
	for _, id := range ids {
		e, ok := s.endpoints[id]
		if err := kindEndpoint.check(id, ok); err != nil {
			resp.Unsuccessful = append(resp.Unsuccessful, unsuccessfulItemXML{
				Error:      errorXMLLower{Code: err.code, Message: err.message},
				ResourceID: id,
			})
			continue
		}
		if e.state == statePending || e.state == stateAvailable {
			e.state, e.deletingSince = stateDeleting, now
		}
	}
	// With no deleting delay the endpoints are gone before the response.
	s.settle(now)
	return resp, nil
}
