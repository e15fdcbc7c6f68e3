package ec2sim

import (
	"slices"
	"time"
)

// modifyVpcEndpoint changes subnets, security groups, policy and DNS settings in place
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html). The
// whole request is validated before anything changes. Changes listed in
// Options.ReprovisionOn send the endpoint back to pending for PendingDelay, as AWS_FACTS.md
// says subnet, IP address type and private DNS changes do; AWS does not document which
// changes re-provision.
func (s *Simulator) modifyVpcEndpoint(q query, now time.Time) (response, *apiError) {
	q = s.withoutIgnoredModify(q)
	id := q.get("VpcEndpointId")
	if id == "" {
		return nil, missingParameter("VpcEndpointId")
	}
	e, ok := s.knownEndpoint(id, now)
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
	if err := s.checkRepeatedChange(e.id, "subnet", e.subnetIDs, addSubnets, removeSubnets); err != nil {
		return nil, err
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
	if err := s.checkRepeatedChange(e.id, "security group", e.groupIDs, addGroups, removeGroups); err != nil {
		return nil, err
	}
	if _, err := s.endpointGroups(v, addGroups, now); err != nil {
		return nil, err
	}
	groupIDs := applySetChange(e.groupIDs, addGroups, removeGroups)
	if len(groupIDs) == 0 {
		return nil, clientError(codeInvalidParameter, "An interface endpoint must have at least one security group.")
	}

	policy, err := modifiedPolicy(q, e.policy)
	if err != nil {
		return nil, err
	}
	ipAddressType, err := parseIPAddressType(q, e.ipAddressType)
	if err != nil {
		return nil, err
	}
	if err := s.checkIPAddressType(ipAddressType, subnets); err != nil {
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
		if err := s.checkPrivateDNS(v, e.id); err != nil {
			return nil, err
		}
	}

	subnetIDs := make([]string, 0, len(subnets))
	for _, sn := range subnets {
		subnetIDs = append(subnetIDs, sn.id)
	}
	changed := map[string]bool{
		ReprovisionSubnets:        !sameSet(e.subnetIDs, subnetIDs),
		ReprovisionSecurityGroups: !sameSet(e.groupIDs, groupIDs),
		ReprovisionPolicy:         policy != e.policy,
		ReprovisionIPAddressType:  ipAddressType != e.ipAddressType,
		ReprovisionPrivateDNS:     privateDNS != e.privateDNS,
		ReprovisionDNSOptions:     dnsRecordIPType != e.dnsRecordIPType,
	}

	s.rememberEndpoint(e, now)
	for _, sid := range e.subnetIDs {
		if !slices.Contains(subnetIDs, sid) {
			s.releaseInterface(e.interfaceIDs[sid])
			delete(e.interfaceIDs, sid)
		}
	}
	e.groupIDs, e.subnetIDs = groupIDs, subnetIDs
	for _, sn := range added {
		e.interfaceIDs[sn.id] = s.addInterface(e, sn, now).id
	}
	for _, niID := range e.interfaceIDs {
		s.interfaces[niID].groupIDs = slices.Clone(groupIDs)
	}
	e.policy, e.ipAddressType, e.dnsRecordIPType, e.privateDNS = policy, ipAddressType, dnsRecordIPType, privateDNS
	if slices.ContainsFunc(s.reprovisionOn, func(c string) bool { return changed[c] }) {
		s.reprovision(e, now)
	}
	return acknowledged(), nil
}

// reprovision sends an endpoint back through pending. Callers hold s.mu.
func (s *Simulator) reprovision(e *vpcEndpoint, now time.Time) {
	if s.pendingDelay > 0 && (e.state == stateAvailable || e.state == statePending) {
		e.state, e.pendingSince = statePending, now
	}
}

// modifiedPolicy reads ResetPolicy and PolicyDocument.
func modifiedPolicy(q query, current string) (string, *apiError) {
	reset, _, err := q.boolean("ResetPolicy")
	if err != nil {
		return "", err
	}
	switch {
	case reset && q.has("PolicyDocument"):
		return "", clientError(codeInvalidParameterCombination, "The parameters ResetPolicy and PolicyDocument cannot be used together.")
	case reset:
		return fullAccessPolicy, nil
	case q.has("PolicyDocument"):
		policy := q.get("PolicyDocument")
		return policy, validatePolicy(policy)
	}
	return current, nil
}

// checkRepeatedChange applies Options.RepeatedModify to adding what an endpoint already has
// or removing what it no longer has, as a retried ModifyVpcEndpoint whose first attempt took
// effect does. AWS does not document the answer; with RepeatedModifyInvalidParameter the
// simulator refuses with InvalidParameter and a message of its own.
func (s *Simulator) checkRepeatedChange(endpointID, what string, current, add, remove []string) *apiError {
	if s.repeatedModify != RepeatedModifyInvalidParameter {
		return nil
	}
	for _, id := range add {
		if slices.Contains(current, id) {
			return clientError(codeInvalidParameter, "The %s %s is already associated with the VPC endpoint %s.", what, id, endpointID)
		}
	}
	for _, id := range remove {
		if !slices.Contains(current, id) {
			return clientError(codeInvalidParameter, "The %s %s is not associated with the VPC endpoint %s.", what, id, endpointID)
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x string) bool { return !slices.Contains(b, x) })
}
